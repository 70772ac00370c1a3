//! A deterministic multi-tab simulation: N tabs (each a real `Machine`) on
//! virtual time, one origin's Web Locks, both channels, and a simulated
//! Frontend API ([`server`]) with origin and edge mints, latency, failures,
//! outages, 429s and 401s; tabs that sleep (timers frozen) and wake, hidden
//! tabs, tabs that reload, per-tab clock skew and a machine clock stepped
//! back and forth. Every step is checked against the server's truth (its
//! true clock and its record of each token's claims), never against the
//! library's own rules; [`report::judge`] holds each scenario to its bounds.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod report;
mod scenario;
mod server;

pub use report::{judge, table, Report};
pub use scenario::{churn, scenarios, Scenario};

use session_swr::core::Rng;
use session_swr::core::*;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use server::Server;

pub const SID: &str = "sess_sim";
const START: f64 = 1_700_000_000.0;
/// SPEC 2: never serve a token with this many seconds or fewer left.
const CUTOFF: f64 = 5.0;

/// A new session in tab `i` (the `n`th opened), its clock at `local`, for
/// organization `org`.
fn open(sc: &Scenario, i: usize, n: u64, local: LocalTime, org: Option<&str>) -> Machine {
    let opts = SessionOptions {
        frontend_api: "https://fapi.sim".into(),
        session_id: SID.into(),
        organization_id: org.map(str::to_owned),
        background_refresh_threshold: sc.threshold,
        ..SessionOptions::default()
    };
    let mut cfg = Config::new(opts, sc.seed * 1000 + n, &SerdeJson).unwrap();
    for fault in &sc.faults {
        cfg.faults.set(*fault);
    }
    let mut m = Machine::new(cfg, None, local).unwrap();
    m.set_web_locks(sc.locks);
    let hidden = (i as f64) >= sc.tabs as f64 * (1.0 - sc.hidden) && sc.hidden > 0.0;
    m.set_visible(local, !hidden);
    m.set_handover(local, true);
    m
}

#[derive(Debug)]
enum Event {
    Timer {
        tab: usize,
        gen: u64,
    },
    Call {
        tab: usize,
    },
    Response {
        tab: usize,
        /// Which of the tab's sessions sent it.
        opened: u64,
        id: FetchId,
        outcome: FetchOutcome,
    },
    /// A message of the library's own channel reaches a tab.
    Peer {
        tab: usize,
        msg: IncomingPeer,
    },
    /// The other tabs are counted for a question.
    Peers {
        tab: usize,
        opened: u64,
        ask: AskId,
    },
    /// The tab reloads: a new session.
    Reload {
        tab: usize,
    },
    /// The app switches organization: the session is disposed and a new
    /// one made for the other organization, in one task.
    Switch {
        tab: usize,
    },
    /// Ten API calls of the app are refused 401 at once.
    Burst {
        tab: usize,
    },
    Deliver {
        tab: usize,
        msg: IncomingBroadcast,
    },
    Sleep {
        tab: usize,
    },
    Wake {
        tab: usize,
    },
    /// The wall clock is set `by` seconds (either way), in every tab.
    Step {
        by: f64,
    },
}

/// What an app's call asks for.
#[derive(Clone, Copy, PartialEq)]
enum Call {
    Get(Opts),
    Peek(Opts),
}

#[derive(Clone, Copy, PartialEq)]
enum Opts {
    Plain,
    Template,
    Org,
    SkipCache,
    RefreshIfStale,
}

impl Opts {
    fn build(self) -> GetTokenOptions {
        let mut o = GetTokenOptions::default();
        match self {
            Opts::Plain => {}
            Opts::Template => o.template = Some("tmpl".into()),
            Opts::Org => o.organization_id = OrgChoice::Explicit(Some("org_2".into())),
            Opts::SkipCache => o.skip_cache = true,
            Opts::RefreshIfStale => o.refresh_if_stale = true,
        }
        o
    }
}

struct Tab {
    m: Machine,
    /// Sessions opened in this tab before the current one.
    opened: u64,
    skew: f64,
    asleep: bool,
    /// The armed timer: the machine's deadline it is for, and its generation.
    timer: Option<(Instant, u64)>,
    gen: u64,
    held: HashMap<LockId, String>,
    waiting: HashMap<WaiterId, f64>,
    /// Each key's cached token when last looked at, to judge every write.
    seen: HashMap<String, String>,
    requests: Vec<f64>,
    /// Requests sent by the current session and not yet settled for it:
    /// each is reported once it is answered or aborted (SPEC 8.4).
    open: HashSet<FetchId>,
    /// Responses that came while the tab was frozen, handled when it wakes.
    backlog: Vec<(FetchId, FetchOutcome)>,
    /// When the current session opened.
    opened_at: f64,
    /// When the current session ended (a 401, here or in another tab).
    ended_at: Option<f64>,
    /// The current session's organization (`switches`).
    org: Option<&'static str>,
    /// When the current session's first call that waits was made, while
    /// the session has not gone past asking the others (no request or
    /// token yet, nor a busy lock); `None` before such a call and after.
    asking: Option<f64>,
    /// The current session has gone past asking (or never needed to).
    asked: bool,
}

pub struct Sim {
    sc: Scenario,
    now: f64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64, usize)>>,
    events: HashMap<usize, Event>,
    next_event: usize,
    tabs: Vec<Tab>,
    locks: HashSet<String>,
    server: Server,
    rng: Rng,
    keys: HashSet<String>,
    report: Report,
}

impl Sim {
    pub fn new(sc: Scenario) -> Sim {
        let mut rng = Rng::new(sc.seed);
        let tabs = (0..sc.tabs)
            .map(|i| {
                let (lo, hi) = sc.skew;
                let mag = lo + (hi - lo) * rng.next_f64();
                let skew = sc.machine_skew + if rng.next_f64() < 0.5 { -mag } else { mag };
                let m = open(&sc, i, i as u64, LocalTime(START + skew), None);
                Tab {
                    m,
                    opened: 0,
                    skew,
                    asleep: false,
                    timer: None,
                    gen: 0,
                    held: HashMap::new(),
                    waiting: HashMap::new(),
                    seen: HashMap::new(),
                    requests: Vec::new(),
                    open: HashSet::new(),
                    backlog: Vec::new(),
                    opened_at: START,
                    ended_at: None,
                    org: None,
                    asking: None,
                    asked: false,
                }
            })
            .collect();
        let report = Report {
            name: sc.name.into(),
            tabs: sc.tabs,
            hours: sc.hours,
            frozen: sc.sleepers,
            ..Report::default()
        };
        Sim {
            sc,
            now: START,
            seq: 0,
            queue: BinaryHeap::new(),
            events: HashMap::new(),
            next_event: 0,
            tabs,
            locks: HashSet::new(),
            server: Server::new(),
            rng,
            keys: HashSet::new(),
            report,
        }
    }

    fn at(&mut self, t: f64, e: Event) {
        let key = self.next_event;
        self.next_event += 1;
        self.events.insert(key, e);
        self.seq += 1;
        self.queue.push(Reverse((
            ((t - START) * 1e6).max(0.0) as u64,
            self.seq,
            key,
        )));
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.rng.next_f64()
    }

    /// Tab `tab`'s clock, `skew` off the simulation's (the server's).
    fn local(&self, tab: usize) -> LocalTime {
        LocalTime(self.now + self.tabs[tab].skew)
    }

    fn violation(&mut self, what: String) {
        let msg = format!("t+{:.1}s {what}", self.now - START);
        self.report.violations.push(msg);
    }

    pub fn run(mut self) -> Report {
        let end = START + self.sc.hours * 3600.0;
        for tab in 0..self.sc.tabs {
            // Tabs open within the first 100 ms and the app asks at once.
            let t = START + self.uniform(0.0, 0.1);
            self.at(t, Event::Call { tab });
            if self.sc.reloads {
                let t = START + self.uniform(300.0, 1800.0);
                self.at(t, Event::Reload { tab });
            }
            if self.sc.switches {
                let t = START + self.uniform(300.0, 1800.0);
                self.at(t, Event::Switch { tab });
            }
            if self.sc.bursts > 0.0 {
                let t = START + self.uniform(0.5, 1.0) * self.sc.bursts;
                self.at(t, Event::Burst { tab });
            }
            if self.sc.sleepers && tab % 2 == 1 {
                let t = START + self.uniform(300.0, 1800.0);
                self.at(t, Event::Sleep { tab });
            }
        }
        if self.sc.clock_steps {
            let t = START + self.uniform(600.0, 1800.0);
            let by = self.step_size();
            self.at(t, Event::Step { by });
        }
        // The sessions start as their pages load: their questions go out now.
        self.settle_all();
        let heal_at = self.trouble().map(|(_, e)| START + e);
        while let Some(Reverse((t, _, key))) = self.queue.pop() {
            self.now = START + t as f64 / 1e6;
            if self.now > end {
                break;
            }
            let event = self.events.remove(&key).unwrap();
            self.step(event);
            if let Some(h) = heal_at {
                if self.now >= h && self.report.heal_time.is_none() && self.all_servable() {
                    self.report.heal_time = Some(self.now - h);
                }
            }
        }
        self.finish(end)
    }

    fn all_servable(&mut self) -> bool {
        (0..self.tabs.len()).all(|i| {
            let local = self.local(i);
            let t = &mut self.tabs[i];
            t.asleep || t.m.peek_token(local, &GetTokenOptions::default()).is_some()
        })
    }

    fn step(&mut self, event: Event) {
        match event {
            Event::Timer { tab, gen } => {
                let t = &self.tabs[tab];
                if t.asleep || t.timer.map(|(_, g)| g) != Some(gen) {
                    return;
                }
                let at = self.tabs[tab].timer.take().map(|(at, _)| at);
                let local = self.local(tab);
                match at {
                    Some(at) => self.tabs[tab].m.handle_timer(local, at),
                    None => self.tabs[tab].m.handle_timeout(local),
                }
            }
            Event::Call { tab } => {
                if !self.tabs[tab].asleep {
                    let call = self.pick_call();
                    self.call(tab, call);
                }
                let next = self.now + self.sc.call_every * self.uniform(0.5, 1.5);
                self.at(next, Event::Call { tab });
            }
            Event::Response {
                tab,
                opened,
                id,
                outcome,
            } => {
                if opened != self.tabs[tab].opened {
                    return; // sent by a session the tab has left
                }
                if self.tabs[tab].asleep {
                    // A frozen page handles it when it wakes, late.
                    self.tabs[tab].backlog.push((id, outcome));
                    return;
                }
                self.answer(tab, id, outcome);
            }
            Event::Peer { tab, msg } => {
                if !self.tabs[tab].asleep {
                    let local = self.local(tab);
                    let _ = self.tabs[tab].m.handle_peer(local, &msg);
                }
            }
            Event::Peers { tab, opened, ask } => {
                if opened == self.tabs[tab].opened {
                    let local = self.local(tab);
                    // Without Web Locks there is nothing to count: 0.
                    let peers = if self.sc.locks {
                        self.tabs.len() as u32 - 1
                    } else {
                        0
                    };
                    self.tabs[tab].m.handle_peers(local, ask, peers);
                }
            }
            Event::Reload { tab } => self.reload(tab),
            Event::Switch { tab } => self.switch(tab),
            Event::Burst { tab } => {
                if !self.tabs[tab].asleep {
                    self.burst(tab);
                }
                let t = self.now + self.sc.bursts * self.uniform(0.5, 1.5);
                self.at(t, Event::Burst { tab });
            }
            Event::Step { by } => {
                for tab in &mut self.tabs {
                    tab.skew += by;
                }
                self.report.clock_steps += 1;
                // Half the steps undo the last one, and a clock over two
                // hours off is set right, so the clock wanders back and forth.
                let skew = self.tabs.first().map_or(0.0, |t| t.skew);
                let next = if skew.abs() > 7200.0 {
                    -skew
                } else if self.rng.next_f64() < 0.5 {
                    -by
                } else {
                    self.step_size()
                };
                let t = self.now + self.uniform(600.0, 1800.0);
                self.at(t, Event::Step { by: next });
            }
            Event::Deliver { tab, msg } => {
                if self.tabs[tab].asleep {
                    return; // a frozen page misses the message
                }
                let local = self.local(tab);
                let _ = self.tabs[tab].m.handle_broadcast(local, &msg);
            }
            Event::Sleep { tab } => {
                self.tabs[tab].asleep = true;
                let t = self.now + self.uniform(60.0, 1200.0);
                self.at(t, Event::Wake { tab });
            }
            Event::Wake { tab } => {
                self.tabs[tab].asleep = false;
                self.tabs[tab].timer = None;
                for (id, outcome) in std::mem::take(&mut self.tabs[tab].backlog) {
                    self.answer(tab, id, outcome);
                }
                let local = self.local(tab);
                self.tabs[tab].m.handle_timeout(local); // pageshow / focus
                let t = self.now + self.uniform(300.0, 1800.0);
                self.at(t, Event::Sleep { tab });
            }
        }
        self.judge_writes();
        self.settle_all();
    }

    /// Hands request `id`'s outcome to its tab.
    fn answer(&mut self, tab: usize, id: FetchId, outcome: FetchOutcome) {
        if self.tabs[tab].open.remove(&id) {
            // Still open for its session: it will be reported (SPEC 8.4).
            self.report.expected_events += 1;
        }
        let local = self.local(tab);
        self.tabs[tab].m.handle_fetch(local, id, outcome);
    }

    /// The page goes, with its locks and its callers; a new session starts
    /// and the app asks for a token at once.
    fn reload(&mut self, tab: usize) {
        let t = &mut self.tabs[tab];
        for name in std::mem::take(&mut t.held).into_values() {
            self.locks.remove(&name);
        }
        t.waiting.clear();
        // The page's requests go with it, unreported.
        t.open.clear();
        let org = t.org;
        self.restart(tab, org);
        self.report.reloads += 1;
        self.call(tab, Call::Get(Opts::Plain));
        let t = self.now + self.uniform(300.0, 1800.0);
        self.at(t, Event::Reload { tab });
    }

    /// `old.dispose(); new Session({ organizationId: other })` in one task:
    /// the page stays, and so do the other tabs' tokens.
    fn switch(&mut self, tab: usize) {
        self.tabs[tab].m.dispose();
        // What the disposed session leaves: its locks let go, its requests
        // aborted (and reported), its callers rejected.
        while let Some(effect) = self.tabs[tab].m.poll_effect() {
            match effect {
                Effect::ReleaseLock { .. } | Effect::Abort { .. } | Effect::Settle { .. } => {
                    self.effect(tab, effect)
                }
                _ => {}
            }
        }
        let t = &mut self.tabs[tab];
        for name in std::mem::take(&mut t.held).into_values() {
            self.locks.remove(&name);
        }
        // Calls of the old session were rejected `disposed`.
        t.waiting.clear();
        t.open.clear();
        let org = if t.org.is_some() { None } else { Some("org_b") };
        self.restart(tab, org);
        self.report.switches += 1;
        self.call(tab, Call::Get(Opts::Plain));
        let t = self.now + self.uniform(300.0, 1800.0);
        self.at(t, Event::Switch { tab });
    }

    /// A new session in tab `tab`, for `org`.
    fn restart(&mut self, tab: usize, org: Option<&'static str>) {
        let t = &mut self.tabs[tab];
        t.backlog.clear();
        t.seen.clear();
        t.asleep = false;
        t.opened += 1;
        t.gen += 1;
        t.timer = None;
        t.opened_at = self.now;
        t.ended_at = None;
        t.org = org;
        t.asking = None;
        t.asked = false;
        let n = self.sc.tabs as u64 * t.opened + tab as u64;
        let local = self.local(tab);
        self.tabs[tab].m = open(&self.sc, tab, n, local, org);
    }

    /// Ten API calls refused 401 with the token they carried, each asking
    /// for a fresher one at once, as `fetchWithAuth` does (SPEC 11.5).
    fn burst(&mut self, tab: usize) {
        let local = self.local(tab);
        let Some(refused) = self.tabs[tab].m.peek_token(local, &Opts::Plain.build()) else {
            return;
        };
        self.report.bursts += 1;
        let opts = GetTokenOptions {
            skip_cache: true,
            refused: Some(refused.clone()),
            ..GetTokenOptions::default()
        };
        for _ in 0..10 {
            self.report.calls += 1;
            match self.tabs[tab].m.get_token(local, &opts) {
                GetOutcome::Ready(token) if token == refused => {
                    self.violation(format!("tab {tab} handed back the token the API refused"))
                }
                GetOutcome::Ready(token) => self.check_served(tab, &token, "served"),
                GetOutcome::Wait(w) => {
                    self.tabs[tab].waiting.insert(w, self.now);
                }
                GetOutcome::Failed(_) => self.report.failed_calls += 1,
            }
        }
    }

    /// The window in which the Frontend API misbehaves, if any.
    fn trouble(&self) -> Option<(f64, f64)> {
        self.sc.outage.or(self.sc.unavailable).or(self.sc.hang)
    }

    /// A wall-clock step: seconds to an hour, back or forward.
    fn step_size(&mut self) -> f64 {
        let mag = [2.0, 30.0, 300.0, 3600.0][(self.rng.next_u64() % 4) as usize];
        let mag = mag * self.uniform(0.5, 1.0);
        if self.rng.next_f64() < 0.5 {
            -mag
        } else {
            mag
        }
    }

    fn pick_call(&mut self) -> Call {
        if !self.sc.mixed_calls {
            return Call::Get(Opts::Plain);
        }
        match self.rng.next_f64() {
            r if r < 0.5 => Call::Get(Opts::Plain),
            r if r < 0.6 => Call::Peek(Opts::Plain),
            r if r < 0.7 => Call::Get(Opts::Template),
            r if r < 0.8 => Call::Get(Opts::Org),
            r if r < 0.85 => Call::Get(Opts::SkipCache),
            r if r < 0.9 => Call::Get(Opts::RefreshIfStale),
            r if r < 0.95 => Call::Peek(Opts::Template),
            _ => Call::Peek(Opts::Org),
        }
    }

    fn call(&mut self, tab: usize, call: Call) {
        let local = self.local(tab);
        match call {
            Call::Peek(opts) => {
                if let Some(token) = self.tabs[tab].m.peek_token(local, &opts.build()) {
                    self.check_served(tab, &token, "peeked");
                }
            }
            Call::Get(opts) => {
                self.report.calls += 1;
                // A skipCache or refreshIfStale call waits by design.
                let may_wait = matches!(opts, Opts::SkipCache | Opts::RefreshIfStale);
                match self.tabs[tab].m.get_token(local, &opts.build()) {
                    GetOutcome::Ready(token) => self.check_served(tab, &token, "served"),
                    GetOutcome::Wait(w) => {
                        if !may_wait {
                            self.report.waited += 1;
                        }
                        let t = &mut self.tabs[tab];
                        t.waiting.insert(w, self.now);
                        if !t.asked && t.asking.is_none() {
                            t.asking = Some(self.now);
                        }
                    }
                    GetOutcome::Failed(_) => self.report.failed_calls += 1,
                }
            }
        }
    }

    /// A token handed to the app: it must have more than the cutoff left
    /// on the server's true clock, and the server must have minted it.
    fn check_served(&mut self, tab: usize, token: &str, how: &str) {
        let Some(minted) = self.server.minted(token) else {
            return self.violation(format!("tab {tab} {how} a token the server never minted"));
        };
        let left = minted.exp - self.now;
        if left <= CUTOFF {
            let skew = self.tabs[tab].skew;
            self.violation(format!(
                "tab {tab} (skew {skew:.1}) {how} a token with {left:.2} s left"
            ));
        }
    }

    /// Every write into every tab's cache, judged by the server's record:
    /// no key's token is replaced by one whose claims were read earlier
    /// (SPEC 2.5), whether or not the write fired an update event. Called
    /// after every input a machine is given (each makes one write at most).
    fn judge_writes(&mut self) {
        for tab in 0..self.tabs.len() {
            let cached: HashMap<String, String> = self.tabs[tab]
                .m
                .cached_tokens()
                .map(|(id, jwt)| (id.to_owned(), jwt.raw.clone()))
                .collect();
            let mut found = Vec::new();
            for (id, token) in &cached {
                let before = self.tabs[tab].seen.get(id);
                if before == Some(token) {
                    continue;
                }
                let (Some(new), old) = (
                    self.server.minted(token),
                    before.and_then(|b| self.server.minted(b)),
                ) else {
                    found.push(format!("tab {tab} cached a token the server never minted"));
                    continue;
                };
                if let Some(old) = old.filter(|old| new.read < old.read) {
                    found.push(format!(
                        "tab {tab} {id}: claims read at {:.0} (v{}) replaced by staler ones read at {:.0} (v{})",
                        old.read - START,
                        old.ver,
                        new.read - START,
                        new.ver
                    ));
                }
            }
            for f in found {
                self.violation(f);
            }
            self.tabs[tab].seen = cached;
        }
    }

    /// Carries out every tab's effects until none are left, then re-arms timers.
    fn settle_all(&mut self) {
        loop {
            let mut any = false;
            for tab in 0..self.tabs.len() {
                while let Some(effect) = self.tabs[tab].m.poll_effect() {
                    any = true;
                    self.effect(tab, effect);
                }
            }
            self.judge_writes();
            if !any {
                break;
            }
        }
        for tab in 0..self.tabs.len() {
            let local = self.local(tab);
            let deadline = self.tabs[tab].m.poll_timeout(local);
            let delay = deadline.map(|d| (d - self.tabs[tab].m.instant()).max(0.0));
            let armed = self.tabs[tab].timer.map(|(d, _)| d);
            if deadline != armed {
                self.tabs[tab].gen += 1;
                let gen = self.tabs[tab].gen;
                self.tabs[tab].timer = deadline.map(|d| (d, gen));
                if let Some(delay) = delay {
                    // setTimeout takes a delay; a browser timer fires then or
                    // a little later.
                    self.at(self.now + delay + 0.001, Event::Timer { tab, gen });
                }
            }
        }
    }

    fn effect(&mut self, tab: usize, effect: Effect) {
        match effect {
            Effect::Fetch { id, request } => {
                self.asked(tab);
                self.report.requests += 1;
                if server::is_skip_cache(&request) {
                    self.report.skip_requests += 1;
                } else {
                    self.keys.insert(server::key_of(&request));
                }
                if self.tabs[tab].ended_at.is_some() {
                    self.report.requests_after_end += 1;
                }
                self.tabs[tab].requests.push(self.now);
                self.tabs[tab].open.insert(id);
                let latency = self.uniform(self.sc.latency.0, self.sc.latency.1);
                let roll = self.rng.next_f64();
                let reach = self.now + latency * self.sc.mint_at;
                if self
                    .sc
                    .hang
                    .is_some_and(|(s, e)| reach - START >= s && reach - START < e)
                {
                    return; // never answered
                }
                let outcome = self.server.serve(&self.sc, reach, &request, roll);
                let opened = self.tabs[tab].opened;
                if self.now - self.tabs[tab].opened_at < 1.0 && opened > 0 {
                    self.report.reload_requests += 1;
                }
                self.at(
                    self.now + latency,
                    Event::Response {
                        tab,
                        opened,
                        id,
                        outcome,
                    },
                );
            }
            Effect::Settle { waiter, result } => {
                if let Some(since) = self.tabs[tab].waiting.remove(&waiter) {
                    self.report.longest_wait = self.report.longest_wait.max(self.now - since);
                    if let Ok(issued) = result {
                        self.check_served(tab, &issued.token, "settled a call with");
                    }
                }
            }
            Effect::Broadcast(b) => {
                for other in 0..self.tabs.len() {
                    if other != tab {
                        let msg = b.received().fields;
                        self.at(self.now + 0.001, Event::Deliver { tab: other, msg });
                    }
                }
            }
            Effect::TokenUpdate(u) => {
                self.asked(tab);
                if self.server.minted(&u.token).is_none() {
                    self.violation(format!(
                        "tab {tab} announced a token the server never minted"
                    ));
                }
            }
            Effect::AcquireLock { id, name } => {
                let result = if self.locks.insert(name.clone()) {
                    self.tabs[tab].held.insert(id, name);
                    LockResult::Acquired
                } else {
                    // Waiting for the lock's holder is not being held back
                    // by the question (SPEC 4.4 bounds it apart).
                    self.tabs[tab].asking = None;
                    LockResult::Busy
                };
                let local = self.local(tab);
                self.tabs[tab].m.handle_lock(local, id, result);
            }
            Effect::ReleaseLock { id } => {
                if let Some(name) = self.tabs[tab].held.remove(&id) {
                    self.locks.remove(&name);
                }
            }
            Effect::Refresh(_) => self.report.refresh_events += 1,
            Effect::Abort { id } => {
                // Reported as it is aborted; its answer, if it comes, is not.
                if self.tabs[tab].open.remove(&id) {
                    self.report.expected_events += 1;
                }
            }
            Effect::Ask { id, message } => {
                self.post_peer(tab, &message);
                if self.sc.liars {
                    self.lie_to(tab, &message);
                }
                let opened = self.tabs[tab].opened;
                // Counting the Web Locks takes a moment.
                self.at(
                    self.now + 0.0005,
                    Event::Peers {
                        tab,
                        opened,
                        ask: id,
                    },
                );
            }
            Effect::Peer(message) => self.post_peer(tab, &message),
            Effect::SessionEnded => {
                self.report.sessions_ended += 1;
                if self.tabs[tab].ended_at.replace(self.now).is_some() {
                    self.violation(format!("tab {tab}'s session ended twice"));
                }
            }
        }
    }

    /// The current session of `tab` has gone past asking the others (it
    /// sends a request or takes a token): how long that held its first call
    /// back (SPEC 10.1: a lone or rebuilt tab, a few ms).
    fn asked(&mut self, tab: usize) {
        let t = &mut self.tabs[tab];
        t.asked = true;
        if let Some(since) = t.asking.take() {
            self.report.held_back = self.report.held_back.max(self.now - since);
        }
    }

    /// A page on the channel that answers `question` with malformed
    /// messages, before any honest tab can: a token that does not decode
    /// with a skew far behind (10.3, 8.1), another session's answer, an
    /// answer of no known type. The asker must ignore each whole.
    fn lie_to(&mut self, tab: usize, question: &OutgoingBroadcast) {
        let honest = question.received();
        let lie = |kind: &str, token: &str, sid: &str, skew: Option<f64>| {
            let mut m = honest.clone();
            m.kind = Field::Str(kind.into());
            m.skew = skew;
            m.fields.token_raw = Field::Str(token.into());
            m.fields.session_id = Field::Str(sid.into());
            m
        };
        let lies = [
            lie("token", "not.a.jwt", SID, Some(-40.0)),
            lie("token", "eyJ", SID, Some(-1e9)),
            lie("token", "a.b.c", "sess_other", None),
            lie("maybe", "a.b.c", SID, Some(f64::NAN)),
        ];
        for msg in lies {
            self.report.lies += 1;
            self.at(self.now + 0.0002, Event::Peer { tab, msg });
        }
    }

    /// Posts `m` on the library's own channel: every other tab gets it.
    fn post_peer(&mut self, from: usize, m: &OutgoingBroadcast) {
        let msg = m.received();
        for tab in 0..self.tabs.len() {
            if tab != from {
                let msg = msg.clone();
                self.at(self.now + 0.001, Event::Peer { tab, msg });
            }
        }
    }

    fn finish(mut self, end: f64) -> Report {
        // A refresh cycle: the lifetime less the refresh window (SPEC 2:
        // `min(threshold, lifetime / 2)`, the threshold 15 s by default and
        // at least 5), less the second by which a tab refreshes early: the
        // skew bound counts `iat`, cut to whole seconds, as up to 1 s later
        // than it may be (SPEC 8.1), and each new `iat` is cut again.
        let threshold = self.sc.threshold.unwrap_or(15.0).max(5.0);
        let cycle = self.sc.lifetime - threshold.min(self.sc.lifetime / 2.0) - 1.0;
        self.report.cycles = self.sc.hours * 3600.0 / cycle;
        self.report.keys = self.keys.len().max(1);
        for t in &self.tabs {
            let most = (0..t.requests.len())
                .map(|k| {
                    t.requests[k..]
                        .iter()
                        .take_while(|r| **r - t.requests[k] < 1.0)
                        .count()
                })
                .max()
                .unwrap_or(0);
            self.report.burst = self.report.burst.max(most);
            if let Some((s, e, _)) = self.sc.rate_limit {
                let during = t
                    .requests
                    .iter()
                    .filter(|r| **r - START >= s && **r - START < e)
                    .count();
                let rate = during as f64 / ((e - s) / 60.0);
                self.report.limited_rate = self.report.limited_rate.max(rate);
            }
        }
        if let Some((s, e)) = self.trouble() {
            let minutes = (e - s) / 60.0;
            let mut all: Vec<(f64, usize)> = Vec::new();
            for (i, t) in self.tabs.iter().enumerate() {
                let during: Vec<f64> = t
                    .requests
                    .iter()
                    .copied()
                    .filter(|r| *r - START >= s && *r - START < e)
                    .collect();
                self.report.outage_rate =
                    self.report.outage_rate.max(during.len() as f64 / minutes);
                all.extend(during.into_iter().map(|r| (r, i)));
            }
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut bunch = 0;
            for (k, (r, _)) in all.iter().enumerate() {
                let tabs: HashSet<usize> = all[k..]
                    .iter()
                    .take_while(|(q, _)| *q - r < 0.1)
                    .map(|(_, i)| *i)
                    .collect();
                bunch = bunch.max(tabs.len());
            }
            self.report.outage_bunch = bunch;
        }
        let ends: Vec<f64> = self.tabs.iter().filter_map(|t| t.ended_at).collect();
        self.report.tabs_ended = ends.len();
        if let Some(first) = ends.iter().copied().reduce(f64::min) {
            self.report.end_spread = ends.iter().map(|e| e - first).fold(0.0, f64::max);
        }
        // Calls still waiting when the run stops: only the last minute's
        // may (the retries of SPEC 5 take about 15 s in all).
        for t in &self.tabs {
            for since in t.waiting.values() {
                self.report.longest_wait = self.report.longest_wait.max(end - since);
                if end - since > 60.0 {
                    self.report.left_waiting += 1;
                }
            }
        }
        self.report
    }
}
