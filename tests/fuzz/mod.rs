//! Fuzzing every parser that takes input from JS, the network or another
//! tab: JWT decoding, `/tokens` responses, `Retry-After`, broadcast messages,
//! `pickFreshestJwt`, option validation, on the host's JSON path (serde_json).
//! The browser's (`JSON.parse`) runs in the browser tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod gen;

pub use gen::Gen;
use session_swr::core::*;

/// How far the generated inputs reached: each parser both accepted and
/// refused some, or the run proved little.
#[derive(Debug, Default, Clone, Copy)]
pub struct Reach {
    pub jwts_decoded: u64,
    pub jwts_refused: u64,
    pub broadcasts_adopted: u64,
    pub broadcasts_ignored: u64,
    pub bodies_with_token: u64,
    pub bodies_refused: u64,
    pub retry_after_read: u64,
    pub options_valid: u64,
    pub options_refused: u64,
}

/// Runs `n` generated inputs through every parser; returns how far they
/// reached. Any panic propagates (and fails the caller).
pub fn run(seed: u64, n: u64) -> Reach {
    let mut reach = Reach::default();
    let mut g = Gen::new(seed);
    let cfg = Config::new(
        SessionOptions {
            frontend_api: "https://f.test".into(),
            session_id: "sess_1".into(),
            ..SessionOptions::default()
        },
        seed,
        &SerdeJson,
    )
    .unwrap();
    let local = LocalTime(1_700_000_000.0);
    let fresh = || Machine::new(cfg.clone(), None, local).unwrap();
    let mut m = fresh();
    let now = ServerTime(local.0);
    for i in 0..n {
        match i % 6 {
            0 => {
                let raw = g.jwt();
                match Jwt::decode(&raw, &SerdeJson) {
                    Ok(j) => {
                        let _ = j.remaining(now);
                        reach.jwts_decoded += 1;
                    }
                    Err(_) => reach.jwts_refused += 1,
                }
            }
            1 => {
                // A token from the far future moves the skew estimate ahead
                // (SPEC 8.1) and leaves nothing servable after it: start
                // over now and then, so later messages are judged too.
                if i % 96 == 1 {
                    m = fresh();
                }
                match m.handle_broadcast(local, &g.broadcast()) {
                    Ok(()) => reach.broadcasts_adopted += 1,
                    Err(_) => reach.broadcasts_ignored += 1,
                }
                while m.poll_effect().is_some() {}
            }
            2 => {
                let status = [200, 200, 201, 401, 408, 429, 500, 503, 404, 0, 99, 600][g.below(12)];
                let outcome = FetchOutcome::Response {
                    status,
                    retry_after: g
                        .chance(0.5)
                        .then(|| g.text("Sun, 06 Nov 1994 08:49:37 GMT")),
                    body: g.body(),
                };
                match interpret(
                    outcome,
                    "https://f.test/v1/client/sessions/sess_1/tokens",
                    "sess_1",
                    now,
                    &SerdeJson,
                ) {
                    Ok(_) => reach.bodies_with_token += 1,
                    Err(_) => reach.bodies_refused += 1,
                }
            }
            3 => {
                let (a, b) = (g.jwt(), g.jwt());
                let w = pick_freshest_raw(Some(&a), &b, &SerdeJson);
                assert!(w == a || w == b);
            }
            4 => {
                let a = parse_retry_after(&g.text("120"), now);
                let b = parse_retry_after(&g.text("Sun, 06 Nov 1994 08:49:37 GMT"), now);
                reach.retry_after_read += u64::from(a.is_some()) + u64::from(b.is_some());
            }
            _ => {
                let url = g.text("https://clerk.example.com:443/prefix/");
                let options = Config::new(
                    SessionOptions {
                        frontend_api: url,
                        session_id: g.text("sess_1"),
                        ..SessionOptions::default()
                    },
                    1,
                    &SerdeJson,
                );
                match options {
                    Ok(_) => reach.options_valid += 1,
                    Err(_) => reach.options_refused += 1,
                }
                let _ = Machine::new(
                    Config::new(
                        SessionOptions {
                            frontend_api: "https://f".into(),
                            session_id: "s".into(),
                            ..SessionOptions::default()
                        },
                        1,
                        &SerdeJson,
                    )
                    .unwrap(),
                    Some(&g.jwt()),
                    local,
                );
            }
        }
    }
    reach
}
