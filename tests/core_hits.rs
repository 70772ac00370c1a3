//! The cache-hit path the driver serves `getToken`/`peekToken` from
//! (`Machine::serve`, `Machine::peek`, `Machine::token`): the token named by
//! its sequence number, and whether the read changed what the machine waits
//! for, which decides whether the driver re-arms its timer.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn cached_hit(tab: &mut Tab, opts: &GetTokenOptions) -> Hit {
    match tab.m.serve(tab.now, opts) {
        Served::Cached(hit) => hit,
        other => panic!("expected a cache hit, got {other:?}"),
    }
}

#[test]
fn a_hit_names_its_token_by_a_sequence_number_new_for_every_token() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let first = cached_hit(&mut tab, &plain());
    assert_eq!(tab.m.token(first.seq), Some(token(T0).as_str()));
    assert_eq!(
        cached_hit(&mut tab, &plain()).seq,
        first.seq,
        "same token, same number"
    );
    tab.now += 1.0;
    let w = tab.get_wait(&skip_cache());
    tab.respond(ok(&token(T0 + 1.0)));
    tab.token_of(w);
    let second = cached_hit(&mut tab, &plain());
    assert_ne!(second.seq, first.seq, "a new token, a new number");
    assert_eq!(tab.m.token(second.seq), Some(token(T0 + 1.0).as_str()));
    assert_eq!(tab.m.token(first.seq), None, "the replaced token is gone");
}

#[test]
fn a_fresh_hit_on_a_key_in_use_changes_nothing_to_wait_for() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let before = tab.m.poll_timeout(tab.now);
    let hit = cached_hit(&mut tab, &plain());
    assert!(!hit.reschedule);
    assert_eq!(tab.m.poll_effect(), None, "no effect");
    assert_eq!(tab.m.poll_timeout(tab.now), before);
}

#[test]
fn the_first_read_of_a_key_not_in_use_reschedules_it() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let w = tab.get_wait(&template("t"));
    tab.respond(ok(&token(T0)));
    tab.token_of(w);
    // Into the window, with no timer fired (a throttled tab): the read
    // starts a background refresh, whose new token nobody has read yet.
    tab.now += 46.0;
    let hit = cached_hit(&mut tab, &template("t"));
    assert!(hit.reschedule, "a background refresh started");
    tab.drain();
    let i = tab
        .pending
        .iter()
        .position(|(_, r)| r.url.ends_with("/t"))
        .unwrap();
    tab.respond_to(i, ok(&token(tab.now)));
    let first = tab.m.peek(tab.now, &template("t")).unwrap();
    assert!(
        first.reschedule,
        "the first read of the new token marks the key in use"
    );
    assert!(
        !tab.m.peek(tab.now, &template("t")).unwrap().reschedule,
        "the second read does not"
    );
    // In use, the key is refreshed at its new token's exp - 15 s.
    let sent = tab.sent.len();
    tab.advance(46.0);
    assert!(
        tab.sent[sent..].iter().any(|r| r.url.ends_with("/t")),
        "refreshed"
    );
}

#[test]
fn no_hit_within_the_cutoff_after_dispose_or_for_a_key_without_a_token() {
    let mut tab = Tab::new();
    assert!(tab.m.peek(tab.now, &plain()).is_none(), "nothing cached");
    tab.prime(&token(T0));
    assert!(tab.m.peek(tab.now, &template("t")).is_none(), "another key");
    tab.now += 55.0;
    assert!(tab.m.peek(tab.now, &plain()).is_none(), "5 s left");
    assert!(matches!(tab.m.serve(tab.now, &plain()), Served::Wait(_)));
    tab.m.dispose();
    tab.now -= 30.0;
    assert!(tab.m.peek(tab.now, &plain()).is_none(), "disposed");
}

// The driver's fast path for `getToken()` / `peekToken()` with no options
// (`Machine::hit_again`): the last hit of the session's own key again, while
// nothing has happened and its token is fresh. It must never answer what the
// whole path would not.

#[test]
fn the_last_hit_is_served_again_until_the_refresh_window_opens() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let hit = cached_hit(&mut tab, &plain());
    // The skew bound puts the server 1 s ahead (the token may have been
    // minted up to a second before the request went out).
    tab.now += 43.0;
    assert_eq!(tab.m.hit_again(tab.now), Some(hit), "16 s left: fresh");
    // 60 s tokens refresh in their last 15 s: with 15 s left the window is
    // open and the whole path must run (it starts the background refresh).
    tab.now += 1.0;
    assert_eq!(tab.m.hit_again(tab.now), None);
    assert!(matches!(tab.m.serve(tab.now, &plain()), Served::Cached(_)));
    tab.drain();
    assert_eq!(tab.pending.len(), 1, "the stale read refreshed");
}

/// An input to a tab, named.
type Input = (&'static str, fn(&mut Tab));

#[test]
fn any_input_forgets_the_last_hit() {
    let inputs: [Input; 5] = [
        ("clearCache", |t| t.m.clear_cache(t.now)),
        ("dispose", |t| t.m.dispose()),
        ("a timer", |t| t.m.handle_timeout(t.now)),
        ("a broadcast", |t| {
            let _ = t.m.handle_broadcast(t.now, &message(&token(T0 + 1.0)));
        }),
        ("a read of another key", |t| {
            let _ = t.m.serve(t.now, &template("t"));
        }),
    ];
    for (what, input) in inputs {
        let mut tab = Tab::new();
        tab.prime(&token(T0));
        cached_hit(&mut tab, &plain());
        tab.now += 1.0;
        input(&mut tab);
        assert_eq!(tab.m.hit_again(tab.now), None, "after {what}");
    }
}

#[test]
fn a_short_token_is_not_served_again_past_the_cutoff() {
    // An 8 s token refreshes in its last 4 s (half its life), later than
    // the 5 s cutoff: the fast path must stop at the cutoff.
    let mut tab = Tab::new();
    let short = jwt_with(Some(T0), T0, T0 + 8.0, "");
    tab.prime(&short);
    cached_hit(&mut tab, &plain());
    // The server 1 s ahead, as above.
    tab.now += 1.5;
    assert!(tab.m.hit_again(tab.now).is_some(), "5.5 s left");
    tab.now += 1.0;
    assert_eq!(tab.m.hit_again(tab.now), None, "4.5 s left: never served");
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
}

#[test]
fn a_clock_stepped_back_is_seen_on_the_fast_path() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    cached_hit(&mut tab, &plain());
    tab.now += 10.0;
    assert!(tab.m.hit_again(tab.now).is_some());
    // A step back hides elapsed time: nothing is served until a request
    // bounds the skew again (SPEC 2.8), on the fast path as on the whole.
    tab.set_back(60.0);
    assert_eq!(tab.m.hit_again(tab.now), None);
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
}
