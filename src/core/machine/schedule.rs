//! When keys refresh on their own (SPEC 2.7): the default key always, other
//! keys while in use, at `exp − window`, with hidden tabs a little later.

use super::{Machine, EPSILON};
use crate::core::config::HARD_CUTOFF;
use crate::core::effect::FlightId;
use crate::core::flight::{Entry, Kind};
use crate::core::jwt::Jwt;
use crate::core::time::Instant;

impl Machine {
    /// The current flight of `kind` for key `id`, if one is out.
    pub(super) fn find_flight(&self, id: &str, kind: Kind) -> Option<FlightId> {
        self.flights
            .iter()
            .find(|f| f.token_id == id && f.kind == kind && f.epoch == self.epoch)
            .map(|f| f.id)
    }

    /// Whether keys refresh on their own. `pollInterval: 0` does not turn
    /// this off: it only drops the periodic re-check (SPEC 2.7), and the
    /// refresh at `exp − window` is a deadline of its own.
    pub(super) fn scheduling(&self) -> bool {
        self.online && !self.disposed && !self.ended
    }

    /// Seconds before `exp` at which this tab refreshes `token` on its own:
    /// its refresh window. Hidden tabs wait until halfway to the hard
    /// cutoff, so a visible tab's broadcast usually spares them the request.
    fn lead(&self, token: &Jwt) -> f64 {
        let window = token.refresh_window(self.cfg.threshold);
        if self.visible || window - HARD_CUTOFF < 2.0 {
            window
        } else {
            HARD_CUTOFF + (window - HARD_CUTOFF) / 2.0
        }
    }

    /// When `entry` is due for an automatic refresh, if it is scheduled at
    /// all: never while a request for it is already under way, nor before
    /// a pause or the server's `Retry-After` has passed. Worked out from
    /// the token's `exp` on the current skew estimate, as an instant.
    pub(super) fn refresh_at(&self, id: &str, entry: &Entry) -> Option<Instant> {
        if !(id == self.default_id || entry.in_use) {
            return None;
        }
        let token = entry.token.as_ref()?;
        let exp = token.exp?;
        if self.refreshing(id) {
            return None;
        }
        // While the skew is unsure, server time is the end of time: due now.
        let at = self.now.at + ((exp - self.lead(token)) - self.now.server);
        Some(at.max(entry.not_before).max(entry.retry_after))
    }

    pub(super) fn schedule(&mut self) {
        if !self.scheduling() {
            return;
        }
        let now = self.now.at;
        let due: Vec<String> = self
            .entries
            .iter()
            .filter(|(id, e)| self.refresh_at(id, e).is_some_and(|at| at <= now + EPSILON))
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.start_flight(&id, Kind::Background, Vec::new());
        }
    }

    /// Starts one background refresh for `id` unless one is out or paused;
    /// whether it started one.
    pub(super) fn ensure_background(&mut self, id: &str) -> bool {
        let start = self.may_refresh(id);
        if start {
            self.start_flight(id, Kind::Background, Vec::new());
        }
        start
    }

    /// Whether a background refresh of `id` may start now: the key is
    /// cached and neither paused nor held by `Retry-After`, the tab is
    /// online, and no request for it is under way.
    pub(super) fn may_refresh(&self, id: &str) -> bool {
        let now = self.now.at;
        self.entries
            .get(id)
            .is_some_and(|e| e.not_before <= now && e.retry_after <= now)
            && self.online
            && !self.refreshing(id)
    }

    /// Whether a refresh (background, shared with callers, or the
    /// session's recovery) of `id` is out.
    pub(super) fn refreshing(&self, id: &str) -> bool {
        [Kind::Background, Kind::Shared, Kind::Recovery]
            .iter()
            .any(|k| self.find_flight(id, *k).is_some())
    }
}
