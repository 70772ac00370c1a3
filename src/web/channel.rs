//! Cross-tab sync over web-sys `BroadcastChannel`s: the clerk-compatible
//! one (SPEC 4) and the library's own (SPEC 10). Messages go out and come
//! in through serde-wasm-bindgen; what a received message means is the
//! core's call (SPEC 4.3), made on fields read without trusting their shape.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

use crate::core::MAX_FIELD_LEN;
use crate::core::{Field, IncomingBroadcast, IncomingPeer, OutgoingBroadcast};

/// An open channel with its message callback; closed on drop.
pub(crate) struct Channel {
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Channel {
    /// Opens `name` and calls `on_message` with each received message.
    /// `None` where `BroadcastChannel` is missing or throws.
    pub fn open(name: &str, on_message: impl Fn(IncomingPeer) + 'static) -> Option<Channel> {
        let channel = BroadcastChannel::new(name).ok()?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            on_message(incoming(event.data()));
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Channel {
            channel,
            _on_message: on_message,
        })
    }

    /// The channel to post on, usable without holding this.
    pub fn sender(&self) -> BroadcastChannel {
        self.channel.clone()
    }
}

/// Posts `msg`, `null` for an absent template or organization (the clerk-js
/// shape). A failing `postMessage` is ignored: the token is already cached
/// here, and other tabs refresh on their own (SPEC 4.2).
pub(crate) fn post(channel: &BroadcastChannel, msg: &OutgoingBroadcast) {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    if let Ok(value) = msg.serialize(&serializer) {
        let _ = channel.post_message(&value);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// A received message's fields, kept as JS values: a string is copied into
/// wasm memory only once it is known not to be huge (see [`field`]).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Message {
    /// On the library's own channel only.
    #[serde(default, rename = "type", with = "serde_wasm_bindgen::preserve")]
    kind: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    ask_id: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    skew: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    token_id: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    token_raw: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    session_id: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    template: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    organization_id: JsValue,
}

/// What the core sees of a message's `data`: anything but an object has no
/// fields. (Messages are structured clones: plain data, no getters.)
fn incoming(data: JsValue) -> IncomingPeer {
    let msg: Message = if data.is_object() {
        serde_wasm_bindgen::from_value(data).unwrap_or_default()
    } else {
        Message::default()
    };
    IncomingPeer {
        kind: field(&msg.kind),
        ask_id: msg.ask_id.as_f64(),
        skew: msg.skew.as_f64(),
        fields: IncomingBroadcast {
            token_id: field(&msg.token_id),
            token_raw: field(&msg.token_raw),
            session_id: field(&msg.session_id),
            template: field(&msg.template),
            organization_id: field(&msg.organization_id),
        },
    }
}

/// One field. A string longer than the core accepts is cut to just past the
/// limit (`MAX_FIELD_LEN` + 1 UTF-16 units, more bytes than the limit), so
/// that another tab cannot make this one copy a huge string into wasm memory,
/// which never shrinks; the core rejects the cut field as it would the whole.
fn field(value: &JsValue) -> Field {
    if value.is_undefined() {
        return Field::Missing;
    }
    if value.is_null() {
        return Field::Null;
    }
    match value.dyn_ref::<js_sys::JsString>() {
        Some(s) => Field::Str(bounded(s, MAX_FIELD_LEN)),
        None => Field::Other,
    }
}

/// `s`, cut to `limit` + 1 UTF-16 units when longer, as a Rust string.
pub(crate) fn bounded(s: &js_sys::JsString, limit: usize) -> String {
    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
    if s.length() > limit {
        String::from(s.slice(0, limit + 1))
    } else {
        String::from(s)
    }
}
