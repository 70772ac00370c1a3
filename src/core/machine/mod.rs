//! The session state machine: cache, stale-while-revalidate, shared fetches,
//! retries, scheduling, cross-tab adoption and single flight (SPEC 2-5),
//! with no I/O. The public inputs live here; how one refresh moves through
//! its phases is in [`attempt`], its one end in [`outcome`], when keys
//! refresh on their own in [`schedule`], adopting other tabs' tokens in
//! [`adopt`], and the cache-hit paths in [`hits`].
//!
//! Every time that comes in is a [`LocalTime`]; the machine reads it once,
//! on the way in, into a [`Now`] (see [`crate::core::time`]): tokens are
//! judged on its server time, deadlines are instants on its monotonic clock.

mod adopt;
mod attempt;
mod handover;
mod hits;
mod outcome;
mod retry;
mod schedule;

pub use handover::HANDOVER_WAIT;
use hits::key_parts;
pub use hits::{Hit, Served};

use crate::core::backoff::Rng;
use crate::core::clock::ServerClock;
use crate::core::config::{Config, HARD_CUTOFF};
use crate::core::effect::{
    Effect, FetchId, GetOutcome, GetTokenOptions, LockId, LockResult, WaiterId,
};
use crate::core::error::Error;
use crate::core::faults::Fault;
use crate::core::flight::{Entry, Flight, Kind};
use crate::core::jwt::Jwt;
use crate::core::key::TokenKey;
use crate::core::keymap::KeyMap;
use crate::core::response::FetchOutcome;
use crate::core::status::{Snapshot, Status};
use crate::core::text::cat;
use crate::core::time::{Instant, LocalTime, Monotonic, Now, ServerTime};
use outcome::Ending;

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
    /// An expired `lastActiveToken`: the default key's previous token, and
    /// what the guard ranks its first write against (SPEC 2.5, 2.6).
    hydrated_previous: Option<Jwt>,
    /// Drained from the front; a handful at a time.
    effects: Vec<Effect>,
    rng: Rng,
    next_id: u64,
    epoch: u64,
    online: bool,
    visible: bool,
    /// `navigator.locks` is there: refreshes take a cross-tab lock first.
    web_locks: bool,
    /// The library's own channel is open: tabs hand tokens over (SPEC 10).
    handover: bool,
    /// Questions to the other tabs.
    asks: Vec<handover::Ask>,
    /// The server's clock as this tab estimates it.
    clock: ServerClock,
    /// Elapsed time, for every deadline.
    mono: Monotonic,
    /// The clocks as read for the input being handled.
    now: Now,
    disposed: bool,
    /// A `/tokens` request was answered 401: the session is over (SPEC 8.3).
    ended: bool,
    /// The last hit of the session's own key, kept while nothing else has
    /// happened (every input clears it: `read`): see `hit_again`.
    again: Option<hits::Again>,
}

impl Machine {
    /// A machine for `cfg`, hydrated with `last_active_token` (SPEC 2.6).
    /// Fails with `invalid_options` if that token does not decode; one that
    /// names another session is ignored.
    pub fn new(
        cfg: Config,
        last_active_token: Option<&str>,
        now: LocalTime,
    ) -> Result<Machine, Error> {
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
            handover: false,
            asks: Vec::new(),
            clock: ServerClock::default(),
            mono: Monotonic::new(now),
            now: Now::default(),
            disposed: false,
            ended: false,
            again: None,
        };
        machine.read(now);
        let mut entry = Entry::new(default_key);
        if let Some(raw) = last_active_token.filter(|s| !s.is_empty()) {
            let jwt = Jwt::decode(raw, machine.cfg.json).map_err(|e| {
                Error::InvalidOptions(cat(&["lastActiveToken is not a JWT: ", e.message()]))
            })?;
            // A stale cookie after a session switch: not this session's.
            if jwt
                .sid
                .as_deref()
                .is_none_or(|s| s == machine.cfg.session_id)
            {
                if let Some(iat) = jwt.iat {
                    machine.clock.seen(iat, machine.now.local);
                    machine.set_now();
                }
                if jwt.has_times() && jwt.remaining(machine.now.server) > HARD_CUTOFF {
                    entry.token = Some(jwt);
                } else {
                    machine.hydrated_previous = Some(jwt);
                }
            }
        }
        machine.entries.insert(&default_id, entry);
        Ok(machine)
    }

    /// Reads the clocks at wall time `local`, for the input being handled.
    /// While the skew estimate is unsure (the wall clock was set back), the
    /// server's time is unknown: taken as the end of time, every token then
    /// counts as expired (none is served) and every refresh as due, until a
    /// fetch bounds the skew again.
    fn read(&mut self, local: LocalTime) -> Now {
        self.again = None;
        self.tick(local);
        self.set_now();
        self.now
    }

    /// Reads the wall clock into the monotonic one; a step back makes the
    /// skew estimate unsure (SPEC 2.8) and forgets the last hit.
    fn tick(&mut self, local: LocalTime) {
        let back = self.mono.tick(local);
        if back > 0.0 {
            self.clock.stepped_back(back);
            self.again = None;
        }
    }

    fn set_now(&mut self) {
        let local = self.mono.wall();
        self.now = Now {
            local,
            server: if self.clock.unsure() {
                ServerTime::END
            } else {
                self.clock.server(local)
            },
            at: self.mono.now(),
        };
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
    /// [`Machine::serve`], which names it by its sequence number), by the
    /// driver's path: with no options, the last hit again first.
    pub fn get_token(&mut self, now: LocalTime, opts: &GetTokenOptions) -> GetOutcome {
        let again = (*opts == GetTokenOptions::NONE)
            .then(|| self.hit_again(now))
            .flatten();
        match again.map_or_else(|| self.serve(now, opts), Served::Cached) {
            Served::Cached(hit) => match self.token(hit.seq) {
                Some(token) => GetOutcome::Ready(token.to_owned()),
                // Not reached: `serve` has just found the token.
                None => GetOutcome::Failed(Error::Disposed),
            },
            Served::Wait(waiter) => GetOutcome::Wait(waiter),
            Served::Failed(error) => GetOutcome::Failed(error),
        }
    }

    /// `getToken` when no cached token answers the call: it waits for a
    /// request (joined or started), or fails at once.
    fn wait_for_token(&mut self, opts: &GetTokenOptions) -> Served {
        if self.disposed {
            return Served::Failed(Error::Disposed);
        }
        if self.ended {
            return Served::Failed(Error::Unauthenticated);
        }
        let key = self.key_for(opts);
        let id = key.token_id(&self.cfg.session_id);
        let now = self.now.server;
        let threshold = self.cfg.threshold;
        let entry = self.entries.get_or_insert_with(&id, || Entry::new(key));
        if let Some(refused) = &opts.refused {
            // A refresh landed since the API refused this token: no request
            // (SPEC 11.5).
            if let Some(token) = entry.servable(now).filter(|t| t.raw != *refused) {
                let expires_at = self.clock.local(token.exp.unwrap_or(ServerTime::NEVER));
                let seq = entry.seq;
                entry.in_use = true;
                return Served::Cached(Hit {
                    seq,
                    reschedule: false,
                    expires_at,
                });
            }
        }
        if opts.skip_cache || opts.refused.is_some() {
            if !self.online {
                return Served::Failed(Error::Offline);
            }
            let waiter = self.new_waiter(HARD_CUTOFF);
            // Every call refused with one token waits on one request.
            let share = !self.cfg.faults.has(Fault::Refused);
            let shared = opts.refused.as_ref().filter(|_| share).and_then(|refused| {
                self.flights
                    .iter()
                    .find(|f| f.token_id == id && f.refused.as_ref() == Some(refused))
                    .map(|f| f.id)
            });
            match shared {
                Some(flight) => self.join(flight, waiter),
                None if opts.refused.is_some() => {
                    let flight = self.start_flight(&id, Kind::Reauth, vec![waiter]);
                    if let Some(f) = self.flight_mut(flight) {
                        f.refused.clone_from(&opts.refused);
                    }
                }
                None => {
                    self.start_flight(&id, Kind::SkipCache, vec![waiter]);
                }
            }
            return Served::Wait(waiter.id);
        }
        // Servable here means stale with `refreshIfStale`: wait for a fresh one.
        let stale = entry.servable(now).map(|t| t.refresh_window(threshold));
        entry.in_use = true;
        let (kind, need) = match stale {
            Some(window) => (Kind::Background, window),
            None => (Kind::Shared, HARD_CUTOFF),
        };
        let waiter = self.new_waiter(need);
        // Join whatever request will bring this key a token; skipCache
        // requests are joined only because nothing servable is left.
        let joinable: &[Kind] = match kind {
            // A stale token's refresh, or the recovery a token in its
            // window (from another tab) left running.
            Kind::Background => &[Kind::Background, Kind::Recovery],
            _ => &[
                Kind::Shared,
                Kind::Recovery,
                Kind::Background,
                Kind::SkipCache,
                Kind::Reauth,
            ],
        };
        let joinable = if self.cfg.faults.has(Fault::SingleFlight) {
            &[]
        } else {
            joinable
        };
        if !self.online {
            // Offline, a call that would wait fails at once (SPEC 5), even
            // where a request is already out. That request has a call failed
            // for it: if its callers leave, it becomes the key's recovery
            // (SPEC 11.2) rather than a second flight beside it, which would
            // double the requests once online.
            for f in &mut self.flights {
                if f.token_id == id && f.error.is_none() {
                    f.error = Some(Error::Offline);
                }
            }
            if kind == Kind::Shared && !self.refreshing(&id) && self.recovers(&id, &Error::Offline)
            {
                self.push_flight(&id, Kind::Recovery, Vec::new(), 0, Instant::END);
            }
            return Served::Failed(Error::Offline);
        } else if let Some(flight) = joinable.iter().find_map(|k| self.find_flight(&id, *k)) {
            self.join(flight, waiter);
        } else if let Some(outcome) = self.held(&id, kind, waiter) {
            return outcome;
        } else {
            if kind == Kind::Shared {
                self.ask(&id);
            }
            self.start_flight(&id, kind, vec![waiter]);
        }
        Served::Wait(waiter.id)
    }

    /// A call stopped waiting (its `AbortSignal` fired): it is forgotten, and
    /// rejected by the driver with the signal's reason. The request it waited
    /// on goes on for any other caller, and ends once nobody needs it
    /// (SPEC 11.1, 3.5).
    pub fn cancel(&mut self, now: LocalTime, waiter: WaiterId) {
        self.read(now);
        let flight = self
            .flights
            .iter_mut()
            .find(|f| f.waiters.iter().any(|w| w.id == waiter));
        if let Some(f) = flight {
            f.take_waiters(&|w| w.id == waiter);
            let id = f.id;
            self.unwanted(id);
        }
    }

    /// The session's status (SPEC 11.3), read at `now`.
    pub fn snapshot(&mut self, now: LocalTime) -> Snapshot {
        self.read(now);
        let none = |status| Snapshot {
            status,
            token: None,
            expires_at: None,
            error: None,
        };
        if self.ended {
            return none(Status::Ended);
        }
        if self.disposed {
            return Snapshot {
                error: Some(Error::Disposed),
                ..none(Status::Ended)
            };
        }
        let busy = self.flights.iter().any(|f| f.token_id == self.default_id);
        let Some(entry) = self.entries.get(&self.default_id) else {
            return none(if self.online {
                Status::Loading
            } else {
                Status::Offline
            });
        };
        let error = entry.error.clone();
        let Some(token) = entry.servable(self.now.server) else {
            let status = match &error {
                _ if !self.online => Status::Offline,
                Some(_) => Status::Error,
                None => Status::Loading,
            };
            return Snapshot {
                error,
                ..none(status)
            };
        };
        Snapshot {
            status: if busy {
                Status::Refreshing
            } else {
                Status::Ready
            },
            token: Some(entry.seq),
            expires_at: Some(self.expiry(token)),
            error,
        }
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

    /// The outcome of the request `fetch`. Ids of requests no longer open
    /// (aborted, or of a flight that ended) are ignored.
    pub fn handle_fetch(&mut self, now: LocalTime, fetch: FetchId, outcome: FetchOutcome) {
        self.read(now);
        let flight = self
            .flights
            .iter()
            .find(|f| f.open.iter().any(|s| s.fetch == fetch))
            .map(|f| f.id);
        if let Some(flight) = flight {
            self.on_outcome(flight, fetch, outcome);
        }
    }

    /// The timer armed for `deadline` (an instant [`Machine::poll_timeout`]
    /// gave) fired. Timers never fire early, so that much time has passed
    /// even if the wall clock was set back meanwhile: a step back can hide
    /// elapsed time from the clock, never from a timer.
    pub fn handle_timer(&mut self, now: LocalTime, deadline: Instant) {
        self.read(now);
        let hidden = self.mono.reached(deadline);
        if hidden > 0.0 {
            // The wall clock fell behind real time by as much.
            self.clock.stepped_back(hidden);
            self.set_now();
        }
        self.handle_timeout(now);
    }

    /// The page woke up (focus, visible, pageshow), or a timer fired: move
    /// every flight whose phase is due, give up the calls whose time has run
    /// out, then start scheduled refreshes.
    pub fn handle_timeout(&mut self, now: LocalTime) {
        let now = self.read(now).at;
        if self.disposed {
            return;
        }
        // An attempt past its time has failed (SPEC 3.5): its error is what
        // a call giving up with it is told, what makes the key recover, and
        // what the attempt is retried or failed with (`phase_due`).
        for f in &mut self.flights {
            if let Some(timeout) = f.timed_out(now) {
                f.error = Some(timeout);
            }
        }
        // Calls past their time give up first (SPEC 11.1), before anything
        // is sent: a late timer must not send a request for a call that
        // gives up in the same breath.
        self.give_up(now);
        for id in self.flights_where(&|f| f.phase_deadline() <= now + EPSILON) {
            self.phase_due(id);
        }
        self.schedule();
    }

    /// The answer to `Effect::AcquireLock`.
    pub fn handle_lock(&mut self, now: LocalTime, lock: LockId, result: LockResult) {
        self.read(now);
        self.lock_result(lock, result);
    }

    /// Whether `navigator.locks` is available (default: not).
    pub fn set_web_locks(&mut self, available: bool) {
        self.web_locks = available;
    }

    /// `online` / `offline` events. Coming back online re-checks at once,
    /// and a session trying to recover tries again at once (SPEC 11.2).
    pub fn set_online(&mut self, now: LocalTime, online: bool) {
        self.online = online;
        if online {
            self.read(now);
            self.resume();
            self.handle_timeout(now);
        }
    }

    /// Page visibility. Hidden tabs refresh on their own later than visible
    /// ones, so a visible tab's broadcast usually spares them the request; a
    /// tab shown again re-checks at once, and one trying to recover tries
    /// again at once (SPEC 11.2).
    pub fn set_visible(&mut self, now: LocalTime, visible: bool) {
        self.visible = visible;
        if visible {
            self.read(now);
            self.resume();
            self.handle_timeout(now);
        }
    }

    /// `clearCache`: forget every token. Requests in flight still settle their
    /// callers, but their tokens are no longer written to the cache; refreshes
    /// nobody waits on end, their requests aborted.
    pub fn clear_cache(&mut self, now: LocalTime) {
        self.read(now);
        self.entries.clear();
        self.hydrated_previous = None;
        self.epoch += 1;
        // Refreshes nobody waits on belong to the old cache.
        for flight in self.flights_where(&|f| f.waiters.is_empty()) {
            self.finish(flight, Ending::Dropped);
        }
    }

    /// `dispose`: reject every pending call with `disposed` and stop.
    pub fn dispose(&mut self) {
        self.again = None;
        if self.disposed {
            return;
        }
        self.disposed = true;
        for flight in self.flights_where(&|_| true) {
            self.finish(flight, Ending::Disposed);
        }
        self.entries.clear();
        self.hydrated_previous = None;
        // Requests queued and not yet carried out (a driver runs app code
        // between effects, which may dispose) went with their flights
        // (`finish`). A lock asked for meanwhile is let go as it is granted
        // (`lock_result`), and a question goes to no channel.
    }

    /// Seconds to add to the local clock to get the server's, as estimated
    /// from the tokens seen (SPEC 8.1; 0 until a token says otherwise).
    pub fn clock_offset(&self) -> f64 {
        self.clock.offset()
    }

    /// The monotonic clock as last read: what [`Machine::poll_timeout`]'s
    /// instant is counted from.
    pub fn instant(&self) -> Instant {
        self.now.at
    }

    /// Whether `dispose` was called.
    pub fn is_disposed(&self) -> bool {
        self.disposed
    }

    /// Whether the session is over: a `/tokens` request was answered 401
    /// (SPEC 8.3). It stays over.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// The next effect to carry out.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        (!self.effects.is_empty()).then(|| self.effects.remove(0))
    }

    /// When to call [`Machine::handle_timeout`] next, read at `now`: an
    /// instant on the monotonic clock, [`Machine::instant`] being now.
    pub fn poll_timeout(&mut self, now: LocalTime) -> Option<Instant> {
        let now = self.read(now).at;
        if self.disposed {
            return None;
        }
        let mut next = self
            .flights
            .iter()
            .map(Flight::deadline)
            .fold(Instant::END, Instant::min);
        // The snapshot's token stops being served (SPEC 11.3).
        if let Some(exp) = self
            .entries
            .get(&self.default_id)
            .and_then(|e| e.servable(self.now.server))
            .and_then(|t| t.exp)
        {
            next = next.min(now + (exp - HARD_CUTOFF - self.now.server));
        }
        if self.scheduling() {
            let mut any = false;
            for (id, entry) in self.entries.iter() {
                if let Some(at) = self.refresh_at(id, entry) {
                    any = true;
                    next = next.min(at);
                }
            }
            // The periodic re-check, for timers a browser delays.
            if any && self.cfg.poll_interval_ms > 0.0 {
                next = next.min(now + self.cfg.poll_interval_ms / 1000.0);
            }
        }
        (next < Instant::END).then_some(next)
    }

    /// A new id for a flight, a request, a waiter, a lock or a token.
    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}
