//! The session's status, as a UI shows it (SPEC 11.3): the state of the
//! session's own key, its token when one may be served, and the last
//! failure since its last token.

use super::error::Error;
use super::time::LocalTime;

/// What the session's own key is doing; JS sees it as `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No token yet, and none failed.
    Loading,
    /// A servable token, no refresh in flight.
    Ready,
    /// A servable token, a refresh in flight.
    Refreshing,
    /// No servable token; the last attempt failed, and the session keeps
    /// trying (SPEC 11.2).
    Error,
    /// No servable token, and the browser is offline.
    Offline,
    /// The session is over (SPEC 8.3), or disposed.
    Ended,
}

impl Status {
    /// Its name in JS.
    pub fn name(self) -> &'static str {
        match self {
            Status::Loading => "loading",
            Status::Ready => "ready",
            Status::Refreshing => "refreshing",
            Status::Error => "error",
            Status::Offline => "offline",
            Status::Ended => "ended",
        }
    }
}

/// One reading of the status. Two readings are equal when nothing a UI
/// shows differs: a new object is made only then.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The state.
    pub status: Status,
    /// The sequence number of the token `peekToken()` returns now (see
    /// `Machine::token`), if any.
    pub token: Option<u64>,
    /// When that token's `exp` falls on this tab's clock.
    pub expires_at: Option<LocalTime>,
    /// The last failure since the last token.
    pub error: Option<Error>,
}
