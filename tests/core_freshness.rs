//! SPEC 6: every row of the freshness decision table, by name; and SPEC
//! 2.5: the guard over the freshest claims held, servable or not.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn pick(ex: (Option<f64>, f64), inc: (Option<f64>, f64)) -> Winner {
    let ex = Jwt::decode(
        &jwt_with(ex.0, ex.1, ex.1 + 60.0, r#","n":"ex""#),
        &SerdeJson,
    )
    .unwrap();
    let inc = Jwt::decode(
        &jwt_with(inc.0, inc.1, inc.1 + 60.0, r#","n":"in""#),
        &SerdeJson,
    )
    .unwrap();
    pick_freshest(Some(&ex), &inc)
}

#[test]
fn a1_existing_oiat_newer_keeps_existing() {
    assert_eq!(
        pick((Some(100.0), 500.0), (Some(90.0), 900.0)),
        Winner::Existing
    );
}

#[test]
fn a2_incoming_oiat_newer_takes_incoming() {
    assert_eq!(
        pick((Some(90.0), 900.0), (Some(100.0), 500.0)),
        Winner::Incoming
    );
}

#[test]
fn a3_equal_oiat_existing_iat_newer_keeps_existing() {
    assert_eq!(
        pick((Some(100.0), 600.0), (Some(100.0), 500.0)),
        Winner::Existing
    );
}

#[test]
fn a4_equal_oiat_incoming_iat_newer_takes_incoming() {
    assert_eq!(
        pick((Some(100.0), 500.0), (Some(100.0), 600.0)),
        Winner::Incoming
    );
}

#[test]
fn a5_full_tie_takes_incoming() {
    assert_eq!(
        pick((Some(100.0), 500.0), (Some(100.0), 500.0)),
        Winner::Incoming
    );
}

#[test]
fn b1_incoming_legacy_keeps_existing() {
    // Even with a much newer iat: a token without oiat predates the scheme.
    assert_eq!(
        pick((Some(100.0), 100.0), (None, 9_000.0)),
        Winner::Existing
    );
}

#[test]
fn b2_existing_legacy_takes_incoming() {
    assert_eq!(
        pick((None, 9_000.0), (Some(100.0), 100.0)),
        Winner::Incoming
    );
}

#[test]
fn b3_both_legacy_takes_incoming() {
    assert_eq!(pick((None, 9_000.0), (None, 100.0)), Winner::Incoming);
}

#[test]
fn no_existing_takes_incoming() {
    let inc = Jwt::decode(&jwt_with(Some(1.0), 1.0, 61.0, ""), &SerdeJson).unwrap();
    assert_eq!(pick_freshest(None, &inc), Winner::Incoming);
}

#[test]
fn missing_iat_counts_as_zero() {
    let no_iat = |n: &str| {
        let h = support::b64(r#"{"alg":"RS256","oiat":100}"#);
        let p = support::b64(&format!(r#"{{"exp":999,"n":"{n}"}}"#));
        format!("{h}.{p}.c2ln")
    };
    let with_iat = Jwt::decode(&jwt_with(Some(100.0), 1.0, 61.0, ""), &SerdeJson).unwrap();
    let without = Jwt::decode(&no_iat("x"), &SerdeJson).unwrap();
    assert_eq!(pick_freshest(Some(&with_iat), &without), Winner::Existing);
    assert_eq!(pick_freshest(Some(&without), &with_iat), Winner::Incoming);
}

#[test]
fn raw_form_returns_one_of_its_arguments() {
    let older = jwt_with(Some(90.0), 100.0, 160.0, "");
    let newer = jwt_with(Some(100.0), 100.0, 160.0, "");
    assert_eq!(pick_freshest_raw(Some(&newer), &older, &SerdeJson), newer);
    assert_eq!(pick_freshest_raw(Some(&older), &newer, &SerdeJson), newer);
    assert_eq!(pick_freshest_raw(None, &older, &SerdeJson), older);
}

#[test]
fn raw_form_undecodable_never_wins_over_decodable() {
    let good = jwt_with(Some(90.0), 100.0, 160.0, "");
    assert_eq!(pick_freshest_raw(Some(&good), "garbage", &SerdeJson), good);
    assert_eq!(pick_freshest_raw(Some("garbage"), &good, &SerdeJson), good);
    assert_eq!(pick_freshest_raw(Some("a"), "b", &SerdeJson), "b");
}

/// A token of 60 s issued at `iat` whose claims were read at origin at `oiat`.
fn claims_from(oiat: f64, iat: f64) -> String {
    jwt_with(Some(oiat), iat, iat + 60.0, "")
}

#[test]
fn staler_claims_never_replace_fresher_ones_even_once_expired() {
    // The key holds claims read at origin 500 s after the broadcast's.
    let mut tab = Tab::new();
    let fresher = claims_from(T0 + 500.0, T0);
    tab.prime(&fresher);
    tab.now += 56.0; // frozen: 4 s left, no refresh ran
    let staler = claims_from(T0, tab.now.0);
    assert_eq!(
        tab.m.handle_broadcast(tab.now, &message(&staler)),
        Err(Rejection::Stale),
        "a fresh iat does not make stale claims fresh"
    );
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
    tab.get_wait(&plain());
    assert_eq!(
        form_field(&tab.sent[1].body, "token"),
        Some(fresher.as_str()),
        "the freshest claims held go as the previous token"
    );
}

#[test]
fn a_minter_that_ignores_the_previous_token_cannot_make_a_key_loop() {
    let mut tab = Tab::new();
    let fresher = claims_from(T0 + 500.0, T0);
    tab.prime(&fresher);
    tab.now += 56.0;
    // A broken minter answers every request with staler claims.
    let w = tab.get_wait(&plain());
    let staler = claims_from(T0, tab.now.0);
    tab.respond(ok(&staler));
    assert_eq!(tab.token_of(w), staler, "the caller gets what it minted");
    assert_eq!(
        tab.m.cached(SID).unwrap().raw,
        fresher,
        "the cache does not"
    );
    let before = tab.sent.len();
    for _ in 0..100 {
        tab.advance(0.1);
        while !tab.pending.is_empty() {
            tab.respond(ok(&claims_from(T0, tab.now.0)));
        }
    }
    assert!(
        tab.sent.len() - before <= 4,
        "paused like failures: {} requests in 10 s",
        tab.sent.len() - before
    );
}
