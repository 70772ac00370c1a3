//! A short fuzz run inside the test command; `cargo run --release --example
//! fuzz -- 1000000` runs a million inputs.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz;

#[test]
fn parsers_never_panic_on_generated_input() {
    assert_eq!(fuzz::run(1, 30_000), 30_000);
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
