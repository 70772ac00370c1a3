//! SPEC 11.1 and 11.2: no call waits past its `timeout`, each attempt's own
//! timeout is what is left, a call can be cut short, and the session's own
//! key recovers without a new call.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

/// A session whose calls may wait `timeout_ms`, with no periodic re-check.
fn with_timeout(timeout_ms: f64) -> Tab {
    Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            timeout: Some(timeout_ms),
            ..options()
        },
        None,
    )
}

/// `with_timeout`, on an origin without Web Locks.
fn without_locks(timeout_ms: f64) -> Tab {
    let opts = SessionOptions {
        poll_interval: Some(0.0),
        timeout: Some(timeout_ms),
        ..options()
    };
    Tab::on_locks(opts, 42, None)
}

/// `with_timeout`, ten minutes into an outage (every answer a 503) that
/// began with a call, just after a recovery attempt failed: the longest
/// wait for the next one.
fn in_a_recovery_pause(timeout_ms: f64) -> Tab {
    let mut tab = with_timeout(timeout_ms);
    let w = tab.get_wait(&plain());
    answer_for(&mut tab, 600.0, &status(503));
    tab.error_of(w);
    tab.until_sent(0.05);
    tab.respond(status(503));
    tab
}

/// Answers every request with `outcome` for `secs`, in 50 ms steps.
fn answer_for(tab: &mut Tab, secs: f64, outcome: &FetchOutcome) {
    let end = tab.now + secs;
    while tab.now < end {
        while !tab.pending.is_empty() {
            tab.respond(outcome.clone());
        }
        tab.advance(0.05);
    }
}

#[test]
fn a_call_to_a_server_that_never_answers_gives_up_after_its_timeout() {
    // The default 30 s: the first request counts as failed after 20 s, the
    // retry after what is left (9 s), and the call gives up at 30 s with a
    // network error that says how long it waited and how many requests it made.
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    let w = tab.get_wait(&template("t"));
    tab.advance(29.9);
    assert!(tab.result(w).is_none(), "still waiting at 29.9 s");
    tab.advance(0.2);
    let e = tab.full_error_of(w);
    assert_eq!(e.code(), "network_error");
    let m = e.message();
    assert!(m.contains("gave up after 30 s and 2 requests"), "{m}");
    assert!(
        m.contains("https://clerk.example.com"),
        "names the origin: {m}"
    );
    assert_eq!(tab.sent.len(), 2, "1 request and 1 retry in 30 s");
}

#[test]
fn a_call_gives_up_with_the_last_attempts_error_and_status() {
    let mut tab = with_timeout(5_000.0);
    let w = tab.get_wait(&template("t"));
    answer_for(&mut tab, 5.1, &status(503));
    let e = tab.full_error_of(w);
    assert_eq!((e.code(), e.status()), ("http_error", Some(503)));
    assert!(e.message().contains("gave up after 5 s"), "{}", e.message());
}

#[test]
fn each_attempt_times_out_with_what_is_left_of_the_call() {
    let mut tab = with_timeout(8_000.0);
    let w = tab.get_wait(&template("t"));
    tab.advance(7.9);
    assert!(tab.result(w).is_none());
    tab.advance(0.2);
    assert_eq!(tab.error_of(w).code(), "network_error", "8 s, not 20");
}

#[test]
fn a_timeout_below_a_second_is_a_second() {
    let mut tab = with_timeout(10.0);
    let w = tab.get_wait(&template("t"));
    tab.advance(0.99);
    assert!(tab.result(w).is_none(), "not after 10 ms");
    tab.advance(0.02);
    assert!(tab.result(w).is_some(), "after 1 s");
}

#[test]
fn a_retry_after_longer_than_what_is_left_fails_at_once() {
    let mut tab = with_timeout(10_000.0);
    let w = tab.get_wait(&template("t"));
    tab.respond(status_retry_after(429, "20"));
    let e = tab.error_of(w);
    assert_eq!(
        e,
        Error::RateLimited {
            retry_after: Some(20.0)
        }
    );
    // Another call while the server's word holds the key fails at once too.
    assert!(matches!(
        tab.get(&template("t")),
        GetOutcome::Failed(Error::RateLimited { .. })
    ));
    // One that has time waits for it.
    let mut tab = with_timeout(30_000.0);
    let w = tab.get_wait(&template("t"));
    tab.respond(status_retry_after(429, "20"));
    assert!(tab.result(w).is_none(), "waits the 20 s");
    tab.advance(20.1);
    tab.respond(ok(&token(tab.now)));
    tab.token_of(w);
}

#[test]
fn a_call_cut_short_leaves_the_request_to_the_others_and_the_last_one_aborts_it() {
    let mut tab = with_timeout(30_000.0);
    let a = tab.get_wait(&template("t"));
    let b = tab.get_wait(&template("t"));
    assert_eq!(tab.sent.len(), 1, "one request for both");
    tab.m.cancel(tab.now, a);
    tab.drain();
    assert!(
        tab.result(a).is_none(),
        "the driver rejects it, not the core"
    );
    assert!(tab.aborted.is_empty(), "the request goes on for the other");
    tab.m.cancel(tab.now, b);
    tab.drain();
    assert_eq!(tab.aborted.len(), 1, "and is aborted once nobody needs it");
    assert_eq!(tab.refreshes.len(), 1, "reported once");
    tab.advance(60.0);
    assert_eq!(tab.sent.len(), 1, "no retry after");
}

#[test]
fn cutting_short_a_wait_for_a_refresh_the_session_started_ends_no_refresh() {
    // The cache alone does not count (SPEC 11.1): a background refresh of
    // the session's own is not a call's to abort.
    let mut tab = with_timeout(30_000.0);
    tab.prime(&token(T0));
    tab.now += 46.0; // 14 s left: in the window
    let w = tab.get_wait(&refresh_if_stale());
    assert_eq!(tab.sent.len(), 2, "the refresh went out");
    tab.m.cancel(tab.now, w);
    tab.drain();
    assert!(tab.aborted.is_empty());
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.cached(), Some(token(tab.now)), "and it lands");
}

#[test]
fn the_sessions_own_key_recovers_without_a_new_call() {
    // SPEC 11.2: a page whose first request fails for 21 s gets its token
    // in the background, with no other call.
    let mut tab = with_timeout(30_000.0);
    let w = tab.get_wait(&plain());
    answer_for(&mut tab, 21.0, &status(503));
    assert_eq!(
        tab.error_of(w),
        Error::Http { status: 503 },
        "the call failed after its retries"
    );
    let failed_at = tab.sent.len();
    let mut gaps = Vec::new();
    let mut last = tab.now;
    while tab.cached().is_none() {
        tab.advance(0.05);
        if !tab.pending.is_empty() {
            gaps.push(tab.now - last);
            last = tab.now;
            tab.respond(ok(&token(tab.now)));
        }
        assert!(tab.now.0 - T0 < 120.0, "no recovery in two minutes");
    }
    assert_eq!(tab.sent.len(), failed_at + 1);
    assert!(
        gaps[0] <= 30.0 * 1.5,
        "backoff capped at 30 s (jittered): {gaps:?}"
    );
    assert!(
        tab.updates.iter().any(|u| u.token_id == SID),
        "onTokenUpdate fires"
    );
}

#[test]
fn recovery_backs_off_to_thirty_seconds_and_callers_join_it() {
    let mut tab = with_timeout(30_000.0);
    let w = tab.get_wait(&plain());
    answer_for(&mut tab, 600.0, &FetchOutcome::NetworkError("down".into()));
    tab.error_of(w);
    // Ten minutes of outage: the delays settle at 15 to 30 s.
    let n = tab.sent.len();
    assert!((14..=45).contains(&n), "{n} requests in 10 minutes");
    // A caller joins the recovery rather than starting a request of its own.
    let before = tab.sent.len();
    let w = tab.get_wait(&plain());
    assert_eq!(tab.sent.len(), before, "joined, no request of its own");
    tab.until_sent(0.05);
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(w), token(tab.now));
}

#[test]
fn recovery_pauses_offline_and_resumes_at_once_online() {
    let mut tab = with_timeout(30_000.0);
    tab.m.set_online(tab.now, false);
    assert_eq!(tab.get(&plain()), GetOutcome::Failed(Error::Offline));
    tab.advance(300.0);
    assert!(tab.sent.is_empty(), "nothing while offline");
    tab.m.set_online(tab.now, true);
    tab.drain();
    assert_eq!(
        tab.sent.len(),
        1,
        "a request as soon as the browser is back"
    );
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.cached(), Some(token(tab.now)));
}

#[test]
fn recovery_is_for_the_sessions_own_key_only() {
    let mut tab = with_timeout(30_000.0);
    let w = tab.get_wait(&template("t"));
    answer_for(&mut tab, 20.0, &status(503));
    tab.error_of(w);
    let n = tab.sent.len();
    tab.advance(300.0);
    assert_eq!(
        tab.sent.len(),
        n,
        "a template is fetched only when asked for"
    );
}

#[test]
fn recovery_waits_for_retry_after_and_ends_with_the_session() {
    let mut tab = with_timeout(30_000.0);
    let w = tab.get_wait(&plain());
    answer_for(&mut tab, 20.0, &status(503));
    tab.error_of(w);
    tab.until_sent(0.05);
    tab.respond(status_retry_after(429, "90"));
    let n = tab.sent.len();
    tab.advance(89.0);
    assert_eq!(tab.sent.len(), n, "nothing before the server's 90 s");
    tab.until_sent(0.05);
    tab.respond(status(401));
    assert!(tab.m.is_ended());
    let n = tab.sent.len();
    tab.advance(600.0);
    assert_eq!(tab.sent.len(), n, "no request after the end");
}

#[test]
fn recovery_is_no_loop_when_the_server_says_retry_after_zero() {
    // `Retry-After: 0` holds the recovery back for nothing; its own pauses
    // still space the requests (SPEC 11.2), where a zero delay would send
    // one per answer.
    let mut tab = with_timeout(5_000.0);
    let w = tab.get_wait(&plain());
    answer_for(&mut tab, 60.0, &status_retry_after(503, "0"));
    tab.error_of(w);
    let n = tab.sent.len();
    assert!((3..=40).contains(&n), "{n} requests in a minute");
}

#[test]
fn a_call_offline_fails_at_once_even_with_a_request_out() {
    let mut tab = with_timeout(30_000.0);
    let first = tab.get_wait(&plain());
    tab.m.set_online(tab.now, false);
    tab.drain();
    assert_eq!(
        tab.get(&plain()),
        GetOutcome::Failed(Error::Offline),
        "does not join a request that may never be answered"
    );
    // The first caller's request is its own to finish.
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(first), token(tab.now));
}

#[test]
fn a_caller_that_joins_a_background_refresh_gets_its_retries() {
    // The refresh starts in the window; the caller comes when the token has
    // too little left to serve and waits on that refresh, which fails once:
    // the caller's retries go on past the point the token stops being
    // servable (SPEC 5), where the refresh used to end with its token.
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        Some(&token(T0)),
    );
    tab.until_sent(0.5);
    let exp = tab.m.peek(tab.now, &plain()).unwrap().expires_at;
    tab.advance(exp.0 - tab.now.0 - 4.0);
    let w = tab.get_wait(&plain());
    assert_eq!(tab.pending.len(), 1, "joined the refresh");
    tab.respond(status(503));
    assert!(tab.result(w).is_none(), "a 503 is retried for the caller");
    tab.until_sent(0.05);
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(w), token(tab.now));
}

#[test]
fn a_late_timer_sends_no_request_for_a_call_past_its_time() {
    // The retry's backoff ends before the call's deadline, but the timer
    // fires late, past both: the call gives up and no request goes out only
    // to be aborted. No Web Locks: the retry's request goes out at once.
    let mut tab = without_locks(3_000.0);
    let w = tab.get_wait(&template("t"));
    tab.respond(status(503));
    assert!(
        tab.result(w).is_none(),
        "the retry is due within the call's time"
    );
    tab.rearm();
    let (at, _) = tab.armed.take().expect("a timer for the retry");
    tab.now += 10.0;
    tab.m.handle_timer(tab.now, at);
    tab.drain();
    assert!(tab.result(w).is_some(), "the call gave up");
    assert_eq!(tab.sent.len(), 1, "no retry sent");
    assert!(tab.aborted.is_empty(), "nothing aborted");
}

#[test]
fn a_caller_during_a_recovery_pause_waits_for_it_and_is_told_why() {
    // Ten minutes into an outage the recovery pauses 15 to 30 s between
    // requests. A call made in a pause shares the recovery's next request
    // rather than pulling it in (every call in an outage would otherwise be
    // a request); within the default 30 s that request goes out before the
    // call gives up.
    let mut tab = in_a_recovery_pause(30_000.0);
    let w = tab.get_wait(&plain());
    let at = tab.now;
    tab.until_sent(0.05);
    assert!(
        tab.now - at < 30.0,
        "a request {} s after the call",
        tab.now - at
    );
    tab.respond(status(503));
    tab.advance(30.0 - (tab.now - at) + 0.1);
    let e = tab.full_error_of(w);
    assert_eq!((e.code(), e.status()), ("http_error", Some(503)));
    assert!(e.message().contains("1 requests"), "{}", e.message());

    // A call with less time than the pause gives up with the last
    // answer's error and says it made no request.
    let mut tab = in_a_recovery_pause(5_000.0);
    let w = tab.get_wait(&plain());
    tab.advance(5.1);
    let e = tab.full_error_of(w);
    assert_eq!(
        (e.code(), e.status()),
        ("http_error", Some(503)),
        "{}",
        e.message()
    );
    assert!(e.message().contains("0 requests"), "{}", e.message());
}

#[test]
fn a_call_whose_time_ends_with_its_attempts_still_starts_the_recovery() {
    // A 10 s timeout: the attempt's own deadline is the call's. The attempt
    // counts as failed first (SPEC 3.5), so the call is told "no answer"
    // with the URL, and the session's key goes on recovering (11.2).
    let mut tab = with_timeout(10_000.0);
    let w = tab.get_wait(&plain());
    tab.advance(10.1);
    let e = tab.full_error_of(w);
    assert_eq!(e.code(), "network_error");
    assert!(e.url().is_some(), "{}", e.message());
    tab.advance(60.0);
    assert!(
        tab.sent.len() >= 2,
        "recovering: {} requests",
        tab.sent.len()
    );
    assert_eq!(tab.m.snapshot(tab.now).status, Status::Error);
}

#[test]
fn going_offline_with_a_request_out_makes_no_second_flight() {
    // Without Web Locks nothing else keeps two flights of one key from
    // both sending once back online.
    let mut tab = without_locks(30_000.0);
    let first = tab.get_wait(&plain());
    tab.m.set_online(tab.now, false);
    assert_eq!(tab.get(&plain()), GetOutcome::Failed(Error::Offline));
    tab.respond(FetchOutcome::NetworkError("offline".into()));
    tab.advance(10.0);
    tab.m.set_online(tab.now, true);
    tab.drain();
    assert_eq!(tab.pending.len(), 1, "one request for the key");
    tab.respond(ok(&token(tab.now)));
    assert!(tab.result(first).is_some());
}

#[test]
fn a_server_that_never_answers_holds_at_most_two_requests_open() {
    // SPEC 3.5 keeps a slow request open while its retry races it; one
    // older than that has lost. Recovering against a server that never
    // answers must not keep one more open every half minute.
    let mut tab = with_timeout(30_000.0);
    let w = tab.get_wait(&plain());
    tab.advance(600.0);
    tab.error_of(w);
    assert!(tab.sent.len() >= 10, "{} requests", tab.sent.len());
    assert!(tab.pending.len() <= 2, "{} open", tab.pending.len());
    assert_eq!(tab.aborted.len(), tab.sent.len() - tab.pending.len());
    // Each request is reported once, the aborted ones included.
    assert_eq!(tab.refreshes.len(), tab.aborted.len());
}

#[test]
fn a_call_offline_then_cut_short_leaves_the_session_recovering() {
    // The request out when the browser went offline was the only flight;
    // its caller gives up before it failed: the session's key must still
    // be refreshed once back online (SPEC 11.2).
    let mut tab = with_timeout(30_000.0);
    let a = tab.get_wait(&plain());
    tab.m.set_online(tab.now, false);
    assert_eq!(tab.get(&plain()), GetOutcome::Failed(Error::Offline));
    tab.m.cancel(tab.now, a);
    tab.drain();
    tab.m.set_online(tab.now, true);
    tab.drain();
    tab.advance(1.0);
    assert!(!tab.pending.is_empty(), "a request once online");
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.cached(), Some(token(tab.now)), "and its token kept");
}

#[test]
fn a_call_whose_last_attempt_hangs_to_its_deadline_says_it_gave_up() {
    // Four quick 503s, then a request with no answer: the last attempt's
    // deadline is the call's, at 30 s. The call says how long it waited and
    // how many requests it made (SPEC 11.1).
    let mut tab = with_timeout(30_000.0);
    let w = tab.get_wait(&plain());
    for _ in 0..4 {
        tab.until_sent(0.05);
        tab.respond(status(503));
    }
    tab.until_sent(0.05);
    tab.advance(31.0);
    let e = tab.full_error_of(w);
    assert!(
        e.message().contains("gave up after 30 s and 5 requests"),
        "{}",
        e.message()
    );
}

#[test]
fn a_skip_cache_call_that_gives_up_leaves_its_failure_in_the_status() {
    // Its attempt hangs to the call's 5 s deadline: the call gives up, and
    // the session says the last attempt failed (SPEC 11.3: `loading` is
    // for nothing failed).
    let mut tab = with_timeout(5_000.0);
    let w = tab.get_wait(&skip_cache());
    tab.advance(6.0);
    assert!(matches!(tab.full_error_of(w), Error::GaveUp { .. }));
    let s = tab.m.snapshot(tab.now);
    assert_eq!(s.status, Status::Error);
    assert!(s.error.is_some());
}

#[test]
fn a_call_cut_short_while_offline_with_nothing_failed_aborts_its_request() {
    // Nothing failed and nobody waits: the request is nobody's (SPEC 11.1);
    // recovery is for a failure (11.2).
    let mut tab = with_timeout(30_000.0);
    let a = tab.get_wait(&plain());
    tab.m.set_online(tab.now, false);
    tab.m.cancel(tab.now, a);
    tab.drain();
    assert_eq!(tab.aborted.len(), 1);
}
