//! Browser tests: every scenario lives in `tests/web/*.js` and drives the
//! library through its real JS exports in headless Chromium. They sit inside
//! the library crate because only its own test binary carries its
//! `#[wasm_bindgen]` exports (`Session`, `pickFreshestJwt`) for JS to import.
#![allow(clippy::panic)]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Declares each JS scenario and a `#[wasm_bindgen_test]` that awaits it.
macro_rules! scenarios {
    ($module:literal => $($name:ident),* $(,)?) => {
        mod js {
            use wasm_bindgen::prelude::*;
            #[wasm_bindgen(module = $module)]
            extern "C" {
                $(
                    #[wasm_bindgen(catch)]
                    pub async fn $name() -> Result<(), JsValue>;
                )*
            }
        }
        $(
            #[wasm_bindgen_test]
            async fn $name() {
                if let Err(e) = js::$name().await {
                    panic!("{}", describe(&e));
                }
            }
        )*
    };
}

fn describe(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"stack".into())
        .ok()
        .and_then(|s| s.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

mod pick {
    use super::*;
    scenarios!("/tests/web/pick.js" => pick_freshest_follows_the_decision_table);
}

// Also makes wasm-bindgen ship harness.js, which every scenario imports.
mod harness {
    use super::*;
    scenarios!("/tests/web/harness.js" => harness_fake_clock_fires_timers_in_order);
}
