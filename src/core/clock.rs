//! The server's clock as seen from this tab (clock-skew correction).
//!
//! A token's `iat` is the server's time when it was minted, and a fetched or
//! broadcast token reaches this tab moments later, so `iat − local now` is a
//! sample of the offset between the two clocks that errs low (by `iat`'s
//! truncation to whole seconds plus the delivery delay), never high. The
//! estimate is the largest recent sample; `remaining` is then judged on
//! server time, so a client clock minutes off neither serves expired tokens
//! nor refetches in a loop.

/// Samples kept: enough to ride out one slow delivery.
const SAMPLES: usize = 5;
/// Offsets this small are within the samples' own error: the local clock is
/// trusted as it is, and the 5 s cutoff absorbs the difference.
const IGNORE_BELOW: f64 = 2.0;
/// `iat` is truncated to whole seconds, so samples err low by up to 1 s: a
/// corrected clock runs this much ahead, so that it errs on the early side.
const TRUNCATION: f64 = 1.0;
/// A sample this far from the estimate means a clock jumped: start over.
const RESET_ABOVE: f64 = 30.0;

use super::time::{LocalTime, ServerTime};

/// Offset of the server's clock from the local one, in seconds: the one
/// conversion between [`LocalTime`] and [`ServerTime`].
#[derive(Debug, Clone, Default)]
pub struct ServerClock {
    samples: Vec<f64>,
    offset: f64,
}

impl ServerClock {
    /// Records that a token this tab fetched, issued at `iat` (server time),
    /// arrived at `local_now`.
    pub fn observe(&mut self, iat: ServerTime, local_now: LocalTime) {
        let sample = iat.0 - local_now.0;
        if !sample.is_finite() {
            return;
        }
        let estimate = self
            .samples
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        if estimate.is_finite() && (sample - estimate).abs() > RESET_ABOVE {
            self.samples.clear();
        }
        if self.samples.len() == SAMPLES {
            self.samples.remove(0);
        }
        self.samples.push(sample);
        let estimate = self
            .samples
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        self.offset = if estimate.abs() > IGNORE_BELOW {
            estimate + TRUNCATION
        } else {
            0.0
        };
    }

    /// Records a token another tab broadcast. Its age is unknown (a late or
    /// replayed message errs low), so it may only move the clock ahead, the
    /// safe direction: tokens then expire early, never late.
    pub fn observe_broadcast(&mut self, iat: ServerTime, local_now: LocalTime) {
        let sample = iat.0 - local_now.0;
        if sample.is_finite() && sample + TRUNCATION > self.offset && sample.abs() > IGNORE_BELOW {
            self.observe(iat, local_now);
        }
    }

    /// Seconds to add to local time to get server time.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// `local` on the server's clock.
    pub fn server(&self, local: LocalTime) -> ServerTime {
        ServerTime(local.0 + self.offset)
    }

    /// `server` on the local clock.
    pub fn local(&self, server: ServerTime) -> LocalTime {
        LocalTime(server.0 - self.offset)
    }
}
