//! What the app's listeners are told (SPEC 1, 8.4): a key's new token, and
//! the outcome of each `/tokens` request. Serialized as JS sees them.

use serde::{Serialize, Serializer};

use super::time::LocalTime;

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
    /// When its `exp` falls on this tab's clock (ms in JS).
    #[serde(serialize_with = "ms")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Trigger {
    /// A `getToken` call waits on it.
    #[serde(rename = "caller")]
    Caller,
    /// A background or scheduled refresh.
    #[serde(rename = "background")]
    Background,
    /// A `skipCache` call.
    #[serde(rename = "skipCache")]
    SkipCache,
}

/// One settled `/tokens` request (SPEC 8.4). Never carries a token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// The HTTP status, when a response came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// From sending the request to its settling, in milliseconds.
    pub duration_ms: f64,
}

/// Whether a request brought a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RefreshOutcome {
    /// It did.
    Ok,
    /// It failed (and may be retried).
    Error,
}

fn ms<S: Serializer>(t: &LocalTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(t.as_ms())
}
