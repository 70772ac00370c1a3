//! base64url decoding for JWT parts (RFC 4648 section 5), written out here
//! because the `base64` crate's generic engine was 3.7 KB of a wasm module
//! with a 35 KB budget, for this one use. JWTs carry no padding (RFC 7515
//! section 2); padding is tolerated when it is what an encoder writes (whole
//! quads), and anything else is refused: stray bits in the last symbol, a
//! character outside the alphabet. On unpadded input it agrees exactly with
//! that crate's `URL_SAFE` engine; on padded input it is stricter, refusing
//! the partial padding (`Zg=`) the crate lets through. `tests/core_base64url.rs`
//! checks both claims.

use crate::prelude::*;

fn sextet(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    }))
}

/// The bytes `s` encodes, or `None` when it is not canonical base64url.
#[must_use]
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let mut bytes = s.as_bytes();
    let pad = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if pad > 0 {
        // Padded input must be whole quads, with exactly the padding the
        // encoder would have written.
        let data = bytes.len() - pad;
        if bytes.len() % 4 != 0 || pad > 2 || data % 4 != 4 - pad {
            return None;
        }
        bytes = bytes.get(..data)?;
    }
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = acc << 6 | sextet(c)?;
        }
        // Bits beyond the last whole byte must be zero.
        let (keep, spare) = match chunk.len() {
            4 => (3, 0),
            3 => (2, 2),
            _ => (1, 4),
        };
        if acc & ((1 << spare) - 1) != 0 {
            return None;
        }
        acc >>= spare;
        for i in (0..keep).rev() {
            out.push(((acc >> (8 * i)) & 0xff) as u8);
        }
    }
    Some(out)
}
