//! The time model (SPEC 2.3, 2.7, 2.8, 3.5, 5, 8.1): expiry judged on the
//! skew-corrected wall clock, every deadline on a clock that never runs
//! backwards, the skew bounded by the send time, late answers kept, the
//! refresh window capped at half a token's life, and `Retry-After` binding
//! the key.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn tab_with(opts: SessionOptions) -> Tab {
    Tab::with(opts, None)
}

fn no_poll() -> Tab {
    tab_with(SessionOptions {
        poll_interval: Some(0.0),
        ..options()
    })
}

/// As [`no_poll`], with calls that may wait two minutes (SPEC 11.1 bounds
/// them to 30 s by default): for what a call's retries do over a longer time.
fn patient() -> Tab {
    tab_with(SessionOptions {
        poll_interval: Some(0.0),
        timeout: Some(120_000.0),
        ..options()
    })
}

/// A token of `life` seconds issued at `iat` (server time), origin-minted.
fn token_for(iat: f64, life: f64) -> String {
    jwt_with(Some(iat), iat, iat + life, "")
}

/// Runs a Frontend API that answers every request at once with a token of
/// `life` seconds, minted now on the server's clock (`skew` seconds ahead of
/// the tab's), for `secs` seconds of the tab's time, in small steps.
fn serve_for(tab: &mut Tab, secs: f64, life: f64, skew: f64) {
    let end = tab.now + secs;
    while tab.now < end {
        while !tab.pending.is_empty() {
            let iat = tab.now.0 + skew;
            tab.respond(ok(&token_for(iat, life)));
        }
        tab.advance(0.05);
    }
}

#[test]
fn a_slow_answer_does_not_stretch_its_token() {
    // The server minted the token when the request arrived (at once); the
    // answer took 15 s to come back. Clocks agree.
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    let minted = token(T0);
    tab.now += 15.0;
    tab.respond(ok(&minted));
    assert_eq!(tab.token_of(w), minted);
    // The background refresh at exp − 15 is left unanswered. The token is
    // served until about 6 s are left (the bound errs early by up to 1 s)...
    tab.advance(38.5);
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()).as_deref(),
        Some(minted.as_str()),
        "served with 6.5 s left"
    );
    // ...and never once 5 s or less are left on the server's clock.
    tab.advance(1.5);
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "not served with 5 s left on the server's clock"
    );
}

#[test]
fn a_new_skew_estimate_never_moves_a_deadline_already_set() {
    // The server is 100 s ahead. A template request goes out, then a
    // session-token request whose answer teaches the tab the offset.
    let mut tab = no_poll();
    tab.get_wait(&template("tmpl"));
    tab.now += 0.1;
    tab.get_wait(&plain());
    tab.now += 0.1;
    tab.respond_to(1, ok(&token(tab.now.0 + 100.0)));
    assert!(tab.m.clock_offset() > 99.0, "the offset was learnt");
    tab.advance(19.0);
    assert_eq!(
        tab.sent.len(),
        2,
        "the template request still has its 20 s before it counts as failed"
    );
    tab.advance(2.4);
    assert_eq!(tab.sent.len(), 3, "and then it is retried");
}

#[test]
fn a_wall_clock_set_back_an_hour_does_not_postpone_a_retry() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.respond(status(503));
    tab.set_back(3600.0);
    tab.advance(1.6);
    assert_eq!(tab.sent.len(), 2, "retried after at most 1.5 s");
    tab.respond(ok(&token(tab.now.0 + 3600.0)));
    assert!(tab.result(w).is_some_and(Result::is_ok));
}

#[test]
fn a_wall_clock_set_back_an_hour_does_not_postpone_a_timeout() {
    let mut tab = no_poll();
    tab.get_wait(&plain());
    tab.advance(5.0);
    tab.set_back(3600.0);
    tab.advance(14.9);
    assert_eq!(tab.sent.len(), 1, "the request is still in its 20 s");
    tab.advance(1.7);
    assert_eq!(tab.sent.len(), 2, "timed out 20 s after it was sent");
}

#[test]
fn a_wall_clock_set_back_keeps_judging_expiry_on_the_server_clock() {
    let mut tab = no_poll();
    tab.prime(&token(T0));
    tab.advance(50.0);
    // Setting the clock back an hour must not make the token look fresh.
    tab.set_back(3600.0);
    tab.advance(5.5);
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "55.5 s after iat, the 60 s token has under 5 s left"
    );
}

#[test]
fn an_answer_after_the_timeout_is_used() {
    // Every answer takes 21 s: the first arrives after its request counted
    // as failed at 20 s, while the retry waits to be sent.
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.advance(20.0);
    assert_eq!(tab.sent.len(), 1, "the retry waits out its backoff");
    tab.now += 0.2;
    let minted = token(T0);
    tab.respond_to(0, ok(&minted));
    assert_eq!(tab.token_of(w), minted, "the first answer wins");
    tab.advance(10.0);
    assert_eq!(tab.sent.len(), 1, "no retry after the flight ended");
}

#[test]
fn an_answer_after_the_retry_went_out_is_used() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.advance(21.6);
    assert_eq!(tab.sent.len(), 2, "timed out and retried");
    let minted = token(T0);
    tab.respond_to(0, ok(&minted));
    assert_eq!(tab.token_of(w), minted, "the older request answered first");
}

#[test]
fn a_server_that_always_answers_in_21_s_still_serves_a_token() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    let mut sent_at = vec![tab.now];
    for _ in 0..600 {
        tab.advance(0.1);
        if tab.sent.len() > sent_at.len() {
            sent_at.push(tab.now);
        }
        if tab.result(w).is_some() {
            break;
        }
        // The oldest request still open answers once it is 21 s old.
        if !tab.pending.is_empty() && tab.now - sent_at[0] >= 21.0 {
            let iat = sent_at[0].0;
            tab.respond_to(0, ok(&token(iat)));
            sent_at.remove(0);
        }
    }
    assert!(
        tab.result(w).is_some_and(Result::is_ok),
        "got {:?}",
        tab.result(w)
    );
}

#[test]
fn a_threshold_at_the_token_lifetime_does_not_refresh_in_a_loop() {
    let mut tab = tab_with(SessionOptions {
        background_refresh_threshold: Some(60.0),
        ..options()
    });
    tab.prime(&token(T0));
    serve_for(&mut tab, 1.0, 60.0, 0.0);
    assert_eq!(tab.sent.len(), 1, "the new token is not stale on arrival");
    serve_for(&mut tab, 120.0, 60.0, 0.0);
    assert!(
        tab.sent.len() <= 6,
        "about one refresh per half lifetime: {} requests in 121 s",
        tab.sent.len()
    );
    let gets = 50;
    for _ in 0..gets {
        tab.get(&plain());
        tab.advance(0.1);
    }
    assert!(
        tab.sent.len() <= 7,
        "reads do not storm: {}",
        tab.sent.len()
    );
}

#[test]
fn a_ten_second_template_token_does_not_refresh_in_a_loop() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&template("short"));
    tab.respond(ok(&token_for(T0, 10.0)));
    tab.token_of(w);
    for _ in 0..20 {
        tab.get(&template("short"));
        tab.advance(0.05);
        while !tab.pending.is_empty() {
            let iat = tab.now.0;
            tab.respond(ok(&token_for(iat, 10.0)));
        }
    }
    assert_eq!(tab.sent.len(), 1, "a fresh 10 s token is not stale");
    for _ in 0..600 {
        tab.get(&template("short"));
        tab.advance(0.1);
        while !tab.pending.is_empty() {
            let iat = tab.now.0;
            tab.respond(ok(&token_for(iat, 10.0)));
        }
    }
    assert!(
        tab.sent.len() <= 17,
        "one refresh per half lifetime: {} requests in 61 s",
        tab.sent.len()
    );
}

#[test]
fn retry_after_on_a_background_refresh_binds_the_key() {
    let mut tab = no_poll();
    tab.prime(&token(T0));
    tab.advance(45.1);
    assert_eq!(tab.sent.len(), 2, "the scheduled refresh at exp − 15");
    tab.respond(status_retry_after(429, "30"));
    for _ in 0..297 {
        tab.get(&plain());
        tab.advance(0.1);
    }
    assert_eq!(
        tab.sent.len(),
        2,
        "no request for the key before Retry-After has passed"
    );
    tab.get(&plain());
    tab.advance(0.5);
    assert_eq!(tab.sent.len(), 3, "one request once it has");
}

#[test]
fn retry_after_longer_than_sixty_seconds_rejects_callers_at_once() {
    let mut tab = no_poll();
    tab.prime(&token(T0));
    tab.advance(45.1);
    tab.respond(status_retry_after(429, "120"));
    tab.advance(20.0);
    let out = tab.get(&plain());
    assert!(
        matches!(out, GetOutcome::Failed(Error::RateLimited { retry_after: Some(s) }) if s > 60.0),
        "{out:?}"
    );
    assert_eq!(tab.sent.len(), 2);
    let w = tab.get_wait(&skip_cache());
    assert_eq!(tab.sent.len(), 3, "skipCache may go anyway");
    tab.respond(ok(&token(tab.now)));
    assert!(tab.result(w).is_some_and(Result::is_ok));
}

#[test]
fn a_hydrated_token_bounds_the_skew_from_below() {
    // The tab's clock is 100 s behind the server; the token was minted just
    // now by the server's clock.
    let local = T0 - 100.0;
    let cfg = Config::new(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        42,
        &SerdeJson,
    )
    .unwrap();
    let hydrated = token(T0);
    let m = Machine::new(cfg, Some(&hydrated), LocalTime(local)).unwrap();
    let mut tab = Tab::from_machine(m);
    tab.now = LocalTime(local);
    assert_eq!(tab.get_ready(&plain()), hydrated);
    tab.advance(44.0);
    assert_eq!(tab.sent.len(), 0);
    tab.advance(1.1);
    assert_eq!(tab.sent.len(), 1, "refreshed at exp − 15 by the server");
    tab.advance(11.0);
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "not served with 4 s left on the server's clock"
    );
}

#[test]
fn the_estimate_is_the_tightest_upper_bound_from_send_times() {
    // The server is 30 s ahead. A slow answer (10 s) and a fast one.
    let mut tab = no_poll();
    tab.get_wait(&plain());
    let sent = tab.now.0;
    tab.now += 10.0;
    tab.respond(ok(&token(sent + 30.0)));
    let first = tab.m.clock_offset();
    assert!(
        (30.0..=31.0).contains(&first),
        "iat + 1 − send bounds it, however slow the answer: {first}"
    );
    tab.now += 1.0;
    tab.get_wait(&skip_cache());
    let sent = tab.now.0;
    tab.now += 0.2;
    tab.respond(ok(&token(sent + 30.0 + 0.9)));
    assert!(
        tab.m.clock_offset() <= first,
        "the tighter bound is kept: {}",
        tab.m.clock_offset()
    );
    assert!(tab.m.clock_offset() >= 30.0, "never below the true offset");
}

#[test]
fn a_token_that_arrives_expired_is_fetched_again() {
    // The tab froze with the answer pending and handles it 70 s late.
    let mut tab = patient();
    let w = tab.get_wait(&plain());
    tab.now += 70.0;
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.result(w), None, "an expired token is not handed out");
    tab.advance(1.6);
    assert_eq!(tab.sent.len(), 2, "fetched again");
    assert_eq!(
        form_field(&tab.sent[1].body, "token"),
        Some(token(T0).as_str()),
        "its claims still count: it is the previous token"
    );
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(w), token(tab.now));
    // A token minted that short-lived is what the server makes: its own
    // caller gets it.
    let w = tab.get_wait(&template("brief"));
    tab.respond(ok(&jwt_with(
        Some(tab.now.0),
        tab.now.0,
        tab.now.0 + 3.0,
        "",
    )));
    assert!(tab.result(w).is_some_and(Result::is_ok));
}

#[test]
fn a_refresh_that_loses_to_fresher_claims_still_servable_does_not_repeat_at_once() {
    // The key's token has fresher claims and is in its window; the minter
    // ignores the previous token and answers staler claims every time.
    let mut tab = Tab::new();
    let fresher = jwt_with(Some(T0 + 500.0), T0, T0 + 60.0, "");
    tab.prime(&fresher);
    tab.advance(44.5);
    assert_eq!(tab.sent.len(), 2, "the scheduled refresh");
    for _ in 0..100 {
        while !tab.pending.is_empty() {
            let staler = jwt_with(Some(T0), tab.now.0, tab.now.0 + 60.0, "");
            tab.respond(ok(&staler));
        }
        tab.advance(0.1);
    }
    assert_eq!(tab.m.cached(SID).unwrap().raw, fresher);
    assert!(
        tab.sent.len() <= 6,
        "paused like failures: {} requests in 10 s",
        tab.sent.len()
    );
}

#[test]
fn a_token_minted_already_expired_does_not_make_a_key_refresh_in_a_loop() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.advance(44.5);
    for _ in 0..100 {
        while !tab.pending.is_empty() {
            let now = tab.now.0;
            tab.respond(ok(&jwt_with(Some(now), now, now, "")));
        }
        tab.advance(0.1);
    }
    assert!(
        tab.sent.len() <= 7,
        "paused like failures: {} requests in 10 s",
        tab.sent.len()
    );
    // A caller is never handed a token already expired.
    let w = tab.get_wait(&template("t"));
    let now = tab.now.0;
    let i = tab.pending.len() - 1;
    assert!(tab.pending[i].1.url.ends_with("/tokens/t"));
    tab.respond_to(i, ok(&jwt_with(Some(now), now, now, "")));
    assert_eq!(tab.result(w), None, "retried, not handed out");
}

#[test]
fn retry_after_from_a_late_answer_holds_back_the_flights_next_attempt() {
    let mut tab = patient();
    let w = tab.get_wait(&plain());
    tab.advance(21.6);
    assert_eq!(tab.sent.len(), 2, "timed out and retried");
    // The first request answers late: 429, Retry-After 30.
    tab.respond_to(0, status_retry_after(429, "30"));
    // The retry fails too, with no Retry-After of its own.
    tab.respond(status(503));
    tab.advance(29.0);
    assert_eq!(tab.sent.len(), 2, "nothing before the 30 s have passed");
    tab.advance(2.0);
    assert_eq!(tab.sent.len(), 3);
    tab.respond(ok(&token(tab.now)));
    assert!(tab.result(w).is_some_and(Result::is_ok));
}

#[test]
fn bounds_shifted_by_a_clock_step_go_with_the_next_fetch() {
    let mut c = ServerClock::default();
    let mut m = Monotonic::new(LocalTime(1000.0));
    c.fetched(ServerTime(1000.0), LocalTime(1000.0), m.now());
    assert_eq!(c.offset(), 1.0);
    // Set back 100 s while 3 s passed: the step hides those 3 s.
    m.tick(LocalTime(903.0));
    c.stepped_back(97.0);
    // A fetch sent now, minted promptly: the true offset is 100.
    c.fetched(ServerTime(1003.0), LocalTime(903.0), m.now());
    assert_eq!(c.offset(), 101.0, "not the 98 the shifted bound says");
}

#[test]
fn a_late_token_from_before_clear_cache_stays_out_of_the_new_cache() {
    let mut tab = no_poll();
    let w = tab.get_wait(&plain());
    tab.now += 70.0; // frozen with the answer pending
    tab.m.clear_cache(tab.now);
    tab.drain();
    // A new caller, a new entry, a new request.
    tab.get_wait(&plain());
    tab.respond_to(0, ok(&token(T0)));
    assert_eq!(tab.result(w), None);
    assert_eq!(
        tab.m.cached(SID),
        None,
        "the old cache's token is not written"
    );
    assert_eq!(form_field(&tab.sent.last().unwrap().body, "token"), None);
}
