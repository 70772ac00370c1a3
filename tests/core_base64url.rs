//! `core::base64url` against the `base64` crate it replaces: the same verdict
//! and bytes on every unpadded input; on padded input, accepted exactly when
//! the crate accepts it and the padding fills whole quads.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use session_swr::core::backoff::Rng;
use session_swr::core::base64url::decode;

const ORACLE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn agree(s: &str) {
    let oracle = ORACLE.decode(s).ok();
    if s.contains('=') && s.len() % 4 != 0 {
        assert_eq!(decode(s), None, "{s:?}: partial padding");
    } else {
        assert_eq!(decode(s), oracle, "{s:?}");
    }
}

#[test]
fn base64url_agrees_with_the_base64_crate() {
    // Mostly the alphabet, with padding, the standard alphabet's + and /,
    // whitespace and a multi-byte character mixed in.
    const CHARS: &[&str] = &[
        "A", "Q", "g", "w", "z", "0", "9", "-", "_", "=", "=", "+", "/", " ", "é", "E", "I",
    ];
    let mut rng = Rng::new(7);
    for _ in 0..200_000 {
        let len = (rng.next_u64() % 14) as usize;
        let s: String = (0..len)
            .map(|_| CHARS[(rng.next_u64() % CHARS.len() as u64) as usize])
            .collect();
        agree(&s);
    }
}

#[test]
fn base64url_round_trips_every_length() {
    let mut rng = Rng::new(11);
    for len in 0..64 {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let unpadded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let padded = base64::engine::general_purpose::URL_SAFE.encode(&bytes);
        assert_eq!(decode(&unpadded).as_deref(), Some(&bytes[..]), "{unpadded}");
        assert_eq!(decode(&padded).as_deref(), Some(&bytes[..]), "{padded}");
    }
}

#[test]
fn base64url_rejects_what_an_encoder_never_writes() {
    for s in [
        "A", "AB=", "AB===", "ABC==", "AB=C", "QR", "QUJ", "+w", "Zg=", "Zg===", "Zm9v Zg",
    ] {
        assert_eq!(decode(s), None, "{s:?}");
        agree(s);
    }
}
