//! Retry timing (SPEC 5) and the seeded random source behind its jitter.
//! Randomness is an input (the seed), so simulations replay exactly.

/// A small seeded generator (SplitMix64): enough for jitter and trace ids,
/// and identical on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator that yields the same sequence for the same seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        // The top 53 bits fill an f64 mantissa exactly.
        #[allow(clippy::cast_precision_loss)]
        let top = (self.next_u64() >> 11) as f64;
        top / (1u64 << 53) as f64
    }
}

/// How failed requests are retried. Times in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the first retry.
    pub base: f64,
    /// Upper bound of any computed delay.
    pub max_delay: f64,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// A longer `Retry-After` fails at once with `rate_limited`.
    pub max_retry_after: f64,
    /// Cap of the pause between automatic refresh attempts after repeated
    /// failed ones: a long outage costs each tab a trickle of requests.
    pub max_pause: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: 1.0,
            max_delay: 8.0,
            max_retries: 4,
            max_retry_after: 60.0,
            max_pause: 30.0,
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `retry` (0-based): `base · 2^retry`, times a
    /// random factor in `[0.5, 1.5)` so tabs that failed together do not retry
    /// together, capped at `max_delay`.
    pub fn delay(&self, retry: u32, rng: &mut Rng) -> f64 {
        let exp = self.base * 2f64.powi(retry.min(30) as i32);
        (exp * (0.5 + rng.next_f64())).min(self.max_delay)
    }

    /// Pause before the next automatic refresh after `failures` failed ones in
    /// a row, and the delay before the session's recovery retries (SPEC
    /// 11.2: the backoff of SPEC 5 continued): doubling from `base`, capped
    /// at `max_pause`, jittered below it (`[0.5, 1)` of it), so that tabs
    /// stay spread out at the cap too, and never past it.
    pub fn pause(&self, failures: u32, rng: &mut Rng) -> f64 {
        let exp = self.base * 2f64.powi(failures.min(30) as i32);
        exp.min(self.max_pause) * (1.0 - 0.5 * rng.next_f64())
    }
}
