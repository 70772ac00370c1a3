//! One refresh, phase by phase: cross-tab lock (or jitter), re-check of the
//! cache, the request, and its outcome: store through the guard, retry with
//! backoff, or fail. Every phase is bounded by a deadline.

use super::Machine;
use crate::core::broadcast::OutgoingBroadcast;
use crate::core::config::HARD_CUTOFF;
use crate::core::effect::{Effect, GetOutcome, LockId, LockResult, TokenSource, TokenUpdate};
use crate::core::error::Error;
use crate::core::flight::{Entry, Flight, Kind, Phase, Waiter};
use crate::core::freshness::{pick_freshest, Winner};
use crate::core::jwt::Jwt;
use crate::core::key::TokenKey;
use crate::core::request::TokensRequest;
use crate::core::response::FetchOutcome;

/// At most this long a tab that lost the lock race waits for the winner's
/// broadcast (2.5 to 5 s).
const PEER_WAIT: f64 = 5.0;
/// A lock request is answered at once (`ifAvailable`); this covers one that is not.
const LOCK_ANSWER_WAIT: f64 = 5.0;
/// Without Web Locks, background refreshes start after up to this random pause.
const JITTER_MAX: f64 = 1.0;

impl Machine {
    pub(super) fn start_flight(&mut self, now: f64, id: &str, kind: Kind, waiters: Vec<Waiter>) {
        self.push_flight(id, kind, waiters, 0, now);
        self.attempt(now, self.flights.len() - 1);
    }

    /// Adds a flight that will make its next attempt at `until`, with
    /// `retries` of its retries already spent.
    fn push_flight(
        &mut self,
        id: &str,
        kind: Kind,
        waiters: Vec<Waiter>,
        retries: u32,
        until: f64,
    ) {
        let flight = self.next_id;
        self.next_id += 1;
        self.flights.push(Flight {
            id: flight,
            token_id: id.to_owned(),
            kind,
            waiters,
            retries,
            phase: Phase::Backoff { until },
            lock: None,
            epoch: self.epoch,
        });
    }

    /// A caller arriving while the key pauses after repeated failures does
    /// not restart the full retry sequence: its request is a single attempt
    /// when the pause ends, so an app that keeps asking through an outage
    /// costs a trickle of requests. After a 401 it fails at once instead.
    pub(super) fn paused(
        &mut self,
        now: f64,
        id: &str,
        kind: Kind,
        waiter: Waiter,
    ) -> Option<GetOutcome> {
        let entry = self.entries.get(id)?;
        if entry.not_before <= now {
            return None;
        }
        if entry.ended {
            return Some(GetOutcome::Failed(Error::Unauthenticated));
        }
        if !entry.outage {
            return None;
        }
        let until = entry.not_before;
        let no_retries = self.cfg.retry.max_retries;
        self.push_flight(id, kind, vec![waiter], no_retries, until);
        Some(GetOutcome::Wait(waiter.id))
    }

    fn index(&self, flight: u64) -> Option<usize> {
        self.flights.iter().position(|f| f.id == flight)
    }

    /// Begins one attempt of flight `i`. `skipCache` always goes to origin at
    /// once; refreshes first take the key's cross-tab lock (SPEC 4.4) so that
    /// one tab mints and the others adopt its broadcast.
    fn attempt(&mut self, now: f64, i: usize) {
        let kind = self.flights[i].kind;
        if kind == Kind::SkipCache {
            self.send_request(now, i);
        } else if self.web_locks {
            let lock = self.next_id;
            self.next_id += 1;
            let name = format!("session-swr:refresh:{}", self.flights[i].token_id);
            self.flights[i].phase = Phase::Locking {
                lock,
                deadline: now + LOCK_ANSWER_WAIT,
            };
            self.effects.push(Effect::AcquireLock { id: lock, name });
        } else if kind == Kind::Background {
            let until = now + self.rng.next_f64() * JITTER_MAX;
            self.flights[i].phase = Phase::Jitter { until };
        } else {
            // A caller is waiting with nothing to serve: no random delay.
            self.send_request(now, i);
        }
    }

    pub(super) fn lock_result(&mut self, now: f64, lock: LockId, result: LockResult) {
        let found = self
            .flights
            .iter()
            .position(|f| matches!(f.phase, Phase::Locking { lock: l, .. } if l == lock));
        let Some(i) = found else {
            // The flight ended meanwhile (served by a broadcast, disposed).
            if result == LockResult::Acquired {
                self.effects.push(Effect::ReleaseLock { id: lock });
            }
            return;
        };
        match result {
            LockResult::Acquired => {
                self.flights[i].lock = Some(lock);
                self.recheck_or_send(now, i);
            }
            LockResult::Busy => {
                // Jittered, so tabs that lost the race together do not all
                // fetch together when the holder's refresh fails.
                let wait = PEER_WAIT * (0.5 + 0.5 * self.rng.next_f64());
                self.flights[i].phase = Phase::AwaitingPeer { until: now + wait };
            }
            LockResult::Unsupported => {
                self.web_locks = false;
                self.recheck_or_send(now, i);
            }
        }
    }

    /// Flight `flight`'s phase deadline has come.
    pub(super) fn phase_due(&mut self, now: f64, flight: u64) {
        let Some(i) = self.index(flight) else { return };
        match self.flights[i].phase {
            Phase::InFlight { .. } => {
                let local = now - self.clock.offset();
                let timeout = FetchOutcome::NetworkError("request timed out".into());
                self.on_outcome(local, i, timeout);
            }
            _ if !self.online => self.fail(now, i, Error::Offline),
            Phase::Backoff { .. } => self.attempt(now, i),
            // No lock answer, or the lock holder never broadcast: fetch anyway.
            Phase::Locking { .. } | Phase::AwaitingPeer { .. } | Phase::Jitter { .. } => {
                self.recheck_or_send(now, i);
            }
        }
    }

    /// Seconds a token must have left to make a refresh of `kind` moot.
    pub(super) fn kind_need(&self, kind: Kind) -> f64 {
        match kind {
            Kind::Background => self.lead(),
            Kind::Shared | Kind::SkipCache => HARD_CUTOFF,
        }
    }

    /// Another tab may have refreshed the key while this one waited: serve
    /// that token if it meets every need of the flight, else send the request.
    fn recheck_or_send(&mut self, now: f64, i: usize) {
        let flight = &self.flights[i];
        let need = flight
            .waiters
            .iter()
            .map(|w| w.min_remaining)
            .fold(self.kind_need(flight.kind), f64::max);
        let cached = self
            .entries
            .get(&flight.token_id)
            .and_then(|e| e.token.as_ref())
            .filter(|t| t.remaining(now) > need)
            .map(|t| t.raw.clone());
        match cached {
            Some(raw) => {
                let flight = self.take(i);
                if !flight.waiters.is_empty() {
                    if let Some(entry) = self.entries.get_mut(&flight.token_id) {
                        entry.in_use = true;
                    }
                }
                self.settle_all(flight.waiters, &Ok(raw));
            }
            None => self.send_request(now, i),
        }
    }

    /// Removes flight `i`, releasing its lock.
    fn take(&mut self, i: usize) -> Flight {
        let mut flight = self.flights.remove(i);
        self.release(&mut flight);
        flight
    }

    fn release(&mut self, flight: &mut Flight) {
        if let Some(lock) = flight.lock.take() {
            self.effects.push(Effect::ReleaseLock { id: lock });
        }
    }

    /// Drops a flight nobody needs any more.
    pub(super) fn remove_flight(&mut self, flight: u64) {
        if let Some(i) = self.index(flight) {
            self.take(i);
        }
    }

    fn settle_all(&mut self, waiters: Vec<Waiter>, result: &Result<String, Error>) {
        for w in waiters {
            self.effects.push(Effect::Settle {
                waiter: w.id,
                result: result.clone(),
            });
        }
    }

    /// Sends (or re-sends) flight `i`'s request.
    fn send_request(&mut self, now: f64, i: usize) {
        let fetch = self.next_id;
        self.next_id += 1;
        let flight = &mut self.flights[i];
        flight.phase = Phase::InFlight {
            fetch,
            deadline: now + self.cfg.request_timeout,
        };
        let entry = self.entries.get(&flight.token_id);
        let key = entry.map(|e| e.key.clone()).unwrap_or_default();
        let previous = entry
            .and_then(|e| e.token.as_ref())
            .map(|t| t.raw.as_str())
            .or_else(|| {
                (flight.token_id == self.default_id)
                    .then_some(self.hydrated_previous.as_deref())
                    .flatten()
            });
        let request = TokensRequest::build(
            &self.cfg.frontend_api,
            &self.cfg.session_id,
            &key,
            previous,
            flight.kind == Kind::SkipCache,
        );
        self.effects.push(Effect::Fetch { id: fetch, request });
    }

    /// Writes `jwt` into its key through the freshness guard (SPEC 2.5).
    /// Only a servable token is protected: an expired one serves nobody, and
    /// keeping it would leave the key stuck on the network.
    pub(super) fn store(&mut self, now: f64, id: &str, jwt: Jwt) -> bool {
        let Some(entry) = self.entries.get_mut(id) else {
            return false;
        };
        if pick_freshest(entry.servable(now), &jwt) == Winner::Existing {
            return false;
        }
        entry.token = Some(jwt);
        entry.seq = self.next_id;
        self.next_id += 1;
        entry.in_use = false;
        entry.failures = 0;
        entry.not_before = f64::NEG_INFINITY;
        entry.ended = false;
        entry.outage = false;
        true
    }

    pub(super) fn succeed(&mut self, now: f64, i: usize, jwt: Jwt) {
        let mut flight = self.flights.remove(i);
        let raw = jwt.raw.clone();
        if flight.epoch == self.epoch {
            let source = if flight.kind == Kind::Background {
                TokenSource::Background
            } else {
                TokenSource::Fetch
            };
            let (template, organization_id) = self
                .entries
                .get_or_insert_with(&flight.token_id, || Entry::new(TokenKey::default()))
                .key
                .clone()
                .into_parts();
            let kept = self.store(now, &flight.token_id, jwt);
            if kept {
                let trace_id = self.trace_id(now);
                self.effects.push(Effect::Broadcast(OutgoingBroadcast {
                    token_id: flight.token_id.clone(),
                    token_raw: raw.clone(),
                    session_id: self.cfg.session_id.clone(),
                    template,
                    organization_id,
                    trace_id,
                }));
            }
            if let Some(entry) = self.entries.get_mut(&flight.token_id) {
                // Handing the token to a caller is a read (SPEC 2.7).
                entry.in_use |= !flight.waiters.is_empty();
                entry.failures = 0;
                entry.not_before = f64::NEG_INFINITY;
            }
            // Release after the broadcast is posted, so a tab that takes the
            // lock next finds the token on its way, and before the listeners
            // run, so no user code runs under the lock.
            self.release(&mut flight);
            if kept {
                self.push_update(&flight.token_id, &raw, source);
            }
        }
        self.release(&mut flight);
        self.settle_all(flight.waiters, &Ok(raw));
    }

    pub(super) fn fail(&mut self, now: f64, i: usize, error: Error) {
        let flight = self.take(i);
        if flight.epoch == self.epoch {
            if let Some(entry) = self.entries.get_mut(&flight.token_id) {
                if error == Error::Unauthenticated {
                    // The session is over: the one failure that evicts. Calls
                    // in the next pause fail at once instead of asking again.
                    entry.token = None;
                    entry.ended = true;
                    entry.not_before = now + self.cfg.retry.pause(entry.failures, &mut self.rng);
                    entry.failures += 1;
                    if flight.token_id == self.default_id {
                        self.hydrated_previous = None;
                    }
                } else if error != Error::Offline {
                    entry.not_before = now + self.cfg.retry.pause(entry.failures, &mut self.rng);
                    entry.failures += 1;
                    entry.outage = match error {
                        Error::Network(_) | Error::RateLimited { .. } => true,
                        Error::Http { status } => status == 408 || status >= 500,
                        _ => false,
                    };
                }
            }
        }
        self.settle_all(flight.waiters, &Err(error));
    }

    pub(super) fn retry_or_fail(
        &mut self,
        now: f64,
        i: usize,
        error: Error,
        retry_after: Option<f64>,
    ) {
        let policy = &self.cfg.retry;
        if let Some(wait) = retry_after {
            if wait > policy.max_retry_after {
                let error = match error {
                    Error::RateLimited { .. } => Error::RateLimited {
                        retry_after: Some(wait),
                    },
                    other => other,
                };
                return self.fail(now, i, error);
            }
        }
        let flight = &self.flights[i];
        let delay = retry_after.unwrap_or_else(|| policy.delay(flight.retries, &mut self.rng));
        let until = now + delay;
        let needed = !flight.waiters.is_empty()
            || flight.kind != Kind::Background
            || self
                .entries
                .get(&flight.token_id)
                .and_then(|e| e.servable(until))
                .is_some();
        if flight.retries < self.cfg.retry.max_retries && needed {
            if let Some(lock) = self.flights[i].lock.take() {
                // Let other tabs try while this one backs off.
                self.effects.push(Effect::ReleaseLock { id: lock });
            }
            let flight = &mut self.flights[i];
            flight.retries += 1;
            flight.phase = Phase::Backoff { until };
        } else {
            self.fail(now, i, error);
        }
    }

    pub(super) fn push_update(&mut self, id: &str, raw: &str, source: TokenSource) {
        self.effects.push(Effect::TokenUpdate(TokenUpdate {
            token_id: id.to_owned(),
            token: raw.to_owned(),
            source,
        }));
    }

    /// `bc_<ms>_<base36>`, as clerk-js formats it.
    fn trace_id(&mut self, now: f64) -> String {
        // Milliseconds since the epoch fit an f64 exactly for millennia.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = (now * 1000.0).max(0.0) as u64;
        let n = self.rng.next_u64() >> 11;
        format!("bc_{ms}_{}", base36(n))
    }
}

/// `n` in lower-case base 36, as JS `n.toString(36)` writes it.
fn base36(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}
