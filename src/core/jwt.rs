//! JWT decoding (SPEC 7): structure and claims only. The browser holds no key,
//! so there is no signature check; the server checks what it minted.

use std::fmt;

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use super::time::ServerTime;
use super::wire::{Json, Parsed};

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

/// base64url as JWTs use it: padding optional (some encoders add it), but
/// canonical (trailing bits zero), so each token has one spelling.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A decoded JWT: the raw string (what callers get back) and the few fields
/// the cache reasons about. Numbers are seconds since the epoch.
#[derive(Clone, PartialEq)]
pub struct Jwt {
    /// The token exactly as received.
    pub raw: String,
    /// Header `oiat`: when the claims were last read at origin.
    pub oiat: Option<ServerTime>,
    /// Claim `iat`.
    pub iat: Option<ServerTime>,
    /// Claim `exp`.
    pub exp: Option<ServerTime>,
    /// Claim `sid`: the session the token belongs to.
    pub sid: Option<String>,
}

// Debug never prints the raw token: tokens must not reach logs.
impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt")
            .field("oiat", &self.oiat)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .field("sid", &self.sid)
            .finish_non_exhaustive()
    }
}

impl Jwt {
    /// Decodes `raw`, keeping it verbatim; `json` parses its two JSON parts.
    pub fn decode(raw: &str, json: &dyn Json) -> Result<Jwt, DecodeError> {
        if raw.is_empty() {
            return Err(DecodeError::Empty);
        }
        if raw.len() > MAX_JWT_LEN {
            return Err(DecodeError::TooLong);
        }
        let mut parts = raw.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DecodeError::Parts);
        };
        if h.is_empty() || p.is_empty() || s.is_empty() {
            return Err(DecodeError::Parts);
        }
        if BASE64URL.decode(s).is_err() {
            return Err(DecodeError::Base64);
        }
        let header = json_part(h, json)?;
        let claims = json_part(p, json)?;
        Ok(Jwt {
            raw: raw.to_owned(),
            oiat: header.oiat.number().map(ServerTime),
            iat: claims.iat.number().map(ServerTime),
            exp: claims.exp.number().map(ServerTime),
            sid: claims.sid.string(),
        })
    }

    /// Seconds of validity left at `now`; `-inf` when there is no `exp`.
    pub fn remaining(&self, now: ServerTime) -> f64 {
        self.exp.map_or(f64::NEG_INFINITY, |exp| exp - now)
    }

    /// The refresh window (SPEC 2): `min(threshold, (exp − iat) / 2)`
    /// seconds before `exp`, so that no threshold and no short-lived token
    /// can make a key refresh in a loop.
    pub fn refresh_window(&self, threshold: f64) -> f64 {
        match (self.iat, self.exp) {
            (Some(iat), Some(exp)) => threshold.min((exp - iat) / 2.0).max(0.0),
            _ => threshold,
        }
    }

    /// Whether both `iat` and `exp` are present, which the cache requires.
    pub fn has_times(&self) -> bool {
        self.iat.is_some() && self.exp.is_some()
    }
}

/// One part: base64url of UTF-8 JSON, read by `parse`.
fn json_part(part: &str, json: &dyn Json) -> Result<Parsed, DecodeError> {
    let bytes = BASE64URL.decode(part).map_err(|_| DecodeError::Base64)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| DecodeError::Json)?;
    json.object(text).ok_or(DecodeError::Json)
}
