//! A simulated clock, a scripted Frontend API and effect capture for driving
//! the core in host tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use session_swr::core::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Web Locks shared by the tabs of one origin: lock name → held.
pub type LockTable = Rc<RefCell<HashMap<String, ()>>>;

pub const SID: &str = "sess_1";
pub const T0: f64 = 1_700_000_000.0;

/// A time in seconds for building tokens: a number, or a tab's clock.
pub trait Secs {
    fn secs(self) -> f64;
}

impl Secs for f64 {
    fn secs(self) -> f64 {
        self
    }
}

impl Secs for LocalTime {
    fn secs(self) -> f64 {
        self.0
    }
}

/// A JWT with the given header `oiat` and claims. `extra` is spliced into the payload.
pub fn jwt_with(oiat: Option<f64>, iat: f64, exp: f64, extra: &str) -> String {
    let header = match oiat {
        Some(o) => format!(r#"{{"alg":"RS256","typ":"JWT","oiat":{o}}}"#),
        None => r#"{"alg":"RS256","typ":"JWT"}"#.to_string(),
    };
    let payload = format!(r#"{{"sid":"{SID}","iat":{iat},"exp":{exp}{extra}}}"#);
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(b"sig")
    )
}

/// An origin-minted 60 s token issued at `iat`.
pub fn token(iat: impl Secs) -> String {
    let iat = iat.secs();
    jwt_with(Some(iat), iat, iat + 60.0, "")
}

pub fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

pub fn ok(jwt: &str) -> FetchOutcome {
    FetchOutcome::Response {
        status: 200,
        retry_after: None,
        body: format!(r#"{{"object":"token","jwt":"{jwt}"}}"#),
    }
}

pub fn status(code: u16) -> FetchOutcome {
    FetchOutcome::Response {
        status: code,
        retry_after: None,
        body: "{}".into(),
    }
}

pub fn status_retry_after(code: u16, retry_after: &str) -> FetchOutcome {
    FetchOutcome::Response {
        status: code,
        retry_after: Some(retry_after.into()),
        body: "{}".into(),
    }
}

pub fn options() -> SessionOptions {
    SessionOptions {
        frontend_api: "https://clerk.example.com".into(),
        session_id: SID.into(),
        ..SessionOptions::default()
    }
}

pub fn plain() -> GetTokenOptions {
    GetTokenOptions::default()
}

pub fn template(name: &str) -> GetTokenOptions {
    GetTokenOptions {
        template: Some(name.into()),
        ..GetTokenOptions::default()
    }
}

pub fn org(id: Option<&str>) -> GetTokenOptions {
    GetTokenOptions {
        organization_id: OrgChoice::Explicit(id.map(str::to_owned)),
        ..GetTokenOptions::default()
    }
}

pub fn skip_cache() -> GetTokenOptions {
    GetTokenOptions {
        skip_cache: true,
        ..GetTokenOptions::default()
    }
}

pub fn refresh_if_stale() -> GetTokenOptions {
    GetTokenOptions {
        refresh_if_stale: true,
        ..GetTokenOptions::default()
    }
}

/// One tab: a machine on a simulated clock, with every effect recorded.
pub struct Tab {
    pub m: Machine,
    pub now: LocalTime,
    /// Requests sent and not yet answered nor aborted, in order.
    pub pending: Vec<(FetchId, TokensRequest)>,
    /// Requests the machine aborted.
    pub aborted: Vec<FetchId>,
    /// Every request ever sent.
    pub sent: Vec<TokensRequest>,
    pub settled: HashMap<WaiterId, Result<Issued, Error>>,
    pub broadcasts: Vec<OutgoingBroadcast>,
    pub updates: Vec<TokenUpdate>,
    /// `onRefresh` events, in order.
    pub refreshes: Vec<RefreshEvent>,
    /// How often the session said it ended.
    pub ended: u32,
    /// The origin's locks; `None` simulates a browser without Web Locks.
    pub locks: Option<LockTable>,
    /// Locks this tab holds: id → name.
    pub held: HashMap<LockId, String>,
    /// Lock requests answered `Busy`.
    pub busy: usize,
    /// Messages posted on the library's own channel (SPEC 10), questions
    /// included.
    pub peer_posts: Vec<OutgoingBroadcast>,
    /// Questions asked of the other tabs, not yet given a count of them.
    pub asks: Vec<AskId>,
    /// The armed timer, as a driver keeps it: the instant it is for and
    /// when it fires on this tab's clock (a `setTimeout` delay counts real
    /// time, so a clock set back with [`Tab::set_back`] moves it too).
    pub armed: Option<(Instant, LocalTime)>,
}

impl Tab {
    pub fn new() -> Tab {
        Tab::with(options(), None)
    }

    pub fn with(opts: SessionOptions, last_active: Option<&str>) -> Tab {
        let cfg = Config::new(opts, 42, &SerdeJson).unwrap();
        Tab::from_machine(Machine::new(cfg, last_active, LocalTime(T0)).unwrap())
    }

    /// A tab whose clock reads `local` when the session starts.
    pub fn starting_at(opts: SessionOptions, local: f64) -> Tab {
        let cfg = Config::new(opts, 42, &SerdeJson).unwrap();
        let mut tab = Tab::from_machine(Machine::new(cfg, None, LocalTime(local)).unwrap());
        tab.now = LocalTime(local);
        tab
    }

    /// A tab with `opts` and jitter seed `seed`, on the origin whose locks
    /// are `locks` (`None`: no Web Locks).
    pub fn on_locks(opts: SessionOptions, seed: u64, locks: Option<LockTable>) -> Tab {
        let cfg = Config::new(opts, seed, &SerdeJson).unwrap();
        Tab::with_locks(Machine::new(cfg, None, LocalTime(T0)).unwrap(), locks)
    }

    pub fn from_machine(m: Machine) -> Tab {
        Tab::with_locks(m, Some(LockTable::default()))
    }

    /// A tab on the origin whose locks are `locks` (`None`: no Web Locks).
    pub fn with_locks(mut m: Machine, locks: Option<LockTable>) -> Tab {
        m.set_web_locks(locks.is_some());
        Tab {
            locks,
            held: HashMap::new(),
            busy: 0,
            peer_posts: Vec::new(),
            asks: Vec::new(),
            armed: None,
            m,
            now: LocalTime(T0),
            pending: Vec::new(),
            aborted: Vec::new(),
            sent: Vec::new(),
            settled: HashMap::new(),
            broadcasts: Vec::new(),
            updates: Vec::new(),
            refreshes: Vec::new(),
            ended: 0,
        }
    }

    pub fn drain(&mut self) {
        self.drain_effects();
        self.rearm();
    }

    /// Arms the timer for the machine's next deadline, unless it is armed
    /// for that one already.
    pub fn rearm(&mut self) {
        let next = self.m.poll_timeout(self.now);
        if next != self.armed.map(|(at, _)| at) {
            self.armed = next.map(|at| (at, self.now + (at - self.m.instant()).max(0.0)));
        }
    }

    /// Sets the wall clock back `secs` seconds (no time passes): a timer
    /// armed before fires after the same real delay.
    pub fn set_back(&mut self, secs: f64) {
        self.now -= secs;
        if let Some((_, due)) = &mut self.armed {
            *due -= secs;
        }
    }

    fn drain_effects(&mut self) {
        while let Some(effect) = self.m.poll_effect() {
            match effect {
                Effect::Fetch { id, request } => {
                    self.sent.push(request.clone());
                    self.pending.push((id, request));
                }
                Effect::Abort { id } => {
                    assert!(!self.aborted.contains(&id), "{id:?} aborted twice");
                    self.aborted.push(id);
                    self.pending.retain(|(p, _)| *p != id);
                }
                Effect::Settle { waiter, result } => {
                    assert!(
                        self.settled.insert(waiter, result).is_none(),
                        "waiter {waiter:?} settled twice"
                    );
                }
                Effect::Broadcast(b) => self.broadcasts.push(b),
                Effect::TokenUpdate(u) => self.updates.push(u),
                Effect::Refresh(e) => self.refreshes.push(e),
                Effect::SessionEnded => self.ended += 1,
                Effect::Ask { id, message } => {
                    self.asks.push(id);
                    self.peer_posts.push(message);
                }
                Effect::Peer(message) => self.peer_posts.push(message),
                Effect::AcquireLock { id, name } => {
                    let table = self.locks.clone().expect("no Web Locks, yet asked for one");
                    let free = table.borrow_mut().insert(name.clone(), ()).is_none();
                    let result = if free {
                        self.held.insert(id, name);
                        LockResult::Acquired
                    } else {
                        self.busy += 1;
                        LockResult::Busy
                    };
                    self.m.handle_lock(self.now, id, result);
                }
                Effect::ReleaseLock { id } => {
                    let name = self.held.remove(&id).expect("released a lock not held");
                    if let Some(table) = &self.locks {
                        table.borrow_mut().remove(&name);
                    }
                }
            }
        }
    }

    pub fn get(&mut self, opts: &GetTokenOptions) -> GetOutcome {
        let out = self.m.get_token(self.now, opts);
        self.drain();
        out
    }

    /// `getToken` that must wait; returns the waiter.
    pub fn get_wait(&mut self, opts: &GetTokenOptions) -> WaiterId {
        match self.get(opts) {
            GetOutcome::Wait(w) => w,
            other => panic!("expected to wait, got {other:?}"),
        }
    }

    /// `getToken` that must be served from the cache.
    pub fn get_ready(&mut self, opts: &GetTokenOptions) -> String {
        match self.get(opts) {
            GetOutcome::Ready(t) => t,
            other => panic!("expected a cached token, got {other:?}"),
        }
    }

    /// Answers the oldest pending request.
    pub fn respond(&mut self, outcome: FetchOutcome) {
        assert!(!self.pending.is_empty(), "no request to answer");
        let (id, _) = self.pending.remove(0);
        self.m.handle_fetch(self.now, id, outcome);
        self.drain();
    }

    /// Answers the pending request `index`.
    pub fn respond_to(&mut self, index: usize, outcome: FetchOutcome) {
        let (id, _) = self.pending.remove(index);
        self.m.handle_fetch(self.now, id, outcome);
        self.drain();
    }

    /// Moves the clock `secs` on, firing every timer due on the way, as
    /// `setTimeout` would: after the delay the machine asked for.
    pub fn advance(&mut self, secs: f64) {
        let target = self.now + secs;
        let mut guard = 0;
        loop {
            self.rearm();
            let Some((at, due)) = self.armed.filter(|(_, due)| *due <= target) else {
                break;
            };
            self.now = self.now.max(due);
            self.armed = None;
            self.m.handle_timer(self.now, at);
            self.drain();
            guard += 1;
            assert!(guard < 100_000, "timer loop does not advance");
        }
        self.now = target;
    }

    /// Moves the clock on in steps of `step` seconds until a request is
    /// out (an hour at most).
    pub fn until_sent(&mut self, step: f64) {
        let end = self.now + 3600.0;
        while self.pending.is_empty() {
            assert!(self.now < end, "no request in an hour");
            self.advance(step);
        }
    }

    /// Seconds until the machine's next timeout, as a driver would arm it.
    pub fn timer_in(&mut self) -> Option<f64> {
        let at = self.m.poll_timeout(self.now)?;
        Some(at - self.m.instant())
    }

    pub fn result(&self, w: WaiterId) -> Option<&Result<Issued, Error>> {
        self.settled.get(&w)
    }

    pub fn token_of(&self, w: WaiterId) -> String {
        match self.settled.get(&w) {
            Some(Ok(t)) => t.token.clone(),
            other => panic!("waiter {w:?}: expected a token, got {other:?}"),
        }
    }

    /// The error waiter `w` was rejected with, without where and why (see
    /// [`Tab::full_error_of`]).
    pub fn error_of(&self, w: WaiterId) -> Error {
        self.full_error_of(w).root().clone()
    }

    /// The error waiter `w` was rejected with, as the caller gets it.
    pub fn full_error_of(&self, w: WaiterId) -> Error {
        match self.settled.get(&w) {
            Some(Err(e)) => e.clone(),
            other => panic!("waiter {w:?}: expected an error, got {other:?}"),
        }
    }

    pub fn cached(&self) -> Option<String> {
        self.m.cached(SID).map(|t| t.raw.clone())
    }

    /// Fills the default key: one fetch answered with `jwt`.
    pub fn prime(&mut self, jwt: &str) {
        let w = self.get_wait(&plain());
        self.respond(ok(jwt));
        assert_eq!(self.token_of(w), jwt);
    }
}

/// The body field `name` of a form body, decoded loosely (JWTs need no decoding).
pub fn form_field<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Turns an outgoing message into what the receiving tab sees.
pub fn deliver(b: &OutgoingBroadcast) -> IncomingBroadcast {
    b.received().fields
}

/// A message for the default key carrying `jwt`.
pub fn message(jwt: &str) -> IncomingBroadcast {
    IncomingBroadcast {
        token_id: Field::Str(SID.into()),
        token_raw: Field::Str(jwt.into()),
        session_id: Field::Str(SID.into()),
        template: Field::Missing,
        organization_id: Field::Null,
    }
}
