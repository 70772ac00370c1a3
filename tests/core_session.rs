//! SPEC 8 in the core: the expiry handed out with a token, the end of a
//! session on a 401, and one refresh event per settled `/tokens` request.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn issued(tab: &Tab, w: WaiterId) -> Issued {
    match tab.result(w) {
        Some(Ok(issued)) => issued.clone(),
        other => panic!("expected a token, got {other:?}"),
    }
}

// 8.1

#[test]
fn expires_at_is_the_tokens_exp_on_the_local_clock() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    // Minted as it was sent, in whole seconds: the server may be up to 1 s
    // ahead, so the token counts as expiring up to 1 s early (SPEC 8.1).
    assert_eq!(tab.m.clock_offset(), 1.0);
    let exp = LocalTime(T0 + 59.0);
    assert_eq!(issued(&tab, w).expires_at, exp);
    assert_eq!(tab.updates[0].expires_at, exp);
    let Served::Cached(hit) = tab.m.serve(tab.now, &plain()) else {
        panic!("a cache hit")
    };
    assert_eq!(hit.expires_at, exp);
}

#[test]
fn expires_at_moves_with_a_skewed_clock() {
    // This tab's clock runs 300 s behind the server's.
    let mut tab = Tab::starting_at(options(), T0 - 300.0);
    let w = tab.get_wait(&plain());
    tab.respond(ok(&token(T0)));
    let at = issued(&tab, w).expires_at;
    // exp is T0 + 60 on the server's clock; the estimate errs early by the
    // 1 s it allows for iat's truncation.
    assert_eq!(at, LocalTime(T0 + 60.0 - 300.0 - 1.0));
    assert_eq!(tab.updates[0].expires_at, at);
    // A token from another tab gets the same correction.
    tab.now += 10.0;
    tab.m
        .handle_broadcast(
            tab.now,
            &message(&jwt_with(Some(T0 + 10.0), T0 + 10.0, T0 + 70.0, "")),
        )
        .unwrap();
    tab.drain();
    assert_eq!(
        tab.updates.last().unwrap().expires_at,
        LocalTime(T0 + 70.0 - 301.0)
    );
}

// 8.3

#[test]
fn a_401_ends_the_session_once_and_rejects_every_waiting_caller() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let other = tab.get_wait(&template("t"));
    let forced = tab.get_wait(&skip_cache());
    let i = tab
        .pending
        .iter()
        .position(|(_, r)| r.url.contains("force_origin"))
        .unwrap();
    tab.respond_to(i, status(401));
    assert_eq!(tab.error_of(forced), Error::Unauthenticated);
    assert_eq!(
        tab.error_of(other),
        Error::Unauthenticated,
        "the session is over for every key"
    );
    assert!(tab.m.is_ended());
    assert_eq!(tab.ended, 1, "told once");
    // The template's request was aborted; if its answer comes anyway, it
    // changes nothing.
    assert!(tab.pending.is_empty());
    let late = *tab.aborted.last().unwrap();
    tab.m.handle_fetch(tab.now, late, status(401));
    tab.drain();
    assert_eq!(tab.ended, 1, "still once");
}

#[test]
fn an_ended_session_makes_no_request_serves_nothing_and_ignores_other_tabs() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let w = tab.get_wait(&skip_cache());
    tab.respond(status(401));
    tab.error_of(w);
    let sent = tab.sent.len();
    for opts in [plain(), template("t"), skip_cache(), refresh_if_stale()] {
        assert_eq!(tab.get(&opts), GetOutcome::Failed(Error::Unauthenticated));
    }
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
    assert_eq!(
        tab.m.handle_broadcast(tab.now, &message(&token(T0 + 1.0))),
        Err(Rejection::Ended)
    );
    assert_eq!(tab.m.poll_timeout(tab.now), None, "nothing to refresh");
    tab.advance(3600.0);
    assert_eq!(tab.sent.len(), sent, "no request after the end");
    tab.m.dispose();
    assert!(tab.m.is_disposed());
    assert_eq!(tab.get(&plain()), GetOutcome::Failed(Error::Disposed));
}

#[test]
fn other_failures_do_not_end_the_session() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    for code in [403, 404, 500, 429] {
        let w = tab.get_wait(&skip_cache());
        while tab.result(w).is_none() {
            tab.respond(status(code));
            tab.advance(10.0);
        }
        assert!(!tab.m.is_ended(), "{code}");
    }
    assert_eq!(tab.ended, 0);
}

// 8.4

#[test]
fn each_settled_request_is_one_refresh_event_after_its_outcome() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&plain());
    tab.now += 0.25;
    tab.respond(status(503));
    tab.until_sent(0.001); // until the retry goes out
    tab.now += 0.5;
    tab.respond(ok(&token(tab.now)));
    tab.token_of(w);
    let e = &tab.refreshes;
    assert_eq!(e.len(), 2, "one event per request, retries included");
    assert_eq!(e[0].token_id, SID);
    assert_eq!(e[0].trigger, Trigger::Caller);
    assert_eq!((e[0].attempt, e[1].attempt), (1, 2));
    assert_eq!(e[0].outcome, RefreshOutcome::Error);
    assert_eq!((e[0].code, e[0].status), (Some("http_error"), Some(503)));
    assert_eq!(e[1].outcome, RefreshOutcome::Ok);
    assert_eq!((e[1].code, e[1].status), (None, Some(200)));
    assert!(
        (e[0].duration_ms - 250.0).abs() < 1e-6,
        "{}",
        e[0].duration_ms
    );
    assert!(
        (e[1].duration_ms - 500.0).abs() < 1.0,
        "{}",
        e[1].duration_ms
    );
}

#[test]
fn refresh_events_name_their_trigger_and_come_after_the_outcome_is_applied() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.now += 46.0;
    tab.get_ready(&plain()); // a background refresh
    tab.m
        .handle_fetch(tab.now, tab.pending[0].0, ok(&token(tab.now)));
    tab.pending.remove(0);
    let effects: Vec<Effect> = std::iter::from_fn(|| tab.m.poll_effect()).collect();
    let update = effects
        .iter()
        .position(|e| matches!(e, Effect::TokenUpdate(_)))
        .unwrap();
    let event = effects
        .iter()
        .position(|e| matches!(e, Effect::Refresh(_)))
        .unwrap();
    assert!(update < event, "the session applied the outcome first");
    let Effect::Refresh(e) = &effects[event] else {
        unreachable!()
    };
    assert_eq!(e.trigger, Trigger::Background);
    let w = tab.get_wait(&skip_cache());
    tab.respond(ok(&token(tab.now)));
    tab.token_of(w);
    assert_eq!(tab.refreshes.last().unwrap().trigger, Trigger::SkipCache);
}

#[test]
fn timeouts_and_bad_bodies_are_error_events_and_no_event_carries_a_token() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&plain());
    tab.advance(25.0); // unanswered after 20 s: retried, but still open
    assert!(tab.refreshes.is_empty(), "no request has settled yet");
    // The retry that followed (the first request is still listed first):
    // answered with a body that is no token.
    assert_eq!(tab.pending.len(), 2);
    tab.respond_to(
        1,
        FetchOutcome::Response {
            status: 200,
            retry_after: None,
            body: "{}".into(),
        },
    );
    assert_eq!(tab.error_of(w).code(), "invalid_response");
    let answered = &tab.refreshes[0];
    assert_eq!(
        (answered.code, answered.status, answered.attempt),
        (Some("invalid_response"), Some(200), 2)
    );
    // The flight is over, so the first request is aborted and reported.
    let aborted = &tab.refreshes[1];
    assert_eq!(
        (aborted.code, aborted.status, aborted.attempt),
        (Some("network_error"), None, 1)
    );
    assert!(
        (aborted.duration_ms - 25_000.0).abs() < 1.0,
        "{}",
        aborted.duration_ms
    );
    let w = tab.get_wait(&plain());
    let last = tab.pending.len() - 1;
    tab.respond_to(last, ok(&token(tab.now)));
    let minted = tab.token_of(w);
    for e in &tab.refreshes {
        let shown = format!(
            "{e:?} {}",
            serde_json::to_string(&e.record::<()>()).unwrap()
        );
        assert!(!shown.contains(&minted[..20]), "{shown}");
    }
}

#[test]
fn a_401_to_a_request_sent_before_clear_cache_still_ends_the_session() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&plain());
    // The caller still waits on this request; the cache it was sent for is gone.
    tab.m.clear_cache(tab.now);
    tab.drain();
    tab.respond(status(401));
    assert_eq!(tab.error_of(w), Error::Unauthenticated);
    assert!(
        tab.m.is_ended(),
        "the server refused the session, not a cache"
    );
    assert_eq!(tab.ended, 1);
    assert_eq!(
        tab.get(&plain()),
        GetOutcome::Failed(Error::Unauthenticated)
    );
    assert!(tab.pending.is_empty(), "no request after the end");
}

#[test]
fn every_request_is_reported_whatever_became_of_its_flight() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    tab.now += 46.0;
    tab.get_ready(&plain()); // a background refresh, left unanswered
    assert_eq!(tab.refreshes.len(), 1);
    tab.m.clear_cache(tab.now);
    tab.drain();
    assert_eq!(tab.aborted.len(), 1, "nobody waits for it: aborted");
    let e = tab.refreshes.last().unwrap();
    assert_eq!(
        (e.trigger, e.outcome, e.code, e.attempt),
        (
            Trigger::Background,
            RefreshOutcome::Error,
            Some("network_error"),
            1
        ),
        "and reported"
    );
    // The end of the session drops every flight: each request is reported.
    let template = tab.get_wait(&template("t"));
    tab.get_wait(&skip_cache());
    let forced = tab.pending.len() - 1;
    tab.respond_to(forced, status(401));
    assert_eq!(tab.error_of(template), Error::Unauthenticated);
    assert_eq!(tab.refreshes.len(), tab.sent.len(), "one event per request");
}
