//! Interpreting a `/tokens` outcome (SPEC 3.4 and 5): success, or a failure
//! classed as transient (retry) or final.

use super::config::decimal;
use super::error::Error;
use super::jwt::Jwt;
use super::time::ServerTime;
use super::wire::{Json, Parsed};

/// What the driver saw for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchOutcome {
    /// A response arrived (any status).
    Response {
        /// HTTP status.
        status: u16,
        /// The raw `Retry-After` header, if any.
        retry_after: Option<String>,
        /// The response body as text.
        body: String,
    },
    /// No response: the promise from `fetch` rejected, or reading the body did.
    NetworkError(String),
}

/// A classified failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Worth retrying: network errors, 5xx, 408, 429. `retry_after` in seconds.
    Transient {
        /// What to report if no retry is left.
        error: Error,
        /// The server's requested delay.
        retry_after: Option<f64>,
    },
    /// Not worth retrying.
    Final(Error),
}

/// Maps an outcome of a request to `url` to a token or a failure, checking
/// the token the way the cache needs it: decodable, numeric `iat` and
/// `exp`, and, when it names a session, this session. Every failure says
/// where (`url`, its query dropped) and, when the server sent Clerk's error
/// body, why (SPEC 11.4). `now` is the earliest the server's clock may
/// read (an HTTP-date `Retry-After` is counted from it).
pub fn interpret(
    outcome: FetchOutcome,
    url: &str,
    session_id: &str,
    now: ServerTime,
    json: &dyn Json,
) -> Result<Jwt, Failure> {
    let (status, retry_after, body) = match outcome {
        FetchOutcome::NetworkError(why) => {
            return Err(Failure::Transient {
                error: Error::at(Error::Network(why), url, None, None),
                retry_after: None,
            })
        }
        FetchOutcome::Response {
            status,
            retry_after,
            body,
        } => (status, retry_after, body),
    };
    if (200..=299).contains(&status) {
        return parse_token(&body, session_id, json)
            .map_err(|e| Failure::Final(Error::at(e, url, None, None)));
    }
    let retry_after = retry_after
        .as_deref()
        .and_then(|v| parse_retry_after(v, now));
    let (reason, said) = refusal(&body, json);
    let at = |error| Error::at(error, url, reason.clone(), said.clone());
    match status {
        401 => Err(Failure::Final(at(Error::Unauthenticated))),
        429 => Err(Failure::Transient {
            error: at(Error::RateLimited { retry_after }),
            retry_after,
        }),
        408 | 500..=599 => Err(Failure::Transient {
            error: at(Error::Http { status }),
            retry_after,
        }),
        _ => Err(Failure::Final(at(Error::Http { status }))),
    }
}

/// Clerk's reason code and words for a refusal, from its error body.
fn refusal(body: &str, json: &dyn Json) -> (Option<String>, Option<String>) {
    (body.len() <= MAX_BODY)
        .then(|| json.object(body))
        .flatten()
        .and_then(Parsed::refusal)
        .unwrap_or_default()
}

/// Bodies larger than this are not token responses.
pub const MAX_BODY: usize = 64 * 1024;

fn parse_token(body: &str, session_id: &str, json: &dyn Json) -> Result<Jwt, Error> {
    let parsed = (body.len() <= MAX_BODY)
        .then(|| json.object(body))
        .flatten()
        .ok_or_else(|| Error::InvalidResponse("the body is not a JSON object".into()))?;
    let raw = parsed
        .jwt
        .string()
        .ok_or_else(|| Error::InvalidResponse("the body has no string `jwt`".into()))?;
    let jwt =
        Jwt::decode(&raw, json).map_err(|e| Error::InvalidResponse(e.message().to_owned()))?;
    if !jwt.has_times() {
        return Err(Error::InvalidResponse(
            "the JWT lacks a numeric iat or exp".into(),
        ));
    }
    if jwt.sid.as_deref().is_some_and(|sid| sid != session_id) {
        return Err(Error::InvalidResponse(
            "the JWT belongs to another session".into(),
        ));
    }
    Ok(jwt)
}

/// `Retry-After` in seconds: delta-seconds, or an HTTP-date counted from `now`.
pub fn parse_retry_after(value: &str, now: ServerTime) -> Option<f64> {
    let value = value.trim_ascii();
    if let Some(secs) = decimal(value) {
        // Precision loss past 2^53 s is irrelevant: anything over the cap fails.
        #[allow(clippy::cast_precision_loss)]
        return Some(secs as f64);
    }
    http_date(value).map(|at| (at - now).max(0.0))
}

fn int(s: &str) -> Option<i64> {
    decimal(s).and_then(|n| i64::try_from(n).ok())
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form servers send now.
fn http_date(s: &str) -> Option<ServerTime> {
    let rest = s.split_once(',')?.1.strip_prefix(' ')?;
    let mut it = rest.split(' ');
    let day = int(it.next()?)?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = it.next()?;
    let month = 1 + MONTHS.iter().position(|m| *m == month)? as i64;
    let year = int(it.next()?)?;
    let mut hms = it.next()?.split(':');
    let h = int(hms.next()?)?;
    let m = int(hms.next()?)?;
    let sec = int(hms.next()?)?;
    if hms.next().is_some()
        || it.next()? != "GMT"
        || it.next().is_some()
        || !(1..=9999).contains(&year)
        || !(1..=31).contains(&day)
        || h > 23
        || m > 59
        || sec > 60
    {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    #[allow(clippy::cast_precision_loss)]
    Some(ServerTime((days * 86_400 + h * 3600 + m * 60 + sec) as f64))
}
