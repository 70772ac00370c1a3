//! Reading options objects from JS into typed structs, once, at the boundary.

use super::listener::prop;
use crate::core::{Error, GetTokenOptions, OrgChoice, SessionOptions};
use js_sys::Function;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The default channel, shared with clerk-js.
pub(crate) const DEFAULT_CHANNEL: &str = "clerk:session_token";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSessionOptions {
    frontend_api: String,
    session_id: String,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    last_active_token: Option<String>,
    #[serde(default)]
    background_refresh_threshold: Option<f64>,
    #[serde(default)]
    poll_interval: Option<f64>,
    // Kept raw: `null` (no sync) and absent (default channel) differ.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    broadcast_channel: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    fetch: JsValue,
    #[serde(default)]
    credentials: Option<String>,
}

/// What the constructor needs, validated.
pub(crate) struct WebOptions {
    pub core: SessionOptions,
    pub last_active_token: Option<String>,
    pub channel: Option<String>,
    pub fetch: Option<Function>,
    pub credentials: String,
}

/// The expected JS type of each option, for messages that name the field.
const FIELD_TYPES: &[(&str, &str)] = &[
    ("frontendApi", "string"),
    ("sessionId", "string"),
    ("organizationId", "string"),
    ("lastActiveToken", "string"),
    ("backgroundRefreshThreshold", "number"),
    ("pollInterval", "number"),
    ("broadcastChannel", "string"),
    ("fetch", "function"),
    ("credentials", "string"),
];

/// Reads `new Session(options)`.
pub(crate) fn session_options(value: &JsValue) -> Result<WebOptions, Error> {
    if !value.is_object() {
        return Err(invalid(
            "options must be an object with frontendApi and sessionId",
        ));
    }
    reject_unknown(value, FIELD_TYPES)?;
    let raw: RawSessionOptions = serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| explain(value, &e.to_string()))?;
    let channel = if raw.broadcast_channel.is_undefined() {
        Some(DEFAULT_CHANNEL.to_owned())
    } else if raw.broadcast_channel.is_null() {
        None
    } else {
        match raw.broadcast_channel.as_string() {
            Some(name) if !name.is_empty() => Some(name),
            _ => {
                return Err(invalid(
                    "broadcastChannel must be a non-empty string or null",
                ))
            }
        }
    };
    let fetch = if raw.fetch.is_undefined() || raw.fetch.is_null() {
        None
    } else {
        Some(
            raw.fetch
                .dyn_into::<Function>()
                .map_err(|_| invalid("fetch must be a function"))?,
        )
    };
    let credentials = raw.credentials.unwrap_or_else(|| "include".to_owned());
    if !["include", "same-origin", "omit"].contains(&credentials.as_str()) {
        return Err(invalid(
            "credentials must be \"include\", \"same-origin\" or \"omit\"",
        ));
    }
    Ok(WebOptions {
        core: SessionOptions {
            frontend_api: raw.frontend_api,
            session_id: raw.session_id,
            organization_id: raw.organization_id,
            background_refresh_threshold: raw.background_refresh_threshold,
            poll_interval: raw.poll_interval,
        },
        last_active_token: raw.last_active_token,
        channel,
        fetch,
        credentials,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawGetTokenOptions {
    #[serde(default)]
    template: Option<String>,
    // Kept raw: absent (the session's organization) and `null` (personal) differ.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    organization_id: JsValue,
    #[serde(default)]
    skip_cache: Option<bool>,
    #[serde(default)]
    refresh_if_stale: Option<bool>,
}

const GET_FIELD_TYPES: &[(&str, &str)] = &[
    ("template", "string"),
    ("organizationId", "string"),
    ("skipCache", "boolean"),
    ("refreshIfStale", "boolean"),
];

/// Reads `getToken(options)` / `peekToken(options)`; `undefined` and `null`
/// mean no options.
pub(crate) fn get_token_options(value: &JsValue) -> Result<GetTokenOptions, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(GetTokenOptions::default());
    }
    if !value.is_object() {
        return Err(invalid("getToken options must be an object"));
    }
    reject_unknown(value, GET_FIELD_TYPES)?;
    let raw: RawGetTokenOptions = serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| explain_with(value, &e.to_string(), GET_FIELD_TYPES))?;
    let organization_id = if raw.organization_id.is_undefined() {
        OrgChoice::SessionDefault
    } else if raw.organization_id.is_null() {
        OrgChoice::Explicit(None)
    } else {
        match raw.organization_id.as_string() {
            Some(org) => OrgChoice::Explicit(Some(org)),
            None => return Err(invalid("organizationId must be a string or null")),
        }
    };
    Ok(GetTokenOptions {
        template: raw.template,
        organization_id,
        skip_cache: raw.skip_cache.unwrap_or(false),
        refresh_if_stale: raw.refresh_if_stale.unwrap_or(false),
    })
}

/// serde-wasm-bindgen reads a struct field by field, so `deny_unknown_fields`
/// never sees extra keys: check them here, since a typo (`sesionId`) must not
/// be silently ignored.
fn reject_unknown(value: &JsValue, fields: &[(&str, &str)]) -> Result<(), Error> {
    let object: &js_sys::Object = value.unchecked_ref();
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !fields.iter().any(|(name, _)| *name == key) {
            let known: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
            return Err(invalid(&format!(
                "unknown option {key}; expected one of {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

fn invalid(msg: &str) -> Error {
    Error::InvalidOptions(msg.to_owned())
}

fn explain(value: &JsValue, serde_msg: &str) -> Error {
    explain_with(value, serde_msg, FIELD_TYPES)
}

/// serde names missing and unknown fields but not mistyped ones; find the
/// mistyped field ourselves so the message always names it.
fn explain_with(value: &JsValue, serde_msg: &str, fields: &[(&str, &str)]) -> Error {
    for (name, want) in fields {
        let v = prop(value, name);
        if v.is_undefined() || v.is_null() {
            continue;
        }
        let ok = match *want {
            "string" => v.is_string(),
            "number" => v.as_f64().is_some(),
            "boolean" => v.as_bool().is_some(),
            "function" => v.is_function(),
            _ => true,
        };
        if !ok {
            return invalid(&format!("{name} must be a {want}"));
        }
    }
    invalid(&serde_msg.replace('`', ""))
}
