//! Clock-skew correction: remaining time is judged on the server's clock, as
//! estimated from the `iat` of tokens seen, so a client clock minutes off
//! neither serves expired tokens nor refetches in a loop.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

/// A tab whose clock reads `skew` seconds more than the server's.
fn skewed(skew: f64) -> Tab {
    let mut tab = Tab::new();
    tab.now = LocalTime(T0 + skew);
    tab
}

fn server_now(tab: &Tab, skew: f64) -> f64 {
    tab.now.0 - skew
}

#[test]
fn clock_five_minutes_ahead_does_not_refetch_in_a_loop() {
    let skew = 300.0;
    let mut tab = skewed(skew);
    let w = tab.get_wait(&plain());
    tab.respond(ok(&token(server_now(&tab, skew))));
    tab.token_of(w);
    // Locally the token expired five minutes ago; by the server it is fresh.
    assert_eq!(tab.get_ready(&plain()), token(T0));
    assert_eq!(tab.sent.len(), 1);
    tab.advance(40.0);
    assert_eq!(
        tab.sent.len(),
        1,
        "no refresh before exp - 15 s (server time)"
    );
    tab.advance(6.0);
    assert_eq!(tab.sent.len(), 2, "refreshed on the server's schedule");
    assert!((tab.m.clock_offset() + skew - 1.0).abs() < 1e-9);
}

#[test]
fn clock_five_minutes_behind_never_serves_an_expired_token() {
    let skew = -300.0;
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    tab.now = LocalTime(T0 + skew);
    let w = tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    tab.token_of(w);
    // 56 s later by every clock: the server says 4 s are left.
    tab.now += 56.0;
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "expired by the server's clock"
    );
    assert!(matches!(tab.get(&plain()), GetOutcome::Wait(_)));
}

#[test]
fn a_tab_behind_corrects_its_clock_from_broadcasts() {
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    tab.now = LocalTime(T0 - 240.0);
    assert_eq!(
        tab.m.handle_broadcast(tab.now, &message(&token(T0))),
        Ok(())
    );
    assert_eq!(tab.get_ready(&plain()), token(T0));
    tab.now += 56.0; // 4 s left by the server's clock
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "never served late"
    );
}

#[test]
fn a_tab_ahead_trusts_broadcasts_only_after_its_own_fetch() {
    // A broadcast of unknown age must not move the clock back: the tab fetches
    // once, learns the offset, and adopts broadcasts from then on.
    let skew = 240.0;
    let mut tab = skewed(skew);
    assert_eq!(
        tab.m.handle_broadcast(tab.now, &message(&token(T0))),
        Err(Rejection::Expired)
    );
    tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    tab.now += 10.0;
    assert_eq!(
        tab.m.handle_broadcast(tab.now, &message(&token(T0 + 10.0))),
        Ok(())
    );
    assert_eq!(tab.get_ready(&plain()), token(T0 + 10.0));
}

#[test]
fn small_skews_are_left_alone() {
    let mut tab = skewed(1.5);
    tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.m.clock_offset(), 0.0);
}

#[test]
fn a_clock_jump_resets_the_estimate() {
    let mut tab = skewed(300.0);
    tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    assert!(tab.m.clock_offset() < -290.0);
    // The user fixes the clock: local time now matches the server.
    tab.now = LocalTime(T0 + 10.0);
    tab.get_wait(&skip_cache());
    tab.respond(ok(&token(T0 + 10.0)));
    assert_eq!(tab.m.clock_offset(), 0.0, "old samples dropped");
}

#[test]
fn estimate_uses_the_largest_recent_sample() {
    let mut c = ServerClock::default();
    c.observe(ServerTime(1000.0), LocalTime(900.0)); // +100, a slow delivery makes it err low
    c.observe(ServerTime(1000.0), LocalTime(899.5));
    assert!(
        (c.offset() - 101.5).abs() < 1e-9,
        "max sample + 1 s truncation"
    );
    assert!((c.server(LocalTime(10.0)).0 - 111.5).abs() < 1e-9);
}
