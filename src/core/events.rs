//! What the app's listeners are told (SPEC 1, 8.4): a key's new token, and
//! the outcome of each `/tokens` request, each as the [`Record`] JS sees.

use super::record::{Record, Value};
use super::time::LocalTime;

/// How a token reached the cache; JS sees it as `TokenUpdate.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// A request some caller waited on.
    Fetch,
    /// A refresh nobody waited on.
    Background,
    /// Another tab's token.
    Broadcast,
}

/// A token that became the cached token of its key: JS's `TokenUpdate`.
#[derive(Clone, PartialEq)]
pub struct TokenUpdate {
    /// The key.
    pub token_id: String,
    /// The JWT.
    pub token: String,
    /// How it arrived.
    pub source: TokenSource,
    /// When its `exp` falls on this tab's clock (ms in JS).
    pub expires_at: LocalTime,
}

// A token must not reach logs.
impl std::fmt::Debug for TokenUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenUpdate")
            .field("token_id", &self.token_id)
            .field("source", &self.source)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Why a `/tokens` request was made: JS's `RefreshEvent.trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A `getToken` call waits on it.
    Caller,
    /// A background or scheduled refresh.
    Background,
    /// A `skipCache` call.
    SkipCache,
}

/// One settled `/tokens` request (SPEC 8.4). Never carries a token.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshEvent {
    /// The key.
    pub token_id: String,
    /// Why it was made.
    pub trigger: Trigger,
    /// 1 for a sequence's first request, 2 for its first retry, …
    pub attempt: u32,
    /// `"ok"` or `"error"`.
    pub outcome: RefreshOutcome,
    /// The `SessionError` code, when it failed.
    pub code: Option<&'static str>,
    /// The HTTP status, when a response came back.
    pub status: Option<u16>,
    /// From sending the request to its settling, in milliseconds.
    pub duration_ms: f64,
}

/// Whether a request brought a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// It did.
    Ok,
    /// It failed (and may be retried).
    Error,
}

impl TokenUpdate {
    /// `{tokenId, token, source, expiresAt}`.
    pub fn record<H>(&self) -> Record<H> {
        let source = match self.source {
            TokenSource::Fetch => "fetch",
            TokenSource::Background => "background",
            TokenSource::Broadcast => "broadcast",
        };
        let mut r = Record::with_capacity(4);
        r.set("tokenId", Value::Str(self.token_id.clone()))
            .set("token", Value::Str(self.token.clone()))
            .set("source", Value::Name(source))
            .set("expiresAt", Value::Num(self.expires_at.as_ms()));
        r
    }
}

impl RefreshEvent {
    /// `{tokenId, trigger, attempt, outcome, code?, status?, durationMs}`.
    pub fn record<H>(&self) -> Record<H> {
        let trigger = match self.trigger {
            Trigger::Caller => "caller",
            Trigger::Background => "background",
            Trigger::SkipCache => "skipCache",
        };
        let outcome = match self.outcome {
            RefreshOutcome::Ok => "ok",
            RefreshOutcome::Error => "error",
        };
        let mut r = Record::with_capacity(7);
        r.set("tokenId", Value::Str(self.token_id.clone()))
            .set("trigger", Value::Name(trigger))
            .set("attempt", Value::Num(f64::from(self.attempt)))
            .set("outcome", Value::Name(outcome));
        if let Some(code) = self.code {
            r.set("code", Value::Name(code));
        }
        if let Some(status) = self.status {
            r.set("status", Value::Num(f64::from(status)));
        }
        r.set("durationMs", Value::Num(self.duration_ms));
        r
    }
}
