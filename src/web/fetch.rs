//! One `/tokens` request through `fetch` (the injected one, else the global
//! one) with web-sys's `RequestInit`, `Headers` and `Response`, awaited with
//! wasm-bindgen-futures.
//!
//! An injected `fetch` may return anything, so nothing about its result is
//! trusted: every property read and call on it goes through a binding that
//! catches, and any surprise is a network error, never a throw through wasm.
//! What a status or body means is the core's call.

use js_sys::{Function, JsString, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, Request, RequestCredentials, RequestInit, Response};

use super::de::bounded;
use crate::core::FORM_CONTENT_TYPE;
use crate::core::MAX_BODY;
use crate::core::{FetchOutcome, TokensRequest};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, looked up at call time (a page, a worker).
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<JsValue, JsValue>;

    /// The global `fetch` of a `Request`.
    #[wasm_bindgen(js_name = fetch, catch)]
    pub(crate) fn global_fetch_request(request: &Request) -> Result<JsValue, JsValue>;

    /// `Promise.resolve`, catching: a thenable with a throwing getter makes
    /// it throw.
    #[wasm_bindgen(js_namespace = Promise, js_name = resolve, catch)]
    fn promise_resolve(value: &JsValue) -> Result<Promise, JsValue>;
}

/// Starts the request: `fetch(url, {method, headers, body, credentials,
/// signal})`, as clerk-js calls it (with the signal added), so an injected
/// `fetch` sees what it would see there. The returned future reads the
/// outcome.
pub(crate) fn send(
    fetch: Option<&Function>,
    request: &TokensRequest,
    credentials: RequestCredentials,
    signal: Option<&AbortSignal>,
) -> impl std::future::Future<Output = FetchOutcome> {
    let sent = init(request, credentials, signal).and_then(|init| match fetch {
        Some(fetch) => fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init),
        None => global_fetch(&request.url, &init),
    });
    async move {
        // One state machine: what happens between the awaits is plain calls.
        let response = match settle(sent).await {
            Ok(response) => response,
            Err(e) => return unreachable_api(&e),
        };
        let (status, retry_after) = match head(&response) {
            Ok(head) => head,
            Err(outcome) => return outcome,
        };
        let text = response.unchecked_ref::<Response>().text();
        let body = settle(text.map(JsValue::from)).await;
        match body.ok().and_then(|b| b.dyn_into::<JsString>().ok()) {
            // The core rejects a body over MAX_BODY bytes; no more is copied.
            Some(body) => FetchOutcome::Response {
                status,
                retry_after,
                body: bounded(&body, MAX_BODY),
            },
            None => FetchOutcome::NetworkError("reading the response body failed".into()),
        }
    }
}

/// The request was rejected (`e`).
fn unreachable_api(e: &JsValue) -> FetchOutcome {
    let mut why = describe(e);
    // A TypeError ("Failed to fetch") is all browsers say both when the host
    // cannot be reached and when they refuse its answer (CORS): say what it
    // usually means. (The core's message names the Frontend API's origin.)
    if e.is_instance_of::<js_sys::TypeError>() {
        why.push_str(
            " (it could not be reached, or the browser refused its answer: its \
             CORS headers must name this page's origin, not *, and allow credentials)",
        );
    }
    FetchOutcome::NetworkError(why)
}

fn init(
    request: &TokensRequest,
    credentials: RequestCredentials,
    signal: Option<&AbortSignal>,
) -> Result<RequestInit, JsValue> {
    let headers = Headers::new()?;
    headers.set("Content-Type", FORM_CONTENT_TYPE)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&request.body));
    init.set_credentials(credentials);
    init.set_signal(signal);
    Ok(init)
}

/// What a call returned, awaited if it is a promise (or a thenable). A
/// plain function returning the future, not an `async fn`: each `async fn`
/// awaited inside another adds its own state machine to the module.
pub(crate) fn settle(value: Result<JsValue, JsValue>) -> JsFuture {
    let promise = value.and_then(|v| promise_resolve(&v));
    JsFuture::from(promise.unwrap_or_else(|e| Promise::reject(&e)))
}

/// Reads status, `Retry-After` and body, as duck-typed as `fetch` results
/// are in practice (test doubles, polyfills).
/// A response's HTTP status, if it has one (an integer from 100 to 599);
/// `Err` if reading it threw.
pub(crate) fn status(response: &JsValue) -> Result<Option<u16>, JsValue> {
    let status = Reflect::get(response, &JsValue::from_str("status"))?;
    Ok(status
        .as_f64()
        .filter(|s| (100.0..=599.0).contains(s) && s.fract() == 0.0)
        .and_then(|s| u16::try_from(s as u32).ok()))
}

/// A response's status and `Retry-After`, once it is known to have a
/// `text()` to read the body with; else the outcome it is.
fn head(response: &JsValue) -> Result<(u16, Option<String>), FetchOutcome> {
    let not_a_response =
        || FetchOutcome::NetworkError("fetch resolved to something that is not a Response".into());
    if !response.is_object() {
        return Err(not_a_response());
    }
    let status = match status(response) {
        Ok(Some(status)) => status,
        Ok(None) => return Err(not_a_response()),
        Err(e) => return Err(FetchOutcome::NetworkError(describe(&e))),
    };
    let retry_after = Reflect::get(response, &JsValue::from_str("headers"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|headers| headers.unchecked_into::<Headers>().get("Retry-After").ok())
        .flatten();
    let has_text =
        Reflect::get(response, &JsValue::from_str("text")).is_ok_and(|t| t.is_function());
    if !has_text {
        return Err(FetchOutcome::NetworkError(
            "the response has no text()".into(),
        ));
    }
    Ok((status, retry_after))
}

/// A rejection's message, for `network_error`.
pub(crate) fn describe(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned())
}
