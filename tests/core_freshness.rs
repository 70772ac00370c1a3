//! SPEC 6: every row of the freshness decision table, by name.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::{pick_freshest, pick_freshest_raw, Jwt, SerdeJson, Winner};
use support::jwt_with;

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
