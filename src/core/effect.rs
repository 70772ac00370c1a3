//! What goes into the core besides time (call options) and what comes out
//! (effects for the driver to carry out).

use serde::Serialize;

use super::broadcast::OutgoingBroadcast;
use super::error::Error;
use super::request::TokensRequest;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);
    };
}

id!(
    /// Identifies one pending `getToken` call.
    WaiterId
);
id!(
    /// Identifies one HTTP request; a late answer to an abandoned one is ignored.
    FetchId
);
id!(
    /// Identifies one cross-tab lock request.
    LockId
);
id!(
    /// Identifies one flight: a refresh of a key, from its first attempt to its end.
    FlightId
);

/// The answer to [`Effect::AcquireLock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockResult {
    /// This tab holds the lock until [`Effect::ReleaseLock`].
    Acquired,
    /// Another tab holds it: that tab is refreshing the key.
    Busy,
    /// The lock request failed (no Web Locks here after all).
    Unsupported,
}

/// How a token reached the cache; JS sees it as `TokenUpdate.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenSource {
    /// A request some caller waited on.
    Fetch,
    /// A refresh nobody waited on.
    Background,
    /// Another tab's token.
    Broadcast,
}

impl TokenSource {
    /// `"fetch"`, `"background"` or `"broadcast"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Fetch => "fetch",
            TokenSource::Background => "background",
            TokenSource::Broadcast => "broadcast",
        }
    }
}

/// A token that became the cached token of its key: JS's `TokenUpdate`.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUpdate {
    /// The key.
    pub token_id: String,
    /// The JWT.
    pub token: String,
    /// How it arrived.
    pub source: TokenSource,
}

impl std::fmt::Debug for TokenUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenUpdate")
            .field("token_id", &self.token_id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Work for the driver, drained with `Machine::poll_effect`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this request and report the outcome with `Machine::handle_fetch`.
    Fetch {
        /// Echo this back.
        id: FetchId,
        /// What to send.
        request: TokensRequest,
    },
    /// Resolve or reject a pending `getToken` call.
    Settle {
        /// The call.
        waiter: WaiterId,
        /// Its result.
        result: Result<String, Error>,
    },
    /// Post this message on the channel.
    Broadcast(OutgoingBroadcast),
    /// Tell the `onTokenUpdate` listeners.
    TokenUpdate(TokenUpdate),
    /// `navigator.locks.request(name, {ifAvailable: true}, …)`; answer with
    /// `Machine::handle_lock`. Hold the lock until `ReleaseLock` with this id.
    AcquireLock {
        /// Echo this back.
        id: LockId,
        /// `session-swr:refresh:<tokenId>`.
        name: String,
    },
    /// Let go of a lock taken for `AcquireLock` with this id.
    ReleaseLock {
        /// The lock.
        id: LockId,
    },
}

/// Which organization a call is for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OrgChoice {
    /// Not given: the session's `organizationId`.
    #[default]
    SessionDefault,
    /// Given: `None` (or `""`) is the personal workspace.
    Explicit(Option<String>),
}

/// `GetTokenOptions` after reading from JS.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetTokenOptions {
    /// JWT template name.
    pub template: Option<String>,
    /// Organization.
    pub organization_id: OrgChoice,
    /// Always mint at origin.
    pub skip_cache: bool,
    /// Wait for a fresh token instead of serving a stale one.
    pub refresh_if_stale: bool,
}

/// The immediate answer to a `getToken` call.
#[derive(Debug, Clone, PartialEq)]
pub enum GetOutcome {
    /// Served from the cache.
    Ready(String),
    /// Wait for `Effect::Settle` with this id.
    Wait(WaiterId),
    /// Failed at once (offline, disposed).
    Failed(Error),
}
