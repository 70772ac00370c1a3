//! Sends one `/tokens` request through `fetch` (or the global one). The
//! promise plumbing is a few lines of JS (`fetch.js`): in Rust it took an
//! async executor and a dozen bindings, a tenth of the module.

use crate::prelude::*;

use crate::core::request::FORM_CONTENT_TYPE;
use crate::core::response::MAX_BODY;
use crate::core::{FetchOutcome, TokensRequest};
use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/fetch.js")]
extern "C" {
    #[wasm_bindgen(js_name = sendTokens)]
    fn send_tokens(
        fetch: Option<&Function>,
        url: &str,
        body: &str,
        content_type: &str,
        credentials: &str,
        limit: u32,
        done: JsValue,
    );
}

/// Sends `request` with `credentials`; `done` gets what came back, once.
pub(crate) fn send(
    fetch: Option<&Function>,
    request: &TokensRequest,
    credentials: &str,
    done: impl FnOnce(FetchOutcome) + 'static,
) {
    // fetch.js passes status 0 with a reason when there was no response.
    let done = Closure::once_into_js(
        move |status: u16, retry_after: Option<String>, body: String| {
            done(if status == 0 {
                FetchOutcome::NetworkError(body)
            } else {
                FetchOutcome::Response {
                    status,
                    retry_after,
                    body,
                }
            });
        },
    );
    send_tokens(
        fetch,
        &request.url,
        &request.body,
        FORM_CONTENT_TYPE,
        credentials,
        // The core rejects a body over MAX_BODY bytes; fetch.js copies no more.
        u32::try_from(MAX_BODY).unwrap_or(u32::MAX),
        done,
    );
}
