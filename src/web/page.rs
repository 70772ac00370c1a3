//! The page as the core needs it (online, visible, Web Locks) and the events
//! that change it, through web-sys. Works in a window, in a worker (no
//! document there) and where neither exists (Node, server-side rendering):
//! whatever is missing reads as online, visible and without locks.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Document, EventTarget, LockManager, VisibilityState, Window, WorkerGlobalScope};

/// The global scope this code runs in.
enum Scope {
    Window(Window),
    Worker(WorkerGlobalScope),
    Other,
}

fn scope() -> Scope {
    let global = js_sys::global();
    if let Some(window) = global.dyn_ref::<Window>() {
        Scope::Window(window.clone())
    } else if let Some(worker) = global.dyn_ref::<WorkerGlobalScope>() {
        Scope::Worker(worker.clone())
    } else {
        Scope::Other
    }
}

/// `navigator.onLine`; true where there is no navigator.
pub(crate) fn online() -> bool {
    match scope() {
        Scope::Window(w) => w.navigator().on_line(),
        Scope::Worker(w) => w.navigator().on_line(),
        Scope::Other => true,
    }
}

fn document() -> Option<Document> {
    match scope() {
        Scope::Window(w) => w.document(),
        _ => None,
    }
}

/// Whether the page is visible; a worker or a window without a document is.
pub(crate) fn visible() -> bool {
    document().is_none_or(|d| d.visibility_state() != VisibilityState::Hidden)
}

/// `navigator.locks`, where the browser has Web Locks (secure contexts only).
pub(crate) fn lock_manager() -> Option<LockManager> {
    let locks = match scope() {
        Scope::Window(w) => w.navigator().locks(),
        Scope::Worker(w) => w.navigator().locks(),
        Scope::Other => return None,
    };
    // The getter is undefined where Web Locks are missing.
    locks.is_object().then_some(locks)
}

/// A change of the page.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PageEvent {
    Visible(bool),
    /// Focus or pageshow: a hidden tab's timers may have run late.
    Woken,
    /// Pagehide: the page is unloading, or going into the back/forward cache.
    Left,
    Online(bool),
}

/// Page events delivered to a callback until dropped (gloo's listeners
/// remove themselves on drop).
pub(crate) struct PageWatch {
    _listeners: Vec<EventListener>,
}

impl PageWatch {
    pub fn new(on_event: impl Fn(PageEvent) + Clone + 'static) -> PageWatch {
        let global: Option<EventTarget> = match scope() {
            Scope::Window(w) => Some(w.into()),
            Scope::Worker(w) => Some(w.into()),
            Scope::Other => None,
        };
        let mut listeners = Vec::new();
        let mut listen = |target: &EventTarget, kind: &'static str, event: fn() -> PageEvent| {
            let on_event = on_event.clone();
            listeners.push(EventListener::new(target, kind, move |_| on_event(event())));
        };
        if let Some(global) = &global {
            listen(global, "focus", || PageEvent::Woken);
            listen(global, "pageshow", || PageEvent::Woken);
            listen(global, "pagehide", || PageEvent::Left);
            listen(global, "online", || PageEvent::Online(true));
            listen(global, "offline", || PageEvent::Online(false));
        }
        if let Some(document) = document() {
            listen(&document, "visibilitychange", || {
                PageEvent::Visible(visible())
            });
        }
        PageWatch {
            _listeners: listeners,
        }
    }
}
