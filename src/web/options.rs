//! Options objects from JS (`new Session(options)`, `getToken(options)`),
//! read once at the boundary into serde structs with serde-wasm-bindgen;
//! the core validates the values.
//!
//! Two things are added to serde-wasm-bindgen's own struct reading:
//! * fields are read with `Reflect.get`, which catches: serde-wasm-bindgen
//!   reads them through a non-catching getter, so a throwing getter or Proxy
//!   trap in an app's object would throw through wasm instead of becoming
//!   an `invalid_options` error;
//! * unknown keys are rejected (serde-wasm-bindgen ignores
//!   `deny_unknown_fields`), so a typo is an error, not a silent default.
//!
//! As in JS, a field that is `undefined` is absent.

use std::cell::RefCell;
use std::fmt;

use js_sys::{Array, Function, Reflect};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

use crate::core::{Error, GetTokenOptions, OrgChoice, SessionOptions};

/// The channel clerk-js uses, shared by default.
const DEFAULT_CHANNEL: &str = "clerk:session_token";

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, catching (a Proxy's `ownKeys` trap may throw).
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(object: &JsValue) -> Result<Array, JsValue>;
}

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
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    broadcast_channel: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    fetch: JsValue,
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
    skip_cache: Option<bool>,
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
    let o: SessionOptionsJs = read(value)?;
    let frontend_api = o
        .frontend_api
        .ok_or_else(|| invalid("frontendApi is required"))?;
    let session_id = o
        .session_id
        .ok_or_else(|| invalid("sessionId is required and must be a non-empty string"))?;
    let channel = match o.broadcast_channel.as_string() {
        _ if o.broadcast_channel.is_undefined() => Some(DEFAULT_CHANNEL.to_owned()),
        _ if o.broadcast_channel.is_null() => None,
        Some(name) if !name.is_empty() => Some(name),
        _ => {
            return Err(invalid(
                "broadcastChannel must be a non-empty string or null",
            ))
        }
    };
    let fetch = if o.fetch.is_undefined() || o.fetch.is_null() {
        None
    } else {
        Some(
            o.fetch
                .dyn_into::<Function>()
                .map_err(|_| invalid("fetch must be a function"))?,
        )
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
    let o: GetTokenOptionsJs = read(value)?;
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

/// Reads the object `value` into `T`, whose field names are `T`'s serde
/// names; an own enumerable key that is not one of them is an error.
fn read<T: for<'de> Deserialize<'de>>(value: &JsValue) -> Result<T, Error> {
    T::deserialize(Fields(value)).map_err(|e| Error::InvalidOptions(e.0))
}

/// A JS object as a serde struct (see the module docs).
struct Fields<'a>(&'a JsValue);

/// Why an options object was refused, naming the field.
#[derive(Debug)]
struct Complaint(String);

impl fmt::Display for Complaint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Complaint {}

impl de::Error for Complaint {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Complaint(msg.to_string())
    }
}

impl<'de> Deserializer<'de> for Fields<'_> {
    type Error = Complaint;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Complaint> {
        let names = js_names(fields);
        let keys =
            object_keys(self.0).map_err(|_| Complaint("options could not be read".into()))?;
        for key in keys.iter() {
            // Compared as JS strings: nothing is copied into wasm.
            if !names.contains(&key) {
                let key = key.as_string().unwrap_or_default();
                return Err(Complaint(format!(
                    "unknown option {key}; expected one of {}",
                    fields.join(", ")
                )));
            }
        }
        visitor.visit_map(FieldValues {
            object: self.0,
            fields: fields.iter().zip(names),
            current: None,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Complaint> {
        Err(Complaint("options must be an object".into()))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// The present fields of an object, in declaration order.
struct FieldValues<'a> {
    object: &'a JsValue,
    fields:
        std::iter::Zip<std::slice::Iter<'static, &'static str>, std::slice::Iter<'static, JsValue>>,
    current: Option<(&'static str, JsValue)>,
}

thread_local! {
    /// Field names as JS strings, made once per options type: building one
    /// from Rust per read costs more than the read. (Two small arrays, kept
    /// for the module's life.)
    static NAMES: RefCell<Vec<(*const &'static str, &'static [JsValue])>> = const { RefCell::new(Vec::new()) };
}

/// `fields` as JS strings, from [`NAMES`]. The cell is borrowed only here,
/// never while a getter of the app's object runs.
fn js_names(fields: &'static [&'static str]) -> &'static [JsValue] {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some((_, js)) = names.iter().find(|(ptr, _)| *ptr == fields.as_ptr()) {
            return *js;
        }
        let js: &'static [JsValue] =
            Vec::leak(fields.iter().map(|f| JsValue::from_str(f)).collect());
        names.push((fields.as_ptr(), js));
        js
    })
}

impl<'de> MapAccess<'de> for FieldValues<'_> {
    type Error = Complaint;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Complaint> {
        for (&field, name) in self.fields.by_ref() {
            let value = Reflect::get(self.object, name)
                .map_err(|_| Complaint(format!("{field} could not be read")))?;
            if !value.is_undefined() {
                self.current = Some((field, value));
                return seed
                    .deserialize(de::value::BorrowedStrDeserializer::new(field))
                    .map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Complaint> {
        let Some((field, value)) = self.current.take() else {
            return Err(Complaint("options could not be read".into()));
        };
        seed.deserialize(serde_wasm_bindgen::Deserializer::from(value))
            .map_err(|e| Complaint(format!("{field}: {}", message(e))))
    }
}

/// The message of a serde-wasm-bindgen error (a JS `Error`).
fn message(e: serde_wasm_bindgen::Error) -> String {
    let e = JsValue::from(e);
    Reflect::get(&e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "invalid value".to_owned())
}
