//! SPEC 8.2: the steps of `fetchWithAuth`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn send(token: &str, again: bool) -> AuthedStep {
    AuthedStep::Send {
        token: token.into(),
        again,
    }
}

#[test]
fn a_401_gets_a_token_from_origin_and_sends_once_more() {
    let (mut call, first) = AuthedFetch::new(template("api"), true);
    assert_eq!(first, AuthedStep::GetToken(template("api")));
    assert_eq!(call.on_token("a".into()), send("a", false));
    let fresh = call.on_response(401);
    let mut want = template("api");
    want.skip_cache = true;
    want.refused = Some("a".into());
    assert_eq!(
        fresh,
        AuthedStep::GetToken(want),
        "same key, fresher than the refused one"
    );
    assert_eq!(call.on_token("b".into()), send("b", true));
    assert_eq!(
        call.on_response(401),
        AuthedStep::Done,
        "never a second retry"
    );
}

#[test]
fn no_retry_without_a_401_a_copy_or_a_new_token() {
    let (mut call, _) = AuthedFetch::new(plain(), true);
    call.on_token("a".into());
    for status in [200, 403, 500] {
        assert_eq!(
            call.clone().on_response(status),
            AuthedStep::Done,
            "{status}"
        );
    }
    let (mut stream, _) = AuthedFetch::new(plain(), false);
    stream.on_token("a".into());
    assert_eq!(
        stream.on_response(401),
        AuthedStep::Done,
        "a ReadableStream body is not replayed"
    );
    call.on_response(401);
    assert_eq!(
        call.on_token("a".into()),
        AuthedStep::Done,
        "the same token would fail again"
    );
}

#[test]
fn refresh_if_stale_does_not_ride_along_to_origin() {
    let (mut call, _) = AuthedFetch::new(refresh_if_stale(), true);
    call.on_token("a".into());
    let AuthedStep::GetToken(o) = call.on_response(401) else {
        panic!()
    };
    assert!(o.skip_cache && !o.refresh_if_stale);
}
