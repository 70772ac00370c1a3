//! Reading options objects from JS into typed structs, once, at the boundary.
//!
//! Read field by field with `Reflect` rather than through serde-wasm-bindgen:
//! that stack cost a third of the package's size budget, and a hand-written
//! reader names the offending field in every message anyway.

use crate::core::text::cat;
use crate::prelude::*;

use super::listener::prop;
use crate::core::{Error, GetTokenOptions, OrgChoice, SessionOptions};
use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The default channel, shared with clerk-js.
pub(crate) const DEFAULT_CHANNEL: &str = "clerk:session_token";

/// What the constructor needs, validated.
pub(crate) struct WebOptions {
    pub core: SessionOptions,
    pub last_active_token: Option<String>,
    pub channel: Option<String>,
    pub fetch: Option<Function>,
    pub credentials: String,
}

const SESSION_FIELDS: &[&str] = &[
    "frontendApi",
    "sessionId",
    "organizationId",
    "lastActiveToken",
    "backgroundRefreshThreshold",
    "pollInterval",
    "broadcastChannel",
    "fetch",
    "credentials",
];

const GET_FIELDS: &[&str] = &["template", "organizationId", "skipCache", "refreshIfStale"];

fn invalid(msg: &str) -> Error {
    Error::InvalidOptions(msg.to_owned())
}

/// One options object, read field by field.
struct Reader<'a>(&'a JsValue);

impl Reader<'_> {
    /// `undefined` (absent) as `None`; `null` only where `nullable`.
    fn present(&self, name: &str, nullable: bool) -> Result<Option<JsValue>, Error> {
        let v = prop(self.0, name);
        if v.is_undefined() || (nullable && v.is_null()) {
            return Ok(None);
        }
        Ok(Some(v))
    }

    fn string(&self, name: &str, nullable: bool) -> Result<Option<String>, Error> {
        match self.present(name, nullable)? {
            None => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or_else(|| {
                invalid(&cat(&[
                    name,
                    " must be a string",
                    if nullable { " or null" } else { "" },
                ]))
            }),
        }
    }

    fn number(&self, name: &str) -> Result<Option<f64>, Error> {
        match self.present(name, false)? {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| invalid(&cat(&[name, " must be a number"]))),
        }
    }

    fn boolean(&self, name: &str) -> Result<bool, Error> {
        match self.present(name, false)? {
            None => Ok(false),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| invalid(&cat(&[name, " must be a boolean"]))),
        }
    }

    /// A typo (`sesionId`) must not be silently ignored.
    fn reject_unknown(&self, fields: &[&str]) -> Result<(), Error> {
        let object: &Object = self.0.unchecked_ref();
        for key in Object::keys(object).iter() {
            let key = key.as_string().unwrap_or_default();
            if !fields.contains(&key.as_str()) {
                let mut message = cat(&["unknown option ", &key, "; expected one of "]);
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        message.push_str(", ");
                    }
                    message.push_str(field);
                }
                return Err(invalid(&message));
            }
        }
        Ok(())
    }
}

/// Reads `new Session(options)`.
pub(crate) fn session_options(value: &JsValue) -> Result<WebOptions, Error> {
    if !value.is_object() {
        return Err(invalid(
            "options must be an object with frontendApi and sessionId",
        ));
    }
    let r = Reader(value);
    r.reject_unknown(SESSION_FIELDS)?;
    let frontend_api = r
        .string("frontendApi", false)?
        .ok_or_else(|| invalid("frontendApi is required"))?;
    let session_id = r
        .string("sessionId", false)?
        .ok_or_else(|| invalid("sessionId is required and must be a non-empty string"))?;
    let channel = match prop(value, "broadcastChannel") {
        v if v.is_undefined() => Some(DEFAULT_CHANNEL.to_owned()),
        v if v.is_null() => None,
        v => match v.as_string() {
            Some(name) if !name.is_empty() => Some(name),
            _ => {
                return Err(invalid(
                    "broadcastChannel must be a non-empty string or null",
                ))
            }
        },
    };
    let fetch = match r.present("fetch", true)? {
        None => None,
        Some(f) => Some(
            f.dyn_into::<Function>()
                .map_err(|_| invalid("fetch must be a function"))?,
        ),
    };
    let credentials = r
        .string("credentials", false)?
        .unwrap_or_else(|| "include".to_owned());
    if !["include", "same-origin", "omit"].contains(&credentials.as_str()) {
        return Err(invalid(
            "credentials must be \"include\", \"same-origin\" or \"omit\"",
        ));
    }
    Ok(WebOptions {
        core: SessionOptions {
            frontend_api,
            session_id,
            organization_id: r.string("organizationId", true)?,
            background_refresh_threshold: r.number("backgroundRefreshThreshold")?,
            poll_interval: r.number("pollInterval")?,
        },
        last_active_token: r.string("lastActiveToken", true)?,
        channel,
        fetch,
        credentials,
    })
}

/// Reads `getToken(options)` / `peekToken(options)`; `undefined` and `null`
/// mean no options.
pub(crate) fn get_token_options(value: &JsValue) -> Result<GetTokenOptions, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(GetTokenOptions::default());
    }
    if !value.is_object() {
        return Err(invalid("getToken options must be an object"));
    }
    let r = Reader(value);
    r.reject_unknown(GET_FIELDS)?;
    // Absent (the session's organization) and `null` (personal) differ.
    let organization_id = match prop(value, "organizationId") {
        v if v.is_undefined() => OrgChoice::SessionDefault,
        v if v.is_null() => OrgChoice::Explicit(None),
        v => match v.as_string() {
            Some(org) => OrgChoice::Explicit(Some(org)),
            None => return Err(invalid("organizationId must be a string or null")),
        },
    };
    Ok(GetTokenOptions {
        template: r.string("template", false)?,
        organization_id,
        skip_cache: r.boolean("skipCache")?,
        refresh_if_stale: r.boolean("refreshIfStale")?,
    })
}
