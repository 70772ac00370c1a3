//! String building without `core::fmt`. Messages here only join pieces and
//! whole numbers, and `format!` would link the formatting machinery (about
//! 8 KB of wasm, a quarter of the size budget) to do it.

use crate::prelude::*;

/// The pieces joined into one string.
#[must_use]
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// `n` in base `radix` (2 to 36, lower-case digits; anything else is 10).
#[must_use]
pub fn digits(mut n: u64, radix: u64) -> String {
    let radix = if (2..=36).contains(&radix) { radix } else { 10 };
    let mut out = Vec::new();
    loop {
        let d = u8::try_from(n % radix).unwrap_or(0);
        out.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
        n /= radix;
        if n == 0 {
            break;
        }
    }
    out.iter().rev().collect()
}

/// `s.split_once(pat)` for a string pattern, by bytes: the generic substring
/// search behind `str::split_once(&str)` is over 2 KB of wasm.
#[must_use]
pub fn split_once<'a>(s: &'a str, pat: &str) -> Option<(&'a str, &'a str)> {
    let at = s
        .as_bytes()
        .windows(pat.len().max(1))
        .position(|w| w == pat.as_bytes())?;
    Some((s.get(..at)?, s.get(at + pat.len()..)?))
}

/// `s.split(b)` for an ASCII byte `b` (so every cut is a char boundary), by
/// bytes: `str::split(char)` brings a `memchr` along.
pub fn split(s: &str, b: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    ::core::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|x| x == b) {
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// A non-empty run of ASCII digits as a number; `None` for anything else,
/// signs and overflow included (`str::parse` is generic and larger).
#[must_use]
pub fn number(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}
