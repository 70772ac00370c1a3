//! The driver: owns the core, feeds it browser inputs stamped with
//! `Date.now()`, and carries out its effects. No business rule lives here.
//!
//! Borrow discipline: the `RefCell` is borrowed only through [`with`], only
//! to talk to the core, and never while calling user code (a listener, an
//! injected `fetch`) or awaiting, so a JS call into the session always finds
//! it free. A busy cell would be a bug of this layer: [`with`] asserts it in
//! debug builds (the browser tests run those).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{AbortController, RequestCredentials};

use super::calls::Pending;
use super::channel::{self, Channel};
use super::fetch;
use super::json::BrowserJson;
use super::listeners::{self, Listeners};
use super::locks::Locks;
use super::options::WebOptions;
use super::out::{self, Js};
use super::page::{self, PageEvent, PageWatch};
use super::status::{self, Status};
use super::timer::{Timer, MAX_DELAY_MS};
use crate::core::{cat, decimal, presence_prefix};
use crate::core::{
    Config, Effect, Error, FetchId, IncomingBroadcast, IncomingPeer, Instant, LocalTime, LockId,
    LockResult, Machine, OutgoingBroadcast, Record, Value, WaiterId,
};

pub(crate) type Shared = Rc<RefCell<Driver>>;

/// JS strings of this many recent tokens are kept for reuse.
const KEPT_STRINGS: usize = 8;

pub(crate) struct Driver {
    pub(crate) machine: Machine,
    fetch: Option<Function>,
    credentials: RequestCredentials,
    /// The pending `getToken` / `getTokenInfo` promises.
    pub(crate) waiters: Vec<(WaiterId, Pending)>,
    /// `onTokenUpdate`, `onRefresh`, `onSessionEnd` and `subscribe` listeners.
    pub(crate) listeners: [Listeners; 4],
    /// The status as last read, and the frozen object made for it when
    /// `getSnapshot` asked (SPEC 11.3).
    pub(crate) status: Status,
    timer: Option<Timer>,
    channel: Option<Channel>,
    /// The library's own channel (SPEC 10).
    peers: Option<Channel>,
    /// The start of the presence lock names of the sessions that can hear
    /// this one's questions, and this session's own name (that start and a
    /// random number): see `core::presence_prefix`.
    live_prefix: String,
    live: String,
    /// Whether it is asked for (`Some`) and, once granted, the function
    /// that lets it go. Let go when the page is hidden away (`pagehide`): a
    /// page holding a lock cannot enter the back/forward cache, and a page
    /// in it could not answer anyway.
    presence: Option<Option<Function>>,
    page: Option<PageWatch>,
    locks: Option<Locks>,
    /// Each granted Web Lock: its name and the function that ends its hold.
    held_locks: Vec<(LockId, (String, Function))>,
    /// The abort controller of each request in flight.
    requests: Vec<(FetchId, AbortController)>,
    /// JS strings of recently served tokens, by token sequence number:
    /// building one from wasm memory costs more than the rest of a cache
    /// hit, so each token's is built once.
    strings: Vec<(u64, JsValue)>,
}

impl Drop for Driver {
    /// A session dropped without `dispose` must not keep a lock held.
    fn drop(&mut self) {
        let held = std::mem::take(&mut self.held_locks)
            .into_iter()
            .map(|(_, (_, f))| f);
        for release in held.chain(self.presence.take().flatten()) {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Runs `f` on the driver (see the module docs).
pub(crate) fn with<R>(shared: &Shared, f: impl FnOnce(&mut Driver) -> R) -> Option<R> {
    if let Ok(mut driver) = shared.try_borrow_mut() {
        return Some(f(&mut driver));
    }
    debug_assert!(false, "the driver is busy: a call re-entered it");
    None
}

/// This tab's clock, from the global `Date.now()` (SPEC 2.8).
pub(crate) fn now() -> LocalTime {
    LocalTime(js_sys::Date::now() / 1000.0)
}

/// Builds the core and wires the browser inputs to it.
pub(crate) fn start(opts: WebOptions) -> Result<Shared, Error> {
    // Jitter only needs to differ between tabs, not to be unpredictable.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let seed =
        (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 ^ js_sys::Date::now() as u64;
    let cfg = Config::new(opts.core, seed, &BrowserJson)?;
    let live_prefix = presence_prefix(opts.channel.as_deref().unwrap_or(""), &cfg.session_id);
    let live = cat(&[&live_prefix, &decimal(seed)]);
    let machine = Machine::new(cfg, opts.last_active_token.as_deref(), now())?;
    let locks = page::lock_manager().map(Locks::new);
    let web_locks = locks.is_some();
    let shared = Rc::new(RefCell::new(Driver {
        machine,
        fetch: opts.fetch,
        credentials: opts.credentials,
        waiters: Vec::new(),
        listeners: Default::default(),
        status: Status::default(),
        timer: None,
        channel: None,
        peers: None,
        live_prefix,
        live,
        presence: None,
        page: None,
        locks,
        held_locks: Vec::new(),
        requests: Vec::new(),
        strings: Vec::new(),
    }));
    let weak = Rc::downgrade(&shared);
    let (channel, peers) = match opts.channel {
        Some(name) => {
            let w = weak.clone();
            let clerk = Channel::open(&name, move |msg| on_message(&w, &msg.fields));
            let w = weak.clone();
            // Derived from the option, so `null` turns it off too (SPEC 10.3).
            let own = Channel::open(&cat(&[&name, ":session-swr"]), move |msg| on_peer(&w, &msg));
            (clerk, own)
        }
        None => (None, None),
    };
    let handover = peers.is_some();
    let watch = PageWatch::new(move |event| on_page(&weak, event));
    let (online, visible) = (page::online(), page::visible());
    with(&shared, |d| {
        d.channel = channel;
        d.peers = peers;
        d.page = Some(watch);
    });
    hold_presence(&shared);
    with(&shared, |d| {
        let t = now();
        d.machine.set_web_locks(web_locks);
        d.machine.set_online(t, online);
        d.machine.set_visible(t, visible);
        d.machine.set_handover(t, handover);
    });
    pump(&shared);
    Ok(shared)
}

/// Takes this session's presence lock, unless it is held or asked for, or
/// there is no channel of the library's own: the other tabs count these to
/// know who may answer (SPEC 10.1).
fn hold_presence(shared: &Shared) {
    let name = with(shared, |d| {
        let ask = d.peers.is_some() && d.locks.is_some() && d.presence.is_none();
        ask.then(|| {
            d.presence = Some(None);
            d.live.clone()
        })
    })
    .flatten();
    let Some(name) = name else { return };
    let weak = Rc::downgrade(shared);
    let on_lock = Box::new(move |_, release: Option<Function>| {
        let Some(release) = release else { return };
        // Kept only while still wanted (not let go or disposed meanwhile).
        let kept = weak.upgrade().and_then(|shared| {
            with(&shared, |d| match &mut d.presence {
                Some(slot @ None) => {
                    *slot = Some(release.clone());
                    true
                }
                _ => false,
            })
        });
        if kept != Some(true) {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    });
    with(shared, |d| {
        d.locks.as_mut().map(|locks| locks.request(&name, on_lock))
    });
}

/// Lets the presence lock go (the page is hidden away, or disposed). The
/// lock manager lets go of it a little later: until then the other
/// sessions of this page do not count it (a Session made in the same task
/// as this one's `dispose()` must not wait for an answer it cannot give).
fn let_go(shared: &Shared) {
    let release = with(shared, |d| {
        let presence = d.presence.take();
        if let (Some(_), Some(locks)) = (&presence, &d.locks) {
            locks.let_go(&d.live);
        }
        presence.flatten()
    });
    if let Some(release) = release.flatten() {
        let _ = release.call0(&JsValue::UNDEFINED);
    }
}

fn on_peer(weak: &Weak<RefCell<Driver>>, msg: &IncomingPeer) {
    let Some(shared) = weak.upgrade() else { return };
    // Rejected messages are ignored silently (SPEC 10.3).
    with(&shared, |d| d.machine.handle_peer(now(), msg).is_ok());
    pump(&shared);
}

fn on_page(weak: &Weak<RefCell<Driver>>, event: PageEvent) {
    let Some(shared) = weak.upgrade() else { return };
    with(&shared, |d| {
        let t = now();
        match event {
            PageEvent::Visible(visible) => d.machine.set_visible(t, visible),
            PageEvent::Woken | PageEvent::Left => d.machine.handle_timeout(t),
            PageEvent::Online(online) => d.machine.set_online(t, online),
        }
    });
    // Hidden away (maybe into the back/forward cache), or back.
    match event {
        PageEvent::Left => let_go(&shared),
        PageEvent::Woken => hold_presence(&shared),
        _ => {}
    }
    pump(&shared);
}

fn on_message(weak: &Weak<RefCell<Driver>>, msg: &IncomingBroadcast) {
    let Some(shared) = weak.upgrade() else { return };
    // Rejected messages are ignored silently (SPEC 4.3).
    with(&shared, |d| d.machine.handle_broadcast(now(), msg).is_ok());
    pump(&shared);
}

/// Which listeners.
#[derive(Clone, Copy)]
pub(crate) enum Topic {
    TokenUpdate = 0,
    Refresh = 1,
    SessionEnd = 2,
    /// `subscribe` (SPEC 11.3): called with no argument.
    Status = 3,
}

/// Adds a listener; returns its id.
pub(crate) fn subscribe(shared: &Shared, topic: Topic, listener: Function) -> Option<u64> {
    with(shared, |d| d.listeners[topic as usize].add(listener))
}

pub(crate) fn unsubscribe(weak: &Weak<RefCell<Driver>>, topic: Topic, id: u64) {
    if let Some(shared) = weak.upgrade() {
        with(&shared, |d| d.listeners[topic as usize].remove(id));
    }
}

/// The `fetch` option, if one was given.
pub(crate) fn fetch_function(shared: &Shared) -> Option<Function> {
    with(shared, |d| d.fetch.clone()).flatten()
}

/// Whether the session is over (SPEC 8.3).
pub(crate) fn ended(shared: &Shared) -> bool {
    with(shared, |d| d.machine.is_ended()).unwrap_or(false)
}

/// `clearCache`.
pub(crate) fn clear_cache(shared: &Shared) {
    with(shared, |d| {
        d.machine.clear_cache(now());
        d.strings.clear();
    });
    pump(shared);
}

/// Disposes the core and drops every timer, listener and the channel.
pub(crate) fn dispose(shared: &Shared) {
    let handles = with(shared, |d| {
        d.machine.dispose();
        for listeners in &mut d.listeners {
            listeners.clear();
        }
        d.strings.clear();
        (
            d.timer.take(),
            d.channel.take(),
            d.peers.take(),
            d.page.take(),
        )
    });
    drop(handles);
    let_go(shared);
    pump(shared);
}

impl Driver {
    /// The JS string of token `seq`, built once and reused.
    pub(crate) fn token_string(&mut self, seq: u64) -> JsValue {
        if let Some((_, js)) = self.strings.iter().find(|(s, _)| *s == seq) {
            return js.clone();
        }
        let js = JsValue::from_str(self.machine.token(seq).unwrap_or_default());
        if self.strings.len() >= KEPT_STRINGS {
            self.strings.remove(0);
        }
        self.strings.push((seq, js.clone()));
        js
    }
}

/// Carries out every effect the core has queued, then re-arms the timer.
pub(crate) fn pump(shared: &Shared) {
    // One at a time: app code that runs between two effects (its `fetch`)
    // may dispose the session, which drops what was queued to start.
    while let Some(effect) = with(shared, |d| d.machine.poll_effect()).flatten() {
        run(shared, effect);
    }
    rearm(shared);
    status::check(shared);
}

fn run(shared: &Shared, effect: Effect) {
    match effect {
        Effect::Fetch { id, request } => {
            let Some((fetch, credentials)) = with(shared, |d| (d.fetch.clone(), d.credentials))
            else {
                return;
            };
            let abort = AbortController::new().ok();
            let signal = abort.as_ref().map(AbortController::signal);
            if let Some(abort) = abort {
                with(shared, |d| d.requests.push((id, abort)));
            }
            // Calls the injected fetch (user code) with the driver free.
            let response = fetch::send(fetch.as_ref(), &request, credentials, signal.as_ref());
            // The task keeps the driver alive until the request settles, so
            // a caller's promise settles even if the app dropped the session.
            let shared = shared.clone();
            spawn_local(async move {
                let outcome = response.await;
                with(&shared, |d| {
                    take(&mut d.requests, id);
                    d.machine.handle_fetch(now(), id, outcome);
                });
                pump(&shared);
            });
        }
        Effect::Abort { id } => {
            let abort = with(shared, |d| take(&mut d.requests, id)).flatten();
            // Its rejection reaches the task above, and the core ignores it.
            if let Some(abort) = abort {
                abort.abort();
            }
        }
        Effect::Settle { waiter, result } => {
            let pending = with(shared, |d| take(&mut d.waiters, waiter)).flatten();
            if let Some(p) = pending {
                p.settle(result);
            }
        }
        Effect::Broadcast(msg) => post(shared, |d| &d.channel, &msg),
        Effect::Peer(msg) => post(shared, |d| &d.peers, &msg),
        Effect::Ask { id, message } => {
            post(shared, |d| &d.peers, &message);
            // Count the other live sessions (0 where Web Locks are missing).
            let count = with(shared, |d| {
                let (prefix, own) = (d.live_prefix.clone(), d.live.clone());
                d.locks.as_ref().map(|locks| locks.count(prefix, own))
            })
            .flatten();
            let Some(count) = count else {
                with(shared, |d| d.machine.handle_peers(now(), id, 0));
                return;
            };
            let weak = Rc::downgrade(shared);
            spawn_local(async move {
                let peers = count.await;
                let Some(shared) = weak.upgrade() else { return };
                with(&shared, |d| d.machine.handle_peers(now(), id, peers));
                pump(&shared);
            });
        }
        Effect::AcquireLock { id, name } => {
            let weak = Rc::downgrade(shared);
            let held = name.clone();
            let on_lock = Box::new(move |result, release: Option<Function>| {
                on_lock(&weak, id, held, result, release);
            });
            let requested = with(shared, |d| {
                d.locks.as_mut().map(|locks| locks.request(&name, on_lock))
            });
            if requested.flatten().is_none() {
                with(shared, |d| {
                    d.machine.handle_lock(now(), id, LockResult::Unsupported);
                });
            }
        }
        Effect::ReleaseLock { id } => {
            let release = with(shared, |d| {
                let (name, release) = take(&mut d.held_locks, id)?;
                if let Some(locks) = &d.locks {
                    locks.let_go(&name);
                }
                Some(release)
            });
            if let Some(release) = release.flatten() {
                let _ = release.call0(&JsValue::UNDEFINED);
            }
        }
        Effect::TokenUpdate(update) => tell(shared, Topic::TokenUpdate, || update.record()),
        Effect::Refresh(event) => tell(shared, Topic::Refresh, || event.record()),
        Effect::SessionEnded => tell(shared, Topic::SessionEnd, || {
            // The one reason there is.
            Record(vec![("reason", Value::Name("unauthenticated"))])
        }),
    }
}

/// Posts `msg` on the channel `on` picks (the clerk-compatible one or the
/// library's own), if it is open.
fn post(shared: &Shared, on: fn(&Driver) -> &Option<Channel>, msg: &OutgoingBroadcast) {
    let channel = with(shared, |d| on(d).as_ref().map(Channel::sender)).flatten();
    if let Some(channel) = channel {
        channel::post(&channel, msg);
    }
}

/// Calls the `topic` listeners with `event` as JS sees it, the driver free.
/// With nobody listening, the event is not built in JS at all.
fn tell(shared: &Shared, topic: Topic, event: impl FnOnce() -> Record<Js>) {
    let Some(listeners) = with(shared, |d| d.listeners[topic as usize].snapshot()) else {
        return;
    };
    if listeners.is_empty() {
        return;
    }
    listeners::notify(&listeners, Some(&out::object(&event())));
}

/// The lock manager's answer to a request.
fn on_lock(
    weak: &Weak<RefCell<Driver>>,
    id: LockId,
    name: String,
    result: LockResult,
    release: Option<Function>,
) {
    let Some(shared) = weak.upgrade() else {
        // The session is gone: a granted lock must not stay held.
        if let Some(release) = release {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
        return;
    };
    with(&shared, |d| {
        if let Some(release) = release {
            d.held_locks.push((id, (name, release)));
        }
        d.machine.handle_lock(now(), id, result);
    });
    pump(&shared);
}

/// Keeps exactly one timer, armed for the core's next deadline: a delay on
/// its monotonic clock, which is what `setTimeout` counts in.
pub(crate) fn rearm(shared: &Shared) {
    let weak = Rc::downgrade(shared);
    with(shared, |d| {
        let Some(at) = d.machine.poll_timeout(now()) else {
            d.timer = None;
            return;
        };
        if d.timer.as_ref().is_some_and(|timer| timer.at == at) {
            return;
        }
        // A deadline further off than `setTimeout` holds is armed as far as
        // it holds, and the timer then reports the instant it did reach:
        // the core re-arms for the rest (SPEC 2.7), never taking the whole
        // deadline as passed.
        let now = d.machine.instant();
        let delay_ms = ((at - now) * 1000.0).min(MAX_DELAY_MS);
        let reached = if delay_ms < MAX_DELAY_MS {
            at
        } else {
            now + MAX_DELAY_MS / 1000.0
        };
        d.timer = None;
        d.timer = Some(Timer::new(at, delay_ms, move || on_timer(&weak, reached)));
    });
}

fn on_timer(weak: &Weak<RefCell<Driver>>, at: Instant) {
    let Some(shared) = weak.upgrade() else { return };
    with(&shared, |d| {
        // This timer has fired; forget it so rearm sets a new one.
        d.timer = None;
        d.machine.handle_timer(now(), at);
    });
    pump(&shared);
}

/// Removes and returns the value of `id` from a small id-keyed list.
fn take<I: PartialEq, T>(list: &mut Vec<(I, T)>, id: I) -> Option<T> {
    let i = list.iter().position(|(k, _)| *k == id)?;
    Some(list.swap_remove(i).1)
}
