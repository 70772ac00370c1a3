//! The `/tokens` request (SPEC 3), built as plain data for the driver to send.

use super::key::TokenKey;
use super::text::cat;

/// The only content type the Frontend API takes for `/tokens`.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// One `POST` to mint a token. The driver adds `credentials` and sends it.
#[derive(Clone, PartialEq)]
pub struct TokensRequest {
    /// Absolute URL, path segments percent-encoded.
    pub url: String,
    /// Form-encoded body (empty for templates).
    pub body: String,
}

// The body carries the previous JWT: keep it out of debug output.
impl std::fmt::Debug for TokensRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokensRequest")
            .field("url", &self.url)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl TokensRequest {
    /// Builds the request for `key`.
    ///
    /// * `frontend_api` is an origin (`scheme://host[:port]`, SPEC 11.4).
    /// * `previous` is sent as `token` on non-template requests only; the key
    ///   is absent, not empty, when there is none (SPEC 3.2).
    /// * `skip_cache` adds `force_origin=true` to the query string, and only it
    ///   does (SPEC 3.3).
    pub fn build(
        frontend_api: &str,
        session_id: &str,
        key: &TokenKey,
        previous: Option<&str>,
        skip_cache: bool,
    ) -> TokensRequest {
        let mut url = cat(&[
            frontend_api,
            "/v1/client/sessions/",
            &encode_component(session_id),
            "/tokens",
        ]);
        if let Some(template) = &key.template {
            url.push('/');
            url.push_str(&encode_component(template));
        }
        if skip_cache {
            url.push_str("?force_origin=true");
        }
        let body = if key.template.is_some() {
            String::new()
        } else {
            let org = key.organization_id.as_deref().unwrap_or("");
            let mut body = cat(&["organization_id=", &encode_form(org)]);
            if let Some(previous) = previous {
                body.push_str("&token=");
                body.push_str(&encode_form(previous));
            }
            body
        };
        TokensRequest { url, body }
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn percent_encode(s: &str, keep: impl Fn(u8) -> bool, space_as_plus: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// `encodeURIComponent`: a path segment can hold no `/`, `?` or `#`.
pub fn encode_component(s: &str) -> String {
    percent_encode(
        s,
        |b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
                )
        },
        false,
    )
}

/// `URLSearchParams` serialisation, as a form POST body is encoded.
pub fn encode_form(s: &str) -> String {
    percent_encode(
        s,
        |b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_'),
        true,
    )
}
