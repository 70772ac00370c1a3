//! Strings built without `format!`: every message and name the library
//! makes is a few pieces and at most a whole number, and `format!` would
//! link `core::fmt`'s integer printing and padding into the `.wasm` for
//! them (0.2 KB gzip; the rest of it stays for std's panic messages).

/// The pieces, joined.
pub fn cat(pieces: &[&str]) -> String {
    // Not `concat()`, whose generic join is four times this in the module.
    let mut out = String::new();
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

/// `n` in decimal.
pub fn decimal(n: u64) -> String {
    digits(n, 10)
}

/// `n` in lower-case digits of `radix` (2 to 36), as JS `n.toString(radix)`
/// writes it.
pub fn digits(mut n: u64, radix: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let radix = radix.clamp(2, 36);
    let mut out = String::new();
    loop {
        #[allow(clippy::cast_possible_truncation)]
        out.insert(0, char::from(DIGITS[(n % radix) as usize]));
        n /= radix;
        if n == 0 {
            break out;
        }
    }
}

/// Whole seconds of `secs`, rounded as `round` does it (never negative).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn whole(secs: f64, round: fn(f64) -> f64) -> String {
    decimal(round(secs.max(0.0)) as u64)
}
