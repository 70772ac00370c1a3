//! One refresh, phase by phase: cross-tab lock (or jitter), re-check of the
//! cache, the request, and what its answer leads to: the flight's end
//! ([`super::outcome`]) or a retry with backoff. Every phase is bounded by a
//! deadline. Flights are named by id; none is kept by its place in the list.

use super::outcome::Ending;
use super::Machine;
use crate::core::config::HARD_CUTOFF;
use crate::core::effect::{
    Effect, FetchId, FlightId, GetOutcome, Issued, LockId, LockResult, WaiterId,
};
use crate::core::error::Error;
use crate::core::events::{RefreshEvent, RefreshOutcome, TokenSource, TokenUpdate, Trigger};
use crate::core::flight::{Flight, Kind, Phase, Waiter};
use crate::core::request::TokensRequest;
use crate::core::response::{interpret, Failure, FetchOutcome};
use crate::core::time::{LocalTime, ServerTime};

/// At most this long a tab that lost the lock race waits for the winner's
/// broadcast (2.5 to 5 s).
const PEER_WAIT: f64 = 5.0;
/// A lock request is answered at once (`ifAvailable`); this covers one that is not.
const LOCK_ANSWER_WAIT: f64 = 5.0;
/// Without Web Locks, background refreshes start after up to this random pause.
const JITTER_MAX: f64 = 1.0;

impl Machine {
    fn flight(&self, id: FlightId) -> Option<&Flight> {
        self.flights.iter().find(|f| f.id == id)
    }

    fn flight_mut(&mut self, id: FlightId) -> Option<&mut Flight> {
        self.flights.iter_mut().find(|f| f.id == id)
    }

    /// Starts a flight for key `id` and makes its first attempt.
    pub(super) fn start_flight(
        &mut self,
        now: ServerTime,
        id: &str,
        kind: Kind,
        waiters: Vec<Waiter>,
    ) -> FlightId {
        let flight = self.push_flight(id, kind, waiters, 0, now);
        self.attempt(now, flight);
        flight
    }

    /// Adds a flight that will make its next attempt at `until`, with
    /// `retries` of its retries already spent.
    fn push_flight(
        &mut self,
        id: &str,
        kind: Kind,
        waiters: Vec<Waiter>,
        retries: u32,
        until: ServerTime,
    ) -> FlightId {
        let flight = FlightId(self.next_id());
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
        flight
    }

    /// Adds a caller to flight `flight`.
    pub(super) fn join(&mut self, flight: FlightId, waiter: Waiter) {
        if let Some(f) = self.flight_mut(flight) {
            f.waiters.push(waiter);
        }
    }

    /// A caller arriving while the key pauses after repeated failures does
    /// not restart the full retry sequence: its request is a single attempt
    /// when the pause ends, so an app that keeps asking through an outage
    /// costs a trickle of requests.
    pub(super) fn paused(
        &mut self,
        now: ServerTime,
        id: &str,
        kind: Kind,
        waiter: Waiter,
    ) -> Option<GetOutcome> {
        let entry = self.entries.get(id)?;
        if entry.not_before <= now || !entry.outage {
            return None;
        }
        let until = entry.not_before;
        let no_retries = self.cfg.retry.max_retries;
        self.push_flight(id, kind, vec![waiter], no_retries, until);
        Some(GetOutcome::Wait(waiter.id))
    }

    /// Begins one attempt of flight `id`. `skipCache` always goes to origin
    /// at once; refreshes first take the key's cross-tab lock (SPEC 4.4) so
    /// that one tab mints and the others adopt its broadcast.
    fn attempt(&mut self, now: ServerTime, id: FlightId) {
        let Some(flight) = self.flight(id) else {
            return;
        };
        let kind = flight.kind;
        if kind == Kind::SkipCache {
            self.send_request(now, id);
        } else if self.web_locks {
            let name = format!("session-swr:refresh:{}", flight.token_id);
            let lock = LockId(self.next_id());
            if let Some(f) = self.flight_mut(id) {
                f.phase = Phase::Locking {
                    lock,
                    deadline: now + LOCK_ANSWER_WAIT,
                };
            }
            self.effects.push(Effect::AcquireLock { id: lock, name });
        } else if kind == Kind::Background {
            let until = now + self.rng.next_f64() * JITTER_MAX;
            if let Some(f) = self.flight_mut(id) {
                f.phase = Phase::Jitter { until };
            }
        } else {
            // A caller is waiting with nothing to serve: no random delay.
            self.send_request(now, id);
        }
    }

    pub(super) fn lock_result(&mut self, now: ServerTime, lock: LockId, result: LockResult) {
        let found = self
            .flights
            .iter()
            .find(|f| matches!(f.phase, Phase::Locking { lock: l, .. } if l == lock))
            .map(|f| f.id);
        let Some(id) = found else {
            // The flight ended meanwhile (served by a broadcast, disposed).
            if result == LockResult::Acquired {
                self.effects.push(Effect::ReleaseLock { id: lock });
            }
            return;
        };
        match result {
            LockResult::Acquired => {
                if let Some(f) = self.flight_mut(id) {
                    f.lock = Some(lock);
                }
                self.recheck_or_send(now, id);
            }
            LockResult::Busy => {
                // Jittered, so tabs that lost the race together do not all
                // fetch together when the holder's refresh fails.
                let until = now + PEER_WAIT * (0.5 + 0.5 * self.rng.next_f64());
                if let Some(f) = self.flight_mut(id) {
                    f.phase = Phase::AwaitingPeer { until };
                }
            }
            LockResult::Unsupported => {
                self.web_locks = false;
                self.recheck_or_send(now, id);
            }
        }
    }

    /// Flight `id`'s phase deadline has come.
    pub(super) fn phase_due(&mut self, now: ServerTime, id: FlightId) {
        let Some(phase) = self.flight(id).map(|f| f.phase) else {
            return;
        };
        match phase {
            Phase::InFlight { .. } => {
                let timeout = FetchOutcome::NetworkError("request timed out".into());
                self.on_outcome(self.clock.local(now), id, timeout);
            }
            _ if !self.online => self.finish(id, Ending::Failed(Error::Offline, now)),
            Phase::Backoff { .. } => self.attempt(now, id),
            // No lock answer, or the lock holder never broadcast: fetch anyway.
            Phase::Locking { .. } | Phase::AwaitingPeer { .. } | Phase::Jitter { .. } => {
                self.recheck_or_send(now, id);
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
    fn recheck_or_send(&mut self, now: ServerTime, id: FlightId) {
        let Some(flight) = self.flight(id) else {
            return;
        };
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
            .map(|t| Issued {
                token: t.raw.clone(),
                expires_at: self.expiry(t),
            });
        match cached {
            Some(issued) => self.finish(id, Ending::Cached(issued)),
            None => self.send_request(now, id),
        }
    }

    /// Sends (or re-sends) flight `id`'s request.
    fn send_request(&mut self, now: ServerTime, id: FlightId) {
        let fetch = FetchId(self.next_id());
        let deadline = now + self.cfg.request_timeout;
        let sent = self.clock.local(now);
        let Some(flight) = self.flight_mut(id) else {
            return;
        };
        flight.phase = Phase::InFlight {
            fetch,
            deadline,
            sent,
        };
        let (token_id, skip_cache) = (flight.token_id.clone(), flight.kind == Kind::SkipCache);
        let entry = self.entries.get(&token_id);
        let key = entry.map(|e| e.key.clone()).unwrap_or_default();
        let previous = entry
            .and_then(|e| e.token.as_ref())
            .map(|t| t.raw.as_str())
            .or_else(|| {
                (token_id == self.default_id)
                    .then_some(self.hydrated_previous.as_deref())
                    .flatten()
            });
        let request = TokensRequest::build(
            &self.cfg.frontend_api,
            &self.cfg.session_id,
            &key,
            previous,
            skip_cache,
        );
        self.effects.push(Effect::Fetch { id: fetch, request });
    }

    /// What flight `id`'s request came back with. Once the session has
    /// applied it, the `onRefresh` listeners hear of it (SPEC 8.4).
    pub(super) fn on_outcome(&mut self, local: LocalTime, id: FlightId, outcome: FetchOutcome) {
        let Some(flight) = self.flight(id) else {
            return;
        };
        let Phase::InFlight { sent, .. } = flight.phase else {
            return;
        };
        let mut event = RefreshEvent {
            token_id: flight.token_id.clone(),
            trigger: match flight.kind {
                Kind::Shared => Trigger::Caller,
                Kind::Background => Trigger::Background,
                Kind::SkipCache => Trigger::SkipCache,
            },
            attempt: flight.retries + 1,
            outcome: RefreshOutcome::Ok,
            code: None,
            status: match &outcome {
                FetchOutcome::Response { status, .. } => Some(*status),
                FetchOutcome::NetworkError(_) => None,
            },
            // To the microsecond: epoch seconds in an f64 carry noise below it.
            duration_ms: ((local - sent) * 1e6).round() / 1e3,
        };
        let now = self.clock.server(local);
        let failed = |error: &Error| (RefreshOutcome::Error, Some(error.code()));
        match interpret(outcome, &self.cfg.session_id, now, self.cfg.json) {
            Ok(jwt) => {
                if let Some(iat) = jwt.iat {
                    self.clock.observe(iat, local);
                }
                let now = self.clock.server(local);
                self.finish(id, Ending::Minted(jwt, now));
            }
            Err(Failure::Final(error)) => {
                (event.outcome, event.code) = failed(&error);
                self.finish(id, Ending::Failed(error, now));
            }
            Err(Failure::Transient { error, retry_after }) => {
                (event.outcome, event.code) = failed(&error);
                self.retry_or_fail(now, id, error, retry_after);
            }
        }
        self.effects.push(Effect::Refresh(event));
    }

    fn retry_or_fail(
        &mut self,
        now: ServerTime,
        id: FlightId,
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
                return self.finish(id, Ending::Failed(error, now));
            }
        }
        let Some(retries) = self.flight(id).map(|f| f.retries) else {
            return;
        };
        let delay = retry_after.unwrap_or_else(|| policy.delay(retries, &mut self.rng));
        let until = now + delay;
        let Some(flight) = self.flight(id) else {
            return;
        };
        let needed = !flight.waiters.is_empty()
            || flight.kind != Kind::Background
            || self
                .entries
                .get(&flight.token_id)
                .and_then(|e| e.servable(until))
                .is_some();
        if retries >= self.cfg.retry.max_retries || !needed {
            return self.finish(id, Ending::Failed(error, now));
        }
        let Some(flight) = self.flight_mut(id) else {
            return;
        };
        flight.retries += 1;
        flight.phase = Phase::Backoff { until };
        // Let other tabs try while this one backs off.
        if let Some(lock) = flight.lock.take() {
            self.effects.push(Effect::ReleaseLock { id: lock });
        }
    }

    pub(super) fn push_update(&mut self, id: &str, issued: &Issued, source: TokenSource) {
        self.effects.push(Effect::TokenUpdate(TokenUpdate {
            token_id: id.to_owned(),
            token: issued.token.clone(),
            source,
            expires_at: issued.expires_at,
        }));
    }

    pub(super) fn new_waiter(&mut self, min_remaining: f64) -> Waiter {
        Waiter {
            id: WaiterId(self.next_id()),
            min_remaining,
        }
    }

    /// `bc_<Date.now()>_<base36>`, as clerk-js formats it.
    pub(super) fn trace_id(&mut self, now: LocalTime) -> String {
        // Milliseconds since the epoch fit an f64 exactly for millennia.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = now.as_ms().max(0.0) as u64;
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
