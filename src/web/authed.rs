//! `fetchWithAuth` (SPEC 8.2): the core's [`AuthedFetch`] decides, this
//! carries it out with web-sys's `Request` and `Headers`: the token through
//! the session's own `getToken` path, the request through its `fetch`.

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStream, Request};

use super::calls::{self, Signals};
use super::driver::{self, Shared};
use super::error::to_js;
use super::fetch::{global_fetch_request, settle, status};
use super::options::{self, get_token_options};
use crate::core::{cat, AuthedFetch, AuthedStep, GetTokenOptions};

#[wasm_bindgen]
extern "C" {
    /// The `Request` class, built from anything `fetch` takes.
    #[wasm_bindgen(js_name = Request)]
    type AnyRequest;

    /// `new Request(input, init)`: a `Request`, a URL or anything with a
    /// `toString()`, as `fetch` takes them; catching, since a bad URL or
    /// init throws a `TypeError`, as `fetch` itself would reject with.
    #[wasm_bindgen(constructor, js_class = "Request", catch)]
    fn new(input: &JsValue, init: &JsValue) -> Result<AnyRequest, JsValue>;
}

/// The whole call; its promise is what `fetchWithAuth` returns.
pub(crate) async fn fetch_with_auth(
    shared: Shared,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, JsValue> {
    let (options, signals) = split(&init)?;
    // A body that is a stream can be read only once (copying it would hold
    // it all in memory): such a request is not sent again.
    let body = Reflect::get(&init, &JsValue::from_str("body")).unwrap_or_default();
    let replayable = !body.is_instance_of::<ReadableStream>();
    let request: Request = AnyRequest::new(&input, &init)?.unchecked_into();
    // Kept before the first send, which uses up the body.
    let spare = if replayable {
        // `Request.prototype.clone`, not a second handle.
        Some(Request::clone(&request)?)
    } else {
        None
    };
    let (mut call, mut step) = AuthedFetch::new(options, replayable);
    let mut response = JsValue::UNDEFINED;
    loop {
        // The step's promise: the call's one await, which keeps its state
        // machine small in the module.
        let pending = match &step {
            AuthedStep::GetToken(options) => {
                JsFuture::from(calls::get_token(&shared, options, false, &signals))
            }
            AuthedStep::Send { token, again } => {
                let request = match (&spare, again) {
                    (Some(spare), true) => spare,
                    _ => &request,
                };
                request
                    .headers()
                    .set("Authorization", &cat(&["Bearer ", token]))?;
                send(&shared, request)
            }
            AuthedStep::Done => return Ok(response),
        };
        let value = pending.await?;
        step = match step {
            AuthedStep::GetToken(_) => call.on_token(value.as_string().unwrap_or_default()),
            _ => {
                // Whatever the app's fetch resolved to goes back to it; only
                // a 401 is acted on.
                let status = status(&value).ok().flatten().unwrap_or(0);
                response = value;
                call.on_response(status)
            }
        };
    }
}

/// `init.tokenOptions`, read as `getToken` reads its options, and the
/// signals that end the token wait: `tokenOptions.signal` and
/// `init.signal`, which the request gets too (SPEC 11.1). (`init` itself
/// goes to `new Request`, which reads only the members it knows: the app's
/// `fetch` never sees `tokenOptions`.)
fn split(init: &JsValue) -> Result<Split, JsValue> {
    if init.is_undefined() || init.is_null() {
        return Ok((GetTokenOptions::default(), [None, None]));
    }
    let options = Reflect::get(init, &JsValue::from_str("tokenOptions"))?;
    let (options, signal) = if options.is_undefined() {
        (GetTokenOptions::default(), None)
    } else {
        get_token_options(&options).map_err(|e| to_js(&e))?
    };
    let given = Reflect::get(init, &JsValue::from_str("signal"))?;
    let request = if given.is_undefined() || given.is_null() {
        None
    } else {
        Some(options::signal(given).map_err(|e| to_js(&e))?)
    };
    Ok((options, [signal, request]))
}

/// A call's token options and the signals of its wait.
type Split = (GetTokenOptions, Signals);

/// Sends `request` through the session's `fetch` (else the global one);
/// rejects as it did.
fn send(shared: &Shared, request: &Request) -> JsFuture {
    let fetch: Option<Function> = driver::fetch_function(shared);
    let sent = match &fetch {
        Some(fetch) => fetch.call1(&JsValue::UNDEFINED, request),
        None => global_fetch_request(request),
    };
    settle(sent)
}
