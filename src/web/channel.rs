//! Cross-tab sync over web-sys `BroadcastChannel`s: the clerk-compatible
//! one (SPEC 4) and the library's own (SPEC 10). Messages go out as core
//! records made objects by serde-wasm-bindgen and come in through the
//! module's own deserializer; what a received message means is the
//! core's call (SPEC 4.3), made on fields read without trusting their shape.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

use super::de::{read, Mode};
use super::out;
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
    let _ = channel.post_message(&out::object(&msg.record()));
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// A received message: its fields, read without trusting their shape. A
/// field that is not a string reads as `Other` (objects and arrays are not
/// walked), an `askId` or `skew` that is not a number as absent.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Message {
    /// On the library's own channel only.
    #[serde(rename = "type")]
    kind: Text,
    ask_id: Number,
    skew: Number,
    token_id: Text,
    token_raw: Text,
    session_id: Text,
    template: Text,
    organization_id: Text,
}

// Both read a value as an optional string or number, and take a refusal to
// mean "anything else": the module's deserializer reads a value, not a
// stream, so a refusal leaves nothing half-read (and objects and arrays are
// never walked).

/// A number, or nothing if the value is anything else.
#[derive(Default)]
struct Number(Option<f64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        Ok(Number(Option::<f64>::deserialize(d).ok().flatten()))
    }
}

/// A string, `null`, or anything else; `Missing` when absent.
#[derive(Default)]
struct Text(Field);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        Ok(Text(match Option::<String>::deserialize(d) {
            Ok(Some(s)) => Field::Str(s),
            Ok(None) => Field::Null,
            Err(_) => Field::Other,
        }))
    }
}

/// What the core sees of a message's `data`: anything but a plain object
/// has no fields. Strings are cut just past the core's limit before they
/// are copied into wasm memory (see `de`).
fn incoming(data: JsValue) -> IncomingPeer {
    let msg: Message = read(data, Mode::Message).unwrap_or_default();
    IncomingPeer {
        kind: msg.kind.0,
        ask_id: msg.ask_id.0,
        skew: msg.skew.0,
        fields: IncomingBroadcast {
            token_id: msg.token_id.0,
            token_raw: msg.token_raw.0,
            session_id: msg.session_id.0,
            template: msg.template.0,
            organization_id: msg.organization_id.0,
        },
    }
}
