//! Options objects from JS (`new Session(options)`, `getToken(options)`),
//! read once at the boundary into serde structs with the module's own
//! deserializer ([`super::de`]: declared fields by name, unknown keys
//! refused, errors that name the field and what it must be); the core
//! validates the values. As in JS, a field that is `undefined` is absent.

use js_sys::Function;
use serde::{Deserialize, Deserializer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, RequestCredentials};

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
    #[serde(default)]
    background_refresh_threshold: Present<f64>,
    #[serde(default)]
    poll_interval: Present<f64>,
    /// Absent: the default channel; `null`: none.
    #[serde(default)]
    broadcast_channel: Present<Option<String>>,
    fetch: Option<Raw>,
    #[serde(default)]
    credentials: Present<Credentials>,
    #[serde(default)]
    timeout: Present<f64>,
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
    #[serde(default)]
    template: Present<String>,
    /// Absent: the session's organization; `null`: personal.
    #[serde(default)]
    organization_id: Present<Option<String>>,
    #[serde(default)]
    skip_cache: Present<bool>,
    #[serde(default)]
    refresh_if_stale: Present<bool>,
    signal: Option<Raw>,
}

/// A field that, when present, must hold a `T` (`null` is not absent).
/// A type rather than a `deserialize_with` function: serde makes a wrapper
/// type for each field that names a function, and each drags its own copy
/// of the reading code into the module; fields of one `Present<T>` share it.
struct Present<T>(Option<T>);

impl<T> Default for Present<T> {
    fn default() -> Self {
        Present(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Present<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|v| Present(Some(v)))
    }
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
        .ok_or_else(|| invalid("sessionId must be a non-empty string"))?;
    let channel = match o.broadcast_channel.0 {
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
            background_refresh_threshold: o.background_refresh_threshold.0,
            poll_interval: o.poll_interval.0,
            timeout: o.timeout.0,
        },
        last_active_token: o.last_active_token,
        channel,
        fetch,
        credentials: match o.credentials.0 {
            None | Some(Credentials::Include) => RequestCredentials::Include,
            Some(Credentials::SameOrigin) => RequestCredentials::SameOrigin,
            Some(Credentials::Omit) => RequestCredentials::Omit,
        },
    })
}

/// Reads `getToken(options)` / `peekToken(options)` and the call's
/// `signal`; `null` means no options (as `undefined` does, which never
/// reaches here).
pub(crate) fn get_token_options(
    value: &JsValue,
) -> Result<(GetTokenOptions, Option<AbortSignal>), Error> {
    // Read first: callers pass an object, and whether it is one is asked
    // only if it cannot be read (a crossing less on the hot path).
    let o: GetTokenOptionsJs = match options(value) {
        Ok(o) => o,
        Err(_) if value.is_null() => return Ok((GetTokenOptions::default(), None)),
        Err(_) if !value.is_object() => return Err(invalid("getToken options must be an object")),
        Err(e) => return Err(e),
    };
    let signal = match o.signal {
        None => None,
        Some(Raw(s)) => Some(signal(s)?),
    };
    let opts = GetTokenOptions {
        template: o.template.0,
        organization_id: match o.organization_id.0 {
            None => OrgChoice::SessionDefault,
            Some(org) => OrgChoice::Explicit(org),
        },
        skip_cache: o.skip_cache.0.unwrap_or(false),
        refresh_if_stale: o.refresh_if_stale.0.unwrap_or(false),
        refused: None,
    };
    Ok((opts, signal))
}

/// An `AbortSignal` given as `signal`.
pub(crate) fn signal(value: JsValue) -> Result<AbortSignal, Error> {
    // `instanceof` is not enough: a Proxy of a signal, or an object made
    // from its prototype (with an own `aborted` or not), passes it and then
    // throws on first use, inside the call. The prototype's own `aborted`
    // getter, called on it catching, takes only a real one.
    if value.unchecked_ref::<Brand>().aborted().is_err() {
        return Err(invalid("signal must be an AbortSignal"));
    }
    Ok(value.unchecked_into())
}

#[wasm_bindgen]
extern "C" {
    /// Any value, to be asked whether it is an `AbortSignal`.
    #[wasm_bindgen(js_name = AbortSignal)]
    type Brand;

    /// `AbortSignal.prototype`'s `aborted` getter, called on the value
    /// (`final`: not looked up on it): it throws unless the value is one.
    #[wasm_bindgen(method, getter, final, catch, js_class = "AbortSignal", js_name = aborted)]
    fn aborted(this: &Brand) -> Result<bool, JsValue>;

    /// `AbortSignal.prototype`'s `reason` getter, as `aborted`.
    #[wasm_bindgen(method, getter, final, catch, js_class = "AbortSignal", js_name = reason)]
    fn reason(this: &Brand) -> Result<JsValue, JsValue>;
}

/// Whether `signal` is aborted, and why: read with the prototype's own
/// getters, so that an `aborted` or `reason` the app set on the signal
/// itself (a throwing getter, say) is never asked.
pub(crate) fn abort_reason(signal: &AbortSignal) -> Option<JsValue> {
    let brand = signal.unchecked_ref::<Brand>();
    brand
        .aborted()
        .unwrap_or(false)
        .then(|| brand.reason().unwrap_or_default())
}

fn invalid(why: &str) -> Error {
    Error::InvalidOptions(why.to_owned())
}

/// Reads an options object into `T` (see [`super::de`]).
fn options<T: for<'de> Deserialize<'de>>(value: &JsValue) -> Result<T, Error> {
    read(value.clone(), Mode::Options).map_err(|e| Error::InvalidOptions(e.0))
}
