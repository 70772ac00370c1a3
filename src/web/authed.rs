//! `fetchWithAuth` (SPEC 8.2): the core's [`AuthedFetch`] decides, this
//! carries it out with web-sys's `Request` and `Headers`: the token through
//! the session's own `getToken` path, the request through its `fetch`.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStream, Request, RequestInit};

use super::driver::{self, Shared};
use super::error::to_js;
use super::fetch::{global_fetch_request, settle, status};
use super::options::get_token_options;
use crate::core::{AuthedFetch, AuthedStep, GetTokenOptions};

#[wasm_bindgen]
extern "C" {
    /// `Object.assign`, catching (the app's `init` may have throwing getters).
    #[wasm_bindgen(js_namespace = Object, js_name = assign, catch)]
    fn assign(target: &Object, source: &JsValue) -> Result<Object, JsValue>;

    /// `String(value)`, catching (a `toString` may throw).
    #[wasm_bindgen(js_name = String, catch)]
    fn to_string(value: &JsValue) -> Result<js_sys::JsString, JsValue>;
}

/// The whole call; its promise is what `fetchWithAuth` returns.
pub(crate) async fn fetch_with_auth(
    shared: Shared,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, JsValue> {
    let (options, init) = split(&init)?;
    // A body that is a stream can be read only once (copying it would hold
    // it all in memory): such a request is not sent again.
    let body = Reflect::get(&init, &JsValue::from_str("body")).unwrap_or_default();
    let replayable = !body.is_instance_of::<ReadableStream>();
    let request = build(&input, &init)?;
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
        step = match step {
            AuthedStep::GetToken(options) => {
                let token = driver::get_token(&shared, &options, false);
                let token = JsFuture::from(token).await?;
                call.on_token(token.as_string().unwrap_or_default())
            }
            AuthedStep::Send { token, again } => {
                let request = match (&spare, again) {
                    (Some(spare), true) => spare,
                    _ => &request,
                };
                request
                    .headers()
                    .set("Authorization", &format!("Bearer {token}"))?;
                response = send(&shared, request).await?;
                // Whatever the app's fetch resolved to goes back to it; only
                // a 401 is acted on.
                call.on_response(status(&response).ok().flatten().unwrap_or(0))
            }
            AuthedStep::Done => return Ok(response),
        };
    }
}

/// `init.tokenOptions`, read as `getToken` reads its options, and a copy of
/// `init` without it (it is not passed on).
fn split(init: &JsValue) -> Result<(GetTokenOptions, JsValue), JsValue> {
    if init.is_undefined() || init.is_null() {
        return Ok((GetTokenOptions::default(), JsValue::UNDEFINED));
    }
    let options = Reflect::get(init, &JsValue::from_str("tokenOptions"))?;
    let options = if options.is_undefined() {
        GetTokenOptions::default()
    } else {
        get_token_options(&options).map_err(|e| to_js(&e))?
    };
    let rest = assign(&Object::new(), init)?;
    Reflect::delete_property(&rest, &JsValue::from_str("tokenOptions"))?;
    Ok((options, rest.into()))
}

/// `new Request(input, init)`: a `TypeError` for a bad URL or init, as
/// `fetch` itself would reject with.
fn build(input: &JsValue, init: &JsValue) -> Result<Request, JsValue> {
    let init: &RequestInit = init.unchecked_ref();
    match input.dyn_ref::<Request>() {
        Some(request) if init.is_undefined() => Request::new_with_request(request),
        Some(request) => Request::new_with_request_and_init(request, init),
        None => {
            // A string, a URL or anything with a toString(), as fetch takes.
            let url = String::from(to_string(input)?);
            if init.is_undefined() {
                Request::new_with_str(&url)
            } else {
                Request::new_with_str_and_init(&url, init)
            }
        }
    }
}

/// Sends `request` through the session's `fetch` (else the global one);
/// rejects as it did.
async fn send(shared: &Shared, request: &Request) -> Result<JsValue, JsValue> {
    let fetch: Option<Function> = driver::fetch_function(shared);
    let sent = match &fetch {
        Some(fetch) => fetch.call1(&JsValue::UNDEFINED, request),
        None => global_fetch_request(request),
    };
    settle(sent).await
}
