//! Cross-tab messages (SPEC 4): the clerk-js 6 shape, built for sending and
//! validated on receipt.

use super::config::HARD_CUTOFF;
use super::jwt::Jwt;
use super::key::{token_id, TokenKey};
use super::peers::PeerKind;
use super::record::{Record, Value};
use super::time::ServerTime;
use super::wire::Json;

/// The longest `tokenId`, `sessionId`, `template` or `organizationId` (in
/// bytes) a received message may carry. Far beyond any real id; it bounds
/// what another tab can make this one copy into memory: the browser layer
/// cuts longer strings just past it, and such a message is `Malformed`.
pub const MAX_FIELD_LEN: usize = 64 * 1024;

/// A message posted to the other tabs. On the clerk-compatible channel:
/// `{tokenId, tokenRaw, sessionId, template, organizationId, traceId}`, with
/// `null` for an absent template or organization, as clerk-js 6 posts it. On
/// the library's own channel it has a `type` and, but for `ended`, an
/// `askId` (see `peers.rs`). One type for both, posted as its [`Record`].
#[derive(Clone, PartialEq)]
pub struct OutgoingBroadcast {
    /// On the library's own channel only: what it says.
    pub kind: Option<PeerKind>,
    /// On the library's own channel only: the question it is or answers.
    pub ask_id: Option<f64>,
    /// On an answer with a token: the sender's skew estimate (server minus
    /// local seconds), an upper bound on the receiver's (one machine's clock).
    pub skew: Option<f64>,
    /// `[sessionId, template, organizationId].filter(Boolean).join("-")`.
    pub token_id: String,
    /// The JWT.
    pub token_raw: String,
    /// This session.
    pub session_id: String,
    /// The template, if any.
    pub template: Option<String>,
    /// The organization, if any.
    pub organization_id: Option<String>,
    /// `bc_<Date.now()>_<random base36>`; clerk-compatible messages only.
    pub trace_id: String,
}

impl std::fmt::Debug for OutgoingBroadcast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingBroadcast")
            .field("kind", &self.kind)
            .field("ask_id", &self.ask_id)
            .field("token_id", &self.token_id)
            .field("trace_id", &self.trace_id)
            .finish_non_exhaustive()
    }
}

impl OutgoingBroadcast {
    /// The message as posted: absent parts left out, but for `template`
    /// and `organizationId`, which are `null` when absent (clerk-js 6).
    pub fn record<H>(&self) -> Record<H> {
        let mut r = Record::with_capacity(9);
        if let Some(kind) = self.kind {
            r.set("type", Value::Name(kind.name()));
        }
        for (name, v) in [("askId", self.ask_id), ("skew", self.skew)] {
            if let Some(v) = v {
                r.set(name, Value::Num(v));
            }
        }
        r.text("tokenId", &self.token_id)
            .text("tokenRaw", &self.token_raw)
            .set("sessionId", Value::Str(self.session_id.clone()))
            .or_null("template", self.template.as_deref())
            .or_null("organizationId", self.organization_id.as_deref())
            .text("traceId", &self.trace_id);
        r
    }
}

/// One property of a received message, as JS had it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Field {
    /// Not there, or `undefined`.
    #[default]
    Missing,
    /// `null`.
    Null,
    /// A string.
    Str(String),
    /// Anything else (number, object, ...).
    Other,
}

impl Field {
    fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }

    /// For the optional key parts: absent, `null` or a string; `Err` otherwise.
    fn optional_str(&self) -> Result<Option<&str>, ()> {
        match self {
            Field::Missing | Field::Null => Ok(None),
            Field::Str(s) => Ok(Some(s)),
            Field::Other => Err(()),
        }
    }
}

/// A received message, field by field, before any trust is placed in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncomingBroadcast {
    /// `tokenId`
    pub token_id: Field,
    /// `tokenRaw`
    pub token_raw: Field,
    /// `sessionId`
    pub session_id: Field,
    /// `template`
    pub template: Field,
    /// `organizationId`
    pub organization_id: Field,
}

/// Why a message was ignored (SPEC 4.3). Ignoring is silent to the app; the
/// reason exists for tests and the demo's event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not an object, or `tokenId` / `sessionId` / `tokenRaw` not strings, or
    /// `template` / `organizationId` neither string nor null, or an id over
    /// [`MAX_FIELD_LEN`] bytes.
    Malformed,
    /// For another session.
    OtherSession,
    /// `tokenId` does not match `sessionId`, `template` and `organizationId`.
    KeyMismatch,
    /// `tokenRaw` is not a JWT.
    Undecodable,
    /// `iat` or `exp` missing or not positive.
    BadTimes,
    /// `remaining ≤ HARD_CUTOFF`.
    Expired,
    /// The `sid` claim names another session.
    SidMismatch,
    /// Valid, but staler than the cached token (SPEC 6).
    Stale,
    /// The session is disposed.
    Disposed,
    /// The session is over (SPEC 8.3): no token is taken any more.
    Ended,
    /// An answer to a question this tab did not ask (SPEC 10.1).
    NotAsked,
}

/// A message that passed every check of SPEC 4.3 except the freshness guard.
#[derive(Debug, Clone)]
pub struct ValidBroadcast {
    /// The key it is for.
    pub key: TokenKey,
    /// The decoded token.
    pub jwt: Jwt,
}

/// The key a message is for, checked (SPEC 4.3): string `tokenId` and
/// `sessionId`, this session's, `template` and `organizationId` absent, null
/// or strings, `tokenId` built from them, no field over the limit.
pub fn key_of(msg: &IncomingBroadcast, session_id: &str) -> Result<TokenKey, Rejection> {
    let (Some(token_id_field), Some(sid)) = (msg.token_id.as_str(), msg.session_id.as_str()) else {
        return Err(Rejection::Malformed);
    };
    let template = msg
        .template
        .optional_str()
        .map_err(|()| Rejection::Malformed)?;
    let org = msg
        .organization_id
        .optional_str()
        .map_err(|()| Rejection::Malformed)?;
    if [Some(token_id_field), Some(sid), template, org]
        .into_iter()
        .flatten()
        .any(|s| s.len() > MAX_FIELD_LEN)
    {
        return Err(Rejection::Malformed);
    }
    if sid != session_id {
        return Err(Rejection::OtherSession);
    }
    if token_id_field != token_id(sid, template, org) {
        return Err(Rejection::KeyMismatch);
    }
    Ok(TokenKey::new(template, org))
}

/// Every check of SPEC 4.3 that does not depend on the time.
pub fn validate_shape(
    msg: &IncomingBroadcast,
    session_id: &str,
    json: &dyn Json,
) -> Result<ValidBroadcast, Rejection> {
    let Some(raw) = msg.token_raw.as_str() else {
        return Err(Rejection::Malformed);
    };
    let key = key_of(msg, session_id)?;
    let jwt = Jwt::decode(raw, json).map_err(|_| Rejection::Undecodable)?;
    match (jwt.iat, jwt.exp) {
        (Some(iat), Some(exp)) if iat.0 > 0.0 && exp.0 > 0.0 => {}
        _ => return Err(Rejection::BadTimes),
    }
    if jwt.sid.as_deref().is_some_and(|s| s != session_id) {
        return Err(Rejection::SidMismatch);
    }
    Ok(ValidBroadcast { key, jwt })
}

/// `remaining > HARD_CUTOFF` at `now`.
pub fn check_time(valid: &ValidBroadcast, now: ServerTime) -> Result<(), Rejection> {
    if valid.jwt.remaining(now) <= HARD_CUTOFF {
        return Err(Rejection::Expired);
    }
    Ok(())
}
