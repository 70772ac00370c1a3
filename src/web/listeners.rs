//! Listener lists (`onTokenUpdate`). Each subscription is its own entry, so
//! one function subscribed twice is called twice and unsubscribed once at a
//! time. A listener is user code: it is called with the driver free, and
//! one that throws goes to the page's `reportError` and stops nothing.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `reportError`, where there is one (not in Node 20).
    #[wasm_bindgen(js_name = reportError, catch)]
    fn report_error(error: &JsValue) -> Result<(), JsValue>;
}

/// The subscriptions of one kind of event.
#[derive(Default)]
pub(crate) struct Listeners {
    next: u64,
    list: Vec<(u64, Function)>,
}

impl Listeners {
    /// Adds `listener`; the id removes it again.
    pub fn add(&mut self, listener: Function) -> u64 {
        self.next += 1;
        self.list.push((self.next, listener));
        self.next
    }

    pub fn remove(&mut self, id: u64) {
        // Ids are unique. (Not `retain`: its loop is a copy per element
        // type in the module.)
        if let Some(i) = self.list.iter().position(|(i, _)| *i == id) {
            self.list.remove(i);
        }
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The listeners to call now: a snapshot, so that one that subscribes or
    /// unsubscribes while being called changes only later events.
    pub fn snapshot(&self) -> Vec<Function> {
        self.list.iter().map(|(_, f)| f.clone()).collect()
    }
}

/// Calls each of `listeners` with `event`, or with no argument.
pub(crate) fn notify(listeners: &[Function], event: Option<&JsValue>) {
    for listener in listeners {
        let called = match event {
            Some(event) => listener.call1(&JsValue::UNDEFINED, event),
            None => listener.call0(&JsValue::UNDEFINED),
        };
        if let Err(error) = called {
            let _ = report_error(&error);
        }
    }
}
