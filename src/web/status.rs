//! The session's status for a UI (SPEC 11.3): `getSnapshot()` and
//! `subscribe()`, with the contract of React's `useSyncExternalStore`. The
//! snapshot is a frozen object, the same object until something in it
//! changes; after a change each subscriber is called once, with no
//! argument, from a microtask (never inside a call of the app's own).

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::driver::{self, now, with, Driver, Shared, Topic};
use super::error::to_js;
use super::listeners;
use super::out::{self, Js};
use crate::core::{Record, Snapshot, Value};

/// What the driver keeps of the status.
#[derive(Default)]
pub(crate) struct Status {
    /// The core's snapshot as last read.
    seen: Option<Snapshot>,
    /// The frozen object made for `seen`, once `getSnapshot` asked.
    object: Option<JsValue>,
    /// The subscribers' call is queued.
    queued: bool,
}

impl Driver {
    /// Reads the status; whether it differs from what was read before (the
    /// old object is then forgotten). The first reading is no change.
    fn read_status(&mut self) -> bool {
        let snapshot = self.machine.snapshot(now());
        if self.status.seen.as_ref() == Some(&snapshot) {
            return false;
        }
        self.status.object = None;
        self.status.seen.replace(snapshot).is_some()
    }

    /// The frozen object of the status read last.
    fn status_object(&mut self) -> JsValue {
        if let Some(object) = &self.status.object {
            return object.clone();
        }
        let Some(snapshot) = self.status.seen.clone() else {
            return JsValue::NULL;
        };
        // `{status, token, expiresAt, error}`, `null` for what is absent.
        let token = snapshot.token.map(|seq| self.token_string(seq));
        let host = |v: Option<JsValue>| v.map_or(Value::Null, |v| Value::Host(Js(v)));
        let view = Record(vec![
            ("status", Value::Name(snapshot.status.name())),
            ("token", host(token)),
            (
                "expiresAt",
                snapshot
                    .expires_at
                    .map_or(Value::Null, |t| Value::Num(t.as_ms())),
            ),
            ("error", host(snapshot.error.map(|e| to_js(&e)))),
        ]);
        let object: js_sys::Object = out::object(&view).unchecked_into();
        let object: JsValue = js_sys::Object::freeze(&object).into();
        self.status.object = Some(object);
        self.status.object.clone().unwrap_or(JsValue::NULL)
    }
}

/// `getSnapshot()`: the status, the same object as long as it is the same.
pub(crate) fn get_snapshot(shared: &Shared) -> JsValue {
    let object = with(shared, |d| {
        let changed = d.read_status();
        (d.status_object(), changed)
    });
    let Some((object, changed)) = object else {
        return JsValue::NULL;
    };
    // Found changed here (a token past its cutoff before its timer ran,
    // or the clock set back): the subscribers hear of it too, and the
    // timer is re-armed for what is due now (SPEC 2.8: the request that
    // bounds the skew again). No pump: no app code runs in a render.
    if changed {
        queue(shared);
        driver::rearm(shared);
    }
    object
}

/// After the session moved: if the status changed and anyone listens,
/// the subscribers are called once, soon.
pub(crate) fn check(shared: &Shared) {
    let changed = with(shared, |d| {
        let watched = d.status.seen.is_some() || !d.listeners[Topic::Status as usize].is_empty();
        watched && d.read_status()
    });
    if changed == Some(true) {
        queue(shared);
    }
}

/// A subscriber was added: the status is watched from now on.
pub(crate) fn watch(shared: &Shared) {
    with(shared, |d| {
        if d.status.seen.is_none() {
            d.read_status();
        }
    });
}

/// Queues one call of every subscriber, in a microtask.
fn queue(shared: &Shared) {
    let first = with(shared, |d| !std::mem::replace(&mut d.status.queued, true));
    if first != Some(true) {
        return;
    }
    let weak = std::rc::Rc::downgrade(shared);
    spawn_local(async move {
        let Some(shared) = weak.upgrade() else { return };
        let subscribers = with(&shared, |d| {
            d.status.queued = false;
            d.listeners[Topic::Status as usize].snapshot()
        });
        if let Some(subscribers) = subscribers {
            listeners::notify(&subscribers, None);
        }
    });
}
