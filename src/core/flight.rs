//! Per-key cache state and in-flight requests: the data the machine moves
//! between states, with no behaviour of its own beyond queries.

use super::config::HARD_CUTOFF;
use super::effect::{FetchId, FlightId, LockId, WaiterId};
use super::jwt::Jwt;
use super::key::TokenKey;
use super::time::{LocalTime, ServerTime};

/// The cache slot of one key.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: TokenKey,
    /// The freshest token held, kept even once expired: it is still the
    /// previous token of the next request (SPEC 3.2).
    pub token: Option<Jwt>,
    /// Read by `getToken`/`peekToken` since the current token arrived.
    pub in_use: bool,
    /// Sequence number of the current token (unique per stored token).
    pub seq: u64,
    /// Consecutive failed refreshes, reset by any new token.
    pub failures: u32,
    /// No automatic refresh before this time (backoff across attempts).
    pub not_before: ServerTime,
    /// The last failure was an outage (network, 5xx, 408, 429): callers in
    /// the pause that follows make one delayed attempt, not a full sequence.
    pub outage: bool,
}

impl Entry {
    pub fn new(key: TokenKey) -> Entry {
        Entry {
            key,
            token: None,
            in_use: false,
            seq: 0,
            failures: 0,
            not_before: ServerTime::NEVER,
            outage: false,
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
}

/// Where one refresh attempt stands. Every phase has a deadline, so nothing
/// waits unbounded: not a lock, not another tab, not the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    /// Asked for the cross-tab lock (`ifAvailable`); the answer is due at once,
    /// and `deadline` covers a browser that never answers.
    Locking { lock: LockId, deadline: ServerTime },
    /// Another tab holds the lock: wait for its broadcast, at most until `until`.
    AwaitingPeer { until: ServerTime },
    /// No Web Locks: a random pause (≤ 1 s) so tabs do not refresh together,
    /// then a re-check of the cache.
    Jitter { until: ServerTime },
    /// A request is out; past `deadline` it counts as a network error.
    InFlight {
        fetch: FetchId,
        deadline: ServerTime,
        /// When it was sent, for `RefreshEvent.durationMs`.
        sent: LocalTime,
    },
    /// Waiting to retry.
    Backoff { until: ServerTime },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Waiter {
    pub id: WaiterId,
    /// A broadcast token with more than this many seconds left settles the
    /// waiter early: `HARD_CUTOFF` for plain calls, the threshold for
    /// `refreshIfStale`.
    pub min_remaining: f64,
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
    /// The cross-tab lock this flight holds, released when its attempt ends.
    pub lock: Option<LockId>,
    /// `clearCache` bumps the machine's epoch; results of older flights still
    /// settle their callers but are not written to the cache.
    pub epoch: u64,
}

impl Flight {
    /// When the machine must look at this flight again.
    pub fn deadline(&self) -> ServerTime {
        match self.phase {
            Phase::Locking { deadline, .. } | Phase::InFlight { deadline, .. } => deadline,
            Phase::AwaitingPeer { until } | Phase::Jitter { until } | Phase::Backoff { until } => {
                until
            }
        }
    }
}
