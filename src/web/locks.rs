//! Web Locks for cross-tab single flight (SPEC 4.4). locks.js makes the
//! `ifAvailable` requests, so a tab never queues behind another; the core
//! decides what a busy lock means (wait for the holder's broadcast) and when
//! to let go.

use super::driver::{handle_lock, Shared};
use crate::core::{LockId, LockResult};
use alloc::rc::Rc;
use js_sys::{Function, Map};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/locks.js")]
extern "C" {
    #[wasm_bindgen(js_name = requestLock)]
    fn request_lock(queue: &Map, name: &str, done: JsValue);
}

/// Requests `name`; the outcome reaches the core through `handle_lock`. When
/// granted, the lock is held until the function passed to `hold` is called.
pub(crate) fn acquire(
    shared: &Shared,
    queue: &Map,
    id: LockId,
    name: &str,
    hold: fn(&Shared, LockId, Function),
) {
    let weak = Rc::downgrade(shared);
    // Owned by JS: locks.js calls it once, then it is collected.
    let done = Closure::once_into_js(move |result: u32, release: JsValue| {
        let release: Function = release.unchecked_into();
        let Some(shared) = weak.upgrade() else {
            // The session is gone: a granted lock must not stay held.
            if result == 1 {
                let _ = release.call0(&JsValue::UNDEFINED);
            }
            return;
        };
        let result = match result {
            0 => LockResult::Busy,
            1 => {
                hold(&shared, id, release);
                LockResult::Acquired
            }
            _ => LockResult::Unsupported,
        };
        handle_lock(&shared, id, result);
    });
    request_lock(queue, name, done);
}
