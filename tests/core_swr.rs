//! SPEC 2.3-2.7: every row of the getToken table as a timeline on a simulated
//! clock, shared fetches, background refresh, monotonic writes, scheduling.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

#[test]
fn row1_fresh_token_is_served_without_a_request() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    // 17 s left locally, 16 s by the server's clock, which may be up to
    // 1 s ahead (the token was minted as it was sent): more than 15 s.
    tab.now += 43.0;
    assert_eq!(tab.get_ready(&plain()), token(T0));
    assert_eq!(tab.sent.len(), 1, "no request for a fresh token");
}

#[test]
fn row2_stale_token_is_served_and_refreshed_once_in_background() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.now += 46.0; // 14 s left: inside the window
    assert_eq!(tab.get_ready(&plain()), token(T0));
    assert_eq!(
        tab.get_ready(&plain()),
        token(T0),
        "still served while refreshing"
    );
    assert_eq!(tab.sent.len(), 2, "exactly one background refresh");
    tab.respond(ok(&token(T0 + 46.0)));
    assert_eq!(tab.get_ready(&plain()), token(T0 + 46.0));
    assert_eq!(tab.updates.last().unwrap().source, TokenSource::Background);
}

#[test]
fn row3_refresh_if_stale_waits_for_fresh_token_joining_the_refresh() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.now += 50.0;
    tab.get_ready(&plain()); // starts the background refresh
    let w = tab.get_wait(&refresh_if_stale());
    assert_eq!(tab.sent.len(), 2, "joined the refresh in flight");
    assert_eq!(tab.result(w), None);
    tab.respond(ok(&token(T0 + 50.0)));
    assert_eq!(tab.token_of(w), token(T0 + 50.0));
}

#[test]
fn row3_refresh_if_stale_starts_a_refresh_when_none_is_out() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.now += 50.0;
    let w = tab.get_wait(&refresh_if_stale());
    assert_eq!(tab.sent.len(), 2);
    // Plain callers are still served the stale token meanwhile.
    assert_eq!(tab.get_ready(&plain()), token(T0));
    assert_eq!(tab.sent.len(), 2);
    tab.respond(ok(&token(T0 + 50.0)));
    assert_eq!(tab.token_of(w), token(T0 + 50.0));
}

#[test]
fn row3_refresh_if_stale_on_fresh_token_does_not_wait() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    assert_eq!(tab.get_ready(&refresh_if_stale()), token(T0));
}

#[test]
fn row4_missing_token_waits_for_one_fetch() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&plain());
    assert_eq!(tab.sent.len(), 1);
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.token_of(w), token(T0));
    assert_eq!(tab.updates[0].source, TokenSource::Fetch);
}

#[test]
fn row4_token_at_hard_cutoff_is_never_served() {
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    tab.prime(&token(T0));
    tab.now += 55.0; // exactly 5 s left
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
    let w = tab.get_wait(&plain());
    tab.respond(ok(&token(T0 + 55.0)));
    assert_eq!(tab.token_of(w), token(T0 + 55.0));
}

#[test]
fn row5_pending_callers_share_the_same_fetch() {
    let mut tab = Tab::new();
    let ws: Vec<_> = (0..3).map(|_| tab.get_wait(&plain())).collect();
    assert_eq!(tab.sent.len(), 1, "three concurrent calls, one request");
    tab.respond(ok(&token(T0)));
    for w in ws {
        assert_eq!(tab.token_of(w), token(T0));
    }
}

#[test]
fn expired_token_with_background_out_joins_it_instead_of_a_second_request() {
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    tab.prime(&token(T0));
    tab.now += 50.0;
    tab.get_ready(&plain()); // background refresh out
    tab.now += 6.0; // now 4 s left: not servable
    let w = tab.get_wait(&plain());
    assert_eq!(tab.sent.len(), 2);
    tab.respond(ok(&token(T0 + 56.0)));
    assert_eq!(tab.token_of(w), token(T0 + 56.0));
}

#[test]
fn different_templates_and_orgs_never_share_a_fetch() {
    let mut tab = Tab::new();
    let a = tab.get_wait(&plain());
    let b = tab.get_wait(&template("t1"));
    let c = tab.get_wait(&template("t2"));
    let d = tab.get_wait(&org(Some("org_1")));
    assert_eq!(tab.sent.len(), 4);
    let urls: Vec<_> = tab.sent.iter().map(|r| r.url.clone()).collect();
    assert!(urls[1].ends_with("/tokens/t1") && urls[2].ends_with("/tokens/t2"));
    assert_eq!(
        form_field(&tab.sent[3].body, "organization_id"),
        Some("org_1")
    );
    for (i, w) in [a, b, c, d].into_iter().enumerate() {
        tab.respond(ok(&token(T0 + i as f64)));
        assert_eq!(tab.token_of(w), token(T0 + i as f64));
    }
    assert_eq!(tab.m.cached("sess_1-t2").unwrap().raw, token(T0 + 2.0));
}

#[test]
fn skip_cache_calls_never_share_and_hit_origin() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let a = tab.get_wait(&skip_cache());
    let b = tab.get_wait(&skip_cache());
    assert_eq!(tab.sent.len(), 3);
    assert!(tab.sent[1].url.ends_with("?force_origin=true"));
    assert_eq!(
        tab.get_ready(&plain()),
        token(T0),
        "plain callers still served"
    );
    tab.respond(ok(&token(T0 + 1.0)));
    tab.respond(ok(&token(T0 + 2.0)));
    assert_eq!(tab.token_of(a), token(T0 + 1.0));
    assert_eq!(tab.token_of(b), token(T0 + 2.0));
    assert_eq!(tab.cached(), Some(token(T0 + 2.0)));
}

#[test]
fn plain_caller_may_wait_on_a_skip_cache_fetch_when_nothing_is_cached() {
    let mut tab = Tab::new();
    let a = tab.get_wait(&skip_cache());
    let b = tab.get_wait(&plain());
    assert_eq!(tab.sent.len(), 1);
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.token_of(a), token(T0));
    assert_eq!(tab.token_of(b), token(T0));
}

#[test]
fn staler_fetch_result_reaches_its_caller_but_not_the_cache() {
    let mut tab = Tab::new();
    let fresh = jwt_with(Some(T0), T0, T0 + 60.0, "");
    tab.prime(&fresh);
    let w = tab.get_wait(&skip_cache());
    // An edge re-mint of older claims: newer iat, older oiat.
    let stale = jwt_with(Some(T0 - 500.0), T0 + 1.0, T0 + 61.0, "");
    tab.respond(ok(&stale));
    assert_eq!(
        tab.token_of(w),
        stale,
        "the caller gets what its request minted"
    );
    assert_eq!(
        tab.cached(),
        Some(fresh.clone()),
        "the cache keeps the fresher claims"
    );
    assert_eq!(tab.get_ready(&plain()), fresh);
    assert!(
        tab.broadcasts.len() == 1,
        "a rejected token is not broadcast"
    );
}

#[test]
fn background_refresh_is_scheduled_from_exp_without_calls() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    // exp − 15 s on the server's clock, at most 1 s ahead of this tab's.
    tab.advance(43.9);
    assert_eq!(tab.sent.len(), 1, "nothing before exp - threshold");
    tab.advance(0.2);
    assert_eq!(tab.sent.len(), 2, "refresh at exp - 15 s");
    tab.respond(ok(&token(tab.now)));
    // Three more cycles: one request each, on schedule.
    for cycle in 0..3 {
        tab.advance(45.0);
        assert_eq!(tab.sent.len(), 3 + cycle);
        tab.respond(ok(&token(tab.now)));
    }
}

#[test]
fn hydrated_token_is_served_and_scheduled() {
    let hydrated = token(T0 - 10.0);
    let mut tab = Tab::with(options(), Some(&hydrated));
    assert_eq!(tab.get_ready(&plain()), hydrated);
    assert!(tab.sent.is_empty());
    tab.advance(36.0); // exp - 15 = T0 + 35
    assert_eq!(tab.sent.len(), 1);
    assert_eq!(
        form_field(&tab.sent[0].body, "token"),
        Some(hydrated.as_str())
    );
}

#[test]
fn unused_template_lapses_but_used_one_is_refreshed() {
    let mut tab = Tab::new();
    for name in ["used", "unused"] {
        let w = tab.get_wait(&template(name));
        tab.respond(ok(&token(T0)));
        tab.token_of(w);
    }
    // Handing a token to its caller counts as a read; after one refresh the
    // unused template is no longer scheduled.
    tab.advance(46.0);
    assert_eq!(tab.sent.len(), 4);
    tab.respond(ok(&token(tab.now)));
    tab.respond(ok(&token(tab.now)));
    tab.get_ready(&template("used"));
    tab.advance(46.0);
    let urls: Vec<_> = tab.sent[4..].iter().map(|r| r.url.clone()).collect();
    assert_eq!(urls.len(), 1, "{urls:?}");
    assert!(urls[0].ends_with("/tokens/used"));
}

#[test]
fn poll_interval_zero_drops_the_periodic_check_but_keeps_the_refresh_deadline() {
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    // A token received with 30 s left, and no getToken call after it. Its
    // `iat` is the send time, so the skew bound is +1 s: the server may be
    // up to 1 s ahead (SPEC 8.1), and the tab refreshes that much earlier.
    let w = tab.get_wait(&plain());
    tab.respond(ok(&jwt_with(Some(T0), T0, T0 + 30.0, "")));
    tab.token_of(w);
    assert_eq!(
        tab.timer_in(),
        Some(14.0),
        "the only wake-up is the refresh deadline, exp - 15 s"
    );
    tab.advance(14.0);
    assert_eq!(tab.sent.len(), 2, "refreshed by the time 15 s are left");
    tab.respond(ok(&token(tab.now)));
    // Steady state: one wake-up and one request a cycle, and a token always
    // in hand, so no caller waits on the network.
    for cycle in 1..=4 {
        assert_eq!(tab.timer_in(), Some(44.0));
        tab.advance(44.0);
        assert_eq!(tab.sent.len(), 2 + cycle, "cycle {cycle}");
        assert!(tab.m.peek_token(tab.now, &plain()).is_some());
        tab.respond(ok(&token(tab.now)));
    }
}

#[test]
fn poll_interval_bounds_the_gap_between_checks() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let next = tab.timer_in().unwrap();
    assert!((next - 5.0).abs() < 1e-9, "re-check within pollInterval");
}

#[test]
fn custom_threshold_moves_the_refresh_window() {
    let mut tab = Tab::with(
        SessionOptions {
            background_refresh_threshold: Some(30.0),
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    tab.prime(&token(T0));
    tab.now += 31.0; // 29 s left
    tab.get_ready(&plain());
    assert_eq!(tab.sent.len(), 2);
}

#[test]
fn hidden_tab_refreshes_later_than_a_visible_one() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.m.set_visible(tab.now, false);
    tab.advance(47.0);
    assert_eq!(tab.sent.len(), 1, "hidden: not yet at exp - 15");
    tab.advance(3.5); // exp - 10 with the default threshold
    assert_eq!(
        tab.sent.len(),
        2,
        "hidden tab still refreshes before the cutoff"
    );
}

#[test]
fn clear_cache_forgets_tokens_and_ignores_older_results() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let w = tab.get_wait(&skip_cache());
    tab.m.clear_cache(tab.now);
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
    tab.respond(ok(&token(T0 + 1.0)));
    assert_eq!(
        tab.token_of(w),
        token(T0 + 1.0),
        "the caller still gets its token"
    );
    assert_eq!(
        tab.cached(),
        None,
        "but it is not written to the cleared cache"
    );
    let w2 = tab.get_wait(&plain());
    assert_eq!(form_field(&tab.sent.last().unwrap().body, "token"), None);
    tab.respond(ok(&token(T0 + 2.0)));
    tab.token_of(w2);
}

#[test]
fn dispose_rejects_pending_and_later_calls() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&plain());
    tab.m.dispose();
    tab.drain();
    assert_eq!(tab.error_of(w), Error::Disposed);
    assert_eq!(tab.get(&plain()), GetOutcome::Failed(Error::Disposed));
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
    assert_eq!(tab.m.poll_timeout(tab.now), None);
    assert_eq!(tab.aborted.len(), 1, "the request is aborted");
    let late = tab.aborted[0];
    tab.m.handle_fetch(tab.now, late, ok(&token(T0))); // and its answer ignored
    tab.drain();
    assert!(tab.updates.is_empty());
}

#[test]
fn a_hidden_tabs_read_in_the_window_starts_one_refresh() {
    // A hidden tab refreshes on its own later than a visible one, but a
    // caller's read in the window still starts a refresh (SPEC 2.3).
    let mut tab = Tab::new();
    tab.m.set_visible(tab.now, false);
    tab.prime(&token(T0));
    tab.now += 46.0; // 13 s left by the server's clock
    assert_eq!(tab.get_ready(&plain()), token(T0));
    assert_eq!(tab.sent.len(), 2, "a background refresh went out");
    tab.get_ready(&plain());
    assert_eq!(tab.sent.len(), 2, "one");
}
