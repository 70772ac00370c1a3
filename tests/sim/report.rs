//! What a run measured, and the bounds each scenario is held to. Every
//! bound is a number of the SPEC (or of the scenario), written here, never
//! one of the library's constants: a changed constant must fail a test,
//! not move it.

/// What a run measured.
#[derive(Debug, Default)]
pub struct Report {
    pub name: String,
    pub tabs: usize,
    pub hours: f64,
    /// Every `/tokens` request.
    pub requests: u64,
    /// Of which `skipCache` ones (a caller's own, outside any cycle).
    pub skip_requests: u64,
    /// Keys refreshed during the run.
    pub keys: usize,
    pub cycles: f64,
    pub calls: u64,
    /// Calls that waited on the network (`skipCache` and `refreshIfStale`
    /// aside: they wait by design).
    pub waited: u64,
    pub failed_calls: u64,
    /// Broken invariants, each checked at every step.
    pub violations: Vec<String>,
    /// Requests per tab per minute during the outage, worst tab.
    pub outage_rate: f64,
    /// Most requests sent by different tabs within any 100 ms during the outage.
    pub outage_bunch: usize,
    /// Seconds from the end of the outage until every awake tab held a servable token.
    pub heal_time: Option<f64>,
    /// Longest a getToken call waited (or has waited, if still waiting), seconds.
    pub longest_wait: f64,
    /// `onRefresh` events.
    pub refresh_events: u64,
    /// Requests answered or aborted while open for the session that sent
    /// them: each must have been reported exactly once (SPEC 8.4).
    pub expected_events: u64,
    /// `SessionEnded` effects, and the tabs whose session is over.
    pub sessions_ended: u64,
    pub tabs_ended: usize,
    /// Seconds between the first tab's end and the last one's.
    pub end_spread: f64,
    /// Requests a tab sent after its session ended.
    pub requests_after_end: u64,
    /// Calls left waiting over a minute when the run stopped.
    pub left_waiting: u64,
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
    /// Tabs frozen for minutes (a call made before may settle late).
    pub frozen: bool,
    /// Organization switches (a session disposed and rebuilt in one task).
    pub switches: u64,
    /// Bursts of API calls refused 401.
    pub bursts: u64,
    /// Malformed answers other pages gave.
    pub lies: u64,
    /// Longest the first call of a session (new or rebuilt) that waits
    /// waited for it to go past asking the other tabs (to send a request
    /// or adopt a token, a busy lock aside), seconds.
    pub held_back: f64,
}

impl Report {
    /// Requests per refresh cycle of each key refreshed, `skipCache` aside.
    pub fn per_cycle(&self) -> f64 {
        (self.requests - self.skip_requests) as f64 / self.cycles / self.keys as f64
    }
    pub fn waited_share(&self) -> f64 {
        self.waited as f64 / self.calls.max(1) as f64
    }
}

/// Every way run `r` breaks the SPEC or its scenario's bounds; empty when
/// it holds.
pub fn judge(r: &Report) -> Vec<String> {
    let mut out: Vec<String> = r.violations.iter().take(5).cloned().collect();
    if r.violations.len() > 5 {
        out.push(format!("… {} violations in all", r.violations.len()));
    }
    let mut check = |ok: bool, what: String| {
        if !ok {
            out.push(what);
        }
    };
    check(
        r.refresh_events == r.expected_events,
        format!(
            "{} requests settled or aborted, {} onRefresh events: each is reported exactly once",
            r.expected_events, r.refresh_events
        ),
    );
    check(
        r.burst <= 4,
        format!("a tab sent {} requests within one second", r.burst),
    );
    check(
        r.left_waiting == 0,
        format!("{} calls left waiting over a minute", r.left_waiting),
    );
    // SPEC 11.1: no call waits past its `timeout` (30 s by default), but
    // in a page frozen meanwhile, whose calls settle when it wakes.
    let most_wait = if r.frozen { 120.0 } else { 30.0 + 0.01 };
    check(
        r.longest_wait <= most_wait,
        format!("a call waited {:.2} s, over {most_wait:.2}", r.longest_wait),
    );
    // SPEC 10.1: a new or rebuilt session is held back by the others a
    // few milliseconds (each awake tab answers in about two here), never
    // the 100 ms it waits at most for one that cannot answer.
    if !r.frozen {
        check(
            r.held_back <= 0.015,
            format!("a new session was held back {:.1} ms", r.held_back * 1000.0),
        );
    }
    if r.tabs_ended == 0 {
        check(
            r.requests_after_end == 0 && r.sessions_ended == 0,
            "a session ended with no 401".into(),
        );
    }
    // One request per refresh cycle of each key, whatever the number of
    // tabs (a little over: first mints, sleeping tabs waking late), and one
    // per tab after each step back of the wall clock, which leaves no skew
    // bound standing (SPEC 8.1).
    let per_cycle = |most: f64| {
        (
            r.per_cycle() <= most,
            format!("{:.2} requests per cycle, over {most:.2}", r.per_cycle()),
        )
    };
    match r.name.as_str() {
        "steady"
        | "hidden+sleeping"
        | "skew ±5 min"
        | "clocks stepped ±1 h"
        | "threshold = lifetime"
        | "10 s tokens" => {
            let steps = r.clock_steps as f64 * r.tabs as f64 / r.cycles;
            let (ok, what) = per_cycle(1.3 + steps);
            check(ok, what);
            // A 10 s token's window is 5 s, the cutoff itself: its refresh
            // starts as it stops being served, so calls in that moment wait.
            let most = if r.name == "10 s tokens" { 0.02 } else { 0.01 };
            check(
                r.waited_share() < most,
                format!("{:.3} of calls waited, over {most}", r.waited_share()),
            );
        }
        "tabs reloading" | "reloading, clock 2 min slow" => {
            // A reloaded tab starts with the token an open tab holds
            // (SPEC 10.1); one refreshing at that moment may still fetch.
            check(r.reloads > 20, format!("only {} reloads", r.reloads));
            check(
                (r.reload_requests as f64) <= 0.1 * r.reloads as f64,
                format!(
                    "{} of {} reloaded tabs fetched",
                    r.reload_requests, r.reloads
                ),
            );
            let (ok, what) = per_cycle(1.3);
            check(ok, what);
        }
        "429, Retry-After 120 s" | "429 for 10 min" => {
            // Retry-After binds the key (SPEC 5): at most one request per
            // tab per Retry-After while the server says so.
            let ra = if r.name.contains("120") { 120.0 } else { 20.0 };
            check(
                r.limited_rate <= 60.0 / ra + 0.1,
                format!(
                    "{:.2} requests per tab per minute under 429",
                    r.limited_rate
                ),
            );
        }
        "1 h outage" | "503 for 15 min" | "answers that never come" => {
            // Pauses double to 30 s × [0.5, 1.5), so a tab sends at most
            // about 4 requests a minute in an outage, and tabs stay apart.
            check(
                r.outage_rate <= 4.0,
                format!(
                    "{:.2} requests per tab per minute in the outage",
                    r.outage_rate
                ),
            );
            check(
                r.outage_bunch <= r.tabs / 2 + 1,
                format!("tabs fire in lockstep: {} within 100 ms", r.outage_bunch),
            );
            match r.heal_time {
                Some(heal) => check(heal <= 45.0, format!("recovered only after {heal:.1} s")),
                None => check(false, "never recovered after the outage".into()),
            }
        }
        "401 after 1 h" => {
            // SPEC 8.3 and 10.2: every tab ends, within 100 ms of the first,
            // and none sends a request after.
            check(
                r.tabs_ended == r.tabs && r.sessions_ended == r.tabs as u64,
                format!(
                    "{} of {} tabs ended ({} end events)",
                    r.tabs_ended, r.tabs, r.sessions_ended
                ),
            );
            check(
                r.end_spread <= 0.1,
                format!("the last tab ended {:.3} s after the first", r.end_spread),
            );
            check(
                r.requests_after_end == 0,
                format!("{} requests after a session ended", r.requests_after_end),
            );
        }
        "flaky (20% 5xx, slow)" => {
            // One failure in five is retried (SPEC 5): a cycle costs
            // 1 / 0.8 requests, and more only when a tab's retry races
            // another's; no call may fail while retries remain likely.
            let (ok, what) = per_cycle(1.6);
            check(ok, what);
            check(
                r.waited_share() < 0.01,
                format!("{:.3} of calls waited", r.waited_share()),
            );
        }
        "answers in up to 19 s" => {
            // A slow answer is waited for, not repeated: a request counts
            // as failed only after 20 s (SPEC 3.5). An answer slower than
            // the window less the cutoff (10 s: about half of them here)
            // lets the token lapse for the rest of its way, a few percent
            // of a cycle's calls; a tab whose caller then waits fetches
            // itself after at most 5 s behind the lock's holder (SPEC
            // 4.4): about half the cycles are slow, and in them each tab
            // has about one chance in eight of a caller waiting that long,
            // so each tab adds some 0.06 requests a cycle.
            let (ok, what) = per_cycle(1.3 + 0.06 * r.tabs as f64);
            check(ok, what);
            check(
                r.waited_share() < 0.06,
                format!("{:.3} of calls waited", r.waited_share()),
            );
        }
        "no Web Locks" => {
            // A random pause of up to 1 s before each refresh (SPEC 4.4)
            // keeps most tabs from fetching together: far below one request
            // per tab per cycle.
            let (ok, what) = per_cycle(2.5);
            check(ok, what);
        }
        "every kind of call" | "claims churn" => {
            // Each key used is refreshed once a cycle whatever the tabs.
            let most = if r.name == "claims churn" { 1.8 } else { 1.3 };
            let (ok, what) = per_cycle(most);
            check(ok, what);
            check(r.keys == 3, format!("{} keys refreshed, not 3", r.keys));
            check(r.skip_requests > 0, "no skipCache request was made".into());
        }
        "503 at load, no later calls" => {
            // SPEC 11.2: the session keeps trying with no call of the app's,
            // and holds a token soon after the API recovers.
            check(
                r.outage_rate <= 4.0,
                format!(
                    "{:.2} requests per tab per minute while failing",
                    r.outage_rate
                ),
            );
            match r.heal_time {
                Some(heal) => check(heal <= 45.0, format!("recovered only after {heal:.1} s")),
                None => check(false, "never recovered with no new call".into()),
            }
        }
        "401 bursts" => {
            // SPEC 11.5: the calls a burst refuses with one token share one
            // request (none if a refresh landed meanwhile).
            check(r.bursts > 20, format!("only {} bursts", r.bursts));
            check(
                r.skip_requests <= r.bursts,
                format!("{} requests for {} bursts", r.skip_requests, r.bursts),
            );
            let (ok, what) = per_cycle(1.3);
            check(ok, what);
        }
        "org switches, lying peers" => {
            check(r.switches > 20, format!("only {} switches", r.switches));
            check(r.lies > 100, format!("only {} lies told", r.lies));
            let (ok, what) = per_cycle(1.5);
            check(ok, what);
        }
        other => out.push(format!("scenario {other} has no bounds of its own")),
    }
    out
}

/// The report as a Markdown table.
pub fn table(reports: &[Report]) -> String {
    let mut out = String::from(
        "| scenario | tabs | hours | requests / cycle | getToken calls | waited on network | longest wait (s) | first call held back (ms) | req/tab/min in outage or 429 | heal (s) | most req/tab in 1 s | reloads fetching | violations |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in reports {
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {} | {:.3}% | {:.1} | {:.1} | {} | {} | {} | {} | {} |\n",
            r.name,
            r.tabs,
            r.hours,
            r.per_cycle(),
            r.calls,
            r.waited_share() * 100.0,
            r.longest_wait,
            r.held_back * 1000.0,
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
