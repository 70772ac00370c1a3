//! The `BroadcastChannel` side of cross-tab sync. channel.js does the
//! plumbing (open, post the clerk-js shaped message, read received ones);
//! this side turns a received message into the core's `IncomingBroadcast`
//! without trusting its shape.

use crate::prelude::*;

use crate::core::broadcast::MAX_FIELD_LEN;
use crate::core::{Field, IncomingBroadcast, OutgoingBroadcast};
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/channel.js")]
extern "C" {
    #[wasm_bindgen(js_name = openChannel)]
    fn open_channel(name: &str, on_message: &Closure<dyn Fn(JsValue)>, limit: u32) -> JsValue;
    #[wasm_bindgen(js_name = postToken)]
    fn post_token(
        channel: &JsValue,
        token_id: &str,
        token_raw: &str,
        session_id: &str,
        template: Option<String>,
        organization_id: Option<String>,
        trace_id: &str,
    );
    #[wasm_bindgen(js_name = closeChannel)]
    fn close_channel(channel: &JsValue);
}

/// An open channel with its message callback; closed on drop.
pub(crate) struct Channel {
    channel: JsValue,
    _on_message: Closure<dyn Fn(JsValue)>,
}

impl Channel {
    /// Opens `name` and calls `on_message` with each received message.
    /// `None` where `BroadcastChannel` is missing or throws.
    pub fn open(name: &str, on_message: impl Fn(IncomingBroadcast) + 'static) -> Option<Channel> {
        let on_message =
            Closure::<dyn Fn(JsValue)>::new(move |fields: JsValue| on_message(incoming(&fields)));
        // channel.js cuts every string field to this many UTF-16 units plus
        // one: still over the core's byte limit (a `tokenRaw` that long does
        // not decode), so a cut message is ignored as the whole one would be.
        let limit = u32::try_from(MAX_FIELD_LEN).unwrap_or(u32::MAX);
        let channel = open_channel(name, &on_message, limit);
        (!channel.is_null()).then_some(Channel {
            channel,
            _on_message: on_message,
        })
    }

    /// Posts `msg` (channel.js swallows a failing `postMessage`).
    pub fn post(&self, msg: &OutgoingBroadcast) {
        post_token(
            &self.channel,
            &msg.token_id,
            &msg.token_raw,
            &msg.session_id,
            msg.template.clone(),
            msg.organization_id.clone(),
            &msg.trace_id,
        );
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        close_channel(&self.channel);
    }
}

/// The fields channel.js read, in `IncomingBroadcast` order.
fn incoming(fields: &JsValue) -> IncomingBroadcast {
    let fields: &Array = fields.unchecked_ref();
    let field = |i| {
        let v = fields.get(i);
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
        token_id: field(0),
        token_raw: field(1),
        session_id: field(2),
        template: field(3),
        organization_id: field(4),
    }
}
