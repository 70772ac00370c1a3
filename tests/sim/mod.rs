//! A deterministic multi-tab simulation: N tabs (each a real `Machine`) on
//! virtual time, one origin's Web Locks, a BroadcastChannel, and a simulated
//! Frontend API with origin and edge mints, latency, failures, outages, 429s
//! and 401s; tabs that sleep (timers frozen) and wake, hidden tabs, and
//! per-tab clock skew. Invariants are checked at every step.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use session_swr::core::Rng;
use session_swr::core::*;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

pub const SID: &str = "sess_sim";
const START: f64 = 1_700_000_000.0;

/// One simulated situation.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: &'static str,
    pub tabs: usize,
    pub hours: f64,
    /// Token lifetime, seconds.
    pub lifetime: f64,
    /// Request latency, uniform in this range, seconds.
    pub latency: (f64, f64),
    /// When the server mints, as a share of the latency (0: as the request
    /// arrives, the whole latency on the way back).
    pub mint_at: f64,
    /// `backgroundRefreshThreshold`, seconds (`None`: the default 15).
    pub threshold: Option<f64>,
    /// Each tab reloads (a new session, asking the others first) every 5 to
    /// 30 minutes.
    pub reloads: bool,
    /// Seconds the machine's clock (every tab's) reads more than the
    /// server's, beside each tab's own `skew`.
    pub machine_skew: f64,
    /// The machine's wall clock (every tab's) is stepped back or forward, by
    /// up to an hour, every 10 to 30 minutes, requests and backoffs pending
    /// or not.
    pub clock_steps: bool,
    /// Share of requests answered 500.
    pub failure_rate: f64,
    /// Every request fails (network error) in this window, seconds from start.
    pub outage: Option<(f64, f64)>,
    /// Every request gets 429 with this Retry-After in this window.
    pub rate_limit: Option<(f64, f64, f64)>,
    /// From this time on, every request gets 401.
    pub unauthorized_at: Option<f64>,
    /// Each tab's clock is off by a uniform amount with |skew| in this range.
    pub skew: (f64, f64),
    /// Share of tabs that are hidden.
    pub hidden: f64,
    /// Tabs sleep (timers and app frozen) and wake.
    pub sleepers: bool,
    /// Mean seconds between an app's getToken calls, per tab.
    pub call_every: f64,
    pub edge: bool,
    pub locks: bool,
    /// The session's claims change this often at origin (seconds; 0 = never).
    pub bump_every: f64,
    pub seed: u64,
}

impl Scenario {
    pub fn steady(name: &'static str, tabs: usize, hours: f64) -> Scenario {
        Scenario {
            name,
            tabs,
            hours,
            lifetime: 60.0,
            latency: (0.02, 0.25),
            mint_at: 0.5,
            threshold: None,
            clock_steps: false,
            reloads: false,
            machine_skew: 0.0,
            failure_rate: 0.0,
            outage: None,
            rate_limit: None,
            unauthorized_at: None,
            skew: (0.0, 0.0),
            hidden: 0.0,
            sleepers: false,
            call_every: 10.0,
            edge: true,
            locks: true,
            bump_every: 600.0,
            seed: 7,
        }
    }
}

/// A new session in tab `i` (the `n`th opened), its clock at `local`.
fn open(sc: &Scenario, i: usize, n: u64, local: LocalTime) -> Machine {
    let opts = SessionOptions {
        frontend_api: "https://fapi.sim".into(),
        session_id: SID.into(),
        background_refresh_threshold: sc.threshold,
        ..SessionOptions::default()
    };
    let cfg = Config::new(opts, sc.seed * 1000 + n, &SerdeJson).unwrap();
    let mut m = Machine::new(cfg, None, local).unwrap();
    m.set_web_locks(sc.locks);
    let hidden = (i as f64) >= sc.tabs as f64 * (1.0 - sc.hidden) && sc.hidden > 0.0;
    m.set_visible(local, !hidden);
    m.set_handover(local, true);
    m
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Report {
    pub name: String,
    pub tabs: usize,
    pub hours: f64,
    pub requests: u64,
    pub cycles: f64,
    pub calls: u64,
    pub waited: u64,
    pub failed_calls: u64,
    pub violations: Vec<String>,
    /// Requests per tab per minute during the outage, worst tab.
    pub outage_rate: f64,
    /// Most requests sent by different tabs within any 100 ms during the outage.
    pub outage_bunch: usize,
    /// Seconds from the end of the outage until every awake tab held a servable token.
    pub heal_time: Option<f64>,
    /// Longest a getToken call waited, seconds.
    pub longest_wait: f64,
    /// `onRefresh` events: one per settled request.
    pub refresh_events: u64,
    /// Tabs whose session ended (a 401).
    pub sessions_ended: u64,
    /// Requests per tab per minute while the server answers 429, worst tab.
    pub limited_rate: f64,
    /// Most requests one tab sent within any one second.
    pub burst: usize,
    /// Times the wall clock was stepped.
    pub clock_steps: u64,
    /// Tabs reloaded (a new session in an open tab).
    pub reloads: u64,
    /// Requests a reloaded tab sent in its first second.
    pub reload_requests: u64,
}

impl Report {
    pub fn per_cycle(&self) -> f64 {
        self.requests as f64 / self.cycles
    }
    pub fn waited_share(&self) -> f64 {
        self.waited as f64 / self.calls.max(1) as f64
    }
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
    last: HashMap<String, String>,
    requests: Vec<f64>,
    /// Responses that came while the tab was frozen, handled when it wakes.
    backlog: Vec<(FetchId, FetchOutcome)>,
    /// When the current session opened.
    opened_at: f64,
}

struct Server {
    ver: u64,
    minted: u64,
    claims: HashMap<String, (f64, u64)>, // token → (oiat, ver)
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
    report: Report,
}

fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

fn form_token(body: &str) -> Option<&str> {
    body.split('&').find_map(|kv| kv.strip_prefix("token="))
}

impl Sim {
    pub fn new(sc: Scenario) -> Sim {
        let mut rng = Rng::new(sc.seed);
        let tabs = (0..sc.tabs)
            .map(|i| {
                let (lo, hi) = sc.skew;
                let mag = lo + (hi - lo) * rng.next_f64();
                let skew = sc.machine_skew + if rng.next_f64() < 0.5 { -mag } else { mag };
                let m = open(&sc, i, i as u64, LocalTime(START + skew));
                Tab {
                    m,
                    opened: 0,
                    skew,
                    asleep: false,
                    timer: None,
                    gen: 0,
                    held: HashMap::new(),
                    waiting: HashMap::new(),
                    last: HashMap::new(),
                    requests: Vec::new(),
                    backlog: Vec::new(),
                    opened_at: START,
                }
            })
            .collect();
        let report = Report {
            name: sc.name.into(),
            tabs: sc.tabs,
            hours: sc.hours,
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
            server: Server {
                ver: 1,
                minted: 0,
                claims: HashMap::new(),
            },
            rng,
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
        let heal_at = self.sc.outage.map(|(_, e)| START + e);
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
                self.tabs[tab].timer = None;
                let local = self.local(tab);
                self.tabs[tab].m.handle_timeout(local);
            }
            Event::Call { tab } => {
                if !self.tabs[tab].asleep {
                    self.call(tab);
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
                let local = self.local(tab);
                self.tabs[tab].m.handle_fetch(local, id, outcome);
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
            Event::Reload { tab } => {
                // The page goes, with its locks and its callers; a new
                // session starts and the app asks for a token at once.
                let t = &mut self.tabs[tab];
                for name in std::mem::take(&mut t.held).into_values() {
                    self.locks.remove(&name);
                }
                t.waiting.clear();
                t.backlog.clear();
                t.asleep = false;
                t.opened += 1;
                t.gen += 1;
                t.timer = None;
                t.opened_at = self.now;
                t.last.clear();
                let n = self.sc.tabs as u64 * t.opened + tab as u64;
                let local = self.local(tab);
                self.tabs[tab].m = open(&self.sc, tab, n, local);
                self.report.reloads += 1;
                self.call(tab);
                let t = self.now + self.uniform(300.0, 1800.0);
                self.at(t, Event::Reload { tab });
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
                let local = self.local(tab);
                for (id, outcome) in std::mem::take(&mut self.tabs[tab].backlog) {
                    self.tabs[tab].m.handle_fetch(local, id, outcome);
                }
                self.tabs[tab].m.handle_timeout(local); // pageshow / focus
                let t = self.now + self.uniform(300.0, 1800.0);
                self.at(t, Event::Sleep { tab });
            }
        }
        self.settle_all();
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

    fn call(&mut self, tab: usize) {
        let local = self.local(tab);
        self.report.calls += 1;
        match self.tabs[tab]
            .m
            .get_token(local, &GetTokenOptions::default())
        {
            GetOutcome::Ready(token) => self.check_served(tab, &token),
            GetOutcome::Wait(w) => {
                self.report.waited += 1;
                self.tabs[tab].waiting.insert(w, self.now);
            }
            GetOutcome::Failed(_) => self.report.failed_calls += 1,
        }
    }

    fn check_served(&mut self, tab: usize, token: &str) {
        let jwt = Jwt::decode(token, &SerdeJson).unwrap();
        let left = jwt.exp.unwrap().0 - self.now;
        if left <= HARD_CUTOFF {
            let msg = format!(
                "t+{:.1}s tab {tab} (skew {:.1}) served a token with {left:.2} s left",
                self.now - START,
                self.tabs[tab].skew
            );
            self.report.violations.push(msg);
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
                self.report.requests += 1;
                self.tabs[tab].requests.push(self.now);
                let latency = self.uniform(self.sc.latency.0, self.sc.latency.1);
                let outcome = self.serve(self.now + latency * self.sc.mint_at, &request);
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
                        self.check_served(tab, &issued.token);
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
                let new = Jwt::decode(&u.token, &SerdeJson).unwrap();
                // A fresher token is never replaced, servable or not (SPEC 2.5).
                if let Some(prev) = self.tabs[tab].last.get(&u.token_id) {
                    let prev = Jwt::decode(prev, &SerdeJson).unwrap();
                    if pick_freshest(Some(&prev), &new) == Winner::Existing {
                        let msg = format!(
                            "t+{:.1}s tab {tab} replaced a token with a staler one ({:?})",
                            self.now - START,
                            u.source
                        );
                        self.report.violations.push(msg);
                    }
                }
                self.tabs[tab].last.insert(u.token_id, u.token);
            }
            Effect::AcquireLock { id, name } => {
                let result = if self.locks.insert(name.clone()) {
                    self.tabs[tab].held.insert(id, name);
                    LockResult::Acquired
                } else {
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
            Effect::Abort { .. } => {}
            Effect::Ask { id, message } => {
                self.post_peer(tab, &message);
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
            Effect::SessionEnded => self.report.sessions_ended += 1,
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

    /// The Frontend API, answering a request that reaches it at `t`.
    fn serve(&mut self, t: f64, request: &TokensRequest) -> FetchOutcome {
        let status = |code: u16, retry_after: Option<String>| FetchOutcome::Response {
            status: code,
            retry_after,
            body: "{}".into(),
        };
        let rel = t - START;
        if self.sc.outage.is_some_and(|(s, e)| rel >= s && rel < e) {
            return FetchOutcome::NetworkError("outage".into());
        }
        if self.sc.unauthorized_at.is_some_and(|u| rel >= u) {
            return status(401, None);
        }
        if let Some((s, e, ra)) = self.sc.rate_limit {
            if rel >= s && rel < e {
                return status(429, Some(format!("{ra}")));
            }
        }
        if self.rng.next_f64() < self.sc.failure_rate {
            return status(500, None);
        }
        if self.sc.bump_every > 0.0 {
            self.server.ver = 1 + (rel / self.sc.bump_every) as u64;
        }
        let iat = t.floor();
        let previous = form_token(&request.body).and_then(|p| self.server.claims.get(p).copied());
        let force = request.url.contains("force_origin=true");
        let (oiat, ver) = match previous {
            Some(prev) if self.sc.edge && !force => prev,
            _ => (iat, self.server.ver),
        };
        self.server.minted += 1;
        let header = b64(&format!(r#"{{"alg":"RS256","oiat":{oiat}}}"#));
        let payload = b64(&format!(
            r#"{{"sid":"{SID}","iat":{iat},"exp":{},"ver":{ver},"n":{}}}"#,
            iat + self.sc.lifetime,
            self.server.minted
        ));
        let jwt = format!("{header}.{payload}.c2ln");
        self.server.claims.insert(jwt.clone(), (oiat, ver));
        FetchOutcome::Response {
            status: 200,
            retry_after: None,
            body: format!(r#"{{"jwt":"{jwt}"}}"#),
        }
    }

    fn finish(mut self, end: f64) -> Report {
        // A refresh cycle: the lifetime less the refresh window (SPEC 2),
        // less the second by which a tab refreshes early: the skew bound
        // counts `iat`, cut to whole seconds, as up to 1 s later than it may
        // be (SPEC 8.1), and each new `iat` is cut again.
        let threshold = self.sc.threshold.unwrap_or(15.0).max(HARD_CUTOFF);
        let cycle = self.sc.lifetime - threshold.min(self.sc.lifetime / 2.0) - 1.0;
        self.report.cycles = self.sc.hours * 3600.0 / cycle;
        for (i, t) in self.tabs.iter().enumerate() {
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
            if most > 4 {
                self.report
                    .violations
                    .push(format!("tab {i} sent {most} requests within one second"));
            }
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
        if let Some((s, e)) = self.sc.outage {
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
        // Every request is reported once it settles (SPEC 8.4): only those
        // still open when the run stops (a few per tab) may be missing.
        let (sent, told) = (self.report.requests, self.report.refresh_events);
        if told > sent || sent - told > 5 * self.tabs.len() as u64 {
            self.report
                .violations
                .push(format!("{sent} requests sent, {told} reported"));
        }
        // No waiter is left pending: only calls made in the last minute may
        // still be waiting when the run stops.
        for (i, t) in self.tabs.iter().enumerate() {
            for since in t.waiting.values() {
                if end - since > 60.0 && self.sc.unauthorized_at.is_none() {
                    self.report.violations.push(format!(
                        "tab {i}: a getToken call waited {:.0} s and never settled",
                        end - since
                    ));
                }
            }
        }
        self.report
    }
}

/// The scenarios of the report; `short` is the set run by the test command.
pub fn scenarios(short: bool) -> Vec<Scenario> {
    let h = if short { 2.0 } else { 24.0 };
    let mut list = Vec::new();
    let sizes: &[usize] = if short { &[1, 5, 20] } else { &[1, 5, 20, 100] };
    for &n in sizes {
        list.push(Scenario::steady("steady", n, h));
    }
    let n = if short { 10 } else { 20 };
    list.push(Scenario {
        hidden: 0.5,
        sleepers: true,
        ..Scenario::steady("hidden+sleeping", n, h)
    });
    list.push(Scenario {
        skew: (3.0, 300.0),
        ..Scenario::steady("skew ±5 min", n, h)
    });
    list.push(Scenario {
        latency: (0.05, 1.5),
        failure_rate: 0.2,
        ..Scenario::steady("flaky (20% 5xx, slow)", n, h)
    });
    list.push(Scenario {
        outage: Some((1800.0, 5400.0)),
        ..Scenario::steady("1 h outage", n, h)
    });
    list.push(Scenario {
        rate_limit: Some((1800.0, 2400.0, 20.0)),
        ..Scenario::steady("429 for 10 min", n, h)
    });
    list.push(Scenario {
        reloads: true,
        ..Scenario::steady("tabs reloading", n, h)
    });
    list.push(Scenario {
        reloads: true,
        machine_skew: -120.0,
        ..Scenario::steady("reloading, clock 2 min slow", n, h)
    });
    list.push(Scenario {
        rate_limit: Some((1800.0, 2400.0, 120.0)),
        ..Scenario::steady("429, Retry-After 120 s", n, h)
    });
    list.push(Scenario {
        latency: (0.02, 19.0),
        mint_at: 0.0,
        ..Scenario::steady("answers in up to 19 s", n, h)
    });
    list.push(Scenario {
        clock_steps: true,
        sleepers: true,
        ..Scenario::steady("clocks stepped ±1 h", n, h)
    });
    list.push(Scenario {
        threshold: Some(60.0),
        ..Scenario::steady("threshold = lifetime", n, h)
    });
    list.push(Scenario {
        lifetime: 10.0,
        ..Scenario::steady("10 s tokens", n, h)
    });
    list.push(Scenario {
        locks: false,
        ..Scenario::steady("no Web Locks", n, h)
    });
    list.push(Scenario {
        unauthorized_at: Some(3600.0),
        ..Scenario::steady("401 after 1 h", n, h)
    });
    list
}

/// The report as a Markdown table.
pub fn table(reports: &[Report]) -> String {
    let mut out = String::from(
        "| scenario | tabs | hours | requests / cycle | getToken calls | waited on network | req/tab/min in outage or 429 | heal (s) | most req/tab in 1 s | reloads fetching | violations |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in reports {
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {} | {:.3}% | {} | {} | {} | {} | {} |\n",
            r.name,
            r.tabs,
            r.hours,
            r.per_cycle(),
            r.calls,
            r.waited_share() * 100.0,
            match (r.outage_rate, r.limited_rate) {
                (o, _) if o > 0.0 => format!("{o:.2}"),
                (_, l) if l > 0.0 => format!("{l:.2}"),
                _ => "–".into(),
            },
            r.heal_time.map_or("–".into(), |h| format!("{h:.1}")),
            r.burst,
            if r.reloads > 0 {
                format!("{} of {}", r.reload_requests, r.reloads)
            } else {
                "–".into()
            },
            r.violations.len()
        ));
    }
    out
}
