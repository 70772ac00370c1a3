//! What goes into the core besides time (call options) and what comes out
//! (effects for the driver to carry out).

use super::broadcast::OutgoingBroadcast;
use super::error::Error;
use super::events::{RefreshEvent, TokenUpdate};
use super::request::TokensRequest;
use super::time::LocalTime;

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
    /// Identifies one HTTP request; the answer to an aborted one is ignored.
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
id!(
    /// Identifies one question to the other tabs (SPEC 10.1); random, below
    /// 2^53, as it travels as a JS number.
    AskId
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

/// Work for the driver, drained with `Machine::poll_effect`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this request, with an `AbortSignal`, and report the outcome
    /// with `Machine::handle_fetch`.
    Fetch {
        /// Echo this back.
        id: FetchId,
        /// What to send.
        request: TokensRequest,
    },
    /// Abort request `id` (its flight has ended); its outcome, if one still
    /// comes, is ignored.
    Abort {
        /// The request.
        id: FetchId,
    },
    /// Resolve or reject a pending `getToken` call.
    Settle {
        /// The call.
        waiter: WaiterId,
        /// Its result.
        result: Result<Issued, Error>,
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
    /// Tell the `onRefresh` listeners: a `/tokens` request settled.
    Refresh(RefreshEvent),
    /// The session is over (a `/tokens` request was answered 401, here or
    /// in another tab): tell the `onSessionEnd` listeners. Comes once.
    SessionEnded,
    /// Post `message` on the library's own channel, and count the other
    /// live sessions of this `sessionId` for [`Machine::handle_peers`]
    /// (SPEC 10.1).
    ///
    /// [`Machine::handle_peers`]: super::Machine::handle_peers
    Ask {
        /// Echo this back.
        id: AskId,
        /// The question.
        message: OutgoingBroadcast,
    },
    /// Post this on the library's own channel.
    Peer(OutgoingBroadcast),
}

/// A token handed to a caller, with the time its `exp` falls on this tab's
/// clock (SPEC 8.1).
#[derive(Clone, PartialEq)]
pub struct Issued {
    /// The JWT.
    pub token: String,
    /// Its `exp`, skew-corrected onto the local clock.
    pub expires_at: LocalTime,
}

// A token must not reach logs.
impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
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
    /// A token an API refused with 401 (`fetchWithAuth`): a fresher one is
    /// wanted, minted at origin unless the cache already holds another, and
    /// one request serves every call refused with the same token (SPEC 11.5).
    pub refused: Option<String>,
}

impl GetTokenOptions {
    /// No options: the session's own key, as the cache has it.
    pub const NONE: GetTokenOptions = GetTokenOptions {
        template: None,
        organization_id: OrgChoice::SessionDefault,
        skip_cache: false,
        refresh_if_stale: false,
        refused: None,
    };
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
