//! SPEC 2.1 keys and SPEC 3 request building.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn key(template: Option<&str>, org: Option<&str>) -> TokenKey {
    TokenKey::new(template, org)
}

#[test]
fn token_ids_join_present_parts() {
    assert_eq!(key(None, None).token_id("sess_1"), "sess_1");
    assert_eq!(key(Some("tmpl"), None).token_id("sess_1"), "sess_1-tmpl");
    assert_eq!(key(None, Some("org_2")).token_id("sess_1"), "sess_1-org_2");
    assert_eq!(
        key(Some("tmpl"), Some("org_2")).token_id("sess_1"),
        "sess_1-tmpl-org_2"
    );
    assert_eq!(key(Some(""), Some("")).token_id("sess_1"), "sess_1");
}

#[test]
fn org_option_defaults_to_session_and_empty_means_personal() {
    let mut opts = options();
    opts.organization_id = Some("org_s".into());
    let m = Machine::new(
        Config::new(opts, 1, &SerdeJson).unwrap(),
        None,
        LocalTime(T0),
    )
    .unwrap();
    let id = |o: &GetTokenOptions| m.key_for(o).token_id(SID);
    assert_eq!(id(&plain()), "sess_1-org_s");
    assert_eq!(id(&org(None)), "sess_1");
    assert_eq!(id(&org(Some(""))), "sess_1");
    assert_eq!(id(&org(Some("org_x"))), "sess_1-org_x");
}

#[test]
fn session_token_request_url_and_first_mint_body() {
    let r = TokensRequest::build("https://fapi.test", "sess_1", &key(None, None), None, false);
    assert_eq!(r.url, "https://fapi.test/v1/client/sessions/sess_1/tokens");
    assert_eq!(r.body, "organization_id=");
    assert!(!r.body.contains("token"), "no token key on first mint");
}

#[test]
fn previous_token_goes_in_the_body() {
    let prev = token(T0);
    let r = TokensRequest::build(
        "https://f",
        "sess_1",
        &key(None, Some("org_2")),
        Some(&prev),
        false,
    );
    assert_eq!(r.body, format!("organization_id=org_2&token={prev}"));
}

#[test]
fn template_requests_have_an_empty_body_and_encoded_path() {
    let prev = token(T0);
    let r = TokensRequest::build(
        "https://f",
        "sess 1",
        &key(Some("a/b c"), None),
        Some(&prev),
        false,
    );
    assert_eq!(
        r.url,
        "https://f/v1/client/sessions/sess%201/tokens/a%2Fb%20c"
    );
    assert_eq!(r.body, "");
}

#[test]
fn force_origin_only_with_skip_cache() {
    let with = TokensRequest::build("https://f", "s", &key(None, None), None, true);
    let without = TokensRequest::build("https://f", "s", &key(None, None), None, false);
    assert!(with.url.ends_with("/tokens?force_origin=true"));
    assert!(!without.url.contains("force_origin"));
    assert!(
        !with.body.contains("force_origin"),
        "query string, never body"
    );
    let tmpl = TokensRequest::build("https://f", "s", &key(Some("t"), None), None, true);
    assert!(tmpl.url.ends_with("/tokens/t?force_origin=true"));
}

#[test]
fn form_values_are_url_encoded() {
    let r = TokensRequest::build("https://f", "s", &key(None, Some("o&x=y z")), None, false);
    assert_eq!(r.body, "organization_id=o%26x%3Dy+z");
}

#[test]
fn machine_sends_previous_token_after_first_mint() {
    let mut tab = Tab::new();
    let first = token(T0);
    tab.prime(&first);
    assert_eq!(form_field(&tab.sent[0].body, "token"), None);
    tab.now += 50.0; // 10 s left: stale
    tab.get_ready(&plain());
    assert_eq!(tab.sent.len(), 2, "background refresh sent");
    assert_eq!(form_field(&tab.sent[1].body, "token"), Some(first.as_str()));
}

#[test]
fn expired_hydration_is_still_sent_as_previous() {
    let old = token(T0 - 3600.0);
    let mut tab = Tab::with(options(), Some(&old));
    assert_eq!(tab.cached(), None, "expired token is not cached");
    let w = tab.get_wait(&plain());
    assert_eq!(form_field(&tab.sent[0].body, "token"), Some(old.as_str()));
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.token_of(w), token(T0));
}

#[test]
fn template_request_never_sends_token() {
    let mut tab = Tab::new();
    tab.prime(&token(T0));
    let w = tab.get_wait(&template("hasura"));
    let req = &tab.sent[1];
    assert!(req.url.ends_with("/tokens/hasura"));
    assert_eq!(req.body, "");
    tab.respond(ok(&token(T0)));
    tab.token_of(w);
}

#[test]
fn config_rejects_bad_options_naming_the_field() {
    let bad = |f: fn(&mut SessionOptions), field: &str| {
        let mut o = options();
        f(&mut o);
        match Config::new(o, 1, &SerdeJson) {
            Err(Error::InvalidOptions(msg)) => assert!(msg.contains(field), "{msg}"),
            other => panic!("expected invalid_options for {field}, got {other:?}"),
        }
    };
    // Blank by Unicode White_Space, or control characters only.
    for blank in ["", " ", "\t\n", "\u{3000}\u{a0}", "\0"] {
        let mut o = options();
        o.session_id = blank.into();
        match Config::new(o, 1, &SerdeJson) {
            Err(Error::InvalidOptions(msg)) => assert!(msg.contains("sessionId"), "{msg}"),
            other => panic!("expected invalid_options for {blank:?}, got {other:?}"),
        }
    }
    bad(
        |o| o.frontend_api = "clerk.example.com".into(),
        "frontendApi",
    );
    bad(|o| o.frontend_api = "ftp://x.com".into(), "frontendApi");
    bad(
        |o| o.frontend_api = "http://clerk.example.com".into(),
        "frontendApi",
    );
    bad(
        |o| o.frontend_api = "https://x.com/?q=1".into(),
        "frontendApi",
    );
    bad(
        |o| o.background_refresh_threshold = Some(-1.0),
        "backgroundRefreshThreshold",
    );
    bad(|o| o.poll_interval = Some(f64::NAN), "pollInterval");
    // A call that could wait for ever would keep its session alive for
    // ever (SPEC 11.1: every call is bounded).
    bad(|o| o.timeout = Some(f64::INFINITY), "timeout");
    bad(|o| o.timeout = Some(f64::NAN), "timeout");
}

#[test]
fn config_accepts_loopback_http_and_clamps_threshold() {
    for url in [
        "http://localhost:3000",
        "http://127.0.0.1:8080/",
        "http://[::1]:9",
    ] {
        let mut o = options();
        o.frontend_api = url.into();
        let cfg = Config::new(o, 1, &SerdeJson).unwrap();
        assert!(!cfg.frontend_api.ends_with('/'));
    }
    let mut o = options();
    o.background_refresh_threshold = Some(1.0);
    assert_eq!(Config::new(o, 1, &SerdeJson).unwrap().threshold, 5.0);
    assert_eq!(
        Config::new(options(), 1, &SerdeJson).unwrap().threshold,
        15.0
    );
}

#[test]
fn hydration_rejects_undecodable_tokens_and_ignores_foreign_ones() {
    let cfg = || Config::new(options(), 1, &SerdeJson).unwrap();
    assert!(matches!(
        Machine::new(cfg(), Some("nope"), LocalTime(T0)),
        Err(Error::InvalidOptions(_))
    ));
    // A stale cookie after a session switch (SPEC 2.6), servable or
    // expired: not served, not sent, no throw.
    for exp in [9_999_999_999u64, 2] {
        let foreign = format!(
            "{}.{}.c2ln",
            b64(r#"{"oiat":1}"#),
            b64(&format!(r#"{{"sid":"sess_9","iat":1,"exp":{exp}}}"#))
        );
        let m = Machine::new(cfg(), Some(&foreign), LocalTime(T0)).unwrap();
        let mut tab = Tab::from_machine(m);
        assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
        tab.get_wait(&plain());
        assert_eq!(form_field(&tab.sent[0].body, "token"), None);
    }
}
