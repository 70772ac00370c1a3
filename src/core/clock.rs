//! The server's clock as seen from this tab: the skew estimate (SPEC 8.1).
//!
//! The offset (server minus local) is estimated so that it errs toward the
//! server being ahead: tokens then look older than they are and expire early,
//! never late.
//!
//! * A token this tab fetched was minted after its request was sent, and its
//!   `iat` is cut to whole seconds, so `iat + 1 − (local time of sending)` is
//!   an **upper bound** on the offset, however slow the answer. The estimate
//!   is the tightest (lowest) upper bound among the recent ones.
//! * A token of unknown age (hydrated, or from another tab) was minted at
//!   some time before now, so `iat − local now` is only a **lower bound**: it
//!   may move the estimate ahead, never back.
//! * A lower bound above an upper bound means a clock jumped (or a tab
//!   lied): the older evidence goes, and the estimate starts over from the
//!   new bound. The next fetch corrects a lie, at the cost of one request.
//! * Every tab of an origin runs on one machine's clock, so another tab's
//!   estimate, handed over with a token (SPEC 10.1), is an upper bound too.
//!   It stands in only until this tab's own first fetch, and a lower bound
//!   above it drops it: a tab that lies can make this one expire tokens
//!   early, and late only until its first request.
//! * When the wall clock is seen stepping back, every bound moves with it
//!   (the offset grew by the step). But the time that passed between the
//!   reading before the step and the one after it is hidden in the step, and
//!   nothing bounds it: the shifted estimate may be late by any amount. So
//!   the clock is then [unsure](ServerClock::unsure) until a fetch bounds it
//!   again: no token is served meanwhile, and the machine fetches at once.
//!
//! Until a token says otherwise the offset is 0.

use super::time::{Instant, LocalTime, ServerTime};

/// Upper bounds kept: enough that one fast answer among slow ones sets it.
const SAMPLES: usize = 5;
/// An upper bound older than this, counted back from the newest, is dropped:
/// a clock corrected while the tab slept must not be held to an old bound.
const RECENT: f64 = 600.0;

/// Offset of the server's clock from the local one, in seconds: the one
/// conversion between [`LocalTime`] and [`ServerTime`].
#[derive(Debug, Clone)]
pub struct ServerClock {
    /// Recent upper bounds, with when each was taken.
    upper: Vec<(f64, Instant)>,
    /// The highest lower bound since the last start-over.
    lower: f64,
    /// Another tab's estimate, until this tab fetches.
    shared: Option<f64>,
    offset: f64,
    /// The wall clock stepped back since the last upper bound.
    unsure: bool,
}

impl Default for ServerClock {
    fn default() -> Self {
        ServerClock {
            upper: Vec::new(),
            lower: f64::NEG_INFINITY,
            shared: None,
            offset: 0.0,
            unsure: false,
        }
    }
}

impl ServerClock {
    /// A token fetched by this tab, issued at `iat`, for a request sent at
    /// local time `sent`; `at` is now on the monotonic clock.
    pub fn fetched(&mut self, iat: ServerTime, sent: LocalTime, at: Instant) {
        let bound = iat.0 + 1.0 - sent.0;
        if !bound.is_finite() {
            return;
        }
        if bound < self.lower {
            self.lower = f64::NEG_INFINITY;
        }
        // Bounds moved by a step back may be late by what the step hid.
        if self.unsure {
            self.upper.clear();
        }
        // Samples are kept oldest first: the old ones lead.
        while self.upper.first().is_some_and(|(_, t)| at - *t > RECENT) {
            self.upper.remove(0);
        }
        if self.upper.len() == SAMPLES {
            self.upper.remove(0);
        }
        self.upper.push((bound, at));
        self.shared = None;
        self.unsure = false;
        self.estimate();
    }

    /// A token of unknown age, issued at `iat`, seen at local time `now`.
    pub fn seen(&mut self, iat: ServerTime, now: LocalTime) {
        let bound = iat.0 - now.0;
        if !bound.is_finite() {
            return;
        }
        if bound > self.tightest() {
            self.upper.clear();
        }
        if self.shared.is_some_and(|s| bound > s) {
            self.shared = None;
        }
        self.lower = self.lower.max(bound);
        self.estimate();
    }

    /// The wall clock was set back `secs` seconds: the offset grew as much.
    pub fn stepped_back(&mut self, secs: f64) {
        for (bound, _) in &mut self.upper {
            *bound += secs;
        }
        self.lower += secs;
        self.shared = None;
        // A slew of a few milliseconds is within the bounds' own margin.
        self.unsure |= secs > 1.0;
        self.estimate();
    }

    /// Whether the wall clock stepped back since the last upper bound: the
    /// estimate may then be late by the time the step hid, which nothing
    /// bounds.
    pub fn unsure(&self) -> bool {
        self.unsure
    }

    fn tightest(&self) -> f64 {
        self.upper
            .iter()
            .map(|(b, _)| *b)
            .fold(f64::INFINITY, f64::min)
    }

    /// Another tab's estimate, handed over with a token: it stands in for
    /// this tab's own upper bound until this tab fetches (see the module
    /// docs). Like every other word from another tab, it may only move the
    /// estimate ahead (SPEC 8.1): tokens then expire earlier here, never later.
    pub fn shared(&mut self, bound: f64) {
        if bound.is_finite() && bound > self.offset && self.upper.is_empty() && !self.unsure {
            self.shared = Some(bound);
            self.estimate();
        }
    }

    /// What to hand another tab: this tab's own tightest upper bound, if it
    /// has one it is sure of.
    pub fn bound(&self) -> Option<f64> {
        (!self.upper.is_empty() && !self.unsure).then(|| self.tightest())
    }

    fn estimate(&mut self) {
        self.offset = if self.upper.is_empty() {
            self.shared.unwrap_or(self.lower.max(0.0))
        } else {
            self.tightest()
        };
    }

    /// Seconds to add to local time to get server time.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// The earliest the server's clock may read at `local`: by the highest
    /// lower bound (a token seen at some time after it was minted), else by
    /// the estimate. A wall clock set back leaves it a lower bound still:
    /// the offset grew by at least the step seen. What the server asks to
    /// wait until is counted from it, so no wait comes out short.
    pub fn earliest(&self, local: LocalTime) -> ServerTime {
        let offset = if self.lower.is_finite() {
            self.lower.min(self.offset)
        } else {
            self.offset
        };
        ServerTime(local.0 + offset)
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
