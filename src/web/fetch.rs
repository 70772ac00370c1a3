//! Sends one `/tokens` request through `fetch` and reports what came back,
//! without trusting the shape of anything an injected `fetch` returns.

use crate::prelude::*;

use super::listener::{method, prop};
use crate::core::request::FORM_CONTENT_TYPE;
use crate::core::{FetchOutcome, TokensRequest};
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, looked up at call time (works in workers too).
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &JsValue) -> Result<Promise, JsValue>;
}

/// Sends `request` with `fetch` (or the global one) and `credentials`.
pub(crate) async fn send(
    fetch: Option<&Function>,
    request: &TokensRequest,
    credentials: &str,
) -> FetchOutcome {
    let init = match request_init(request, credentials) {
        Ok(init) => init,
        Err(_) => return network_error("could not build the request"),
    };
    let promise = match fetch {
        Some(f) => f.call2(&JsValue::UNDEFINED, &request.url.as_str().into(), &init),
        None => global_fetch(&request.url, &init).map(JsValue::from),
    };
    let response = match promise {
        Ok(p) => JsFuture::from(Promise::resolve(&p)).await,
        Err(e) => Err(e),
    };
    let response = match response {
        Ok(r) => r,
        Err(e) => return network_error(&describe(&e)),
    };
    let Some(status) = prop(&response, "status")
        .as_f64()
        .filter(|s| (100.0..=599.0).contains(s))
    else {
        return network_error("fetch resolved to something that is not a Response");
    };
    let retry_after = header(&response, "Retry-After");
    let body = match method(&response, "text").map(|text| text.call0(&response)) {
        Some(Ok(p)) => JsFuture::from(Promise::resolve(&p)).await,
        _ => return network_error("the response has no text()"),
    };
    let Some(body) = body.ok().and_then(|b| b.as_string()) else {
        return network_error("reading the response body failed");
    };
    // The status was range-checked above, so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let status = status as u16;
    FetchOutcome::Response {
        status,
        retry_after,
        body,
    }
}

fn request_init(request: &TokensRequest, credentials: &str) -> Result<JsValue, JsValue> {
    let headers = Object::new();
    Reflect::set(&headers, &"Content-Type".into(), &FORM_CONTENT_TYPE.into())?;
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &"POST".into())?;
    Reflect::set(&init, &"headers".into(), &headers)?;
    Reflect::set(&init, &"body".into(), &request.body.as_str().into())?;
    Reflect::set(&init, &"credentials".into(), &credentials.into())?;
    Ok(init.into())
}

fn header(response: &JsValue, name: &str) -> Option<String> {
    let headers = prop(response, "headers");
    let get = method(&headers, "get")?;
    get.call1(&headers, &name.into()).ok()?.as_string()
}

fn network_error(why: &str) -> FetchOutcome {
    FetchOutcome::NetworkError(why.to_owned())
}

/// A short description of a rejection: its message, never the request body.
fn describe(error: &JsValue) -> String {
    prop(error, "message")
        .as_string()
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned())
}
