//! The monotonic freshness comparator (SPEC 6).
//!
//! `oiat` (header) says when the claims were last read at origin; edge re-mints
//! copy it forward with a new `iat`. So claims freshness is `oiat` first and
//! `iat` only between tokens of equal `oiat`. A token without `oiat` predates
//! the scheme and is staler than any that has one.

use super::jwt::Jwt;
use super::time::ServerTime;
use super::wire::Json;

/// Which of the two tokens [`pick_freshest`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Winner {
    /// Keep what the cache holds.
    Existing,
    /// Take the new token.
    Incoming,
}

/// Ranks `incoming` against `existing`. Ties go to `incoming`: two tokens of
/// equal `oiat` and `iat` may still differ in other claims, and only a
/// strictly fresher existing token is worth keeping.
pub fn pick_freshest(existing: Option<&Jwt>, incoming: &Jwt) -> Winner {
    let Some(existing) = existing else {
        return Winner::Incoming;
    };
    match (existing.oiat, incoming.oiat) {
        (Some(ex), Some(inc)) if ex > inc => Winner::Existing,
        (Some(ex), Some(inc)) if ex < inc => Winner::Incoming,
        (Some(_), Some(_)) => {
            let iat = |t: &Jwt| t.iat.unwrap_or(ServerTime(0.0));
            if iat(existing) > iat(incoming) {
                Winner::Existing
            } else {
                Winner::Incoming
            }
        }
        (Some(_), None) => Winner::Existing,
        (None, _) => Winner::Incoming,
    }
}

/// The raw-string form exported to JS: returns one of its two arguments.
/// A string that does not decode never wins over one that does.
pub fn pick_freshest_raw<'a>(
    existing: Option<&'a str>,
    incoming: &'a str,
    json: &dyn Json,
) -> &'a str {
    let Some(existing_raw) = existing else {
        return incoming;
    };
    match (Jwt::decode(existing_raw, json), Jwt::decode(incoming, json)) {
        (Ok(ex), Ok(inc)) => match pick_freshest(Some(&ex), &inc) {
            Winner::Existing => existing_raw,
            Winner::Incoming => incoming,
        },
        (Ok(_), Err(_)) => existing_raw,
        (Err(_), _) => incoming,
    }
}
