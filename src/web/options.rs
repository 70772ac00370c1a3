//! Options objects from JS (`new Session(options)`, `getToken(options)`),
//! read once at the boundary into serde structs with the module's own
//! deserializer ([`super::de`]: declared fields by name, unknown keys
//! refused, errors that name the field and what it must be); the core
//! validates the values. As in JS, a field that is `undefined` is absent.

use js_sys::Function;
use serde::{Deserialize, Deserializer};
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

use super::de::{read, Mode, Raw};
use crate::core::{Error, GetTokenOptions, OrgChoice, SessionOptions};

/// The channel clerk-js uses, shared by default.
const DEFAULT_CHANNEL: &str = "clerk:session_token";

/// `new Session(options)` as JS passes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionOptionsJs {
    frontend_api: Option<String>,
    session_id: Option<String>,
    organization_id: Option<String>,
    last_active_token: Option<String>,
    #[serde(default, deserialize_with = "present")]
    background_refresh_threshold: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    poll_interval: Option<f64>,
    /// Absent: the default channel; `null`: none.
    #[serde(default, deserialize_with = "present")]
    broadcast_channel: Option<Option<String>>,
    fetch: Option<Raw>,
    #[serde(default, deserialize_with = "present")]
    credentials: Option<Credentials>,
}

/// `RequestCredentials`, by its JS names.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Credentials {
    Include,
    SameOrigin,
    Omit,
}

/// `getToken(options)` / `peekToken(options)` as JS passes them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetTokenOptionsJs {
    #[serde(default, deserialize_with = "present")]
    template: Option<String>,
    /// Absent: the session's organization; `null`: personal.
    #[serde(default, deserialize_with = "present")]
    organization_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    skip_cache: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    refresh_if_stale: Option<bool>,
}

/// A field that, when present, must hold a `T` (`null` is not absent).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// What the constructor needs, type-checked.
pub(crate) struct WebOptions {
    pub core: SessionOptions,
    pub last_active_token: Option<String>,
    /// `None`: no cross-tab sync.
    pub channel: Option<String>,
    pub fetch: Option<Function>,
    pub credentials: RequestCredentials,
}

/// Reads `new Session(options)`.
pub(crate) fn session_options(value: &JsValue) -> Result<WebOptions, Error> {
    if !value.is_object() {
        return Err(invalid(
            "options must be an object with frontendApi and sessionId",
        ));
    }
    let o: SessionOptionsJs = options(value)?;
    let frontend_api = o
        .frontend_api
        .ok_or_else(|| invalid("frontendApi is required"))?;
    let session_id = o
        .session_id
        .ok_or_else(|| invalid("sessionId is required and must be a non-empty string"))?;
    let channel = match o.broadcast_channel {
        None => Some(DEFAULT_CHANNEL.to_owned()),
        Some(None) => None,
        Some(Some(name)) if !name.is_empty() => Some(name),
        Some(Some(_)) => {
            return Err(invalid(
                "broadcastChannel must be a non-empty string or null",
            ))
        }
    };
    let fetch = match o.fetch {
        None => None,
        Some(Raw(f)) => Some(
            f.dyn_into::<Function>()
                .map_err(|_| invalid("fetch must be a function"))?,
        ),
    };
    Ok(WebOptions {
        core: SessionOptions {
            frontend_api,
            session_id,
            organization_id: o.organization_id,
            background_refresh_threshold: o.background_refresh_threshold,
            poll_interval: o.poll_interval,
        },
        last_active_token: o.last_active_token,
        channel,
        fetch,
        credentials: match o.credentials {
            None | Some(Credentials::Include) => RequestCredentials::Include,
            Some(Credentials::SameOrigin) => RequestCredentials::SameOrigin,
            Some(Credentials::Omit) => RequestCredentials::Omit,
        },
    })
}

/// Reads `getToken(options)` / `peekToken(options)`; `null` means no
/// options (as `undefined` does, which never reaches here).
pub(crate) fn get_token_options(value: &JsValue) -> Result<GetTokenOptions, Error> {
    // An object first: it is what callers pass, and one crossing decides it.
    if !value.is_object() {
        if value.is_null() {
            return Ok(GetTokenOptions::default());
        }
        return Err(invalid("getToken options must be an object"));
    }
    let o: GetTokenOptionsJs = options(value)?;
    Ok(GetTokenOptions {
        template: o.template,
        organization_id: match o.organization_id {
            None => OrgChoice::SessionDefault,
            Some(org) => OrgChoice::Explicit(org),
        },
        skip_cache: o.skip_cache.unwrap_or(false),
        refresh_if_stale: o.refresh_if_stale.unwrap_or(false),
    })
}

fn invalid(why: &str) -> Error {
    Error::InvalidOptions(why.to_owned())
}

/// Reads an options object into `T` (see [`super::de`]).
fn options<T: for<'de> Deserialize<'de>>(value: &JsValue) -> Result<T, Error> {
    read(value.clone(), Mode::Options).map_err(|e| Error::InvalidOptions(e.0))
}
