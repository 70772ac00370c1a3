//! Reading options objects from JS into typed structs, once, at the boundary.
//!
//! The JS half (`options.js`) checks JS types and unknown keys and hands
//! back an array of plain values; this half builds the typed structs, whose
//! values the core validates. serde-wasm-bindgen cost a third of the
//! package's size budget, and a Rust reader field by field a twentieth.

use crate::prelude::*;

use crate::core::{Error, GetTokenOptions, OrgChoice, SessionOptions};
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What the constructor needs, type-checked (the default channel,
/// `clerk:session_token`, shared with clerk-js, is filled in by options.js).
pub(crate) struct WebOptions {
    pub core: SessionOptions,
    pub last_active_token: Option<String>,
    pub channel: Option<String>,
    pub fetch: Option<Function>,
    pub credentials: String,
}

#[wasm_bindgen(module = "/src/web/options.js")]
extern "C" {
    #[wasm_bindgen(js_name = readSessionOptions)]
    fn read_session_options(options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = readGetTokenOptions)]
    fn read_get_token_options(options: &JsValue) -> i32;
    #[wasm_bindgen(js_name = takeTemplate)]
    fn take_template() -> String;
    #[wasm_bindgen(js_name = takeOrganization)]
    fn take_organization() -> String;
    #[wasm_bindgen(js_name = takeComplaint)]
    fn take_complaint() -> String;
}

/// The array options.js read, or its complaint as an error.
fn fields(read: JsValue) -> Result<Array, Error> {
    match read.dyn_into::<Array>() {
        Ok(fields) => Ok(fields),
        Err(complaint) => Err(Error::InvalidOptions(
            complaint
                .as_string()
                .unwrap_or_else(|| "options could not be read".to_owned()),
        )),
    }
}

/// Reads `new Session(options)`.
pub(crate) fn session_options(value: &JsValue) -> Result<WebOptions, Error> {
    let f = fields(read_session_options(value))?;
    Ok(WebOptions {
        core: SessionOptions {
            frontend_api: f.get(0).as_string().unwrap_or_default(),
            session_id: f.get(1).as_string().unwrap_or_default(),
            organization_id: f.get(2).as_string(),
            background_refresh_threshold: f.get(4).as_f64(),
            poll_interval: f.get(5).as_f64(),
        },
        last_active_token: f.get(3).as_string(),
        channel: f.get(6).as_string(),
        fetch: f.get(7).dyn_into::<Function>().ok(),
        credentials: f.get(8).as_string().unwrap_or_default(),
    })
}

/// Reads `getToken(options)` / `peekToken(options)`; `undefined` and `null`
/// mean no options.
pub(crate) fn get_token_options(value: &JsValue) -> Result<GetTokenOptions, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(GetTokenOptions::default());
    }
    // One number, and a call per string present (see options.js).
    let flags = read_get_token_options(value);
    if flags < 0 {
        return Err(Error::InvalidOptions(take_complaint()));
    }
    // Absent (the session's organization) and `null` (personal) differ.
    let organization_id = match flags & 3 {
        2 => OrgChoice::Explicit(Some(take_organization())),
        1 => OrgChoice::Explicit(None),
        _ => OrgChoice::SessionDefault,
    };
    Ok(GetTokenOptions {
        template: (flags & 16 != 0).then(take_template),
        organization_id,
        skip_cache: flags & 4 != 0,
        refresh_if_stale: flags & 8 != 0,
    })
}
