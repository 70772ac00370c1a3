//! The core's time model (SPEC 2.8, 8.1): three kinds of time, as three
//! types, so that one can never be used as another.
//!
//! * [`LocalTime`]: this tab's wall clock, `Date.now() / 1000`. It is what
//!   comes in with every input, and what `expiresAt` is given on. It may be
//!   set back or forward at any moment.
//! * [`ServerTime`]: the Frontend API's clock, the one `iat` and `exp` are
//!   on, estimated as local time plus the skew of [`ServerClock`]. **Expiry
//!   is judged on it**, and only expiry.
//! * [`Instant`]: elapsed time on a clock that never runs backwards,
//!   derived from the wall clock by ignoring its backward steps
//!   ([`Monotonic`]). **Every deadline is an instant**: retry backoff, the
//!   request timeout, lock and peer waits, pauses after failures,
//!   `Retry-After`, the poll re-check. A wall clock set back an hour
//!   therefore postpones nothing, and a new skew estimate moves no deadline
//!   already set (it changes when tokens expire, which is what it is for).
//!
//! A refresh at `exp − window` is an expiry rule, not a deadline: it is
//! worked out afresh from the token's `exp` whenever the machine is asked
//! for its next timeout, so it follows the skew estimate.
//!
//! Each input is read once into a [`Now`], all three times together.
//!
//! [`ServerClock`]: super::clock::ServerClock

use std::ops::{Add, AddAssign, Sub, SubAssign};

/// A time on this tab's wall clock: `Date.now() / 1000`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct LocalTime(pub f64);

/// A time on the Frontend API's clock: local time corrected by the skew the
/// tab has estimated. Every rule about a token's age is judged on it.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct ServerTime(pub f64);

/// A point on the machine's monotonic clock, in seconds since the machine
/// started. Only [`Monotonic`] makes one, so a wall or server time can never
/// become a deadline by mistake.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Instant(f64);

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
clock_time!(Instant);

impl LocalTime {
    /// Milliseconds since the epoch, as `Date.now()` gives them.
    pub fn as_ms(self) -> f64 {
        self.0 * 1000.0
    }
}

/// The monotonic clock: the wall clock with its backward steps taken out.
/// Forward steps cannot be told from elapsed time (a laptop that slept), so
/// they count as elapsed: deadlines then fall early, never late.
#[derive(Debug, Clone)]
pub struct Monotonic {
    wall: LocalTime,
    now: Instant,
}

impl Monotonic {
    /// A clock that reads [`Instant`] 0 at wall time `wall`.
    pub fn new(wall: LocalTime) -> Monotonic {
        Monotonic {
            wall: if wall.0.is_finite() {
                wall
            } else {
                LocalTime(0.0)
            },
            now: Instant(0.0),
        }
    }

    /// Reads the clock at wall time `wall`. Returns how many seconds the wall
    /// clock was set back since the last reading (0 when it was not); a
    /// reading that is not a finite number is ignored.
    pub fn tick(&mut self, wall: LocalTime) -> f64 {
        if !wall.0.is_finite() {
            return 0.0;
        }
        let step = wall - self.wall;
        self.wall = wall;
        if step >= 0.0 {
            self.now += step;
            0.0
        } else {
            -step
        }
    }

    /// A timer armed for `at` has fired, so at least that much time has
    /// passed, whatever the wall clock says: the clock moves on to `at` if
    /// it is behind (the wall clock was set back meanwhile, hiding elapsed
    /// time in the step). Returns how far it moved.
    pub fn reached(&mut self, at: Instant) -> f64 {
        let behind = at - self.now;
        if behind > 0.0 {
            self.now = at;
            behind
        } else {
            0.0
        }
    }

    /// The last reading.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The wall time of the last (finite) reading.
    pub fn wall(&self) -> LocalTime {
        self.wall
    }
}

/// One reading of the clocks, taken as an input arrives and used for the
/// whole of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Now {
    /// The wall clock.
    pub local: LocalTime,
    /// The server's clock, as estimated.
    pub server: ServerTime,
    /// The monotonic clock.
    pub at: Instant,
}
