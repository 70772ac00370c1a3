//! `onTokenUpdate` listeners, held in a JS set by listeners.js, which also
//! keeps one throwing listener from stopping the others.

use crate::core::TokenUpdate;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/listeners.js")]
extern "C" {
    #[wasm_bindgen(js_name = listenerSet)]
    fn listener_set() -> JsValue;
    #[wasm_bindgen(js_name = subscribe)]
    fn subscribe_js(set: &JsValue, listener: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = notify)]
    fn notify_js(set: &JsValue, token_id: &str, token: &str, source: &str);
    #[wasm_bindgen(js_name = clearListeners)]
    fn clear_js(set: &JsValue);
}

/// An empty set.
pub(crate) fn new() -> JsValue {
    listener_set()
}

/// Adds `listener`; returns the function that removes it again.
pub(crate) fn subscribe(set: &JsValue, listener: &JsValue) -> JsValue {
    subscribe_js(set, listener)
}

/// Calls every listener with `{tokenId, token, source}`.
pub(crate) fn notify(set: &JsValue, update: &TokenUpdate) {
    notify_js(set, &update.token_id, &update.token, update.source.as_str());
}

/// Removes every listener.
pub(crate) fn clear(set: &JsValue) {
    clear_js(set);
}
