//! RAII event listeners: dropping one removes it.

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;

/// A registered listener; removed from its target on drop.
pub(crate) struct EventListener {
    target: JsValue,
    kind: &'static str,
    callback: Closure<dyn Fn(JsValue)>,
}

impl EventListener {
    /// `target.addEventListener(kind, callback)`; `None` when `target` has no
    /// `addEventListener` (no `document` in a worker, say) or it threw.
    pub fn new(
        target: &JsValue,
        kind: &'static str,
        callback: impl Fn(JsValue) + 'static,
    ) -> Option<EventListener> {
        let callback = Closure::<dyn Fn(JsValue)>::new(callback);
        let add = method(target, "addEventListener")?;
        add.call2(target, &kind.into(), callback.as_ref()).ok()?;
        Some(EventListener {
            target: target.clone(),
            kind,
            callback,
        })
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        if let Some(remove) = method(&self.target, "removeEventListener") {
            let _ = remove.call2(&self.target, &self.kind.into(), self.callback.as_ref());
        }
    }
}

/// `target[name]` if it is a function.
pub(crate) fn method(target: &JsValue, name: &str) -> Option<Function> {
    if !target.is_object() {
        return None;
    }
    Reflect::get(target, &name.into())
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

/// `target[name]`, or `undefined` for anything that throws.
pub(crate) fn prop(target: &JsValue, name: &str) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &name.into()).unwrap_or(JsValue::UNDEFINED)
}
