//! The session state machine: cache, stale-while-revalidate, shared fetches,
//! retries, scheduling and cross-tab adoption (SPEC 2-5), with no I/O.

use std::collections::{BTreeMap, VecDeque};

use super::backoff::Rng;
use super::broadcast::{validate, IncomingBroadcast, OutgoingBroadcast, Rejection};
use super::config::{Config, HARD_CUTOFF};
use super::effect::{
    Effect, FetchId, GetOutcome, GetTokenOptions, OrgChoice, TokenSource, TokenUpdate,
};
use super::error::Error;
use super::flight::{Entry, Flight, Kind, Phase, Waiter};
use super::freshness::{pick_freshest, Winner};
use super::jwt::Jwt;
use super::key::{non_empty, TokenKey};
use super::request::TokensRequest;
use super::response::{interpret, Failure, FetchOutcome};

/// Timers may fire a hair early after rounding to whole milliseconds.
const EPSILON: f64 = 0.001;

/// One session's token cache. See the module docs of [`crate::core`] for the
/// drive loop.
#[derive(Debug)]
pub struct Machine {
    cfg: Config,
    default_id: String,
    entries: BTreeMap<String, Entry>,
    flights: Vec<Flight>,
    /// An expired `lastActiveToken`: still the default key's previous token.
    hydrated_previous: Option<String>,
    effects: VecDeque<Effect>,
    rng: Rng,
    next_id: u64,
    epoch: u64,
    online: bool,
    visible: bool,
    disposed: bool,
}

impl Machine {
    /// A machine for `cfg`, hydrated with `last_active_token` (SPEC 2.6).
    /// Fails with `invalid_options` if that token does not decode or names
    /// another session.
    pub fn new(cfg: Config, last_active_token: Option<&str>, now: f64) -> Result<Machine, Error> {
        let default_key = TokenKey::new(None, cfg.organization_id.as_deref());
        let default_id = default_key.token_id(&cfg.session_id);
        let mut machine = Machine {
            rng: Rng::new(cfg.seed),
            cfg,
            default_id: default_id.clone(),
            entries: BTreeMap::new(),
            flights: Vec::new(),
            hydrated_previous: None,
            effects: VecDeque::new(),
            next_id: 1,
            epoch: 0,
            online: true,
            visible: true,
            disposed: false,
        };
        let mut entry = Entry::new(default_key);
        if let Some(raw) = last_active_token.filter(|s| !s.is_empty()) {
            let jwt = Jwt::decode(raw)
                .map_err(|e| Error::InvalidOptions(format!("lastActiveToken is not a JWT: {e}")))?;
            if jwt
                .sid
                .as_deref()
                .is_some_and(|s| s != machine.cfg.session_id)
            {
                return Err(Error::InvalidOptions(
                    "lastActiveToken belongs to another session".into(),
                ));
            }
            if jwt.has_times() && jwt.remaining(now) > HARD_CUTOFF {
                entry.token = Some(jwt);
            } else {
                machine.hydrated_previous = Some(raw.to_owned());
            }
        }
        machine.entries.insert(default_id, entry);
        Ok(machine)
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The key a call's options select (SPEC 2.1).
    pub fn key_for(&self, opts: &GetTokenOptions) -> TokenKey {
        let org = match &opts.organization_id {
            OrgChoice::SessionDefault => self.cfg.organization_id.clone(),
            OrgChoice::Explicit(org) => non_empty(org.as_deref()),
        };
        TokenKey {
            template: non_empty(opts.template.as_deref()),
            organization_id: org,
        }
    }

    /// `getToken` (SPEC 2.3).
    pub fn get_token(&mut self, now: f64, opts: &GetTokenOptions) -> GetOutcome {
        if self.disposed {
            return GetOutcome::Failed(Error::Disposed);
        }
        let key = self.key_for(opts);
        let id = key.token_id(&self.cfg.session_id);
        let threshold = self.cfg.threshold;
        let entry = self
            .entries
            .entry(id.clone())
            .or_insert_with(|| Entry::new(key));
        if opts.skip_cache {
            if !self.online {
                return GetOutcome::Failed(Error::Offline);
            }
            let waiter = self.new_waiter(HARD_CUTOFF);
            self.start_flight(now, &id, Kind::SkipCache, vec![waiter]);
            return GetOutcome::Wait(waiter.id);
        }
        if let Some(token) = entry.servable(now) {
            let raw = token.raw.clone();
            let fresh = token.remaining(now) > threshold;
            entry.in_use = true;
            if fresh {
                return GetOutcome::Ready(raw);
            }
            if !opts.refresh_if_stale {
                self.ensure_background(now, &id);
                return GetOutcome::Ready(raw);
            }
            let waiter = self.new_waiter(threshold);
            if let Some(i) = self.find_flight(&id, Kind::Background) {
                self.flights[i].waiters.push(waiter);
            } else if !self.online {
                return GetOutcome::Failed(Error::Offline);
            } else {
                self.start_flight(now, &id, Kind::Background, vec![waiter]);
            }
            return GetOutcome::Wait(waiter.id);
        }
        entry.in_use = true;
        let waiter = self.new_waiter(HARD_CUTOFF);
        // Join whatever request will bring this key a token; skipCache
        // requests are joined only because nothing servable is left.
        let joinable = [Kind::Shared, Kind::Background, Kind::SkipCache]
            .into_iter()
            .find_map(|kind| self.find_flight(&id, kind));
        if let Some(i) = joinable {
            self.flights[i].waiters.push(waiter);
        } else if !self.online {
            return GetOutcome::Failed(Error::Offline);
        } else {
            self.start_flight(now, &id, Kind::Shared, vec![waiter]);
        }
        GetOutcome::Wait(waiter.id)
    }

    /// `peekToken`: the servable cached token, if any; marks the key in use.
    pub fn peek_token(&mut self, now: f64, opts: &GetTokenOptions) -> Option<String> {
        if self.disposed {
            return None;
        }
        let id = self.key_for(opts).token_id(&self.cfg.session_id);
        let entry = self.entries.get_mut(&id)?;
        let raw = entry.servable(now)?.raw.clone();
        entry.in_use = true;
        Some(raw)
    }

    /// The cached token of `token_id`, servable or not (for introspection).
    pub fn cached(&self, token_id: &str) -> Option<&Jwt> {
        self.entries.get(token_id)?.token.as_ref()
    }

    /// Every key with a cached token, in key order (for introspection).
    pub fn cached_tokens(&self) -> impl Iterator<Item = (&str, &Jwt)> {
        self.entries
            .iter()
            .filter_map(|(id, e)| e.token.as_ref().map(|t| (id.as_str(), t)))
    }

    /// The outcome of the request `id`. Unknown or abandoned ids are ignored.
    pub fn handle_fetch(&mut self, now: f64, id: FetchId, outcome: FetchOutcome) {
        let Some(i) = self
            .flights
            .iter()
            .position(|f| matches!(f.phase, Phase::InFlight { fetch, .. } if fetch == id))
        else {
            return;
        };
        match interpret(outcome, &self.cfg.session_id, now) {
            Ok(jwt) => self.succeed(now, i, jwt),
            Err(Failure::Final(error)) => self.fail(now, i, error),
            Err(Failure::Transient { error, retry_after }) => {
                self.retry_or_fail(now, i, error, retry_after);
            }
        }
    }

    /// A message from another tab (SPEC 4.3). `Err` says why it was ignored.
    pub fn handle_broadcast(&mut self, now: f64, msg: &IncomingBroadcast) -> Result<(), Rejection> {
        if self.disposed {
            return Err(Rejection::Disposed);
        }
        let valid = validate(msg, &self.cfg.session_id, now)?;
        let id = valid.key.token_id(&self.cfg.session_id);
        let raw = valid.jwt.raw.clone();
        let remaining = valid.jwt.remaining(now);
        self.entries
            .entry(id.clone())
            .or_insert_with(|| Entry::new(valid.key));
        if !self.store(now, &id, valid.jwt) {
            return Err(Rejection::Stale);
        }
        self.push_update(&id, &raw, TokenSource::Broadcast);
        // Callers waiting on this key need not wait for their own request.
        let epoch = self.epoch;
        for flight in &mut self.flights {
            if flight.token_id != id || flight.kind == Kind::SkipCache || flight.epoch != epoch {
                continue;
            }
            flight.waiters.retain(|w| {
                if remaining > w.min_remaining {
                    self.effects.push_back(Effect::Settle {
                        waiter: w.id,
                        result: Ok(raw.clone()),
                    });
                    false
                } else {
                    true
                }
            });
        }
        // A retry nobody waits for is moot now.
        self.flights.retain(|f| {
            !(f.token_id == id && f.waiters.is_empty() && matches!(f.phase, Phase::Backoff { .. }))
        });
        Ok(())
    }

    /// A timer fired, or the page woke up (focus, visible, pageshow): retry
    /// what is due, time out what hangs, start scheduled refreshes.
    pub fn handle_timeout(&mut self, now: f64) {
        if self.disposed {
            return;
        }
        let hung: Vec<FetchId> = self
            .flights
            .iter()
            .filter_map(|f| match f.phase {
                Phase::InFlight { fetch, deadline } if deadline <= now + EPSILON => Some(fetch),
                _ => None,
            })
            .collect();
        for fetch in hung {
            self.handle_fetch(
                now,
                fetch,
                FetchOutcome::NetworkError("request timed out".into()),
            );
        }
        let mut i = 0;
        while i < self.flights.len() {
            let due =
                matches!(self.flights[i].phase, Phase::Backoff { until } if until <= now + EPSILON);
            if !due {
                i += 1;
            } else if self.online {
                self.send(now, i);
                i += 1;
            } else {
                self.fail(now, i, Error::Offline);
            }
        }
        self.schedule(now);
    }

    /// `online` / `offline` events. Coming back online re-checks at once.
    pub fn set_online(&mut self, now: f64, online: bool) {
        self.online = online;
        if online {
            self.handle_timeout(now);
        }
    }

    /// Page visibility. Hidden tabs refresh later than visible ones, so a
    /// visible tab's broadcast usually spares them the request.
    pub fn set_visible(&mut self, now: f64, visible: bool) {
        self.visible = visible;
        if visible {
            self.handle_timeout(now);
        }
    }

    /// `clearCache`: forget every token. Requests in flight still settle their
    /// callers, but their tokens are no longer written to the cache.
    pub fn clear_cache(&mut self) {
        self.entries.clear();
        self.hydrated_previous = None;
        self.epoch += 1;
        let epoch = self.epoch;
        // Retries nobody waits on belong to the old cache.
        self.flights
            .retain(|f| !(f.waiters.is_empty() && f.epoch != epoch));
    }

    /// `dispose`: reject every pending call with `disposed` and stop.
    pub fn dispose(&mut self) {
        if self.disposed {
            return;
        }
        self.disposed = true;
        for flight in std::mem::take(&mut self.flights) {
            for w in flight.waiters {
                self.effects.push_back(Effect::Settle {
                    waiter: w.id,
                    result: Err(Error::Disposed),
                });
            }
        }
        self.entries.clear();
        self.hydrated_previous = None;
    }

    /// Whether `dispose` was called.
    pub fn is_disposed(&self) -> bool {
        self.disposed
    }

    /// The next effect to carry out.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// When to call [`Machine::handle_timeout`] next (seconds since the epoch).
    pub fn poll_timeout(&self, now: f64) -> Option<f64> {
        if self.disposed {
            return None;
        }
        let mut next = self
            .flights
            .iter()
            .map(Flight::deadline)
            .fold(f64::INFINITY, f64::min);
        if self.scheduling() {
            let lead = self.lead();
            let mut any = false;
            for (id, entry) in &self.entries {
                if let Some(at) = self.refresh_at(id, entry, lead) {
                    any = true;
                    next = next.min(at);
                }
            }
            if any {
                next = next.min(now + self.cfg.poll_interval_ms / 1000.0);
            }
        }
        next.is_finite().then_some(next)
    }

    // ---- internals ----

    fn new_waiter(&mut self, min_remaining: f64) -> Waiter {
        let id = self.next_id;
        self.next_id += 1;
        Waiter { id, min_remaining }
    }

    fn find_flight(&self, id: &str, kind: Kind) -> Option<usize> {
        self.flights
            .iter()
            .position(|f| f.token_id == id && f.kind == kind && f.epoch == self.epoch)
    }

    fn scheduling(&self) -> bool {
        self.cfg.poll_interval_ms > 0.0 && self.online && !self.disposed
    }

    /// Seconds before `exp` at which this tab refreshes on its own.
    fn lead(&self) -> f64 {
        let t = self.cfg.threshold;
        if self.visible || t - HARD_CUTOFF < 2.0 {
            t
        } else {
            HARD_CUTOFF + (t - HARD_CUTOFF) / 2.0
        }
    }

    /// When `entry` is due for an automatic refresh, if it is scheduled at all
    /// (SPEC 2.7): the default key always, others while in use; never while a
    /// request for it is already out.
    fn refresh_at(&self, id: &str, entry: &Entry, lead: f64) -> Option<f64> {
        if entry.ended || !(id == self.default_id || entry.in_use) {
            return None;
        }
        let exp = entry.token.as_ref()?.exp?;
        if self.find_flight(id, Kind::Background).is_some()
            || self.find_flight(id, Kind::Shared).is_some()
        {
            return None;
        }
        Some((exp - lead).max(entry.not_before))
    }

    fn schedule(&mut self, now: f64) {
        if !self.scheduling() {
            return;
        }
        let lead = self.lead();
        let due: Vec<String> = self
            .entries
            .iter()
            .filter(|(id, e)| {
                self.refresh_at(id, e, lead)
                    .is_some_and(|at| at <= now + EPSILON)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.start_flight(now, &id, Kind::Background, Vec::new());
        }
    }

    /// Starts one background refresh for `id` unless one is out or paused.
    fn ensure_background(&mut self, now: f64, id: &str) {
        let blocked = self.entries.get(id).is_none_or(|e| e.not_before > now)
            || !self.online
            || self.find_flight(id, Kind::Background).is_some()
            || self.find_flight(id, Kind::Shared).is_some();
        if !blocked {
            self.start_flight(now, id, Kind::Background, Vec::new());
        }
    }

    fn start_flight(&mut self, now: f64, id: &str, kind: Kind, waiters: Vec<Waiter>) {
        self.flights.push(Flight {
            token_id: id.to_owned(),
            kind,
            waiters,
            retries: 0,
            phase: Phase::Backoff { until: now },
            epoch: self.epoch,
        });
        self.send(now, self.flights.len() - 1);
    }

    /// Sends (or re-sends) flight `i`'s request.
    fn send(&mut self, now: f64, i: usize) {
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
        self.effects.push_back(Effect::Fetch { id: fetch, request });
    }

    /// Writes `jwt` into its key through the freshness guard (SPEC 2.5).
    /// Only a servable token is protected: an expired one serves nobody, and
    /// keeping it would leave the key stuck on the network.
    fn store(&mut self, now: f64, id: &str, jwt: Jwt) -> bool {
        let Some(entry) = self.entries.get_mut(id) else {
            return false;
        };
        if pick_freshest(entry.servable(now), &jwt) == Winner::Existing {
            return false;
        }
        entry.token = Some(jwt);
        entry.in_use = false;
        entry.failures = 0;
        entry.not_before = f64::NEG_INFINITY;
        entry.ended = false;
        true
    }

    fn succeed(&mut self, now: f64, i: usize, jwt: Jwt) {
        let flight = self.flights.remove(i);
        let raw = jwt.raw.clone();
        if flight.epoch == self.epoch {
            let source = if flight.kind == Kind::Background {
                TokenSource::Background
            } else {
                TokenSource::Fetch
            };
            let (template, organization_id) = self
                .entries
                .entry(flight.token_id.clone())
                .or_insert_with(|| Entry::new(TokenKey::default()))
                .key
                .clone()
                .into_parts();
            if self.store(now, &flight.token_id, jwt) {
                self.push_update(&flight.token_id, &raw, source);
                let trace_id = self.trace_id(now);
                self.effects.push_back(Effect::Broadcast(OutgoingBroadcast {
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
        }
        for w in flight.waiters {
            self.effects.push_back(Effect::Settle {
                waiter: w.id,
                result: Ok(raw.clone()),
            });
        }
    }

    fn fail(&mut self, now: f64, i: usize, error: Error) {
        let flight = self.flights.remove(i);
        if flight.epoch == self.epoch {
            if let Some(entry) = self.entries.get_mut(&flight.token_id) {
                if error == Error::Unauthenticated {
                    // The session is over: the one failure that evicts.
                    entry.token = None;
                    entry.ended = true;
                    if flight.token_id == self.default_id {
                        self.hydrated_previous = None;
                    }
                } else if error != Error::Offline {
                    entry.not_before = now + self.cfg.retry.pause(entry.failures, &mut self.rng);
                    entry.failures += 1;
                }
            }
        }
        for w in flight.waiters {
            self.effects.push_back(Effect::Settle {
                waiter: w.id,
                result: Err(error.clone()),
            });
        }
    }

    fn retry_or_fail(&mut self, now: f64, i: usize, error: Error, retry_after: Option<f64>) {
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
            let flight = &mut self.flights[i];
            flight.retries += 1;
            flight.phase = Phase::Backoff { until };
        } else {
            self.fail(now, i, error);
        }
    }

    fn push_update(&mut self, id: &str, raw: &str, source: TokenSource) {
        self.effects.push_back(Effect::TokenUpdate(TokenUpdate {
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
        let mut n = self.rng.next_u64() >> 11;
        let mut digits = Vec::new();
        while n > 0 || digits.is_empty() {
            let d = u8::try_from(n % 36).unwrap_or(0);
            digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
            n /= 36;
        }
        digits.reverse();
        format!("bc_{ms}_{}", String::from_utf8_lossy(&digits))
    }
}
