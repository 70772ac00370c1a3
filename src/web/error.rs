//! The one conversion from the core's [`Error`] to a JS `SessionError`.

use crate::core::Error;
use wasm_bindgen::prelude::*;

// SessionError extends Error, which only JS can express. The package imports
// it from beside the glue, where the entry re-exports the same module (one
// class, so `instanceof` holds); the browser tests, which have no package,
// take it as a wasm-bindgen snippet.
#[cfg_attr(not(test), wasm_bindgen(raw_module = "./session_error.js"))]
#[cfg_attr(test, wasm_bindgen(module = "/src/web/session_error.js"))]
extern "C" {
    #[wasm_bindgen(js_name = SessionError)]
    type JsSessionError;

    #[wasm_bindgen(constructor, js_class = "SessionError")]
    fn new(
        code: &str,
        message: &str,
        status: Option<u16>,
        retry_after: Option<f64>,
        url: Option<&str>,
        reason: Option<&str>,
    ) -> JsSessionError;
}

/// `new SessionError(code, message, status?, retryAfter?, url?, reason?)`
/// as a `JsValue`.
pub(crate) fn to_js(error: &Error) -> JsValue {
    JsSessionError::new(
        error.code(),
        &error.message(),
        error.status(),
        error.retry_after(),
        error.url(),
        error.reason(),
    )
    .into()
}
