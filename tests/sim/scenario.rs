//! The situations the simulation runs, each a way the world misbehaves.

use session_swr::core::Fault;

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
    /// Every request is answered 503 in this window.
    pub unavailable: Option<(f64, f64)>,
    /// No request reaching the server in this window is ever answered.
    pub hang: Option<(f64, f64)>,
    /// Every this many seconds (0: never) each tab's app makes 10 API calls
    /// at once that the API refuses 401 with the token they carried, each
    /// asking for a fresher one (`fetchWithAuth`, SPEC 11.5).
    pub bursts: f64,
    /// Tabs switch organization every 5 to 30 minutes: the session is
    /// disposed and a new one made for the other organization at once.
    pub switches: bool,
    /// One more page on the channel answers every question with a
    /// malformed message (SPEC 10.3).
    pub liars: bool,
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
    /// Mean seconds between an app's calls, per tab.
    pub call_every: f64,
    /// Apps call with every kind of option: templates, another
    /// organization, `skipCache`, `refreshIfStale`, and `peekToken`; not
    /// only a plain `getToken()`.
    pub mixed_calls: bool,
    pub edge: bool,
    pub locks: bool,
    /// The session's claims change this often at origin (seconds; 0 = never).
    pub bump_every: f64,
    /// Rules broken on purpose in every tab (the checker must catch them).
    pub faults: Vec<Fault>,
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
            unavailable: None,
            hang: None,
            bursts: 0.0,
            switches: false,
            liars: false,
            rate_limit: None,
            unauthorized_at: None,
            skew: (0.0, 0.0),
            hidden: 0.0,
            sleepers: false,
            call_every: 10.0,
            mixed_calls: false,
            edge: true,
            locks: true,
            bump_every: 600.0,
            faults: Vec::new(),
            seed: 7,
        }
    }

    /// The same scenario with `fault` switched on in every tab.
    pub fn broken(mut self, fault: Fault) -> Scenario {
        self.faults.push(fault);
        self
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
    list.push(Scenario {
        mixed_calls: true,
        ..Scenario::steady("every kind of call", n, h)
    });
    list.push(Scenario {
        unavailable: Some((1800.0, 2700.0)),
        ..Scenario::steady("503 for 15 min", n, h)
    });
    list.push(Scenario {
        hang: Some((1800.0, 2700.0)),
        ..Scenario::steady("answers that never come", n, h)
    });
    list.push(failing_at_load());
    list.push(Scenario {
        bursts: 300.0,
        ..Scenario::steady("401 bursts", n, h)
    });
    list.push(Scenario {
        switches: true,
        liars: true,
        ..Scenario::steady("org switches, lying peers", n, h)
    });
    list.push(churn());
    list
}

/// The Frontend API answers 503 for the first 20 minutes and the apps ask
/// once, at load: each tab must get its token when the API recovers, with
/// no call of the app's (SPEC 11.2).
pub fn failing_at_load() -> Scenario {
    Scenario {
        unavailable: Some((0.0, 1200.0)),
        call_every: 1e9,
        ..Scenario::steady("503 at load, no later calls", 5, 1.0)
    }
}

/// Claims that change every 30 s while apps call with every kind of option
/// (origin mints by `skipCache` and templates racing edge mints of the
/// previous claims), over a flaky network: what the guard is for.
pub fn churn() -> Scenario {
    Scenario {
        mixed_calls: true,
        bump_every: 30.0,
        failure_rate: 0.1,
        latency: (0.02, 2.0),
        call_every: 4.0,
        ..Scenario::steady("claims churn", 8, 2.0)
    }
}
