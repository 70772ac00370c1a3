//! How a flight ends, in one place: it is taken out by id, its token (if it
//! minted one) is written through the freshness guard once and broadcast,
//! its lock is released once, each of its waiters is settled once, and each
//! of its requests still open is aborted and reported once (SPEC 3.5, 8.4).
//! A 401 also ends the session (SPEC 8.3).

use super::Machine;
use crate::core::broadcast::OutgoingBroadcast;
use crate::core::config::HARD_CUTOFF;
use crate::core::effect::{Effect, FlightId, Issued};
use crate::core::error::Error;
use crate::core::events::{TokenSource, TokenUpdate};
use crate::core::faults::Fault;
use crate::core::flight::{Flight, Kind};
use crate::core::freshness::{pick_freshest, Winner};
use crate::core::jwt::Jwt;
use crate::core::time::{Instant, LocalTime, ServerTime};

/// How a flight ends.
#[derive(Debug)]
pub(super) enum Ending {
    /// One of its requests minted this token.
    Minted(Jwt),
    /// A token good enough for every waiter was already cached (another
    /// tab's, found on the re-check after the lock or the wait for a peer).
    Cached(Issued),
    /// It failed for good.
    Failed(Error),
    /// The session was disposed: the waiters are rejected, nothing recorded.
    Disposed,
    /// Another request was answered 401: the session is over, and so is
    /// every flight (SPEC 8.3).
    SessionEnded,
    /// Nobody needs it any more (a refresh made moot by another tab's token,
    /// or a refresh of the cache `clearCache` dropped). It has no waiters.
    Dropped,
}

impl Machine {
    /// Ends flight `id` (see the module docs). An id no longer out is
    /// ignored.
    pub(super) fn finish(&mut self, id: FlightId, ending: Ending) {
        let Some(i) = self.flights.iter().position(|f| f.id == id) else {
            return;
        };
        let mut flight = self.flights.remove(i);
        // Results of a flight from before `clearCache` settle its callers
        // but are not written to the new cache.
        let current = flight.epoch == self.epoch && !self.disposed && !self.ended;
        let mut kept = None;
        let mut session_over = false;
        // Whether the waiters are handed the key's cached token: a read.
        let mut read = false;
        let result = match ending {
            Ending::Minted(jwt) => {
                let issued = self.issued(&jwt);
                if current {
                    kept = self.write(&flight, jwt);
                    read = true;
                }
                Ok(issued)
            }
            Ending::Cached(issued) => {
                read = true;
                Ok(issued)
            }
            Ending::Failed(error) => {
                // A 401 ends the session whichever cache the request was
                // sent for: the session is what the server refused.
                session_over = *error.root() == Error::Unauthenticated && !self.disposed;
                if current && !session_over {
                    self.record_failure(&flight.token_id, &error);
                }
                Err(error)
            }
            Ending::Disposed => Err(Error::Disposed),
            Ending::SessionEnded => Err(Error::Unauthenticated),
            Ending::Dropped => Err(Error::Disposed),
        };
        if read && !flight.waiters.is_empty() {
            // Handing a token to a caller is a read (SPEC 2.7).
            if let Some(entry) = self.entries.get_mut(&flight.token_id) {
                entry.in_use = true;
            }
        }
        // After the broadcast is posted, so that a tab taking the lock next
        // finds the token on its way; before the listeners run, so that no
        // user code runs under the lock.
        if let Some(lock) = flight.lock.take() {
            self.effects.push(Effect::ReleaseLock { id: lock });
        }
        if let Some(update) = kept {
            self.effects.push(Effect::TokenUpdate(update));
        }
        for waiter in flight.waiters {
            self.effects.push(Effect::Settle {
                waiter: waiter.id,
                result: result.clone(),
            });
        }
        // No request outlives the need for it.
        for sent in &flight.open {
            // Queued and not yet carried out (app code between two effects
            // ended the flight): never sent, so neither aborted nor told.
            let queued = self
                .effects
                .iter()
                .position(|e| matches!(e, Effect::Fetch { id, .. } if *id == sent.fetch));
            if let Some(i) = queued {
                self.effects.remove(i);
                continue;
            }
            self.abort_sent(&flight.token_id, flight.kind, sent);
        }
        if session_over {
            self.end_session(true);
        }
    }

    /// A `/tokens` request was answered 401 (SPEC 8.3), here or, when it
    /// was not `here`, in another tab (SPEC 10.2): the session is over.
    /// Every other flight ends (its callers rejected `unauthenticated`),
    /// nothing refreshes again, the cache is emptied, and the listeners hear
    /// of it once. The other tabs are told on the library's own channel.
    pub(super) fn end_session(&mut self, here: bool) {
        if self.ended || self.disposed {
            return;
        }
        if here {
            let message = OutgoingBroadcast::ended(&self.cfg.session_id);
            self.effects.push(Effect::Peer(message));
        }
        self.ended = true;
        for flight in self.flights_where(&|_| true) {
            self.finish(flight, Ending::SessionEnded);
        }
        self.entries.clear();
        self.hydrated_previous = None;
        self.effects.push(Effect::SessionEnded);
    }

    /// When `jwt` expires on this tab's clock, by the current skew estimate.
    pub(super) fn expiry(&self, jwt: &Jwt) -> LocalTime {
        self.clock.local(jwt.exp.unwrap_or(ServerTime::NEVER))
    }

    /// Writes a minted token into its key through the guard; when it became
    /// the cached token, posts it to other tabs and returns the update for
    /// the listeners. The server answered, so its `Retry-After` is over. A
    /// token that lost to fresher claims (a minter that ignored the `token`
    /// it was sent), or that leaves the key with nothing servable (minted
    /// already spent), counts as a failed refresh, so that the key pauses
    /// instead of refreshing again at once, in a loop.
    fn write(&mut self, flight: &Flight, jwt: Jwt) -> Option<TokenUpdate> {
        let raw = jwt.raw.clone();
        let expires_at = self.expiry(&jwt);
        let kept = self.store(&flight.token_id, jwt);
        let entry = self.entries.get_mut(&flight.token_id)?;
        entry.retry_after = Instant::NEVER;
        let key = entry.key.clone();
        if !kept || entry.servable(self.now.server).is_none() {
            self.pause(&flight.token_id);
        }
        if !kept {
            return None;
        }
        let (template, organization_id) = key.into_parts();
        let trace_id = self.trace_id();
        self.effects.push(Effect::Broadcast(OutgoingBroadcast {
            kind: None,
            ask_id: None,
            skew: None,
            token_id: flight.token_id.clone(),
            token_raw: raw.clone(),
            session_id: self.cfg.session_id.clone(),
            template,
            organization_id,
            trace_id,
        }));
        Some(TokenUpdate {
            token_id: flight.token_id.clone(),
            token: raw,
            source: if flight.kind == Kind::Background {
                TokenSource::Background
            } else {
                TokenSource::Fetch
            },
            expires_at,
        })
    }

    /// Writes `jwt` into its key through the freshness guard (SPEC 2.5);
    /// whether it became the cached token. The guard ranks it against the
    /// freshest claims held, servable or not (an expired token's claims may
    /// be what revoked a role), and, for the default key before anything
    /// else was stored, the hydrated token. A token that was not servable
    /// when it arrived resets nothing but the claims.
    pub(super) fn store(&mut self, id: &str, jwt: Jwt) -> bool {
        let Some(entry) = self.entries.get(id) else {
            return false;
        };
        let hydrated = (id == self.default_id)
            .then_some(self.hydrated_previous.as_ref())
            .flatten();
        if pick_freshest(entry.token.as_ref().or(hydrated), &jwt) == Winner::Existing
            && !self.cfg.faults.has(Fault::Guard)
        {
            return false;
        }
        let servable = jwt.remaining(self.now.server) > HARD_CUTOFF;
        let seq = self.next_id();
        if id == self.default_id {
            self.hydrated_previous = None;
        }
        let Some(entry) = self.entries.get_mut(id) else {
            return false;
        };
        entry.token = Some(jwt);
        entry.seq = seq;
        entry.in_use = false;
        if servable {
            entry.failures = 0;
            entry.not_before = Instant::NEVER;
            entry.error = None;
        }
        true
    }

    /// After a failed refresh, the key's automatic refreshes pause, and
    /// the failure is the key's last (SPEC 11.3). (A 401 does not come
    /// here: it ends the session, which empties the cache.)
    fn record_failure(&mut self, id: &str, error: &Error) {
        if let Some(entry) = self.entries.get_mut(id) {
            entry.error = Some(error.clone());
        }
        if *error.root() != Error::Offline {
            self.pause(id);
        }
    }

    /// Key `id`'s automatic refreshes pause, longer with each failure in a
    /// row. Callers are not held by it: they wait on a request of their
    /// own, with its retries (SPEC 5).
    fn pause(&mut self, id: &str) {
        let now = self.now.at;
        let Some(entry) = self.entries.get_mut(id) else {
            return;
        };
        entry.not_before = now + self.cfg.retry.pause(entry.failures, &mut self.rng);
        entry.failures += 1;
    }
}
