//! SPEC 5: transient and final failures, retries with backoff and jitter,
//! Retry-After, 401 eviction, offline, invalid responses.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn no_poll() -> Tab {
    Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    )
}

/// Times (relative to start) at which each retry was sent.
fn retry_times(outcome: FetchOutcome) -> (Vec<f64>, Error) {
    let mut tab = no_poll();
    let start = tab.now;
    let w = tab.get_wait(&plain());
    let mut times = Vec::new();
    while tab.result(w).is_none() {
        tab.respond(outcome.clone());
        let before = tab.sent.len();
        while tab.sent.len() == before && tab.result(w).is_none() {
            tab.advance(0.01);
        }
        if tab.sent.len() > before {
            times.push(tab.now - start);
        }
        assert!(times.len() < 10, "retries never stop");
    }
    (times, tab.error_of(w))
}

#[test]
fn server_error_then_success_retries_after_about_a_second() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status(503));
    assert_eq!(tab.result(w), None, "still waiting: 5xx is transient");
    tab.advance(0.49);
    assert_eq!(
        tab.sent.len(),
        1,
        "no retry before 0.5 s (1 s × 0.5 jitter)"
    );
    tab.advance(1.1);
    assert_eq!(tab.sent.len(), 2, "retry by 1.5 s");
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(w), token(tab.now));
}

#[test]
fn waited_fetch_gives_up_after_four_retries_with_the_last_error() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    let mut gaps = Vec::new();
    let mut last = tab.now;
    for _ in 0..4 {
        tab.respond(status(500));
        let before = tab.sent.len();
        while tab.sent.len() == before {
            tab.advance(0.01);
        }
        gaps.push(tab.now - last);
        last = tab.now;
    }
    tab.respond(status(502));
    assert_eq!(tab.sent.len(), 5, "1 try + 4 retries");
    assert_eq!(tab.error_of(w), Error::Http { status: 502 });
    // Doubling from 1 s with jitter in [0.5, 1.5), capped at 8 s.
    for (i, gap) in gaps.iter().enumerate() {
        let base = f64::from(1u32 << i);
        assert!(
            *gap >= base * 0.5 - 0.02 && *gap <= (base * 1.5).min(8.0) + 0.02,
            "gap {i}: {gap}"
        );
    }
}

#[test]
fn network_errors_are_transient_and_reported_as_network_error() {
    let (times, err) = retry_times(FetchOutcome::NetworkError("boom".into()));
    assert_eq!(times.len(), 4);
    assert_eq!(err.code(), "network_error");
}

#[test]
fn timeouts_408_are_retried() {
    let (times, err) = retry_times(status(408));
    assert_eq!(times.len(), 4);
    assert_eq!(err, Error::Http { status: 408 });
}

#[test]
fn other_4xx_are_final_without_retry() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status(422));
    assert_eq!(tab.error_of(w), Error::Http { status: 422 });
    tab.advance(60.0);
    assert_eq!(tab.sent.len(), 1);
}

#[test]
fn rate_limited_waits_at_least_retry_after() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status_retry_after(429, "7"));
    tab.advance(6.99);
    assert_eq!(tab.sent.len(), 1, "not retried before Retry-After");
    tab.advance(0.02);
    assert_eq!(tab.sent.len(), 2);
    tab.respond(ok(&token(tab.now)));
    tab.token_of(w);
}

#[test]
fn rate_limited_with_http_date_retry_after() {
    let opts = SessionOptions {
        poll_interval: Some(0.0),
        ..options()
    };
    let mut tab = Tab::starting_at(opts, 784_111_777.0); // Sun, 06 Nov 1994 08:49:37 GMT
    let w = tab.get_wait(&plain());
    tab.respond(status_retry_after(429, "Sun, 06 Nov 1994 08:49:47 GMT"));
    tab.advance(9.9);
    assert_eq!(tab.sent.len(), 1);
    tab.advance(0.2);
    assert_eq!(tab.sent.len(), 2);
    assert_eq!(tab.result(w), None);
}

/// A 429 whose `Retry-After` is an HTTP date 20 s after the server's time
/// (which this tab's clock agrees with), to a skipCache call, with the wall
/// clock set back an hour just before (`before`) or just after the answer
/// is handled. Returns the tab and the seconds until its next request.
fn http_date_retry_after_with_a_step_back(before: bool) -> f64 {
    let opts = SessionOptions {
        poll_interval: Some(0.0),
        ..options()
    };
    let start = 784_111_777.0; // Sun, 06 Nov 1994 08:49:37 GMT
    let mut tab = Tab::starting_at(opts, start);
    tab.prime(&token(start));
    let w = tab.get_wait(&skip_cache());
    if before {
        tab.set_back(3600.0);
    }
    tab.respond(status_retry_after(429, "Sun, 06 Nov 1994 08:49:57 GMT"));
    if !before {
        tab.set_back(3600.0);
    }
    let sent = tab.sent.len();
    let mut waited = 0.0;
    while tab.sent.len() == sent && waited < 120.0 {
        tab.advance(0.1);
        waited += 0.1;
    }
    tab.respond(ok(&token(start + waited)));
    tab.token_of(w);
    waited
}

#[test]
fn an_http_date_retry_after_holds_whatever_the_wall_clock_does() {
    // SPEC 5, 2.8: a Retry-After is a delay, bound to the key as a deadline
    // on the monotonic clock from the moment it arrived, and an HTTP date
    // is counted from the earliest the server's clock may read, so that it
    // never comes out shorter than the server meant. A step back leaves no
    // skew bound standing (SPEC 8.1): the session wants a token at once,
    // and waits for the server's word all the same.
    for before in [false, true] {
        let waited = http_date_retry_after_with_a_step_back(before);
        assert!(
            (20.0..20.5).contains(&waited),
            "step back {}: next request after {waited:.1} s",
            if before {
                "before the answer"
            } else {
                "after it"
            }
        );
    }
}

#[test]
fn retry_after_over_sixty_seconds_fails_at_once() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status_retry_after(429, "120"));
    let err = tab.error_of(w);
    assert_eq!(err.code(), "rate_limited");
    assert_eq!(err.retry_after(), Some(120.0));
    assert_eq!(err.status(), Some(429));
}

#[test]
fn unauthenticated_evicts_the_key_and_stops_refreshing() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let w = tab.get_wait(&skip_cache());
    tab.respond(status(401));
    assert_eq!(tab.error_of(w), Error::Unauthenticated);
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None, "401 evicts");
    tab.advance(300.0);
    assert_eq!(
        tab.sent.len(),
        2,
        "no automatic refresh of an ended session"
    );
}

#[test]
fn invalid_responses_are_final_and_keep_the_cache() {
    let bodies = [
        "not json",
        r#"{"object":"token"}"#,
        r#"{"jwt":42}"#,
        r#"{"jwt":"a.b"}"#,
        &format!(
            r#"{{"jwt":"{}.{}.c2ln"}}"#,
            b64(r#"{"oiat":1}"#),
            b64(r#"{"exp":1}"#)
        ),
        &format!(
            r#"{{"jwt":"{}.{}.c2ln"}}"#,
            b64("{}"),
            b64(r#"{"sid":"sess_other","iat":1,"exp":2}"#)
        ),
    ];
    for body in bodies {
        let mut tab = no_poll();
        tab.prime(&token(T0));
        let w = tab.get_wait(&skip_cache());
        tab.respond(FetchOutcome::Response {
            status: 200,
            retry_after: None,
            body: body.to_string(),
        });
        assert_eq!(tab.error_of(w).code(), "invalid_response", "body {body}");
        assert_eq!(tab.cached(), Some(token(T0)), "cache kept for {body}");
        tab.advance(30.0);
        assert_eq!(tab.sent.len(), 2, "not retried: {body}");
    }
}

#[test]
fn background_failure_keeps_the_stale_token_and_retries() {
    let mut tab = no_poll();
    tab.prime(&token(T0));
    tab.now += 46.0; // 14 s left
    tab.get_ready(&plain());
    tab.respond(status(500));
    assert_eq!(
        tab.get_ready(&plain()),
        token(T0),
        "stale token still served"
    );
    tab.advance(2.0);
    assert_eq!(tab.sent.len(), 3, "background refresh retried");
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.get_ready(&plain()), token(tab.now));
}

#[test]
fn background_retries_stop_once_the_token_is_no_longer_servable() {
    let mut tab = no_poll();
    tab.prime(&token(T0));
    tab.now += 53.0; // 7 s left
    tab.get_ready(&plain());
    // Every request fails at once; note when each went out.
    let mut sent_at = Vec::new();
    for _ in 0..600 {
        while !tab.pending.is_empty() {
            sent_at.push(tab.now);
            tab.respond(status(500));
        }
        tab.advance(0.05);
    }
    let servable_until = LocalTime(T0 + 55.0);
    let retries = sent_at.iter().filter(|&&t| t <= servable_until).count();
    assert!(retries <= 4, "retried only while servable: {retries}");
    // Afterwards the default key is still refreshed on its own (SPEC 2.7),
    // but as paused automatic attempts, never a retry burst.
    let after: Vec<LocalTime> = sent_at
        .iter()
        .copied()
        .filter(|&t| t > servable_until)
        .collect();
    assert!(
        after.windows(2).all(|w| w[1] - w[0] >= 0.5),
        "attempts after expiry come at least a pause apart: {after:?}"
    );
    assert!(
        after.len() <= 6,
        "{} attempts in 25 s after expiry",
        after.len()
    );
}

#[test]
fn total_outage_is_a_trickle_not_a_flood() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    // Every request fails for an hour, instantly.
    let end = tab.now + 3600.0;
    while tab.now < end {
        tab.advance(0.25);
        while !tab.pending.is_empty() {
            tab.respond(FetchOutcome::NetworkError("down".into()));
        }
    }
    let requests = tab.sent.len() - 1;
    // Pauses double up to 30 s × [0.5, 1.5): at most ~240 an hour.
    assert!(requests <= 250, "{requests} requests in an hour of outage");
    assert!(requests >= 60, "still trying to recover: {requests}");
    // And it recovers once the network is back.
    let heal = tab.now;
    tab.until_sent(0.25);
    tab.respond(ok(&token(tab.now)));
    assert!(tab.now - heal <= 46.0);
    assert_eq!(tab.get_ready(&plain()), token(tab.now));
}

#[test]
fn offline_fails_waited_fetches_at_once_without_a_request() {
    let mut tab = no_poll();
    tab.m.set_online(tab.now, false);
    assert_eq!(tab.get(&plain()), GetOutcome::Failed(Error::Offline));
    assert_eq!(tab.get(&skip_cache()), GetOutcome::Failed(Error::Offline));
    assert!(tab.sent.is_empty());
}

#[test]
fn offline_keeps_serving_cached_tokens_and_refreshes_on_online() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.m.set_online(tab.now, false);
    tab.advance(50.0);
    assert_eq!(tab.sent.len(), 1, "no background refresh while offline");
    assert_eq!(tab.get_ready(&plain()), token(T0));
    tab.m.set_online(tab.now, true);
    tab.drain();
    assert_eq!(tab.sent.len(), 2, "refresh resumes on online");
}

#[test]
fn retry_falling_due_while_offline_fails_with_offline() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status(503));
    tab.m.set_online(tab.now, false);
    tab.advance(10.0);
    assert_eq!(tab.error_of(w), Error::Offline);
    assert_eq!(tab.sent.len(), 1);
}

#[test]
fn hung_request_times_out_and_is_retried() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.advance(19.9);
    assert_eq!(tab.sent.len(), 1, "not abandoned before 20 s");
    tab.advance(1.7);
    assert_eq!(tab.sent.len(), 2, "timed out after 20 s and retried");
    // The first request stayed open: its late answer wins (SPEC 3.5), and
    // the retry, no longer needed, is aborted.
    let retry = tab.pending[1].0;
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.token_of(w), token(T0));
    assert_eq!(tab.aborted, vec![retry]);
    assert!(tab.pending.is_empty());
}

#[test]
fn a_hung_request_is_aborted_once_its_last_caller_gives_up() {
    // SPEC 11.1, 3.5: the call gives up after its 30 s; the request it waited
    // on (a template's: nothing recovers it) is then no one's, and aborted.
    let mut tab = no_poll();
    let w = tab.get_wait(&template("t"));
    tab.advance(20.5);
    assert_eq!(
        tab.sent.len(),
        1,
        "the first request counts as failed after 20 s"
    );
    tab.advance(9.4);
    assert!(tab.result(w).is_none(), "still waiting at 29.9 s");
    assert_eq!(tab.sent.len(), 2, "retried once");
    tab.advance(0.2);
    assert!(matches!(tab.error_of(w), Error::Network(_)));
    assert_eq!(tab.aborted.len(), 2, "every request aborted");
    assert_eq!(tab.refreshes.len(), 2, "and each reported once");
    assert!(tab
        .refreshes
        .iter()
        .all(|e| e.code == Some("network_error") && e.status.is_none()));
}

#[test]
fn error_codes_are_stable() {
    let cases = [
        (Error::Network("x".into()), "network_error"),
        (Error::Http { status: 500 }, "http_error"),
        (Error::Unauthenticated, "unauthenticated"),
        (
            Error::RateLimited {
                retry_after: Some(3.0),
            },
            "rate_limited",
        ),
        (Error::InvalidResponse("x".into()), "invalid_response"),
        (Error::Offline, "offline"),
        (Error::Disposed, "disposed"),
        (Error::InvalidOptions("x".into()), "invalid_options"),
    ];
    for (e, code) in cases {
        assert_eq!(e.code(), code);
    }
}

#[test]
fn a_caller_after_failed_background_refreshes_gets_a_request_with_its_retries() {
    // SPEC 5: a waited-on fetch gets its retries. Background refreshes of a
    // template failed until its token lapsed (the key paused); a caller then
    // waits on a request of its own at once, retried as any other.
    let mut tab = no_poll();
    let w = tab.get_wait(&template("t"));
    tab.respond(ok(&token(T0)));
    tab.token_of(w);
    tab.now += 46.0; // 14 s left: in the window
    tab.get_ready(&template("t"));
    for _ in 0..40 {
        while !tab.pending.is_empty() {
            tab.respond(FetchOutcome::NetworkError("down".into()));
        }
        tab.advance(0.25);
    }
    let sent = tab.sent.len();
    let w = tab.get_wait(&template("t"));
    assert_eq!(
        tab.sent.len(),
        sent + 1,
        "a request at once, not after the pause"
    );
    for retry in 1..=4 {
        tab.respond(status(503));
        let before = tab.sent.len();
        while tab.sent.len() == before {
            tab.advance(0.05);
        }
        assert_eq!(tab.sent.len(), sent + 1 + retry, "retry {retry}");
    }
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(w), token(tab.now), "the fourth retry's token");
}

#[test]
fn after_a_final_error_the_next_call_goes_out_at_once() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status(403));
    tab.error_of(w);
    tab.get_wait(&plain());
    assert_eq!(tab.sent.len(), 2);
}

#[test]
fn after_a_401_calls_fail_at_once_and_keep_failing() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status(401));
    tab.error_of(w);
    for _ in 0..3 {
        assert_eq!(
            tab.get(&plain()),
            GetOutcome::Failed(Error::Unauthenticated)
        );
        tab.advance(60.0);
    }
    assert_eq!(tab.sent.len(), 1, "the session is over: no request after");
}

#[test]
fn retry_after_reads_seconds_and_imf_dates_and_nothing_else() {
    use session_swr::core::parse_retry_after;
    let now = ServerTime(784_111_777.0); // Sun, 06 Nov 1994 08:49:37 GMT
    for (value, want) in [
        ("5", Some(5.0)),
        (" 7\t", Some(7.0)),
        ("0", Some(0.0)),
        ("Sun, 06 Nov 1994 08:49:47 GMT", Some(10.0)),
        (" Sun, 06 Nov 1994 08:50:37 GMT ", Some(60.0)),
        ("Sun, 06 Nov 1994 08:49:00 GMT", Some(0.0)), // in the past
    ] {
        assert_eq!(parse_retry_after(value, now), want, "{value:?}");
    }
    for value in [
        "",
        "-1",
        "1.5",
        "soon",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMT extra",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "\u{3000}5",
    ] {
        assert_eq!(parse_retry_after(value, now), None, "{value:?}");
    }
}

#[test]
fn retry_after_dates_far_out_of_range_are_ignored_not_overflowed() {
    for date in [
        "Sun, 06 Nov 999999999999 08:49:37 GMT",
        "Sun, 06 Nov 0 08:49:37 GMT",
        "Sun, 06 Nov 10000 08:49:37 GMT",
    ] {
        assert_eq!(parse_retry_after(date, ServerTime(T0)), None, "{date}");
    }
    assert!(parse_retry_after("Sun, 06 Nov 2050 08:49:37 GMT", ServerTime(T0)).is_some());
}
