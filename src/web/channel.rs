//! The `BroadcastChannel` side of cross-tab sync: posting the clerk-js shaped
//! message and reading received ones field by field.

use crate::prelude::*;

use super::listener::{prop, EventListener};
use crate::core::{Field, IncomingBroadcast, OutgoingBroadcast};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::BroadcastChannel;

/// An open channel with its message listener; closed on drop.
pub(crate) struct Channel {
    channel: BroadcastChannel,
    _listener: Option<EventListener>,
}

impl Channel {
    /// Opens `name` and calls `on_message` with each message's `data`.
    /// `None` where `BroadcastChannel` is missing or throws.
    pub fn open(name: &str, on_message: impl Fn(JsValue) + 'static) -> Option<Channel> {
        let channel = BroadcastChannel::new(name).ok()?;

        let listener = EventListener::new(&channel, "message", move |event| {
            on_message(prop(&event, "data"));
        });
        Some(Channel {
            channel,
            _listener: listener,
        })
    }

    /// Posts `msg`. A failing `postMessage` is swallowed: the token is
    /// already cached here, and other tabs will refresh on their own.
    pub fn post(&self, msg: &OutgoingBroadcast) {
        if let Ok(data) = to_js(msg) {
            let _ = self.channel.post_message(&data);
        }
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.close();
    }
}

fn to_js(msg: &OutgoingBroadcast) -> Result<JsValue, JsValue> {
    let obj = Object::new();
    let opt = |v: &Option<String>| v.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    Reflect::set(&obj, &"tokenId".into(), &msg.token_id.as_str().into())?;
    Reflect::set(&obj, &"tokenRaw".into(), &msg.token_raw.as_str().into())?;
    Reflect::set(&obj, &"sessionId".into(), &msg.session_id.as_str().into())?;
    Reflect::set(&obj, &"template".into(), &opt(&msg.template))?;
    Reflect::set(&obj, &"organizationId".into(), &opt(&msg.organization_id))?;
    Reflect::set(&obj, &"traceId".into(), &msg.trace_id.as_str().into())?;
    Ok(obj.into())
}

/// Reads a received message without trusting its shape.
pub(crate) fn from_js(data: &JsValue) -> IncomingBroadcast {
    if !data.is_object() {
        return IncomingBroadcast::default();
    }
    let field = |name: &str| {
        let v = prop(data, name);
        if v.is_undefined() {
            Field::Missing
        } else if v.is_null() {
            Field::Null
        } else if let Some(s) = v.as_string() {
            Field::Str(s)
        } else {
            Field::Other
        }
    };
    IncomingBroadcast {
        token_id: field("tokenId"),
        token_raw: field("tokenRaw"),
        session_id: field("sessionId"),
        template: field("template"),
        organization_id: field("organizationId"),
    }
}
