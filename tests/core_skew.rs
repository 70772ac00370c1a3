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
    Tab::starting_at(options(), T0 + skew)
}

fn skewed_no_poll(skew: f64) -> Tab {
    let opts = SessionOptions {
        poll_interval: Some(0.0),
        ..options()
    };
    Tab::starting_at(opts, T0 + skew)
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
    let mut tab = skewed_no_poll(-300.0);
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
    let mut tab = skewed_no_poll(-240.0);
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
fn small_skews_are_corrected_too_never_late() {
    // The tab is 1.5 s ahead; the token was minted as the request was sent.
    let mut tab = skewed(1.5);
    tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.m.clock_offset(), -0.5, "iat + 1 − send");
    assert!(
        tab.m.clock_offset() >= -1.5,
        "at or ahead of the true offset"
    );
}

#[test]
fn a_clock_set_right_is_caught_by_the_next_fetch() {
    let mut tab = skewed(300.0);
    tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.m.clock_offset(), -299.0);
    // The user fixes the clock while 10 s pass: it reads the server's time.
    // The step hides those 10 s, so the bounds, moved by the step, are 9 s
    // late...
    tab.now = LocalTime(T0 + 10.0);
    tab.get_wait(&skip_cache());
    // ...until the next token, minted before now, shows them up.
    tab.respond(ok(&token(T0 + 10.0)));
    assert_eq!(tab.m.clock_offset(), 1.0, "old bounds dropped");
}

#[test]
fn a_clock_set_back_refreshes_at_once() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.advance(3.0);
    assert_eq!(tab.sent.len(), 1);
    tab.set_back(600.0);
    tab.advance(0.1);
    assert_eq!(tab.sent.len(), 2, "a fetch bounds the skew again");
    tab.respond(ok(&token(T0 + 3.1)));
    tab.advance(30.0);
    assert_eq!(tab.sent.len(), 2, "then the usual schedule");
}

#[test]
fn the_estimate_is_the_lowest_recent_upper_bound_raised_by_lower_bounds() {
    let mut c = ServerClock::default();
    let mut m = Monotonic::new(LocalTime(0.0));
    let at = |m: &mut Monotonic, t: f64| {
        m.tick(LocalTime(t));
        m.now()
    };
    assert_eq!(c.offset(), 0.0, "0 until a token says otherwise");
    // Sent at 900 local, minted at 1000 server: offset < 101.
    c.fetched(ServerTime(1000.0), LocalTime(900.0), at(&mut m, 910.0));
    assert_eq!(c.offset(), 101.0);
    c.fetched(ServerTime(1030.0), LocalTime(930.8), at(&mut m, 931.0));
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(c.offset(), 100.2), "the tighter bound");
    c.fetched(ServerTime(1100.0), LocalTime(990.0), at(&mut m, 995.0));
    assert!(close(c.offset(), 100.2), "a looser one changes nothing");
    assert!(close(c.server(LocalTime(10.0)).0, 110.2));
    assert!(close(c.local(ServerTime(110.2)).0, 10.0));
    // A token of unknown age below the estimate says nothing new.
    c.seen(ServerTime(1090.0), LocalTime(1000.0));
    assert!(close(c.offset(), 100.2));
    // One above it contradicts the upper bounds: a clock jumped.
    c.seen(ServerTime(1200.0), LocalTime(1000.0));
    assert_eq!(c.offset(), 200.0, "started over from the lower bound");
    // An upper bound below the lower bound: started over again.
    c.fetched(ServerTime(1101.0), LocalTime(1010.0), at(&mut m, 1011.0));
    assert_eq!(c.offset(), 92.0);
    // The wall clock set back 50 s: every bound moves with it.
    c.stepped_back(50.0);
    assert_eq!(c.offset(), 142.0);
    assert!(c.unsure(), "the step may have hidden elapsed time");
    c.fetched(ServerTime(1101.0), LocalTime(960.0), at(&mut m, 961.0));
    assert!(!c.unsure());
}

#[test]
fn upper_bounds_older_than_ten_minutes_give_way() {
    let mut c = ServerClock::default();
    let mut m = Monotonic::new(LocalTime(0.0));
    c.fetched(ServerTime(100.0), LocalTime(100.0), m.now());
    assert_eq!(c.offset(), 1.0);
    m.tick(LocalTime(800.0));
    // The clock was corrected while nothing was fetched: 5 s more offset.
    c.fetched(ServerTime(805.0), LocalTime(799.5), m.now());
    assert_eq!(c.offset(), 6.5, "the old bound is past ten minutes");
}

#[test]
fn the_monotonic_clock_never_runs_backwards() {
    let mut m = Monotonic::new(LocalTime(1000.0));
    assert_eq!(m.tick(LocalTime(1010.0)), 0.0);
    assert_eq!(m.now() - Monotonic::new(LocalTime(0.0)).now(), 10.0);
    assert_eq!(m.tick(LocalTime(400.0)), 610.0, "a step back is reported");
    let before = m.now();
    assert_eq!(m.tick(LocalTime(405.0)), 0.0);
    assert_eq!(m.now() - before, 5.0, "and time runs on from there");
    assert_eq!(m.tick(LocalTime(f64::NAN)), 0.0, "garbage is ignored");
    assert_eq!(m.now() - before, 5.0);
}
