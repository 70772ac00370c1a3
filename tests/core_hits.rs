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
