//! The browser layer: the only code that touches JS. One driver owns the
//! core ([`driver`]) and carries out its effects through web-sys: `fetch`
//! ([`fetch`]), `BroadcastChannel` ([`channel`]), Web Locks ([`locks`]), the
//! page's events ([`page`]) and one re-armed gloo-timers timeout
//! ([`timer`]). Values from JS are read by serde through a deserializer of
//! the module's own ([`de`]: [`options`], [`channel`], [`json`]); objects
//! for JS are made by serde-wasm-bindgen ([`out`]). The exported class is
//! in [`session`].

mod allocator;
mod authed;
mod calls;
mod channel;
mod de;
mod driver;
mod error;
mod fetch;
mod json;
mod listeners;
mod locks;
mod options;
mod out;
mod page;
mod session;
mod status;
mod timer;

pub use session::{pick_freshest_jwt, Session};

#[cfg(test)]
mod browser_tests;
