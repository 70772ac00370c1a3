//! Session configuration, validated once at construction (SPEC 1).

use super::backoff::RetryPolicy;
use super::error::Error;
use super::faults::Faults;
use super::key::non_empty;
use super::text::cat;
use super::wire::Json;

/// Never serve a token with this many seconds or fewer left (SPEC 2).
pub const HARD_CUTOFF: f64 = 5.0;
/// Default seconds before `exp` at which a background refresh starts.
pub const DEFAULT_THRESHOLD: f64 = 15.0;
/// Default milliseconds between refresh checks.
pub const DEFAULT_POLL_INTERVAL_MS: f64 = 5000.0;
/// A request with no answer after this many seconds counts as a network error.
pub const DEFAULT_REQUEST_TIMEOUT: f64 = 20.0;
/// Seconds a call may wait in all, by default (SPEC 11.1).
pub const DEFAULT_TIMEOUT: f64 = 30.0;
/// The shortest `timeout`, seconds: shorter ones are raised to it.
const MIN_TIMEOUT: f64 = 1.0;

/// The options as JS passes them, before validation. Absent numbers take
/// their defaults.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Origin of the Frontend API.
    pub frontend_api: String,
    /// The session id.
    pub session_id: String,
    /// The session's active organization.
    pub organization_id: Option<String>,
    /// Seconds before `exp` at which a background refresh starts.
    pub background_refresh_threshold: Option<f64>,
    /// Milliseconds between periodic re-checks; `0`: none (refreshes still
    /// run at `exp − threshold`).
    pub poll_interval: Option<f64>,
    /// Milliseconds a call may wait in all (SPEC 11.1).
    pub timeout: Option<f64>,
}

/// Validated configuration of one session core.
#[derive(Debug, Clone)]
pub struct Config {
    /// Frontend API base URL, no trailing slash.
    pub frontend_api: String,
    /// The session id (non-empty).
    pub session_id: String,
    /// The session's active organization, `None` for personal.
    pub organization_id: Option<String>,
    /// `max(backgroundRefreshThreshold, 5)` seconds.
    pub threshold: f64,
    /// Milliseconds between periodic re-checks; `0`: none.
    pub poll_interval_ms: f64,
    /// Seconds before a request with no answer counts as a network error.
    pub request_timeout: f64,
    /// Seconds a call may wait in all, retries included (SPEC 11.1).
    pub timeout: f64,
    /// Retry timing.
    pub retry: RetryPolicy,
    /// Seed of the jitter source.
    pub seed: u64,
    /// How JSON text is parsed.
    pub json: &'static dyn Json,
    /// Rules broken on purpose by a test (none, outside the crate's tests).
    pub faults: Faults,
}

impl Config {
    /// Validates `options`; the error message names the offending field.
    /// `seed` seeds the jitter; `json` parses what the network and other
    /// tabs send.
    pub fn new(
        options: SessionOptions,
        seed: u64,
        json: &'static dyn Json,
    ) -> Result<Config, Error> {
        let invalid = |msg: &str| Err(Error::InvalidOptions(msg.to_owned()));
        if options.session_id.chars().all(is_space_or_control) {
            return invalid("sessionId must be a non-empty string");
        }
        let frontend_api = validate_frontend_api(&options.frontend_api)?;
        let threshold = match options.background_refresh_threshold {
            None => DEFAULT_THRESHOLD,
            Some(t) if t.is_finite() && t >= 0.0 => t.max(HARD_CUTOFF),
            Some(_) => {
                return invalid("backgroundRefreshThreshold must be a finite number of seconds ≥ 0")
            }
        };
        let poll_interval_ms = match options.poll_interval {
            None => DEFAULT_POLL_INTERVAL_MS,
            Some(p) if p.is_finite() && p >= 0.0 => p,
            Some(_) => return invalid("pollInterval must be a finite number of milliseconds ≥ 0"),
        };
        let timeout = match options.timeout {
            None => DEFAULT_TIMEOUT,
            // Below a second, no request could be answered in time.
            // A call that could wait for ever keeps its session for ever.
            Some(t) if t.is_finite() && t >= 0.0 => (t / 1000.0).max(MIN_TIMEOUT),
            Some(_) => return invalid("timeout must be a finite number of milliseconds ≥ 0"),
        };
        Ok(Config {
            frontend_api,
            session_id: options.session_id,
            organization_id: non_empty(options.organization_id.as_deref()),
            threshold,
            poll_interval_ms,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            timeout,
            retry: RetryPolicy::default(),
            seed,
            json,
            faults: Faults::default(),
        })
    }
}

/// Accepts an origin, `https://host[:port]` with at most a trailing `/`,
/// and `http:` only for loopback hosts (a token over plain HTTP to anywhere
/// else would be readable on the wire). A path is refused (SPEC 11.4): the
/// library adds `/v1/…` itself, so `https://clerk.example.com/v1` would
/// request `/v1/v1/…`.
fn validate_frontend_api(url: &str) -> Result<String, Error> {
    let bad = |why: &str| Err(Error::InvalidOptions(cat(&["frontendApi ", why])));
    let split = url
        .split_once(':')
        .and_then(|(scheme, rest)| Some((scheme, rest.strip_prefix("//")?)));
    let Some((scheme, rest)) = split else {
        return bad("must be an absolute URL such as \"https://clerk.example.com\"");
    };
    let scheme = scheme.to_ascii_lowercase();
    if rest
        .chars()
        .any(|c| c == '?' || c == '#' || is_space_or_control(c))
    {
        return bad("must not contain a query, fragment or whitespace");
    }
    let authority = before(rest, '/');
    if rest.len() > authority.len() + 1 {
        return bad("must be an origin such as \"https://clerk.example.com\", with no path");
    }
    let host = host_of(authority);
    if host.is_empty() || authority.contains('@') {
        return bad("must name a host (and no credentials)");
    }
    if scheme != "https" && (scheme != "http" || !is_loopback(&host)) {
        return bad("must use https: (http: for localhost, 127.0.0.0/8 or [::1] only)");
    }
    Ok(cat(&[&scheme, "://", authority]))
}

/// Unicode `White_Space` or a control character: no id or URL holds one.
fn is_space_or_control(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// `s` up to the first `c`.
fn before(s: &str, c: char) -> &str {
    s.split(c).next().unwrap_or(s)
}

fn host_of(authority: &str) -> String {
    let host = match authority.strip_prefix('[') {
        Some(v6) => cat(&["[", before(v6, ']'), "]"]),
        None => before(authority, ':').to_owned(),
    };
    host.to_ascii_lowercase()
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    // 127.x.y.z, each a decimal octet.
    let mut octets = 0;
    for (i, octet) in host.split('.').enumerate() {
        if (i == 0 && octet != "127") || decimal(octet).is_none_or(|n| n > 255) {
            return false;
        }
        octets += 1;
    }
    octets == 4
}

/// A non-empty run of ASCII digits as a number (`str::parse` also takes a
/// leading `+`, which no IPv4 octet or `Retry-After` has).
pub(crate) fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        let digit = (b as char).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}
