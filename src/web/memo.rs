//! The memos through which the package entry serves cache hits without
//! calling into wasm, and `peekToken`'s path for the rest.

use crate::prelude::*;

use super::driver::{now, pump, Shared};
use crate::core::GetTokenOptions;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/memo.js")]
extern "C" {
    #[wasm_bindgen(js_name = newMemos)]
    fn new_memos(session_id: &str, organization_id: Option<&str>) -> JsValue;
    #[wasm_bindgen(js_name = setMemo)]
    fn set_memo(memos: &JsValue, id: &str, token: &JsValue, fresh: f64, servable: f64);
    #[wasm_bindgen(js_name = endMemos)]
    fn end_memos(memos: &JsValue);
}

/// The memos object the package entry reads (see memo.js): one memo per key
/// the core has, rewritten after every change of state so that none
/// outlives what the core holds.
pub(crate) fn new(session_id: &str, organization_id: Option<&str>) -> JsValue {
    new_memos(session_id, organization_id)
}

/// The JS string of token `seq`, made once and reused: building one from
/// wasm memory costs more than the rest of a cache hit.
fn token_string(strings: &mut Vec<(u64, JsValue)>, seq: u64, raw: &str) -> JsValue {
    if let Some((_, js)) = strings.iter().find(|(s, _)| *s == seq) {
        return js.clone();
    }
    let js = JsValue::from_str(raw);
    if strings.len() >= 8 {
        strings.remove(0);
    }
    strings.push((seq, js.clone()));
    js
}

/// What `peekToken` returns when the package entry's memo could not say:
/// the servable cached token as a JS string. (`getToken` takes the core's
/// full path: the entry serves its hits.)
pub(crate) fn cached(shared: &Shared, opts: Option<&GetTokenOptions>) -> Option<JsValue> {
    let (token, changed) = {
        let mut d = shared.try_borrow_mut().ok()?;
        let d = &mut *d;
        let (seq, raw, changed) = d.machine.cached_token(now(), opts)?;
        (token_string(&mut d.token_strings, seq, raw), changed)
    };
    // A key newly in use may now be scheduled for refresh.
    if changed {
        pump(shared);
    }
    Some(token)
}

/// The memos object the package entry reads (see `new`).
pub(crate) fn object(shared: &Shared) -> JsValue {
    shared
        .try_borrow()
        .map(|d| d.memos.clone())
        .unwrap_or(JsValue::NULL)
}

pub(super) fn refresh(shared: &Shared) {
    let Ok(mut d) = shared.try_borrow_mut() else {
        return;
    };
    let d = &mut *d;
    for id in d.machine.key_ids() {
        let (token, fresh, servable) = match d.machine.memo(id) {
            Some((seq, raw, fresh, servable)) => (
                token_string(&mut d.token_strings, seq, raw),
                fresh * 1000.0,
                servable * 1000.0,
            ),
            None => (JsValue::NULL, f64::NEG_INFINITY, f64::NEG_INFINITY),
        };
        set_memo(&d.memos, id, &token, fresh, servable);
    }
    end_memos(&d.memos);
}
