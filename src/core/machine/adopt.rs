//! Adopting tokens from other tabs (SPEC 4.3): validation, the freshness
//! guard, and the callers and refreshes a received token makes moot.

use super::outcome::Ending;
use super::Machine;
use crate::core::broadcast::{check_time, validate_shape, IncomingBroadcast, Rejection};
use crate::core::effect::Effect;
use crate::core::events::TokenSource;
use crate::core::flight::{Entry, Kind};
use crate::core::time::LocalTime;

impl Machine {
    /// A message from another tab (SPEC 4.3). `Err` says why it was ignored.
    pub fn handle_broadcast(
        &mut self,
        now: LocalTime,
        msg: &IncomingBroadcast,
    ) -> Result<(), Rejection> {
        self.read(now);
        self.adopt(msg, None)
    }

    /// Adopts another tab's token, with that tab's skew estimate when it
    /// handed the token over (SPEC 10.1). The estimate counts only once the
    /// token is known to be well formed and this session's: a message that
    /// is not is ignored whole (SPEC 10.3).
    pub(super) fn adopt(
        &mut self,
        msg: &IncomingBroadcast,
        skew: Option<f64>,
    ) -> Result<(), Rejection> {
        if self.disposed {
            return Err(Rejection::Disposed);
        }
        if self.ended {
            return Err(Rejection::Ended);
        }
        let valid = validate_shape(msg, &self.cfg.session_id, self.cfg.json)?;
        if let Some(iat) = valid.jwt.iat {
            // Of unknown age: it bounds the skew from below only.
            self.clock.seen(iat, self.now.local);
        }
        if let Some(skew) = skew {
            self.clock.shared(skew);
        }
        self.set_now();
        check_time(&valid, self.now.server)?;
        let id = valid.key.token_id(&self.cfg.session_id);
        let issued = self.issued(&valid.jwt);
        let remaining = valid.jwt.remaining(self.now.server);
        let window = valid.jwt.refresh_window(self.cfg.threshold);
        self.entries
            .get_or_insert_with(&id, || Entry::new(valid.key));
        if !self.store(&id, valid.jwt) {
            return Err(Rejection::Stale);
        }
        self.push_update(&id, &issued, TokenSource::Broadcast);
        // Callers waiting on this key need not wait for their own request:
        // each leaves its flight as it is settled, so none is settled twice.
        let epoch = self.epoch;
        let mut handed = false;
        for flight in &mut self.flights {
            if flight.token_id != id || flight.kind.forced() || flight.epoch != epoch {
                continue;
            }
            for w in flight.take_waiters(&|w| remaining > w.min_remaining) {
                handed = true;
                self.effects.push(Effect::Settle {
                    waiter: w.id,
                    result: Ok(issued.clone()),
                });
            }
            // One for callers that this token, in its window, leaves
            // running (below) is the key's refresh now: a caller who joins
            // it and leaves does not end it.
            if flight.kind == Kind::Shared
                && flight.waiters.is_empty()
                && !flight.open.is_empty()
                && remaining <= window
            {
                flight.kind = Kind::Background;
            }
        }
        if handed {
            // Handing a token to a caller is a read (SPEC 2.7), as in `finish`.
            if let Some(entry) = self.entries.get_mut(&id) {
                entry.in_use = true;
            }
        }
        // A refresh nobody waits for, and whose request is not out yet, is moot
        // now: this is how a tab that lost the lock race learns it is done.
        // One for callers, all of them served by this token, is moot even
        // with its request out, which is aborted (SPEC 3.5), unless the
        // token is in its refresh window: a refresh would follow at once.
        // The session's own refresh keeps its request, whose answer may be
        // fresher.
        let moot = self.flights_where(&|f| {
            f.token_id == id
                && f.waiters.is_empty()
                && !f.kind.forced()
                && (f.open.is_empty() || (f.kind.for_callers() && remaining > window))
                && remaining > self.kind_need(f)
        });
        for flight in moot {
            self.finish(flight, Ending::Dropped);
        }
        Ok(())
    }
}
