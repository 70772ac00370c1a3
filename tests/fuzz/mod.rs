//! Fuzzing every parser that takes input from JS, the network or another
//! tab: JWT decoding, `/tokens` responses, `Retry-After`, broadcast messages,
//! `pickFreshestJwt`, option validation, on the host's JSON path (serde_json).
//! The browser's (`JSON.parse`) runs in the browser tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod gen;

pub use gen::Gen;
use session_swr::core::*;

/// Runs `n` generated inputs through every parser; returns how many ran.
/// Any panic propagates (and fails the caller).
pub fn run(seed: u64, n: u64) -> u64 {
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
    let mut m = Machine::new(cfg, None, local).unwrap();
    let now = ServerTime(local.0);
    for i in 0..n {
        match i % 6 {
            0 => {
                let raw = g.jwt();
                if let Ok(j) = Jwt::decode(&raw, &SerdeJson) {
                    let _ = j.remaining(now);
                }
            }
            1 => {
                let _ = m.handle_broadcast(local, &g.broadcast());
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
                let _ = interpret(outcome, "sess_1", now, &SerdeJson);
            }
            3 => {
                let (a, b) = (g.jwt(), g.jwt());
                let w = pick_freshest_raw(Some(&a), &b, &SerdeJson);
                assert!(w == a || w == b);
            }
            4 => {
                let _ = parse_retry_after(&g.text("120"), now);
                let _ = parse_retry_after(&g.text("Sun, 06 Nov 1994 08:49:37 GMT"), now);
            }
            _ => {
                let url = g.text("https://clerk.example.com:443/prefix/");
                let _ = Config::new(
                    SessionOptions {
                        frontend_api: url,
                        session_id: g.text("sess_1"),
                        ..SessionOptions::default()
                    },
                    1,
                    &SerdeJson,
                );
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
    n
}
