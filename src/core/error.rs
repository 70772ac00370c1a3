//! The one error type of the library, with the stable codes of SPEC section 1.

use std::fmt;

/// Every way a call can fail. `code()` is the stable string JS sees as
/// `SessionError.code`; the web layer converts at the boundary, once.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The request never produced a response (DNS, TLS, CORS, abort, timeout).
    Network(String),
    /// A non-2xx response that is not one of the specific cases below.
    Http {
        /// The HTTP status code.
        status: u16,
    },
    /// 401: the session is over; the key's cache was cleared.
    Unauthenticated,
    /// 429 after the retries, or with a `Retry-After` longer than the cap.
    RateLimited {
        /// Seconds the server asked us to wait, when it said.
        retry_after: Option<f64>,
    },
    /// A 2xx whose body is not `{"jwt": "<decodable JWT with iat and exp>"}`.
    InvalidResponse(String),
    /// `navigator.onLine` was false: no request was made.
    Offline,
    /// The session was disposed.
    Disposed,
    /// Bad constructor or call options; the message names the field.
    InvalidOptions(String),
}

impl Error {
    /// The stable code: `network_error`, `http_error`, `unauthenticated`,
    /// `rate_limited`, `invalid_response`, `offline`, `disposed`, `invalid_options`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Network(_) => "network_error",
            Error::Http { .. } => "http_error",
            Error::Unauthenticated => "unauthenticated",
            Error::RateLimited { .. } => "rate_limited",
            Error::InvalidResponse(_) => "invalid_response",
            Error::Offline => "offline",
            Error::Disposed => "disposed",
            Error::InvalidOptions(_) => "invalid_options",
        }
    }

    /// The HTTP status, where one applies.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status } => Some(*status),
            Error::Unauthenticated => Some(401),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Seconds to wait before trying again, for `rate_limited`.
    pub fn retry_after(&self) -> Option<f64> {
        match self {
            Error::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

impl Error {
    /// The message a JS `SessionError` carries.
    pub fn message(&self) -> String {
        match self {
            Error::Network(why) => format!("network error: {why}"),
            Error::Http { status } => format!("the Frontend API answered HTTP {status}"),
            Error::Unauthenticated => "the session is no longer valid (HTTP 401)".to_owned(),
            Error::RateLimited {
                retry_after: Some(s),
            } => {
                // Whole seconds, as the header gives them.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let secs = s.max(0.0).ceil() as u64;
                format!("rate limited by the Frontend API; retry after {secs} s")
            }
            Error::RateLimited { retry_after: None } => {
                "rate limited by the Frontend API".to_owned()
            }
            Error::InvalidResponse(why) => format!("invalid /tokens response: {why}"),
            Error::Offline => "the browser is offline".to_owned(),
            Error::Disposed => "the session was disposed".to_owned(),
            Error::InvalidOptions(why) => format!("invalid options: {why}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}
