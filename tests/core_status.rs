//! SPEC 11.3 and 11.4: a status a UI can show, and errors that say where
//! and why.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn status(tab: &mut Tab) -> Status {
    tab.m.snapshot(tab.now).status
}

#[test]
fn the_status_follows_the_sessions_own_key() {
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        None,
    );
    assert_eq!(
        status(&mut tab),
        Status::Loading,
        "no token yet, none failed"
    );
    let w = tab.get_wait(&plain());
    assert_eq!(
        status(&mut tab),
        Status::Loading,
        "a first request is not a failure"
    );
    tab.respond(support::status(503));
    let snap = tab.m.snapshot(tab.now);
    assert_eq!(snap.status, Status::Error, "the last attempt failed");
    assert_eq!(snap.error.as_ref().map(Error::code), Some("http_error"));
    assert_eq!(snap.token, None);
    tab.until_sent(0.05);
    tab.respond(ok(&token(tab.now)));
    tab.token_of(w);
    let snap = tab.m.snapshot(tab.now);
    assert_eq!(snap.status, Status::Ready);
    assert_eq!(snap.error, None, "a token clears the failure");
    let hit = tab.m.peek(tab.now, &plain()).unwrap();
    assert_eq!(snap.token, Some(hit.seq), "the token peekToken returns");
    assert_eq!(snap.expires_at, Some(hit.expires_at));
    // In the window, a refresh is in flight.
    tab.advance(46.0);
    assert_eq!(tab.pending.len(), 1);
    assert_eq!(status(&mut tab), Status::Refreshing);
    tab.respond(ok(&token(tab.now)));
    assert_eq!(status(&mut tab), Status::Ready);
    tab.m.set_online(tab.now, false);
    assert_eq!(
        status(&mut tab),
        Status::Ready,
        "offline with a token: still ready"
    );
    tab.now += 60.0;
    assert_eq!(status(&mut tab), Status::Offline, "no token, offline");
    tab.m.set_online(tab.now, true);
    tab.drain();
    tab.respond(support::status(401));
    assert_eq!(status(&mut tab), Status::Ended);
}

#[test]
fn the_snapshot_never_holds_a_token_peek_would_not_return() {
    // The token passes the cutoff while nothing else happens: the machine
    // asks to be woken then, and the snapshot has no token from then on.
    let mut tab = Tab::with(
        SessionOptions {
            poll_interval: Some(0.0),
            ..options()
        },
        Some(&token(T0)),
    );
    tab.m.set_online(tab.now, false); // no refresh to race the cutoff
    tab.drain();
    assert!(tab.m.snapshot(tab.now).token.is_some());
    let wake = tab.timer_in().expect("a timer for the cutoff");
    assert!((wake - 55.0).abs() < 1e-6, "at exp - 5 s: {wake}");
    tab.now += 54.9;
    assert!(tab.m.snapshot(tab.now).token.is_some());
    tab.now += 0.2;
    assert_eq!(tab.m.snapshot(tab.now).token, None);
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
}

#[test]
fn an_error_of_a_request_says_where_and_why() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&skip_cache());
    let body = r#"{"errors":[{"code":"origin_invalid","message":"Invalid origin","long_message":"The request origin is not allowed for this instance."}]}"#;
    tab.respond(FetchOutcome::Response {
        status: 403,
        retry_after: None,
        body: body.into(),
    });
    let e = tab.full_error_of(w);
    assert_eq!(e.code(), "http_error");
    assert_eq!(e.status(), Some(403));
    assert_eq!(
        e.url(),
        Some("https://clerk.example.com/v1/client/sessions/sess_1/tokens"),
        "the URL requested, without its query"
    );
    assert_eq!(e.reason(), Some("origin_invalid"));
    let m = e.message();
    assert!(m.contains("https://clerk.example.com"), "{m}");
    assert!(
        m.contains("The request origin is not allowed for this instance."),
        "{m}"
    );
}

#[test]
fn the_servers_words_are_cut_and_every_network_and_http_message_names_the_origin() {
    let long = "x".repeat(5000);
    let body = format!(r#"{{"errors":[{{"code":"c","message":"{long}"}}]}}"#);
    let mut tab = Tab::new();
    let w = tab.get_wait(&template("t"));
    tab.respond(FetchOutcome::Response {
        status: 400,
        retry_after: None,
        body,
    });
    let m = tab.full_error_of(w).message();
    assert!(m.len() < 500, "bounded: {} bytes", m.len());
    assert!(m.contains("https://clerk.example.com"), "{m}");
    let w = tab.get_wait(&template("t"));
    tab.respond(FetchOutcome::NetworkError("Failed to fetch".into()));
    tab.advance(30.0);
    let e = tab.full_error_of(w);
    assert_eq!(e.code(), "network_error");
    assert!(
        e.message().contains("https://clerk.example.com"),
        "{}",
        e.message()
    );
    // Not Clerk's body: no reason, the status all the same.
    let w = tab.get_wait(&template("t"));
    tab.respond(FetchOutcome::Response {
        status: 404,
        retry_after: None,
        body: "<html>not found</html>".into(),
    });
    let e = tab.full_error_of(w);
    assert_eq!((e.status(), e.reason()), (Some(404), None));
}

#[test]
fn a_frontend_api_with_a_path_query_or_fragment_is_refused() {
    for bad in [
        "https://clerk.example.com/v1",
        "https://clerk.example.com/v1/",
        "https://clerk.example.com?x=1",
        "https://clerk.example.com/#top",
    ] {
        let opts = SessionOptions {
            frontend_api: bad.into(),
            ..options()
        };
        match Config::new(opts, 1, &SerdeJson) {
            Err(Error::InvalidOptions(m)) => assert!(m.contains("frontendApi"), "{bad}: {m}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    for good in [
        "https://clerk.example.com",
        "https://clerk.example.com/",
        "http://localhost:8787",
    ] {
        let opts = SessionOptions {
            frontend_api: good.into(),
            ..options()
        };
        assert!(Config::new(opts, 1, &SerdeJson).is_ok(), "{good}");
    }
}

#[test]
fn many_calls_refused_401_with_one_token_share_one_refresh() {
    // SPEC 11.5: ten API calls refused 401 with the same token make one
    // /tokens request, and each gets its token.
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let refused = GetTokenOptions {
        skip_cache: true,
        refused: Some(token(T0)),
        ..GetTokenOptions::default()
    };
    let waiters: Vec<_> = (0..10).map(|_| tab.get_wait(&refused)).collect();
    assert_eq!(tab.sent.len(), 2, "one request for the ten");
    assert!(
        tab.sent[1].url.contains("force_origin=true"),
        "minted at origin"
    );
    let fresh = token(T0 + 1.0);
    tab.respond(ok(&fresh));
    for w in waiters {
        assert_eq!(tab.token_of(w), fresh);
    }
    // A call refused with the old token, after the refresh landed: the
    // cached token, with no request.
    assert_eq!(tab.get_ready(&refused), fresh);
    assert_eq!(tab.sent.len(), 2);
    // Other skipCache calls still never share (SPEC 2.3).
    tab.get_wait(&skip_cache());
    tab.get_wait(&skip_cache());
    assert_eq!(tab.sent.len(), 4);
}

#[test]
fn fetch_with_auth_asks_for_a_token_fresher_than_the_one_refused() {
    let (mut call, step) = AuthedFetch::new(GetTokenOptions::default(), true);
    assert_eq!(step, AuthedStep::GetToken(GetTokenOptions::default()));
    assert!(matches!(
        call.on_token("a".into()),
        AuthedStep::Send { again: false, .. }
    ));
    match call.on_response(401) {
        AuthedStep::GetToken(o) => {
            assert_eq!(o.refused.as_deref(), Some("a"), "names the refused token");
            assert!(!o.refresh_if_stale);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_session_with_no_token_offline_is_offline_not_loading() {
    // Nothing is loading: a call would fail `offline` at once (SPEC 11.3).
    let mut tab = Tab::new();
    tab.m.set_online(tab.now, false);
    assert_eq!(status(&mut tab), Status::Offline);
    // After `clearCache` too, which forgets the key's entry.
    tab.m.clear_cache(tab.now);
    tab.drain();
    assert_eq!(status(&mut tab), Status::Offline, "after clearCache");
    tab.m.set_online(tab.now, true);
    assert_eq!(status(&mut tab), Status::Loading);
}
