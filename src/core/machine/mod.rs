//! The session state machine: cache, stale-while-revalidate, shared fetches,
//! retries, scheduling, cross-tab adoption and single flight (SPEC 2-5),
//! with no I/O. The public inputs live here; how one refresh attempt moves
//! through its phases is in [`attempt`], when keys refresh on their own in
//! [`schedule`], adopting other tabs' tokens in [`adopt`], and the cache-hit
//! fast paths in [`hits`].

mod adopt;
mod attempt;
mod hits;
mod schedule;

use hits::key_parts;
pub use hits::{Hit, Served};

use crate::core::backoff::Rng;
use crate::core::clock::ServerClock;
use crate::core::config::{Config, HARD_CUTOFF};
use crate::core::effect::{Effect, FetchId, GetOutcome, GetTokenOptions, LockId, LockResult};
use crate::core::error::Error;
use crate::core::flight::{Entry, Flight, Kind, Phase};
use crate::core::jwt::Jwt;
use crate::core::key::TokenKey;
use crate::core::keymap::KeyMap;
use crate::core::response::{interpret, Failure, FetchOutcome};

/// Timers may fire a hair early after rounding to whole milliseconds.
pub(crate) const EPSILON: f64 = 0.001;

/// One session's token cache. See the module docs of [`crate::core`] for the
/// drive loop.
#[derive(Debug)]
pub struct Machine {
    cfg: Config,
    default_id: String,
    entries: KeyMap<Entry>,
    flights: Vec<Flight>,
    /// An expired `lastActiveToken`: still the default key's previous token.
    hydrated_previous: Option<String>,
    /// Drained from the front; a handful at a time.
    effects: Vec<Effect>,
    rng: Rng,
    next_id: u64,
    epoch: u64,
    online: bool,
    visible: bool,
    /// `navigator.locks` is there: refreshes take a cross-tab lock first.
    web_locks: bool,
    /// The server's clock; every time inside the machine is server time.
    clock: ServerClock,
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
            entries: KeyMap::default(),
            flights: Vec::new(),
            hydrated_previous: None,
            effects: Vec::new(),
            next_id: 1,
            epoch: 0,
            online: true,
            visible: true,
            web_locks: false,
            clock: ServerClock::default(),
            disposed: false,
        };
        let mut entry = Entry::new(default_key);
        if let Some(raw) = last_active_token.filter(|s| !s.is_empty()) {
            let jwt = Jwt::decode(raw, machine.cfg.json).map_err(|e| {
                Error::InvalidOptions(format!("lastActiveToken is not a JWT: {}", e.message()))
            })?;
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
        *machine
            .entries
            .get_or_insert_with(&default_id, || Entry::new(TokenKey::default())) = entry;
        Ok(machine)
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The key a call's options select (SPEC 2.1).
    pub fn key_for(&self, opts: &GetTokenOptions) -> TokenKey {
        let (template, org) = key_parts(self.cfg.organization_id.as_deref(), opts);
        TokenKey::new(template, org)
    }

    /// `getToken` (SPEC 2.3), with a cached token as an owned string (see
    /// [`Machine::serve`], which lends it).
    pub fn get_token(&mut self, now: f64, opts: &GetTokenOptions) -> GetOutcome {
        match self.serve(now, opts) {
            Served::Cached(hit) => match self.token(hit.seq) {
                Some(token) => GetOutcome::Ready(token.to_owned()),
                // Not reached: `serve` has just found the token.
                None => GetOutcome::Failed(Error::Disposed),
            },
            Served::Other(outcome) => outcome,
        }
    }

    /// `getToken` when no cached token answers the call: it waits for a
    /// request (joined or started), or fails at once. `now` is server time.
    fn wait_for_token(&mut self, now: f64, opts: &GetTokenOptions) -> GetOutcome {
        if self.disposed {
            return GetOutcome::Failed(Error::Disposed);
        }
        let key = self.key_for(opts);
        let id = key.token_id(&self.cfg.session_id);
        let threshold = self.cfg.threshold;
        let entry = self.entries.get_or_insert_with(&id, || Entry::new(key));
        if opts.skip_cache {
            if !self.online {
                return GetOutcome::Failed(Error::Offline);
            }
            let waiter = self.new_waiter(HARD_CUTOFF);
            if let Some(outcome) = self.paused(now, &id, Kind::SkipCache, waiter) {
                return outcome;
            }
            self.start_flight(now, &id, Kind::SkipCache, vec![waiter]);
            return GetOutcome::Wait(waiter.id);
        }
        // Servable here means stale with `refreshIfStale`: wait for a fresh one.
        let stale = entry.servable(now).is_some();
        entry.in_use = true;
        if stale {
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
        } else if let Some(outcome) = self.paused(now, &id, Kind::Shared, waiter) {
            return outcome;
        } else {
            self.start_flight(now, &id, Kind::Shared, vec![waiter]);
        }
        GetOutcome::Wait(waiter.id)
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

    /// The outcome of the request `id` (`now`: local time). Unknown or
    /// abandoned ids are ignored.
    pub fn handle_fetch(&mut self, now: f64, id: FetchId, outcome: FetchOutcome) {
        let found = self
            .flights
            .iter()
            .position(|f| matches!(f.phase, Phase::InFlight { fetch, .. } if fetch == id));
        if let Some(i) = found {
            self.on_outcome(now, i, outcome);
        }
    }

    pub(super) fn on_outcome(&mut self, local: f64, i: usize, outcome: FetchOutcome) {
        let now = self.clock.server(local);
        match interpret(outcome, &self.cfg.session_id, now, self.cfg.json) {
            Ok(jwt) => {
                if let Some(iat) = jwt.iat {
                    self.clock.observe(iat, local);
                }
                let now = self.clock.server(local);
                self.succeed(now, i, jwt);
            }
            Err(Failure::Final(error)) => self.fail(now, i, error),
            Err(Failure::Transient { error, retry_after }) => {
                self.retry_or_fail(now, i, error, retry_after);
            }
        }
    }

    /// A timer fired, or the page woke up (focus, visible, pageshow): move
    /// every flight whose phase is due, then start scheduled refreshes.
    pub fn handle_timeout(&mut self, now: f64) {
        let now = self.clock.server(now);
        if self.disposed {
            return;
        }
        let due: Vec<u64> = self
            .flights
            .iter()
            .filter(|f| f.deadline() <= now + EPSILON)
            .map(|f| f.id)
            .collect();
        for flight in due {
            self.phase_due(now, flight);
        }
        self.schedule(now);
    }

    /// The answer to `Effect::AcquireLock`.
    pub fn handle_lock(&mut self, now: f64, lock: LockId, result: LockResult) {
        let now = self.clock.server(now);
        self.lock_result(now, lock, result);
    }

    /// Whether `navigator.locks` is available (default: not).
    pub fn set_web_locks(&mut self, available: bool) {
        self.web_locks = available;
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
        // Refreshes nobody waits on belong to the old cache.
        let stale: Vec<u64> = self
            .flights
            .iter()
            .filter(|f| f.waiters.is_empty() && f.epoch != epoch)
            .map(|f| f.id)
            .collect();
        for flight in stale {
            self.remove_flight(flight);
        }
    }

    /// `dispose`: reject every pending call with `disposed` and stop.
    pub fn dispose(&mut self) {
        if self.disposed {
            return;
        }
        self.disposed = true;
        for flight in std::mem::take(&mut self.flights) {
            if let Some(lock) = flight.lock {
                self.effects.push(Effect::ReleaseLock { id: lock });
            }
            for w in flight.waiters {
                self.effects.push(Effect::Settle {
                    waiter: w.id,
                    result: Err(Error::Disposed),
                });
            }
        }
        self.entries.clear();
        self.hydrated_previous = None;
    }

    /// Seconds to add to the local clock to get the server's, as estimated
    /// from the tokens seen (0 until a skew over 2 s is seen).
    pub fn clock_offset(&self) -> f64 {
        self.clock.offset()
    }

    /// Whether `dispose` was called.
    pub fn is_disposed(&self) -> bool {
        self.disposed
    }

    /// The next effect to carry out.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        (!self.effects.is_empty()).then(|| self.effects.remove(0))
    }

    /// When to call [`Machine::handle_timeout`] next (seconds since the epoch).
    pub fn poll_timeout(&self, local_now: f64) -> Option<f64> {
        if self.disposed {
            return None;
        }
        let now = self.clock.server(local_now);
        let mut next = self
            .flights
            .iter()
            .map(Flight::deadline)
            .fold(f64::INFINITY, f64::min);
        if self.scheduling() {
            let lead = self.lead();
            let mut any = false;
            for (id, entry) in self.entries.iter() {
                if let Some(at) = self.refresh_at(id, entry, lead) {
                    any = true;
                    next = next.min(at);
                }
            }
            // The periodic re-check, for timers a browser delays.
            if any && self.cfg.poll_interval_ms > 0.0 {
                next = next.min(now + self.cfg.poll_interval_ms / 1000.0);
            }
        }
        next.is_finite().then_some(next - self.clock.offset())
    }
}
