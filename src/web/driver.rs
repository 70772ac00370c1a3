//! The driver: owns the core, feeds it browser inputs stamped with
//! `Date.now()`, and carries out its effects. No business rule lives here.
//!
//! Borrow discipline: the `RefCell` is borrowed only to talk to the core and
//! never while calling user code or awaiting, so a listener that calls back
//! into the session (or a concurrent JS call) always finds it free.

use crate::prelude::*;

use super::channel::Channel;
use super::error::to_js;
use super::fetch::send;
use super::listeners;
use super::locks;
use super::memo;
use super::options::WebOptions;
use super::page::{self, PageEvent, PageWatch};
use super::timer::Timeout;
use crate::core::{
    Config, Effect, Error, IncomingBroadcast, LockId, LockResult, Machine, WaiterId,
};
use ::core::cell::RefCell;
use alloc::rc::{Rc, Weak};
use js_sys::Function;
use wasm_bindgen::prelude::*;

pub(crate) type Shared = Rc<RefCell<Driver>>;

pub(crate) struct Driver {
    pub machine: Machine,
    fetch: Option<Function>,
    credentials: String,
    /// `(resolve, reject)` of each pending `getToken` promise.
    resolvers: Vec<(WaiterId, (Function, Function))>,
    /// The `onTokenUpdate` listeners (a JS set, see listeners.js).
    pub(super) listeners: JsValue,
    timer: Option<Timeout>,
    channel: Option<Channel>,
    page: Option<PageWatch>,
    /// Functions that end the hold of each granted Web Lock.
    held_locks: Vec<(LockId, Function)>,
    /// Per lock name, the tail of this session's requests (see locks.js).
    lock_queue: js_sys::Map,
    /// JS strings of recently served tokens, by token sequence number:
    /// building one from wasm memory costs more than the rest of a cache hit.
    pub(super) token_strings: Vec<(u64, JsValue)>,
    /// The package entry's cache-hit memos, one per key (see memo.rs).
    pub(super) memos: JsValue,
}

impl Drop for Driver {
    /// A session dropped without `dispose` must not keep a lock held.
    fn drop(&mut self) {
        for (_, release) in ::core::mem::take(&mut self.held_locks) {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Seconds since the epoch, from the global `Date.now()` (SPEC 2.8).
pub(crate) fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// Builds the core and wires the browser inputs to it.
pub(crate) fn start(opts: WebOptions) -> Result<Shared, Error> {
    // Jitter only needs to differ between tabs, not to be unpredictable.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let seed =
        (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 ^ js_sys::Date::now() as u64;
    let memos = memo::new(&opts.core.session_id, opts.core.organization_id.as_deref());
    let cfg = Config::new(opts.core, seed)?;
    let machine = Machine::new(cfg, opts.last_active_token.as_deref(), now())?;
    let shared = Rc::new(RefCell::new(Driver {
        machine,
        fetch: opts.fetch,
        credentials: opts.credentials,
        resolvers: Vec::new(),
        listeners: listeners::new(),
        timer: None,
        channel: None,
        page: None,
        held_locks: Vec::new(),
        lock_queue: js_sys::Map::new(),
        token_strings: Vec::new(),
        memos,
    }));
    let weak = Rc::downgrade(&shared);
    let channel = opts
        .channel
        .and_then(|name| Channel::open(&name, move |msg| on_message(&weak, &msg)));
    let watch = watch_page(&shared);
    let state = page::state();
    if let Ok(mut d) = shared.try_borrow_mut() {
        d.channel = channel;
        d.page = Some(watch);
        let t = now();
        d.machine.set_web_locks(state.web_locks);
        d.machine.set_online(t, state.online);
        d.machine.set_visible(t, state.visible);
    }
    pump(&shared);
    Ok(shared)
}

fn watch_page(shared: &Shared) -> PageWatch {
    let weak = Rc::downgrade(shared);
    PageWatch::new(move |event| {
        let Some(shared) = weak.upgrade() else { return };
        if let Ok(mut d) = shared.try_borrow_mut() {
            let t = now();
            match event {
                PageEvent::Visible(visible) => d.machine.set_visible(t, visible),
                PageEvent::Woken => d.machine.handle_timeout(t),
                PageEvent::Online(online) => d.machine.set_online(t, online),
            }
        }
        pump(&shared);
    })
}

fn on_message(weak: &Weak<RefCell<Driver>>, msg: &IncomingBroadcast) {
    let Some(shared) = weak.upgrade() else { return };
    if let Ok(mut d) = shared.try_borrow_mut() {
        // Rejected messages are ignored silently (SPEC 4.3).
        let _ = d.machine.handle_broadcast(now(), msg);
    }
    pump(&shared);
}

/// Registers the resolvers of a pending `getToken` promise.
pub(crate) fn add_resolvers(
    shared: &Shared,
    waiter: WaiterId,
    resolve: Function,
    reject: Function,
) {
    if let Ok(mut d) = shared.try_borrow_mut() {
        d.resolvers.push((waiter, (resolve, reject)));
    }
}

/// The answer to a lock request, from the lock manager's callback.
pub(crate) fn handle_lock(shared: &Shared, id: LockId, result: LockResult) {
    if let Ok(mut d) = shared.try_borrow_mut() {
        d.machine.handle_lock(now(), id, result);
    }
    pump(shared);
}

fn hold_lock(shared: &Shared, id: LockId, release: Function) {
    if let Ok(mut d) = shared.try_borrow_mut() {
        d.held_locks.push((id, release));
    }
}

/// Disposes the core and drops every timer, listener and the channel.
pub(crate) fn dispose(shared: &Shared) {
    let handles = match shared.try_borrow_mut() {
        Ok(mut d) => {
            d.machine.dispose();
            listeners::clear(&d.listeners);
            (d.timer.take(), d.channel.take(), d.page.take())
        }
        Err(_) => return,
    };
    drop(handles);
    pump(&shared.clone());
}

/// Carries out every effect the core has queued, then re-arms the timer.
pub(crate) fn pump(shared: &Shared) {
    loop {
        let effects: Vec<Effect> = match shared.try_borrow_mut() {
            Ok(mut d) => ::core::iter::from_fn(|| d.machine.poll_effect()).collect(),
            Err(_) => return,
        };
        // The memos follow the core before any effect runs user code (a
        // listener, an injected fetch), which may read a token through them.
        memo::refresh(shared);
        if effects.is_empty() {
            break;
        }
        for effect in effects {
            run(shared, effect);
        }
    }
    rearm(shared);
}

fn run(shared: &Shared, effect: Effect) {
    match effect {
        Effect::Fetch { id, request } => {
            let Ok(d) = shared.try_borrow() else { return };
            let fetch = d.fetch.clone();
            let credentials = d.credentials.clone();
            drop(d);
            let weak = Rc::downgrade(shared);
            send(fetch.as_ref(), &request, &credentials, move |outcome| {
                let Some(shared) = weak.upgrade() else { return };
                if let Ok(mut d) = shared.try_borrow_mut() {
                    d.machine.handle_fetch(now(), id, outcome);
                }
                pump(&shared);
            });
        }
        Effect::Settle { waiter, result } => {
            let pair = shared
                .try_borrow_mut()
                .ok()
                .and_then(|mut d| take(&mut d.resolvers, waiter));
            if let Some((resolve, reject)) = pair {
                let _ = match result {
                    Ok(token) => resolve.call1(&JsValue::UNDEFINED, &token.into()),
                    Err(error) => reject.call1(&JsValue::UNDEFINED, &to_js(&error)),
                };
            }
        }
        Effect::Broadcast(msg) => {
            if let Ok(d) = shared.try_borrow() {
                if let Some(channel) = &d.channel {
                    channel.post(&msg);
                }
            }
        }
        Effect::AcquireLock { id, name } => {
            let Ok(queue) = shared.try_borrow().map(|d| d.lock_queue.clone()) else {
                return;
            };
            locks::acquire(shared, &queue, id, &name, hold_lock);
        }
        Effect::ReleaseLock { id } => {
            let release = shared
                .try_borrow_mut()
                .ok()
                .and_then(|mut d| take(&mut d.held_locks, id));
            if let Some(release) = release {
                let _ = release.call0(&JsValue::UNDEFINED);
            }
        }
        Effect::TokenUpdate(update) => {
            // Listeners are user code: call them with the driver free.
            let Ok(set) = shared.try_borrow().map(|d| d.listeners.clone()) else {
                return;
            };
            listeners::notify(&set, &update);
        }
    }
}

/// Keeps exactly one timer, armed for the core's next deadline.
fn rearm(shared: &Shared) {
    let Ok(mut d) = shared.try_borrow_mut() else {
        return;
    };
    let t = now();
    let Some(at) = d.machine.poll_timeout(t) else {
        d.timer = None;
        return;
    };
    if d.timer.as_ref().is_some_and(|timer| timer.at == at) {
        return;
    }
    d.timer = None;
    let weak = Rc::downgrade(shared);
    d.timer = Timeout::new(at, (at - t) * 1000.0, move || {
        let Some(shared) = weak.upgrade() else { return };
        if let Ok(mut d) = shared.try_borrow_mut() {
            // This timer has fired; forget it so rearm sets a new one.
            d.timer = None;
            d.machine.handle_timeout(now());
        }
        pump(&shared);
    });
}

/// Removes and returns the value of `id` from a small id-keyed list (a few
/// entries at most: a `Vec` costs far less wasm than a map).
fn take<T>(list: &mut Vec<(u64, T)>, id: u64) -> Option<T> {
    let i = list.iter().position(|(k, _)| *k == id)?;
    Some(list.swap_remove(i).1)
}
