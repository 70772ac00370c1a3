//! Web Locks for cross-tab single flight (SPEC 4.4), through web-sys's
//! `LockManager` (an unstable web-sys API: the build sets
//! `--cfg=web_sys_unstable_apis`, see `.cargo/config.toml`).
//!
//! Requests are `ifAvailable`, so a tab never queues behind another; the core
//! decides what a busy lock means (wait for the holder's broadcast) and when
//! to let go. A granted lock is held by a promise this side resolves on
//! release.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{LockManager, LockManagerSnapshot, LockOptions};

use crate::core::LockResult;

thread_local! {
    /// Locks the sessions of this page have let go of, which the lock
    /// manager has not released yet (it does so a little later), each with
    /// the promise that settles when it has.
    static LETTING_GO: RefCell<Vec<(String, Promise)>> = const { RefCell::new(Vec::new()) };
}

/// Whether a session of this page is letting go of lock `name`.
fn letting_go(name: &str) -> Option<Promise> {
    LETTING_GO.with(|l| {
        l.borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
    })
}

/// What happened to one request: busy, unsupported, or acquired with the
/// function that releases the lock.
pub(crate) type OnLock = Box<dyn FnOnce(LockResult, Option<Function>)>;

/// One session's lock requests.
///
/// A hold ends a little after it is let go of, so a request for a name that
/// this session, or another of this page, is letting go of waits until it
/// has been: a session never takes its own fading hold, or that of a
/// Session disposed a moment ago, for another tab at work (it would wait
/// for that tab's broadcast, which will never come). Counting live
/// sessions leaves those out for the same reason.
pub(crate) struct Locks {
    manager: LockManager,
    /// Per lock name, a promise that settles when the last request is over.
    tails: Vec<(String, Promise)>,
}

impl Locks {
    pub fn new(manager: LockManager) -> Locks {
        Locks {
            manager,
            tails: Vec::new(),
        }
    }

    /// How many locks whose names start with `prefix` are held now, `own`
    /// and those this page is letting go of aside (every live session holds
    /// one: SPEC 10.1); 0 if the browser will not say.
    pub fn count(&self, prefix: String, own: String) -> impl std::future::Future<Output = u32> {
        let query = self.manager.query();
        // As of the query: one let go of meanwhile may still be in its answer.
        let fading: Vec<String> =
            LETTING_GO.with(|l| l.borrow().iter().map(|(n, _)| n.clone()).collect());
        async move {
            let Ok(snapshot) = JsFuture::from(query).await else {
                return 0;
            };
            let Some(held) = snapshot.unchecked_into::<LockManagerSnapshot>().get_held() else {
                return 0;
            };
            let count = held
                .iter()
                .filter(|lock| {
                    lock.get_name()
                        .is_some_and(|n| n.starts_with(&prefix) && n != own && !fading.contains(&n))
                })
                .count();
            u32::try_from(count).unwrap_or(u32::MAX)
        }
    }

    /// This session lets go of lock `name` (granted, or still asked for):
    /// until the lock manager has released it, it counts as nobody's, and a
    /// request for it waits for that.
    pub fn let_go(&self, name: &str) {
        if let Some((_, tail)) = self.tails.iter().find(|(n, _)| n == name) {
            let entry = (name.to_owned(), tail.clone());
            LETTING_GO.with(|l| l.borrow_mut().push(entry));
        }
    }

    /// Requests `name`; `on_lock` is called once with the outcome.
    pub fn request(&mut self, name: &str, on_lock: OnLock) {
        let own = self
            .tails
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| self.tails.swap_remove(i).1);
        let previous = own.or_else(|| letting_go(name));
        let mut done: Option<Function> = None;
        let tail = Promise::new(&mut |resolve, _| done = Some(resolve));
        self.tails.push((name.to_owned(), tail));
        let manager = self.manager.clone();
        let name = name.to_owned();
        spawn_local(async move {
            if let Some(previous) = previous {
                let _ = JsFuture::from(previous).await;
            }
            let answered = Rc::new(Cell::new(false));
            let on_lock = Rc::new(Cell::new(Some(on_lock)));
            let callback = {
                let (answered, on_lock) = (answered.clone(), on_lock.clone());
                Closure::once_into_js(move |lock: JsValue| -> JsValue {
                    answered.set(true);
                    let Some(on_lock) = on_lock.take() else {
                        return JsValue::UNDEFINED;
                    };
                    if lock.is_null() {
                        on_lock(LockResult::Busy, None);
                        return JsValue::UNDEFINED;
                    }
                    let mut release = None;
                    let hold = Promise::new(&mut |resolve, _| release = Some(resolve));
                    on_lock(LockResult::Acquired, release);
                    hold.into()
                })
            };
            let options = LockOptions::new();
            options.set_if_available(true);
            let request = manager.request_with_options(&name, &options, callback.unchecked_ref());
            // Settles once the lock is released; a rejection before any answer
            // (an opaque origin, say) means no locks here after all.
            if JsFuture::from(request).await.is_err() && !answered.get() {
                if let Some(on_lock) = on_lock.take() {
                    on_lock(LockResult::Unsupported, None);
                }
            }
            // Released now, or never granted.
            LETTING_GO.with(|l| {
                let mut l = l.borrow_mut();
                while let Some(i) = l.iter().position(|(n, _)| *n == name) {
                    drop(l.swap_remove(i));
                }
            });
            if let Some(done) = done {
                let _ = done.call0(&JsValue::UNDEFINED);
            }
        });
    }
}
