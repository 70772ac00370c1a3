//! What a failed attempt leads to, and how long a call may wait: retries
//! with backoff and `Retry-After` (SPEC 5), each call's `timeout` and its
//! end when it runs out or is aborted (SPEC 11.1), and the session's own key
//! recovering without a new call (SPEC 11.2).

use super::outcome::Ending;
use super::{Machine, Served, EPSILON};
use crate::core::effect::{Effect, FlightId};
use crate::core::error::Error;
use crate::core::faults::Fault;
use crate::core::flight::{Kind, Phase, Waiter};
use crate::core::text::cat;
use crate::core::time::Instant;

impl Machine {
    /// The instant before which nothing but a `skipCache` request may be
    /// sent for key `token_id`, if the server's `Retry-After` holds it (any
    /// answer may have set it meanwhile).
    pub(super) fn retry_hold(&self, token_id: &str) -> Option<Instant> {
        let now = self.now.at;
        self.entries
            .get(token_id)
            .map(|e| e.retry_after)
            .filter(|&at| at > now)
    }

    /// Flight `id` may send nothing before `until` (a `Retry-After`): it
    /// waits for it, but its callers who cannot wait that long fail at once
    /// (SPEC 11.1), and all of them when it is over the cap (SPEC 5); a
    /// flight no caller waits on then ends, but the session's recovery.
    pub(super) fn hold_until(&mut self, id: FlightId, until: Instant) {
        let wait = until - self.now.at;
        let error = Error::RateLimited {
            retry_after: Some(wait),
        };
        if self.limit_callers(id, wait, &error) {
            return;
        }
        if let Some(f) = self.flight_mut(id) {
            f.phase = Phase::Backoff { until };
        }
    }

    /// Fails the callers of flight `id` who cannot wait `wait` seconds (all
    /// of them past the cap) with `error`; ends the flight if it was theirs
    /// alone, or a refresh the cap rules out. Whether it ended.
    fn limit_callers(&mut self, id: FlightId, wait: f64, error: &Error) -> bool {
        let now = self.now.at;
        let over_cap = wait > self.cfg.retry.max_retry_after;
        let Some(flight) = self.flight_mut(id) else {
            return true;
        };
        let kind = flight.kind;
        let late = flight.take_waiters(&|w| over_cap || w.deadline <= now + wait);
        for w in late {
            self.effects.push(Effect::Settle {
                waiter: w.id,
                result: Err(error.clone()),
            });
        }
        if over_cap && kind == Kind::Background {
            self.finish(id, Ending::Failed(error.clone()));
            return true;
        }
        self.unwanted(id)
    }

    /// A caller whose key the server's `Retry-After` holds (SPEC 5): its
    /// flight waits for it, unless the call cannot (SPEC 11.1). `None` when
    /// nothing holds the key.
    pub(super) fn held(&mut self, id: &str, kind: Kind, waiter: Waiter) -> Option<Served> {
        let until = self.retry_hold(id)?;
        let wait = until - self.now.at;
        if wait > self.cfg.retry.max_retry_after || waiter.deadline <= until {
            return Some(Served::Failed(Error::RateLimited {
                retry_after: Some(wait),
            }));
        }
        self.push_flight(id, kind, vec![waiter], 0, until);
        Some(Served::Wait(waiter.id))
    }

    /// Flight `id`'s attempt failed with `error`, the server asking to wait
    /// `retry_after` seconds or not: retry after a backoff, while callers
    /// wait, a background refresh's token is still served, or the session
    /// recovers; else the flight ends.
    pub(super) fn retry_or_fail(&mut self, id: FlightId, error: Error, retry_after: Option<f64>) {
        let Some(flight) = self.flight_mut(id) else {
            return;
        };
        flight.error = Some(error.clone());
        let token_id = flight.token_id.clone();
        if let Some(entry) = self.entries.get_mut(&token_id) {
            entry.error = Some(error.clone());
        }
        if let Some(wait) = retry_after {
            if self.limit_callers(id, wait, &error) {
                return;
            }
        }
        let Some(flight) = self.flight(id) else {
            return;
        };
        let (kind, retries, waited_on) = (flight.kind, flight.retries, !flight.waiters.is_empty());
        let policy = &self.cfg.retry;
        // A `Retry-After` replaces a retry's delay (SPEC 5), but only holds
        // back the session's recovery, whose pauses go on however short
        // the server's wait (11.2): `Retry-After: 0` must not make a loop.
        let delay = if kind == Kind::Recovery {
            policy
                .pause(retries, &mut self.rng)
                .max(retry_after.unwrap_or(0.0))
        } else {
            retry_after.unwrap_or_else(|| policy.delay(retries, &mut self.rng))
        };
        let needed = match kind {
            // A background refresh retries while its token stays servable,
            // or while a caller that joined it waits (SPEC 5).
            Kind::Background => {
                waited_on
                    || self
                        .entries
                        .get(&token_id)
                        .and_then(|e| e.servable(self.now.server + delay))
                        .is_some()
            }
            Kind::Recovery => true,
            _ => waited_on,
        };
        let exhausted = kind != Kind::Recovery && retries >= self.cfg.retry.max_retries;
        // Done with its callers: the session's recovery goes on (SPEC 11.2).
        if (exhausted || !needed) && !self.recover(id, &error) {
            return self.finish(id, Ending::Failed(error));
        }
        let until = self.now.at + delay;
        let Some(flight) = self.flight_mut(id) else {
            return;
        };
        flight.retries += 1;
        flight.phase = Phase::Backoff { until };
        // Each attempt waits for another tab's refresh anew (SPEC 4.4, 11.2).
        flight.waited = false;
        flight.peer_cap = None;
        // Let other tabs try while this one backs off.
        if let Some(lock) = flight.lock.take() {
            self.effects.push(Effect::ReleaseLock { id: lock });
        }
    }

    /// Whether a failure with `error` of a waited-on fetch of key `id`
    /// leaves the session recovering (SPEC 11.2): the session's own key,
    /// nothing servable, a transient failure.
    pub(super) fn recovers(&self, id: &str, error: &Error) -> bool {
        let transient = match error.root() {
            Error::Network(_) | Error::RateLimited { .. } | Error::Offline => true,
            Error::Http { status } => *status == 408 || *status >= 500,
            _ => false,
        };
        transient
            && !self.cfg.faults.has(Fault::Recovery)
            && id == self.default_id
            && !self.ended
            && !self.disposed
            && self
                .entries
                .get(id)
                .and_then(|e| e.servable(self.now.server))
                .is_none()
    }

    /// Flight `id`, done with its callers (failed for them with `error`, or
    /// left by all), goes on as the session's recovery if it should (SPEC
    /// 11.2): its callers are told `error`, and it keeps trying. Whether it
    /// does.
    fn recover(&mut self, id: FlightId, error: &Error) -> bool {
        let Some(flight) = self.flight(id) else {
            return false;
        };
        let waited_on = matches!(flight.kind, Kind::Shared | Kind::Recovery)
            || ((flight.kind.for_callers() || flight.kind == Kind::Background)
                && !flight.waiters.is_empty());
        if !waited_on || !self.recovers(&flight.token_id, error) {
            return false;
        }
        let Some(flight) = self.flight_mut(id) else {
            return false;
        };
        flight.kind = Kind::Recovery;
        let waiters = std::mem::take(&mut flight.waiters);
        for waiter in waiters {
            self.effects.push(Effect::Settle {
                waiter: waiter.id,
                result: Err(error.clone()),
            });
        }
        true
    }

    /// Flight `id`'s next attempt fell due while the browser is offline:
    /// its callers fail with `offline` (SPEC 5); the session's recovery
    /// pauses until the browser is back online (SPEC 11.2).
    pub(super) fn went_offline(&mut self, id: FlightId) {
        if !self.recover(id, &Error::Offline) {
            return self.finish(id, Ending::Failed(Error::Offline));
        }
        if let Some(f) = self.flight_mut(id) {
            f.phase = Phase::Backoff {
                until: Instant::END,
            };
            if let Some(lock) = f.lock.take() {
                self.effects.push(Effect::ReleaseLock { id: lock });
            }
        }
    }

    /// The browser is back online, or the page visible: the session's
    /// recovery tries again at once (SPEC 11.2).
    pub(super) fn resume(&mut self) {
        let now = self.now.at;
        for f in &mut self.flights {
            if let (Kind::Recovery, Phase::Backoff { until }) = (f.kind, &mut f.phase) {
                *until = until.min(now);
            }
        }
    }

    /// Fails every call whose `timeout` has run out at `now` (SPEC 11.1):
    /// with its flight's last error (its code and status), or a network
    /// error if no attempt was answered, saying how long it waited and how
    /// many requests it made.
    pub(super) fn give_up(&mut self, now: Instant) {
        if self.cfg.faults.has(Fault::Timeout) {
            return;
        }
        let origin = self.cfg.frontend_api.clone();
        let mut ended = Vec::new();
        for f in &mut self.flights {
            let (sent, last) = (f.sent, f.error.clone());
            let out = f.take_waiters(&|w| w.deadline <= now + EPSILON);
            if out.is_empty() {
                continue;
            }
            for w in out {
                let last = last
                    .clone()
                    .unwrap_or_else(|| Error::Network(cat(&["no answer from ", &origin])));
                let error = Error::GaveUp {
                    last: Box::new(last),
                    waited: now - w.since,
                    requests: sent.saturating_sub(w.first),
                };
                self.effects.push(Effect::Settle {
                    waiter: w.id,
                    result: Err(error),
                });
            }
            ended.push(f.id);
        }
        for id in ended {
            self.unwanted(id);
        }
    }

    /// Flight `id` may have lost its last caller: a flight that was theirs
    /// alone then ends and its requests are aborted, since nobody needs them
    /// (SPEC 3.5, 11.1), unless it goes on as the session's recovery after
    /// a failure. A refresh the session started itself is not a caller's to
    /// end. Whether it ended.
    pub(super) fn unwanted(&mut self, id: FlightId) -> bool {
        let Some(flight) = self.flight(id) else {
            return true;
        };
        if !flight.kind.for_callers() || !flight.waiters.is_empty() {
            return false;
        }
        // After a failure it recovers, or ends as failed: the key's status
        // and its pauses say so (SPEC 11.3, 5).
        let ending = match flight.error.clone() {
            Some(e) if self.recover(id, &e) => return false,
            Some(e) => Ending::Failed(e),
            None => Ending::Dropped,
        };
        self.finish(id, ending);
        true
    }
}
