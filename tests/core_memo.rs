//! The memos the package entry serves cache hits from (`Machine::memo`,
//! `Machine::key_ids`): what they hold, and when a key has none, so that
//! every rule stays in the core.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

const TMPL: &str = "sess_1-tmpl";

fn ids(tab: &Tab) -> Vec<String> {
    tab.m.key_ids().map(str::to_owned).collect()
}

#[test]
fn the_default_key_has_a_memo_with_its_fresh_and_servable_times() {
    let mut tab = Tab::new();
    assert_eq!(tab.m.memo(SID), None, "nothing cached yet");
    assert_eq!(ids(&tab), [SID], "the default key is always named");
    let jwt = token(T0);
    tab.prime(&jwt);
    let (_, raw, fresh, servable) = tab.m.memo(SID).unwrap();
    assert_eq!(raw, jwt);
    // exp = T0 + 60; threshold 15 s, cutoff 5 s, on an unskewed clock.
    assert_eq!((fresh, servable), (T0 + 45.0, T0 + 55.0));
}

#[test]
fn another_key_has_a_memo_only_while_in_use() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let w = tab.get_wait(&template("tmpl"));
    tab.respond(ok(&token(T0)));
    tab.token_of(w);
    assert_eq!(ids(&tab), [SID, TMPL], "default first, then the others");
    let (seq1, ..) = tab.m.memo(TMPL).expect("a caller received it: in use");
    // Into the window: a read serves the token and refreshes it in the
    // background; the new token is not in use until someone reads it.
    tab.advance(46.0);
    tab.get_ready(&template("tmpl"));
    // The default key's scheduled refresh went out too: answer the template's.
    let i = tab
        .pending
        .iter()
        .position(|(_, r)| r.url.ends_with("/tmpl"))
        .unwrap();
    tab.respond_to(i, ok(&token(tab.now)));
    assert_eq!(tab.m.memo(TMPL), None, "a new token nobody has read");
    assert!(tab.m.peek_token(tab.now, &template("tmpl")).is_some());
    let (seq2, ..) = tab.m.memo(TMPL).expect("read again: in use");
    assert_ne!(seq1, seq2, "a new token, a new sequence number");
    // The default key keeps its memo whether read or not (SPEC 2.7: always refreshed).
    tab.advance(10.0);
    tab.drain();
    assert!(tab.m.memo(SID).is_some());
}

#[test]
fn clear_cache_and_dispose_leave_no_memo() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.m.peek_token(T0, &template("tmpl"));
    tab.m.clear_cache();
    assert_eq!(ids(&tab), [SID]);
    assert_eq!(tab.m.memo(SID), None);
    assert_eq!(tab.m.memo(TMPL), None);
    tab.prime(&token(T0));
    tab.m.dispose();
    assert_eq!(tab.m.memo(SID), None, "disposed");
}

#[test]
fn memo_times_are_on_the_local_clock_when_the_server_clock_differs() {
    let mut tab = Tab::new();
    // The server's clock runs 60 s ahead: its token says iat = local + 60.
    let ahead = jwt_with(Some(T0 + 60.0), T0 + 60.0, T0 + 120.0, "");
    tab.prime(&ahead);
    let (_, _, fresh, servable) = tab.m.memo(SID).unwrap();
    // exp − threshold on the server's clock is about T0 + 45 on the local one
    // (the estimate errs up to a second early, never late).
    assert!((T0 + 43.9..=T0 + 45.0).contains(&fresh), "{}", fresh - T0);
    assert_eq!(servable - fresh, 10.0);
}
