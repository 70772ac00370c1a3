//! The one error type of the library, with the stable codes of SPEC section 1,
//! and where and why a request failed (SPEC 11.4).

use std::fmt;

use super::text::{cat, decimal, whole};

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
    /// One of the errors above, of a `/tokens` request: where it went and
    /// what the server said (SPEC 11.4).
    Request(Box<Context>),
    /// A call ran out of its `timeout` (SPEC 11.1): the last attempt's
    /// error, or a network error if no attempt was answered, and how long it
    /// waited, with how many requests.
    GaveUp {
        /// What the call gives as its reason.
        last: Box<Error>,
        /// Seconds it waited.
        waited: f64,
        /// Requests made while it waited.
        requests: u32,
    },
}

/// Where a request went and what the server said of its refusal.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The error itself (never another `Request`).
    pub error: Error,
    /// The URL requested, without its query string (which never carries a
    /// token, but is not the caller's business).
    pub url: String,
    /// Clerk's error code (`errors[0].code` of the body), if it sent one.
    pub reason: Option<String>,
    /// Clerk's words (`long_message`, else `message`), cut to a bounded length.
    pub said: Option<String>,
}

/// The most of the server's own words a message quotes.
const MAX_SAID: usize = 200;

impl Error {
    /// `error` of a request to `url` (its query dropped), with the server's
    /// `reason` code and its words.
    pub fn at(error: Error, url: &str, reason: Option<String>, said: Option<String>) -> Error {
        let end = url.bytes().position(|b| b == b'?' || b == b'#');
        let url = url
            .get(..end.unwrap_or(url.len()))
            .unwrap_or(url)
            .to_owned();
        let said = said.map(|s| match s.char_indices().nth(MAX_SAID) {
            Some((cut, _)) => cat(&[s.get(..cut).unwrap_or_default(), "…"]),
            None => s,
        });
        Error::Request(Box::new(Context {
            error,
            url,
            reason,
            said,
        }))
    }

    /// The error without where and why: what the library acts on.
    pub fn root(&self) -> &Error {
        match self {
            Error::Request(c) => c.error.root(),
            Error::GaveUp { last, .. } => last.root(),
            e => e,
        }
    }

    fn context(&self) -> Option<&Context> {
        match self {
            Error::Request(c) => Some(c),
            Error::GaveUp { last, .. } => last.context(),
            _ => None,
        }
    }

    /// The stable code: `network_error`, `http_error`, `unauthenticated`,
    /// `rate_limited`, `invalid_response`, `offline`, `disposed`, `invalid_options`.
    pub fn code(&self) -> &'static str {
        match self.root() {
            Error::Network(_) => "network_error",
            Error::Http { .. } => "http_error",
            Error::Unauthenticated => "unauthenticated",
            Error::RateLimited { .. } => "rate_limited",
            Error::InvalidResponse(_) => "invalid_response",
            Error::Offline => "offline",
            Error::Disposed => "disposed",
            _ => "invalid_options",
        }
    }

    /// The HTTP status, where one applies.
    pub fn status(&self) -> Option<u16> {
        match self.root() {
            Error::Http { status } => Some(*status),
            Error::Unauthenticated => Some(401),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Seconds to wait before trying again, for `rate_limited`.
    pub fn retry_after(&self) -> Option<f64> {
        match self.root() {
            Error::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// The URL of the request that failed, without its query (SPEC 11.4).
    pub fn url(&self) -> Option<&str> {
        self.context().map(|c| c.url.as_str())
    }

    /// The Frontend API's own reason code, when it sent one (SPEC 11.4).
    pub fn reason(&self) -> Option<&str> {
        self.context().and_then(|c| c.reason.as_deref())
    }

    /// The message a JS `SessionError` carries. An error of a request names
    /// the Frontend API's origin and quotes the server's words.
    pub fn message(&self) -> String {
        match self {
            Error::Request(c) => {
                let mut m = c.error.says(origin_of(&c.url));
                if let Some(said) = &c.said {
                    m.push_str(": \"");
                    m.push_str(said);
                    m.push('"');
                }
                m
            }
            Error::GaveUp {
                last,
                waited,
                requests,
            } => {
                // Whole seconds, as a person reads them.
                cat(&[
                    &last.message(),
                    " (gave up after ",
                    &whole(*waited, f64::round),
                    " s and ",
                    &decimal(u64::from(*requests)),
                    " requests)",
                ])
            }
            e => e.says("the Frontend API"),
        }
    }

    /// What this error says, `who` (the Frontend API, or its origin) its
    /// subject.
    fn says(&self, who: &str) -> String {
        match self {
            Error::Network(why) => cat(&["network error reaching ", who, ": ", why]),
            Error::Http { status } => cat(&[who, " answered HTTP ", &decimal(u64::from(*status))]),
            Error::Unauthenticated => {
                cat(&[who, " answered HTTP 401: the session is no longer valid"])
            }
            Error::RateLimited { retry_after } => {
                // Whole seconds, as the header gives them.
                let secs = whole(retry_after.unwrap_or(0.0), f64::ceil);
                cat(&[
                    who,
                    " answered HTTP 429: rate limited; retry after ",
                    &secs,
                    " s",
                ])
            }
            Error::InvalidResponse(why) => cat(&[who, " answered with no usable token: ", why]),
            Error::Offline => "the browser is offline".to_owned(),
            Error::Disposed => "the session was disposed".to_owned(),
            Error::InvalidOptions(why) => cat(&["invalid options: ", why]),
            wrapped => wrapped.message(),
        }
    }
}

/// `scheme://host[:port]` of `url`: up to the first `/` after `://`.
pub(crate) fn origin_of(url: &str) -> &str {
    let bytes = url.as_bytes();
    let start = bytes
        .windows(3)
        .position(|w| w == b"://")
        .map_or(0, |i| i + 3);
    let end = bytes
        .iter()
        .skip(start)
        .position(|&b| b == b'/')
        .map_or(bytes.len(), |i| start + i);
    url.get(..end).unwrap_or(url)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}
