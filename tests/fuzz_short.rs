//! A short fuzz run inside the test command; `cargo run --release --example
//! fuzz -- 1000000` runs a million inputs.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz;

#[test]
fn parsers_never_panic_on_generated_input_and_each_both_accepts_and_refuses() {
    // A panic fails the test; the reach shows the inputs went deep enough
    // into every parser to mean something (each saw both outcomes).
    let r = fuzz::run(1, 30_000);
    let pairs = [
        ("JWTs", r.jwts_decoded, r.jwts_refused),
        ("broadcasts", r.broadcasts_adopted, r.broadcasts_ignored),
        ("/tokens bodies", r.bodies_with_token, r.bodies_refused),
        ("frontendApi values", r.options_valid, r.options_refused),
    ];
    for (what, accepted, refused) in pairs {
        assert!(
            accepted >= 20 && refused >= 20,
            "{what}: {accepted} accepted, {refused} refused"
        );
    }
    assert!(r.retry_after_read >= 20, "{r:?}");
}

#[test]
fn the_generator_reaches_valid_and_invalid_tokens() {
    // A generator that only made garbage would prove little.
    let mut g = fuzz::Gen::new(3);
    let (mut ok, mut bad) = (0, 0);
    for _ in 0..2000 {
        match session_swr::core::Jwt::decode(&g.jwt(), &session_swr::core::SerdeJson) {
            Ok(j) if j.exp.is_some() => ok += 1,
            _ => bad += 1,
        }
    }
    assert!(ok > 100 && bad > 100, "ok {ok}, bad {bad}");
}
