//! A flight ends in one place (`machine/outcome.rs`), whichever way it ends:
//! its lock is released exactly once and each of its callers settled exactly
//! once. `Tab::drain` fails on a second settle of a caller and on releasing a
//! lock not held; these check that nothing stays held or unsettled either.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

/// Three callers waiting on one request of the default key, under its lock.
fn waiting(tab: &mut Tab) -> Vec<WaiterId> {
    waiting_for(tab, &plain())
}

/// Three callers waiting on one request for `opts`, under its key's lock.
fn waiting_for(tab: &mut Tab, opts: &GetTokenOptions) -> Vec<WaiterId> {
    let waiters = (0..3).map(|_| tab.get_wait(opts)).collect();
    assert_eq!(tab.held.len(), 1, "the refresh holds the key's lock");
    assert_eq!(tab.pending.len(), 1, "one request for the three");
    waiters
}

fn ended_once(tab: &Tab, waiters: &[WaiterId]) {
    assert!(tab.held.is_empty(), "the lock was released");
    for w in waiters {
        assert!(tab.result(*w).is_some(), "{w:?} settled");
    }
}

#[test]
fn a_minted_token_ends_the_flight_once() {
    let mut tab = Tab::new();
    let waiters = waiting(&mut tab);
    tab.respond(ok(&token(T0)));
    ended_once(&tab, &waiters);
    assert!(waiters.iter().all(|w| tab.token_of(*w) == token(T0)));
    assert_eq!(tab.broadcasts.len(), 1, "broadcast once");
    assert_eq!(tab.updates.len(), 1, "one update");
}

#[test]
fn a_final_failure_ends_the_flight_once() {
    let mut tab = Tab::new();
    let waiters = waiting(&mut tab);
    tab.respond(status(401));
    ended_once(&tab, &waiters);
    assert!(waiters
        .iter()
        .all(|w| tab.error_of(*w) == Error::Unauthenticated));
}

#[test]
fn running_out_of_retries_ends_the_flight_once() {
    // A template's: the session's own key would go on recovering (SPEC 11.2).
    let mut tab = Tab::new();
    let waiters = waiting_for(&mut tab, &template("t"));
    for _ in 0..5 {
        tab.respond(status(503));
        // Backing off, the flight lets go of the lock and takes it again.
        assert!(tab.held.is_empty() || tab.pending.is_empty());
        while tab.pending.is_empty() && tab.result(waiters[0]).is_none() {
            tab.advance(0.05);
        }
    }
    ended_once(&tab, &waiters);
    assert_eq!(tab.sent.len(), 5, "1 try and 4 retries");
    assert!(waiters
        .iter()
        .all(|w| tab.error_of(*w) == Error::Http { status: 503 }));
}

#[test]
fn another_tabs_token_found_after_the_lock_ends_the_flight_once() {
    // Another tab holds the lock: this one waits for its broadcast, which
    // serves the callers; the flight, moot, goes without a request.
    let locks = LockTable::default();
    locks
        .borrow_mut()
        .insert("session-swr:refresh:sess_1".into(), ());
    let mut tab = Tab::on_locks(options(), 7, Some(locks));
    let waiters: Vec<_> = (0..3).map(|_| tab.get_wait(&plain())).collect();
    assert_eq!(tab.busy, 1, "the lock was busy");
    tab.m
        .handle_broadcast(tab.now, &message(&token(T0)))
        .unwrap();
    tab.drain();
    ended_once(&tab, &waiters);
    tab.advance(10.0);
    assert!(tab.sent.is_empty(), "no request of its own");
}

#[test]
fn dispose_ends_every_flight_once() {
    let mut tab = Tab::new();
    let waiters = waiting(&mut tab);
    let skip = tab.get_wait(&skip_cache());
    tab.m.dispose();
    tab.drain();
    ended_once(&tab, &waiters);
    assert!(waiters
        .iter()
        .chain([&skip])
        .all(|w| tab.error_of(*w) == Error::Disposed));
    assert_eq!(tab.aborted.len(), tab.sent.len(), "every request aborted");
    let late = tab.aborted[0];
    tab.m.handle_fetch(tab.now, late, ok(&token(T0)));
    tab.drain();
    assert!(tab.updates.is_empty(), "a late answer changes nothing");
}

#[test]
fn clear_cache_drops_a_refresh_nobody_waits_for_and_lets_its_lock_go() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.now += 46.0;
    tab.get_ready(&plain()); // starts a background refresh, under the lock
    assert_eq!(tab.held.len(), 1);
    tab.m.clear_cache(tab.now);
    tab.drain();
    assert!(tab.held.is_empty(), "the dropped refresh released its lock");
}

#[test]
fn no_request_queued_before_dispose_is_sent_after_it() {
    // A driver carries out effects one by one and runs app code between
    // them (the app's `fetch`), which may dispose the session: a request
    // queued then must not go out.
    let mut tab = Tab::new();
    for name in ["a", "b"] {
        let GetOutcome::Wait(_) = tab.m.get_token(
            tab.now,
            &GetTokenOptions {
                template: Some(name.into()),
                skip_cache: true,
                ..GetTokenOptions::default()
            },
        ) else {
            panic!("a skipCache call waits");
        };
    }
    tab.m.dispose();
    let effects: Vec<Effect> = std::iter::from_fn(|| tab.m.poll_effect()).collect();
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Fetch { .. })),
        "{effects:?}"
    );
    let settled = effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::Settle {
                    result: Err(Error::Disposed),
                    ..
                }
            )
        })
        .count();
    assert_eq!(settled, 2, "both calls settled disposed");
    // Never sent: neither aborted nor reported as a request.
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Abort { .. } | Effect::Refresh(_))),
        "{effects:?}"
    );
}

#[test]
fn a_refresh_dropped_by_clear_cache_before_its_request_went_out_sends_nothing() {
    // Its request queued, not yet carried out, when app code (between two
    // effects) clears the cache.
    let mut tab = Tab::on_locks(options(), 42, None);
    tab.prime(&token(T0));
    tab.now += 46.0;
    tab.get_ready(&plain()); // a background refresh, after a random pause
    tab.rearm();
    let (at, _) = tab.armed.take().expect("the pause's timer");
    tab.now += 1.5;
    tab.m.handle_timer(tab.now, at);
    tab.m.clear_cache(tab.now);
    let effects: Vec<Effect> = std::iter::from_fn(|| tab.m.poll_effect()).collect();
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Fetch { .. } | Effect::Abort { .. })),
        "{effects:?}"
    );
}

#[test]
fn an_answer_that_ends_a_flight_whose_retry_is_still_queued_is_taken() {
    // A driver may hand over an answer before it has carried out every
    // effect: here the background refresh's retry is queued, unsent, when
    // its first request answers and ends the flight. Nothing panics, the
    // retry is never sent, and the answer is reported.
    // A 5-minute token whose window opens a minute before it ends: still
    // servable when its refresh's first request times out.
    let opts = SessionOptions {
        background_refresh_threshold: Some(60.0),
        poll_interval: Some(0.0),
        ..options()
    };
    let mut tab = Tab::on_locks(opts, 42, None);
    tab.prime(&jwt_with(Some(T0), T0, T0 + 300.0, ""));
    tab.now += 241.0;
    tab.get_ready(&plain());
    tab.until_sent(0.1);
    let (first, _) = tab.pending[0].clone();
    tab.advance(20.1); // it counts as failed; its retry waits a backoff
    assert_eq!(tab.pending.len(), 1, "the retry not sent yet");
    // The timers of the backoff and the jitter fire; nothing is carried out.
    for _ in 0..4 {
        if let Some(at) = tab.m.poll_timeout(tab.now) {
            tab.now += at - tab.m.instant();
            tab.m.handle_timer(tab.now, at);
        }
    }
    // It answers at last, with claims staler than the cached token's: the
    // freshness guard keeps the cached one, and the flight ends.
    let stale = jwt_with(Some(T0 - 10.0), tab.now.0, tab.now.0 + 300.0, "");
    tab.m.handle_fetch(tab.now, first, ok(&stale));
    let effects: Vec<Effect> = std::iter::from_fn(|| tab.m.poll_effect()).collect();
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Fetch { .. })),
        "{effects:?}"
    );
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Refresh(_))),
        "{effects:?}"
    );
}
