//! The two clocks the core works with, as two types, so that a time on one
//! can never be used as a time on the other: the only conversion is
//! [`ServerClock`](super::clock::ServerClock)'s. Both hold seconds since the
//! epoch, fractional; spans between two times are plain `f64` seconds.

use std::ops::{Add, AddAssign, Sub, SubAssign};

/// A time on this tab's clock: `Date.now() / 1000`. Every time that enters
/// the machine from the driver is one, and so is every deadline it hands
/// back.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct LocalTime(pub f64);

/// A time on the Frontend API's clock, the one `iat` and `exp` are on:
/// local time corrected by the skew the tab has seen. Every rule about a
/// token's age is judged on it.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct ServerTime(pub f64);

macro_rules! clock_time {
    ($t:ident) => {
        impl $t {
            /// Before any other time.
            pub const NEVER: $t = $t(f64::NEG_INFINITY);
            /// After any other time.
            pub const END: $t = $t(f64::INFINITY);

            /// The earlier of two times.
            #[must_use]
            pub fn min(self, other: $t) -> $t {
                $t(self.0.min(other.0))
            }

            /// The later of two times.
            #[must_use]
            pub fn max(self, other: $t) -> $t {
                $t(self.0.max(other.0))
            }

            /// Milliseconds since the epoch.
            pub fn as_ms(self) -> f64 {
                self.0 * 1000.0
            }
        }

        /// A time `secs` seconds later.
        impl Add<f64> for $t {
            type Output = $t;
            fn add(self, secs: f64) -> $t {
                $t(self.0 + secs)
            }
        }

        /// A time `secs` seconds earlier.
        impl Sub<f64> for $t {
            type Output = $t;
            fn sub(self, secs: f64) -> $t {
                $t(self.0 - secs)
            }
        }

        /// Seconds from `earlier` to `self`.
        impl Sub<$t> for $t {
            type Output = f64;
            fn sub(self, earlier: $t) -> f64 {
                self.0 - earlier.0
            }
        }

        impl AddAssign<f64> for $t {
            fn add_assign(&mut self, secs: f64) {
                self.0 += secs;
            }
        }

        impl SubAssign<f64> for $t {
            fn sub_assign(&mut self, secs: f64) {
                self.0 -= secs;
            }
        }
    };
}

clock_time!(LocalTime);
clock_time!(ServerTime);
