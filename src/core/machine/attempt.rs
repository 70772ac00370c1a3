//! One refresh, phase by phase: cross-tab lock (or jitter), re-check of the
//! cache, the request, and what its answer leads to: the flight's end
//! ([`super::outcome`]) or a retry ([`super::retry`]). Every phase is bounded
//! by a deadline. Flights are named by id; none is kept by its place in the
//! list.

use super::outcome::Ending;
use super::{Machine, EPSILON};
use crate::core::config::HARD_CUTOFF;
use crate::core::effect::{Effect, FetchId, FlightId, Issued, LockId, LockResult, WaiterId};
use crate::core::error::Error;
use crate::core::events::{RefreshEvent, RefreshOutcome, TokenSource, TokenUpdate, Trigger};
use crate::core::faults::Fault;
use crate::core::flight::{Flight, Kind, Phase, Sent, Waiter};
use crate::core::jwt::Jwt;
use crate::core::request::TokensRequest;
use crate::core::response::{interpret, Failure, FetchOutcome};
use crate::core::text::{cat, decimal, digits};
use crate::core::time::{Instant, Now};

/// A tab that lost the lock race waits at most this long (2.5 to 5 s,
/// jittered) for the winner's broadcast. Then, if a caller waits, it fetches
/// itself (SPEC 4.4): a holder whose request hangs holds no caller back for
/// longer. It asks for the lock once more first, so that a tab that finds
/// it free is the one the others wait for. A refresh no caller waits on
/// (its token still served) asks for the lock again instead, and fetches
/// once [`PEER_CAP`] has passed: tabs behind a slow holder then make no
/// request of their own while their tokens serve.
const PEER_WAIT: f64 = 5.0;
/// A refresh no caller waits on waits this long in all for a lock holder.
const PEER_CAP: f64 = 20.0;
/// A lock request is answered at once (`ifAvailable`); this covers one that is not.
const LOCK_ANSWER_WAIT: f64 = 5.0;
/// Without Web Locks, background refreshes start after up to this random pause.
const JITTER_MAX: f64 = 1.0;

impl Machine {
    pub(super) fn flight(&self, id: FlightId) -> Option<&Flight> {
        self.flights.iter().find(|f| f.id == id)
    }

    pub(super) fn flight_mut(&mut self, id: FlightId) -> Option<&mut Flight> {
        self.flights.iter_mut().find(|f| f.id == id)
    }

    /// The flights `pick` picks, by id. One loop for every caller: a
    /// closure type of each would make a copy of it in the module.
    pub(super) fn flights_where(&self, pick: &dyn Fn(&Flight) -> bool) -> Vec<FlightId> {
        let mut ids = Vec::new();
        for f in &self.flights {
            if pick(f) {
                ids.push(f.id);
            }
        }
        ids
    }

    /// Starts a flight for key `id` and makes its first attempt.
    pub(super) fn start_flight(&mut self, id: &str, kind: Kind, waiters: Vec<Waiter>) -> FlightId {
        let flight = self.push_flight(id, kind, waiters, 0, self.now.at);
        self.attempt(flight);
        flight
    }

    /// Adds a flight that will make its next attempt at `until`, with
    /// `retries` of its retries already spent.
    pub(super) fn push_flight(
        &mut self,
        id: &str,
        kind: Kind,
        waiters: Vec<Waiter>,
        retries: u32,
        until: Instant,
    ) -> FlightId {
        let flight = FlightId(self.next_id());
        self.flights.push(Flight {
            id: flight,
            token_id: id.to_owned(),
            kind,
            waiters,
            retries,
            phase: Phase::Backoff { until },
            open: Vec::new(),
            lock: None,
            peer_cap: None,
            waited: false,
            epoch: self.epoch,
            sent: 0,
            error: None,
            refused: None,
        });
        flight
    }

    /// Adds a caller to flight `flight`. The request out when it joins is
    /// one of its own (SPEC 11.1 counts them).
    pub(super) fn join(&mut self, flight: FlightId, mut waiter: Waiter) {
        if let Some(f) = self.flight_mut(flight) {
            let out = u32::from(matches!(f.phase, Phase::InFlight { .. }));
            waiter.first = f.sent.saturating_sub(out);
            f.waiters.push(waiter);
        }
    }

    /// Begins one attempt of flight `id`. `skipCache` always goes to origin
    /// at once; refreshes first take the key's cross-tab lock (SPEC 4.4) so
    /// that one tab mints and the others adopt its broadcast. Nothing goes
    /// out while the server's `Retry-After` holds the key.
    pub(super) fn attempt(&mut self, id: FlightId) {
        let hold = self
            .flight(id)
            .filter(|f| !f.kind.forced())
            .and_then(|f| self.retry_hold(&f.token_id));
        if let Some(until) = hold {
            return self.hold_until(id, until);
        }
        let Some(flight) = self.flight(id) else {
            return;
        };
        let kind = flight.kind;
        let now = self.now.at;
        if kind.forced() {
            self.send_request(id);
        } else if self.web_locks {
            let name = cat(&["session-swr:refresh:", &flight.token_id]);
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
            self.recheck_or_send(id);
        }
    }

    pub(super) fn lock_result(&mut self, lock: LockId, result: LockResult) {
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
        let result = match result {
            LockResult::Busy if self.cfg.faults.has(Fault::SingleFlight) => LockResult::Acquired,
            result => result,
        };
        match result {
            LockResult::Acquired => {
                if let Some(f) = self.flight_mut(id) {
                    f.lock = Some(lock);
                }
                self.recheck_or_send(id);
            }
            // Waited for the holder already: fetch without the lock.
            LockResult::Busy if self.flight(id).is_some_and(|f| f.waited) => {
                self.recheck_or_send(id);
            }
            LockResult::Busy => {
                // Jittered, so tabs that lost the race together do not all
                // fetch together when the holder's refresh fails.
                let now = self.now.at;
                let until = now + PEER_WAIT * (0.5 + 0.5 * self.rng.next_f64());
                if let Some(f) = self.flight_mut(id) {
                    let cap = *f.peer_cap.get_or_insert(now + PEER_CAP);
                    f.phase = Phase::AwaitingPeer {
                        until: until.min(cap),
                    };
                }
            }
            LockResult::Unsupported => {
                self.web_locks = false;
                self.recheck_or_send(id);
            }
        }
    }

    /// Flight `id`'s phase deadline has come.
    pub(super) fn phase_due(&mut self, id: FlightId) {
        let Some(phase) = self.flight(id).map(|f| f.phase) else {
            return;
        };
        match phase {
            // Failed for retrying, with the error `handle_timeout` gave it;
            // the request stays open (SPEC 3.5).
            Phase::InFlight { .. } => {
                if let Some(timeout) = self.flight(id).and_then(|f| f.error.clone()) {
                    self.retry_or_fail(id, timeout, None);
                }
            }
            _ if !self.online => self.went_offline(id),
            Phase::Backoff { .. } => self.attempt(id),
            // The lock holder has not broadcast yet: the lock once more,
            // then, if a caller waits or the cap has passed, the request.
            Phase::AwaitingPeer { .. } => {
                if let Some(issued) = self.good_enough(id) {
                    return self.finish(id, Ending::Cached(issued));
                }
                let now = self.now.at;
                if let Some(f) = self.flight_mut(id) {
                    f.waited =
                        !f.waiters.is_empty() || f.peer_cap.is_some_and(|cap| now + EPSILON >= cap);
                }
                self.attempt(id);
            }
            // No lock answer, or no other tab answered in time: fetch anyway.
            Phase::Locking { .. } | Phase::Jitter { .. } | Phase::Handover { .. } => {
                self.recheck_or_send(id);
            }
        }
    }

    /// Seconds a token must have left to make flight `flight`'s refresh
    /// moot: the token's refresh window for a background refresh (in a
    /// hidden tab too: a caller's read in the window must bring a new
    /// token), the hard cutoff for a caller's.
    pub(super) fn kind_need(&self, flight: &Flight) -> f64 {
        match flight.kind {
            Kind::Background => self
                .entries
                .get(&flight.token_id)
                .and_then(|e| e.token.as_ref())
                .map_or(self.cfg.threshold, |t| t.refresh_window(self.cfg.threshold)),
            _ => HARD_CUTOFF,
        }
    }

    /// The key's cached token if it meets every need of flight `id`.
    fn good_enough(&self, id: FlightId) -> Option<Issued> {
        let flight = self.flight(id)?;
        let need = flight
            .waiters
            .iter()
            .map(|w| w.min_remaining)
            .fold(self.kind_need(flight), f64::max);
        self.entries
            .get(&flight.token_id)
            .and_then(|e| e.token.as_ref())
            .filter(|t| t.remaining(self.now.server) > need)
            .map(|t| self.issued(t))
    }

    /// Another tab may have refreshed the key while this one waited: serve
    /// that token if it meets every need of the flight; else, while other
    /// tabs may still hand one over, wait for them; else send the request.
    pub(super) fn recheck_or_send(&mut self, id: FlightId) {
        if let Some(issued) = self.good_enough(id) {
            return self.finish(id, Ending::Cached(issued));
        }
        let until = self.flight(id).and_then(|f| self.handover_until(f));
        match (until, self.flight_mut(id)) {
            (Some(until), Some(f)) => f.phase = Phase::Handover { until },
            _ => self.send_request(id),
        }
    }

    /// Sends (or re-sends) flight `id`'s request. It counts as failed after
    /// 20 s, or once no caller's time is left, if that comes first (SPEC
    /// 11.1); it stays open either way (SPEC 3.5).
    fn send_request(&mut self, id: FlightId) {
        let fetch = FetchId(self.next_id());
        let at = self.now.at;
        let request_timeout = self.cfg.request_timeout;
        let Some(flight) = self.flight_mut(id) else {
            return;
        };
        let last = flight
            .waiters
            .iter()
            .map(|w| w.deadline)
            .fold(Instant::NEVER, Instant::max);
        let deadline = if flight.waiters.is_empty() {
            at + request_timeout
        } else {
            last.min(at + request_timeout)
        };
        flight.phase = Phase::InFlight { fetch, deadline };
        flight.sent += 1;
        let attempt = flight.retries + 1;
        let (token_id, skip_cache) = (flight.token_id.clone(), flight.kind.forced());
        let entry = self.entries.get(&token_id);
        let key = entry.map(|e| e.key.clone()).unwrap_or_default();
        let previous = entry.and_then(|e| e.token.as_ref()).or_else(|| {
            (token_id == self.default_id)
                .then_some(self.hydrated_previous.as_ref())
                .flatten()
        });
        let request = TokensRequest::build(
            &self.cfg.frontend_api,
            &self.cfg.session_id,
            &key,
            previous.map(|t| t.raw.as_str()),
            skip_cache,
        );
        // Its query goes when an error quotes it (`Error::at`).
        let url = request.url.clone();
        let mut lost = None;
        if let Some(flight) = self.flight_mut(id) {
            // SPEC 3.5 keeps a slow request open while its retry races it;
            // one older than that has lost. A recovery against a server that
            // never answers would otherwise hold one more open every pause.
            if flight.open.len() >= 2 {
                lost = Some((flight.kind, flight.open.remove(0)));
            }
            flight.open.push(Sent {
                fetch,
                url,
                at,
                attempt,
            });
        }
        if let Some((kind, sent)) = lost {
            self.abort_sent(&token_id, kind, &sent);
        }
        self.effects.push(Effect::Fetch { id: fetch, request });
    }

    /// Aborts request `sent` of a flight of `kind` for `token_id`, and
    /// reports it (SPEC 8.4: every request is reported once), a network
    /// error whose code is all that is told (onRefresh carries no message).
    pub(super) fn abort_sent(&mut self, token_id: &str, kind: Kind, sent: &Sent) {
        self.effects.push(Effect::Abort { id: sent.fetch });
        let aborted = Error::Network(String::new());
        let event = self.refresh_event(token_id, kind, sent, None, Some(&aborted));
        self.effects.push(event);
    }

    /// What request `fetch` of flight `id` came back with. The first answer
    /// to bring a token wins, whichever of the flight's open requests it
    /// answers; the other answers count only for the current attempt (a
    /// request that timed out was counted as failed already), except a 401,
    /// which ends the session whenever it comes. Once the session has
    /// applied it, the `onRefresh` listeners hear of it (SPEC 8.4).
    pub(super) fn on_outcome(&mut self, id: FlightId, fetch: FetchId, outcome: FetchOutcome) {
        let Some(flight) = self.flight_mut(id) else {
            return;
        };
        let Some(i) = flight.open.iter().position(|s| s.fetch == fetch) else {
            return;
        };
        let sent = flight.open.remove(i);
        let current = matches!(flight.phase, Phase::InFlight { fetch: f, .. } if f == fetch);
        let token_id = flight.token_id.clone();
        let status = match &outcome {
            FetchOutcome::Response { status, .. } => Some(*status),
            FetchOutcome::NetworkError(_) => None,
        };
        let kind = flight.kind;
        // An HTTP-date Retry-After is counted from the earliest the
        // server's clock may read, so the delay is never shorter than the
        // server meant, however sure or unsure the estimate (SPEC 5, 2.8).
        let earliest = self.clock.earliest(self.now.local);
        let parsed = interpret(
            outcome,
            &sent.url,
            &self.cfg.session_id,
            earliest,
            self.cfg.json,
        );
        if let Ok(Some(iat)) = parsed.as_ref().map(|jwt| jwt.iat) {
            // Minted before now (a lower bound, which also shows up bounds
            // made stale by a clock step) and after sending: sent this long
            // ago on the monotonic clock, so at this wall time, whatever the
            // wall clock did since.
            let Now { local, at, .. } = self.now;
            self.clock.seen(iat, local);
            self.clock.fetched(iat, local - (at - sent.at), at);
            self.set_now();
        }
        // Answered too late to serve (a frozen tab, a network slower than
        // the token's life): a failure, though its claims still count. A
        // token minted that short-lived (10 s or less) is what the server
        // makes, and goes to its caller as it is (SPEC 2.5), unless it has
        // expired already.
        let mut late = None;
        if let Ok(jwt) = &parsed {
            let life = jwt.exp.zip(jwt.iat).map_or(0.0, |(exp, iat)| exp - iat);
            let left = jwt.remaining(self.now.server);
            if left <= HARD_CUTOFF && (life > 2.0 * HARD_CUTOFF || left <= 0.0) {
                let why = "the token arrived with 5 s or less left".into();
                late = Some(Error::at(Error::Network(why), &sent.url, None, None));
            }
        }
        let error = match &parsed {
            Ok(_) => late.clone(),
            Err(Failure::Final(e) | Failure::Transient { error: e, .. }) => Some(e.clone()),
        };
        let event = self.refresh_event(&token_id, kind, &sent, status, error.as_ref());
        let mark = self.effects.len();
        match (parsed, late) {
            (Ok(jwt), None) => self.finish(id, Ending::Minted(jwt)),
            (Ok(jwt), Some(late)) => {
                // Into the cache it was asked for only, not one `clearCache`
                // began since.
                if self.flight(id).is_some_and(|f| f.epoch == self.epoch) {
                    self.store(&token_id, jwt);
                }
                if current {
                    self.retry_or_fail(id, late, None);
                }
            }
            (Err(Failure::Final(error)), _) => {
                if current || *error.root() == Error::Unauthenticated {
                    self.finish(id, Ending::Failed(error));
                }
            }
            (Err(Failure::Transient { error, retry_after }), _) => {
                let retry_after = retry_after.filter(|_| !self.cfg.faults.has(Fault::RetryAfter));
                if let (Some(wait), Some(entry)) = (retry_after, self.entries.get_mut(&token_id)) {
                    entry.retry_after = entry.retry_after.max(self.now.at + wait);
                }
                if current {
                    self.retry_or_fail(id, error, retry_after);
                }
            }
        }
        // Once applied, and before the requests this answer made moot. The
        // flight's end may have taken a queued request out from before the
        // mark.
        let mark = mark.min(self.effects.len());
        let before = self.effects[mark..]
            .iter()
            .position(|e| matches!(e, Effect::Refresh(_)))
            .map_or(self.effects.len(), |i| mark + i);
        self.effects.insert(before, event);
    }

    /// What the `onRefresh` listeners are told of request `sent` of a
    /// flight of `kind` for `token_id`: it settled with a token, or `error`.
    pub(super) fn refresh_event(
        &self,
        token_id: &str,
        kind: Kind,
        sent: &Sent,
        status: Option<u16>,
        error: Option<&Error>,
    ) -> Effect {
        Effect::Refresh(RefreshEvent {
            token_id: token_id.to_owned(),
            trigger: match kind {
                Kind::Shared => Trigger::Caller,
                Kind::Background | Kind::Recovery => Trigger::Background,
                Kind::SkipCache | Kind::Reauth => Trigger::SkipCache,
            },
            attempt: sent.attempt,
            outcome: match error {
                None => RefreshOutcome::Ok,
                Some(_) => RefreshOutcome::Error,
            },
            code: error.map(Error::code),
            status,
            // To the microsecond: floating-point noise below it means nothing.
            duration_ms: ((self.now.at - sent.at) * 1e6).round() / 1e3,
        })
    }

    /// What a caller is handed for `token`: the token and when it expires
    /// on this tab's clock.
    pub(super) fn issued(&self, token: &Jwt) -> Issued {
        Issued {
            token: token.raw.clone(),
            expires_at: self.expiry(token),
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

    /// A new call waiting for a token with more than `min_remaining`
    /// seconds left; it gives up after the session's `timeout` (SPEC 11.1).
    pub(super) fn new_waiter(&mut self, min_remaining: f64) -> Waiter {
        let since = self.now.at;
        Waiter {
            id: WaiterId(self.next_id()),
            min_remaining,
            deadline: since + self.cfg.timeout,
            since,
            first: 0,
        }
    }

    /// `bc_<Date.now()>_<base36>`, as clerk-js formats it.
    pub(super) fn trace_id(&mut self) -> String {
        // Milliseconds since the epoch fit an f64 exactly for millennia.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = self.now.local.as_ms().max(0.0) as u64;
        let n = self.rng.next_u64() >> 11;
        cat(&["bc_", &decimal(ms), "_", &digits(n, 36)])
    }
}
