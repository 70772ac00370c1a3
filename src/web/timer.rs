//! One RAII timeout on the global `setTimeout`, looked up at call time so
//! fake-timer libraries drive it exactly as they drive any other code.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(callback: &Function, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(id: &JsValue) -> Result<(), JsValue>;
}

/// Browsers treat delays above 2^31 − 1 ms as 0: clamp instead.
const MAX_DELAY_MS: f64 = 2_147_483_647.0;

/// A pending timeout; dropping it clears the timer.
pub(crate) struct Timeout {
    id: JsValue,
    /// The deadline it was armed for (s since the epoch), to skip re-arming.
    pub at: f64,
    // `Fn(JsValue)` like every other callback here: one closure type less
    // in the module (setTimeout passes no argument).
    _callback: Closure<dyn Fn(JsValue)>,
}

impl Timeout {
    /// Calls `callback` once after `delay_ms`; `None` if `setTimeout` threw.
    pub fn new(at: f64, delay_ms: f64, callback: impl Fn() + 'static) -> Option<Timeout> {
        let callback = Closure::<dyn Fn(JsValue)>::new(move |_| callback());
        let delay = crate::core::float::ceil(delay_ms.clamp(0.0, MAX_DELAY_MS));
        let id = set_timeout(callback.as_ref().unchecked_ref(), delay).ok()?;
        Some(Timeout {
            id,
            at,
            _callback: callback,
        })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        let _ = clear_timeout(&self.id);
    }
}
