//! JSON text read by the browser's own `JSON.parse` into the core's serde
//! wire types with the module's own deserializer ([`super::de`]): the wasm
//! build links no JSON parser of its own (serde_json would cost 9.5 KB
//! gzip; see docs/performance.md).

use js_sys::JSON;

use super::de::{read, Mode};
use crate::core::{Json, Parsed};

/// [`Json`] through `JSON.parse`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BrowserJson;

impl Json for BrowserJson {
    fn object(&self, text: &str) -> Option<Parsed> {
        // A struct is read from an object only (not an array); fields the
        // type does not declare are never read.
        read(JSON::parse(text).ok()?, Mode::Data).ok()
    }
}
