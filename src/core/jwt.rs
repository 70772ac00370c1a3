//! JWT decoding (SPEC 7): structure and claims only. The browser holds no key,
//! so there is no signature check; the server checks what it minted.

use crate::prelude::*;

use super::base64url;
use super::json::{self, Value};
use super::text;
use ::core::fmt;

/// Tokens longer than this are rejected before any decoding work.
pub const MAX_JWT_LEN: usize = 16 * 1024;

/// Why a string is not a JWT. Never a panic, whatever the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Empty string.
    Empty,
    /// Over [`MAX_JWT_LEN`] bytes.
    TooLong,
    /// Not exactly three non-empty dot-separated parts.
    Parts,
    /// A part is not base64url.
    Base64,
    /// Header or payload is not a UTF-8 JSON object.
    Json,
}

impl DecodeError {
    /// What is wrong, in a few words.
    pub fn message(self) -> &'static str {
        match self {
            DecodeError::Empty => "empty token",
            DecodeError::TooLong => "token longer than 16 KiB",
            DecodeError::Parts => "a JWT has three non-empty dot-separated parts",
            DecodeError::Base64 => "a JWT part is not base64url",
            DecodeError::Json => "JWT header or payload is not a JSON object",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A decoded JWT: the raw string (what callers get back) and the few fields
/// the cache reasons about. Numbers are seconds since the epoch.
#[derive(Clone, PartialEq)]
pub struct Jwt {
    /// The token exactly as received.
    pub raw: String,
    /// Header `oiat`: when the claims were last read at origin.
    pub oiat: Option<f64>,
    /// Claim `iat`.
    pub iat: Option<f64>,
    /// Claim `exp`.
    pub exp: Option<f64>,
    /// Claim `sid`: the session the token belongs to.
    pub sid: Option<String>,
    /// Claim `org_id`, or `o.id` in the v2 token format.
    pub org_id: Option<String>,
}

// Debug never prints the raw token: tokens must not reach logs.
impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt")
            .field("oiat", &self.oiat)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .field("sid", &self.sid)
            .field("org_id", &self.org_id)
            .finish_non_exhaustive()
    }
}

impl Jwt {
    /// Decodes `raw`, keeping it verbatim.
    pub fn decode(raw: &str) -> Result<Jwt, DecodeError> {
        if raw.is_empty() {
            return Err(DecodeError::Empty);
        }
        if raw.len() > MAX_JWT_LEN {
            return Err(DecodeError::TooLong);
        }
        let mut parts = text::split(raw, b'.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DecodeError::Parts);
        };
        if h.is_empty() || p.is_empty() || s.is_empty() {
            return Err(DecodeError::Parts);
        }
        if base64url::decode(s).is_none() {
            return Err(DecodeError::Base64);
        }
        let header = json_object(h)?;
        let payload = json_object(p)?;
        let number =
            |v: &Value, key: &str| v.get(key).and_then(Value::as_f64).filter(|n| n.is_finite());
        let string = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok(Jwt {
            raw: raw.to_owned(),
            oiat: number(&header, "oiat"),
            iat: number(&payload, "iat"),
            exp: number(&payload, "exp"),
            sid: string(&payload, "sid"),
            org_id: string(&payload, "org_id")
                .or_else(|| payload.get("o").and_then(|o| string(o, "id"))),
        })
    }

    /// Seconds of validity left at `now`; `-inf` when there is no `exp`.
    pub fn remaining(&self, now: f64) -> f64 {
        self.exp.map_or(f64::NEG_INFINITY, |exp| exp - now)
    }

    /// Whether both `iat` and `exp` are present, which the cache requires.
    pub fn has_times(&self) -> bool {
        self.iat.is_some() && self.exp.is_some()
    }
}

fn json_object(part: &str) -> Result<Value, DecodeError> {
    let bytes = base64url::decode(part).ok_or(DecodeError::Base64)?;
    json::parse_object(&bytes).ok_or(DecodeError::Json)
}
