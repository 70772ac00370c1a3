//! JSON text read by the browser's own `JSON.parse` into the core's serde
//! wire types with serde-wasm-bindgen: the wasm build links no JSON parser
//! of its own (serde_json would cost 9.5 KB gzip; see the README, "Size").

use js_sys::{Array, JSON};
use serde::Deserialize;

use crate::core::{Claims, Header, Json, TokensResponse};

/// [`Json`] through `JSON.parse`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BrowserJson;

impl BrowserJson {
    fn object<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
        let value = JSON::parse(text).ok()?;
        // serde-wasm-bindgen reads a struct from any object, arrays included.
        if !value.is_object() || Array::is_array(&value) {
            return None;
        }
        // Plain data: JSON.parse makes no getters that could throw.
        serde_wasm_bindgen::from_value(value).ok()
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
