//! Objects handed to JS: a core [`Record`] made a plain object by
//! serde-wasm-bindgen, JS values already held (a token's string, an error)
//! passed through as they are.

use serde::{Serialize, Serializer};
use wasm_bindgen::JsValue;

use crate::core::Record;

/// A JS value a [`Record`] carries as is.
pub(crate) struct Js(pub JsValue);

impl Serialize for Js {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.0, s)
    }
}

/// The record as a plain JS object (`null` values kept, as clerk-js posts
/// them).
pub(crate) fn object(record: &Record<Js>) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_missing_as_null(true)
        .serialize_maps_as_objects(true);
    record.serialize(&serializer).unwrap_or(JsValue::NULL)
}
