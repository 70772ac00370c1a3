//! Web Locks for cross-tab single flight (SPEC 4.4): `ifAvailable` requests,
//! so a tab never queues behind another; the core decides what a busy lock
//! means (wait for the holder's broadcast) and when to let go.

use super::driver::{handle_lock, Shared};
use super::listener::{method, prop};
use crate::core::{LockId, LockResult};
use alloc::rc::Rc;
use js_sys::{Function, Map, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/locks.js")]
extern "C" {
    #[wasm_bindgen(js_name = requestLock, catch)]
    fn request_lock(queue: &Map, name: &str, granted: &JsValue) -> Result<JsValue, JsValue>;
}

/// Whether `navigator.locks.request` exists here.
pub(crate) fn available() -> bool {
    method(
        &prop(&prop(&js_sys::global(), "navigator"), "locks"),
        "request",
    )
    .is_some()
}

/// Requests `name`; the outcome reaches the core through `handle_lock`. When
/// granted, the lock is held until the resolver passed to `hold` is called.
pub(crate) fn acquire(
    shared: &Shared,
    queue: &Map,
    id: LockId,
    name: &str,
    hold: fn(&Shared, LockId, Function),
) {
    let weak = Rc::downgrade(shared);
    // Owned by JS: the lock manager calls it once, then it is collected.
    let granted = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let Some(shared) = weak.upgrade() else {
            return JsValue::UNDEFINED;
        };
        if lock.is_null() {
            handle_lock(&shared, id, LockResult::Busy);
            return JsValue::UNDEFINED;
        }
        let mut release = None;
        let held = Promise::new(&mut |resolve, _| release = Some(resolve));
        if let Some(release) = release {
            hold(&shared, id, release);
        }
        handle_lock(&shared, id, LockResult::Acquired);
        held.into()
    });
    let weak = Rc::downgrade(shared);
    // A rejected request (no Web Locks, an opaque origin) means no locks.
    let failed = Closure::once_into_js(move |_: JsValue| {
        if let Some(shared) = weak.upgrade() {
            handle_lock(&shared, id, LockResult::Unsupported);
        }
    });
    match request_lock(queue, name, &granted) {
        Ok(promise) => {
            if let Some(catch) = method(&promise, "catch") {
                let _ = catch.call1(&promise, &failed);
            }
        }
        Err(_) => handle_lock(shared, id, LockResult::Unsupported),
    }
}
