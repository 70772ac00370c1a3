//! Per-key cache state and in-flight requests: the data the machine moves
//! between states, with no behaviour of its own beyond queries.

use super::config::HARD_CUTOFF;
use super::effect::{FetchId, FlightId, LockId, WaiterId};
use super::error::Error;
use super::jwt::Jwt;
use super::key::TokenKey;
use super::machine::EPSILON;
use super::text::{cat, whole};
use super::time::{Instant, ServerTime};

/// The cache slot of one key.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: TokenKey,
    /// The token with the freshest claims held, kept once expired: the
    /// guard ranks every write against it, and it is the previous token of
    /// the next request (SPEC 2.5, 3.2). It is served while servable.
    pub token: Option<Jwt>,
    /// Read by `getToken`/`peekToken` since the current token arrived.
    pub in_use: bool,
    /// Sequence number of the current token (unique per stored token).
    pub seq: u64,
    /// Consecutive failed refreshes, reset by any new token.
    pub failures: u32,
    /// No automatic refresh before this instant (the pause after failures).
    pub not_before: Instant,
    /// The server's `Retry-After`: no request for the key before this
    /// instant but a `skipCache` one (SPEC 5).
    pub retry_after: Instant,
    /// The last failure since the key's last token (SPEC 11.3).
    pub error: Option<Error>,
}

impl Entry {
    pub fn new(key: TokenKey) -> Entry {
        Entry {
            key,
            token: None,
            in_use: false,
            seq: 0,
            failures: 0,
            not_before: Instant::NEVER,
            retry_after: Instant::NEVER,
            error: None,
        }
    }

    /// The token if it may be served at `now` (`remaining > HARD_CUTOFF`).
    pub fn servable(&self, now: ServerTime) -> Option<&Jwt> {
        self.token
            .as_ref()
            .filter(|t| t.remaining(now) > HARD_CUTOFF)
    }
}

/// Why a request is being made; decides sharing and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The key's waited-on fetch, shared by every plain caller.
    Shared,
    /// One `skipCache` caller's own request.
    SkipCache,
    /// A refresh that callers do not wait on (unless `refreshIfStale`).
    Background,
    /// The session's own key, after a waited-on fetch of it failed with
    /// nothing servable left: refreshed on and on, backing off to 30 s,
    /// until a token comes (SPEC 11.2). Callers join it.
    Recovery,
    /// A `skipCache` refresh shared by the `fetchWithAuth` calls whose
    /// requests were refused 401 with one token (SPEC 11.5).
    Reauth,
}

impl Kind {
    /// Whether the flight mints at origin (`force_origin=true`).
    pub fn forced(self) -> bool {
        matches!(self, Kind::SkipCache | Kind::Reauth)
    }

    /// Whether callers' calls are what it is for: with none left waiting,
    /// nobody needs it (SPEC 3.5, 11.1).
    pub fn for_callers(self) -> bool {
        matches!(self, Kind::Shared | Kind::SkipCache | Kind::Reauth)
    }
}

/// Where one refresh attempt stands. Every phase has a deadline, an
/// instant, so nothing waits unbounded: not a lock, not another tab, not
/// the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    /// Asked for the cross-tab lock (`ifAvailable`); the answer is due at once,
    /// and `deadline` covers a browser that never answers.
    Locking { lock: LockId, deadline: Instant },
    /// Another tab holds the lock: wait for its broadcast, at most until `until`.
    AwaitingPeer { until: Instant },
    /// No Web Locks: a random pause (≤ 1 s) so tabs do not refresh together,
    /// then a re-check of the cache.
    Jitter { until: Instant },
    /// The attempt's request is out; past `deadline` it counts as failed
    /// for retrying, but stays open (SPEC 3.5).
    InFlight { fetch: FetchId, deadline: Instant },
    /// Waiting to retry.
    Backoff { until: Instant },
    /// The lock is held and the cache has nothing: the other tabs may have
    /// the token (SPEC 10.1). Wait for their answers until `until` at most.
    Handover { until: Instant },
}

/// A request of a flight that has not been answered yet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sent {
    pub fetch: FetchId,
    /// The URL it went to: where a failure happened (`Error::at` drops its
    /// query).
    pub url: String,
    /// When it went out, on the monotonic clock (the skew bound counts back
    /// from now by as much, and `RefreshEvent.durationMs` is the same span).
    pub at: Instant,
    /// 1 for the flight's first request, 2 for its first retry, …
    pub attempt: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Waiter {
    pub id: WaiterId,
    /// A broadcast token with more than this many seconds left settles the
    /// waiter early: `HARD_CUTOFF` for plain calls, the threshold for
    /// `refreshIfStale`.
    pub min_remaining: f64,
    /// When the call gives up (its `timeout`, SPEC 11.1).
    pub deadline: Instant,
    /// When it began to wait.
    pub since: Instant,
    /// The flight's request count as it began to wait, less the request
    /// then out: what it made is counted from there.
    pub first: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Flight {
    pub id: FlightId,
    pub token_id: String,
    pub kind: Kind,
    pub waiters: Vec<Waiter>,
    /// Retries made so far.
    pub retries: u32,
    pub phase: Phase,
    /// Requests sent and not answered: the current attempt's, and older ones
    /// that timed out but may still answer first. Each is aborted when the
    /// flight ends.
    pub open: Vec<Sent>,
    /// The cross-tab lock this flight holds, released when its attempt ends.
    pub lock: Option<LockId>,
    /// Waiting for the lock holder's broadcast ends by this instant at the
    /// latest (set when the lock is first found taken), for a refresh no
    /// caller waits on.
    pub peer_cap: Option<Instant>,
    /// The flight waited for the lock holder as long as it may: if the
    /// lock is still taken, it fetches all the same (SPEC 4.4).
    pub waited: bool,
    /// `clearCache` bumps the machine's epoch; results of older flights still
    /// settle their callers but are not written to the cache.
    pub epoch: u64,
    /// Requests sent so far.
    pub sent: u32,
    /// The last attempt's error (SPEC 11.1: what a call that runs out of
    /// time is rejected with).
    pub error: Option<Error>,
    /// For a [`Kind::Reauth`] flight: the token the API refused.
    pub refused: Option<String>,
}

impl Flight {
    /// Takes out, in order, the waiters `leaves` picks. One loop for every
    /// caller, as `Machine::flights_where`.
    pub fn take_waiters(&mut self, leaves: &dyn Fn(&Waiter) -> bool) -> Vec<Waiter> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.waiters.len() {
            if leaves(&self.waiters[i]) {
                out.push(self.waiters.remove(i));
            } else {
                i += 1;
            }
        }
        out
    }

    /// The error of its attempt, if it is out past its deadline at `now`
    /// (SPEC 3.5: failed for retrying, its request still open).
    pub fn timed_out(&self, now: Instant) -> Option<Error> {
        let Phase::InFlight { fetch, deadline } = self.phase else {
            return None;
        };
        let sent = self.open.iter().find(|s| s.fetch == fetch)?;
        if deadline > now + EPSILON {
            return None;
        }
        // Whole seconds: the attempt's timeout (SPEC 11.1).
        let secs = whole(deadline - sent.at, f64::round);
        let why = cat(&["no answer in ", &secs, " s"]);
        Some(Error::at(Error::Network(why), &sent.url, None, None))
    }

    /// When the flight's phase ends.
    pub fn phase_deadline(&self) -> Instant {
        match self.phase {
            Phase::Locking { deadline, .. } | Phase::InFlight { deadline, .. } => deadline,
            Phase::AwaitingPeer { until }
            | Phase::Jitter { until }
            | Phase::Backoff { until }
            | Phase::Handover { until } => until,
        }
    }

    /// When the machine must look at this flight again: its phase's end, or
    /// the first of its callers' deadlines.
    pub fn deadline(&self) -> Instant {
        self.waiters
            .iter()
            .map(|w| w.deadline)
            .fold(self.phase_deadline(), Instant::min)
    }
}
