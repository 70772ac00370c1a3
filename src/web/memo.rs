//! The cache-hit paths: the wasm fast path of `getToken`/`peekToken`, and the
//! memo object through which the package entry serves default-key hits
//! without calling into wasm at all.

use super::driver::{now, pump, Shared};
use crate::core::GetTokenOptions;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/memo.js")]
extern "C" {
    #[wasm_bindgen(js_name = setMemo)]
    fn set_memo(memo: &JsValue, token: &JsValue, fresh: f64, servable: f64);
}

/// The cache-hit path of `getToken` (`fresh`) and `peekToken`: the cached
/// token as a JS string, or `None` when the full path is needed.
pub(crate) fn cached(
    shared: &Shared,
    opts: Option<&GetTokenOptions>,
    fresh: bool,
) -> Option<JsValue> {
    let (token, changed) = {
        let mut d = shared.try_borrow_mut().ok()?;
        let d = &mut *d;
        let (seq, raw, changed) = d.machine.cached_token(now(), opts, fresh)?;
        let token = match d.token_strings.iter().find(|(s, _)| *s == seq) {
            Some((_, js)) => js.clone(),
            None => {
                let js = JsValue::from_str(raw);
                if d.token_strings.len() >= 8 {
                    d.token_strings.remove(0);
                }
                d.token_strings.push((seq, js.clone()));
                js
            }
        };
        (token, changed)
    };
    // A key newly in use may now be scheduled for refresh.
    if changed {
        pump(shared);
    }
    Some(token)
}

/// The memo object the package entry reads (see `Driver::memo`).
pub(crate) fn object(shared: &Shared) -> JsValue {
    shared
        .try_borrow()
        .map(|d| d.memo.clone().into())
        .unwrap_or(JsValue::NULL)
}

pub(super) fn refresh(shared: &Shared) {
    let Ok(mut d) = shared.try_borrow_mut() else {
        return;
    };
    let d = &mut *d;
    let (token, fresh, servable) = match d.machine.default_memo() {
        None => {
            d.memo_seq = None;
            (JsValue::NULL, f64::NEG_INFINITY, f64::NEG_INFINITY)
        }
        Some((seq, raw, fresh, servable)) => {
            // The JS string is made once per token, not once per change.
            let token = if d.memo_seq == Some(seq) {
                JsValue::UNDEFINED
            } else {
                d.memo_seq = Some(seq);
                JsValue::from_str(raw)
            };
            (token, fresh * 1000.0, servable * 1000.0)
        }
    };
    set_memo(&d.memo, &token, fresh, servable);
}
