//! The few float functions the crate needs that only std provides (the wasm
//! build is `no_std`; `core` has no `ceil` or `powi` on stable Rust).

/// `x` rounded up to a whole number, for the range the crate uses it on
/// (delays in ms, seconds to wait); beyond `i64` it saturates, and NaN gives 0.
#[must_use]
pub fn ceil(x: f64) -> f64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let t = x as i64 as f64;
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// `2^n` exactly, for `n` up to 63.
#[must_use]
pub fn pow2(n: u32) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let p = (1u64 << n.min(63)) as f64;
    p
}

/// `10^n` by repeated multiplication (what `powi` does too), for `n` up to
/// 400; anything past 308 is infinity.
#[must_use]
pub fn pow10(n: u32) -> f64 {
    let mut p = 1.0;
    for _ in 0..n.min(400) {
        p *= 10.0;
    }
    p
}
