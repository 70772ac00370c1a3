//! JSON text read by the browser's own `JSON.parse` into the core's serde
//! wire types with the module's own deserializer ([`super::de`]): the wasm
//! build links no JSON parser of its own (serde_json would cost 9.5 KB
//! gzip; see docs/performance.md).

use js_sys::JSON;
use serde::Deserialize;

use super::de::{read, Mode};
use crate::core::{Claims, Header, Json, TokensResponse};

/// [`Json`] through `JSON.parse`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BrowserJson;

impl BrowserJson {
    fn object<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
        // A struct is read from an object only (not an array); fields the
        // types do not declare are never read.
        read(JSON::parse(text).ok()?, Mode::Data).ok()
    }
}

impl Json for BrowserJson {
    fn header(&self, text: &str) -> Option<Header> {
        Self::object(text)
    }

    fn claims(&self, text: &str) -> Option<Claims> {
        Self::object(text)
    }

    fn tokens_response(&self, text: &str) -> Option<TokensResponse> {
        Self::object(text)
    }
}
