//! The calls that wait for a token: `getToken`, `getTokenInfo` (and
//! `fetchWithAuth`'s token), each a promise the core settles, that its
//! `AbortSignal` ends early (SPEC 11.1); and `peekToken`, which never waits.

use gloo_events::EventListener;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::driver::{now, pump, with, Shared};
use super::error::to_js;
use super::options::abort_reason;
use super::out::{self, Js};
use crate::core::{Error, GetTokenOptions, Issued, LocalTime, Record, Served, Value, WaiterId};

/// A `getToken` or `getTokenInfo` promise waiting for the core.
pub(crate) struct Pending {
    resolve: Function,
    reject: Function,
    /// `getTokenInfo`: resolve with `{token, expiresAt}`.
    info: bool,
    /// Its signals' `abort` listeners, removed with it.
    _abort: [Option<EventListener>; 2],
    /// The driver, kept while the call waits: an app that lets go of its
    /// session (`new Session(o).getToken()`) still gets its answer, where
    /// the timers and locks, which hold the driver weakly, would drop it
    /// mid-wait and leave the promise pending for ever. Each pending call
    /// leaves the driver's list before it is settled or dropped, so this is
    /// never the last reference while the driver is borrowed.
    _keep: Shared,
}

/// The signals that end a call's wait: its own and, for `fetchWithAuth`,
/// the request's too (SPEC 11.1).
pub(crate) type Signals = [Option<AbortSignal>; 2];

impl Pending {
    /// Settles the call with what the core decided.
    pub(crate) fn settle(self, result: Result<Issued, Error>) {
        let _ = match result {
            Ok(issued) => {
                let token = JsValue::from_str(&issued.token);
                let value = answer(token, issued.expires_at, self.info);
                self.resolve.call1(&JsValue::UNDEFINED, &value)
            }
            Err(error) => self.reject.call1(&JsValue::UNDEFINED, &to_js(&error)),
        };
    }
}

/// The JS value a caller gets: the token, or `getTokenInfo`'s `{token,
/// expiresAt}` (SPEC 8.1).
fn answer(token: JsValue, expires_at: LocalTime, info: bool) -> JsValue {
    if !info {
        return token;
    }
    out::object(&Record(vec![
        ("token", Value::Host(Js(token))),
        ("expiresAt", Value::Num(expires_at.as_ms())),
    ]))
}

/// `getToken` (`info`: `getTokenInfo`): a cached token resolves at once;
/// otherwise the promise waits for the core to settle it, or for `signal`
/// to abort, which rejects it with the signal's reason, as `fetch` does
/// (SPEC 11.1): the first of `signals` to abort. A signal aborted already
/// rejects the call even when the cache could answer it.
pub(crate) fn get_token(
    shared: &Shared,
    opts: &GetTokenOptions,
    info: bool,
    signals: &Signals,
) -> Promise {
    if let Some(reason) = signals.iter().flatten().find_map(abort_reason) {
        return Promise::reject(&reason);
    }
    let served = with(shared, |d| match d.machine.serve(now(), opts) {
        Served::Cached(hit) => {
            let token = answer(d.token_string(hit.seq), hit.expires_at, info);
            Ok((token, hit.reschedule))
        }
        other => Err(other),
    });
    let promise = match served.unwrap_or(Err(Served::Failed(Error::Disposed))) {
        Ok((token, changed)) => {
            // A read can schedule the key's refresh or start a background one.
            if changed {
                pump(shared);
            }
            return Promise::resolve(&token);
        }
        Err(Served::Wait(waiter)) => {
            let mut settle = None;
            let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
            let [first, second] = signals;
            if let Some((resolve, reject)) = settle {
                let pending = Pending {
                    resolve,
                    reject,
                    info,
                    // Not `signals.map`: the array's generic map costs
                    // half a kilobyte of wasm.
                    _abort: [
                        on_abort(shared, waiter, first),
                        on_abort(shared, waiter, second),
                    ],
                    _keep: shared.clone(),
                };
                with(shared, |d| d.waiters.push((waiter, pending)));
            }
            promise
        }
        Err(Served::Failed(error)) => Promise::reject(&to_js(&error)),
        // Answered above.
        Err(Served::Cached(_)) => Promise::reject(&to_js(&Error::Disposed)),
    };
    pump(shared);
    promise
}

/// Ends call `waiter` when `signal` aborts: the core forgets it (the request
/// goes on for others, or ends if nobody needs it), and it rejects with the
/// signal's reason.
fn on_abort(
    shared: &Shared,
    waiter: WaiterId,
    signal: &Option<AbortSignal>,
) -> Option<EventListener> {
    let signal = signal.clone()?;
    let weak = std::rc::Rc::downgrade(shared);
    let target = signal.clone();
    // Not `once`: the browser would remove it at an `abort` event
    // dispatched by hand on a signal that is not aborted, which is no
    // reason and must leave the real abort heard. Removed with the call.
    let listener = EventListener::new(&target, "abort", move |_| {
        let (Some(shared), Some(reason)) = (weak.upgrade(), abort_reason(&signal)) else {
            return;
        };
        let pending = with(&shared, |d| {
            let i = d.waiters.iter().position(|(w, _)| *w == waiter)?;
            let (_, pending) = d.waiters.swap_remove(i);
            d.machine.cancel(now(), waiter);
            Some(pending)
        });
        if let Some(p) = pending.flatten() {
            let _ = p.reject.call1(&JsValue::UNDEFINED, &reason);
        }
        pump(&shared);
    });
    Some(listener)
}

/// `getToken()` / `getTokenInfo()` with no options, on the hot path of
/// every API call: the last hit again if it answers (`hit_again`), with no
/// options built or dropped.
pub(crate) fn get_default(shared: &Shared, info: bool) -> Promise {
    match again(shared) {
        Some((token, expires_at)) => Promise::resolve(&answer(token, expires_at, info)),
        None => get_token(shared, &GetTokenOptions::NONE, info, &[None, None]),
    }
}

/// `peekToken()` with no options, as [`get_default`].
pub(crate) fn peek_default(shared: &Shared) -> JsValue {
    match again(shared) {
        Some((token, _)) => token,
        None => peek_token(shared, &GetTokenOptions::NONE),
    }
}

fn again(shared: &Shared) -> Option<(JsValue, LocalTime)> {
    with(shared, |d| {
        let hit = d.machine.hit_again(now())?;
        Some((d.token_string(hit.seq), hit.expires_at))
    })
    .flatten()
}

/// `peekToken`: the servable cached token, or `null`.
pub(crate) fn peek_token(shared: &Shared, opts: &GetTokenOptions) -> JsValue {
    let hit = with(shared, |d| {
        let hit = d.machine.peek(now(), opts)?;
        Some((d.token_string(hit.seq), hit.reschedule))
    });
    match hit.flatten() {
        Some((token, reschedule)) => {
            // A key newly in use is now scheduled for refresh.
            if reschedule {
                pump(shared);
            }
            token
        }
        // Nothing servable may mean the clock was set back: the request
        // that bounds the skew again (SPEC 2.8) is due now, not at the
        // timer armed before.
        None => {
            pump(shared);
            JsValue::NULL
        }
    }
}
