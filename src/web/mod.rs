//! The browser layer: the only code that touches JS. One driver owns the
//! core ([`driver`]) and carries out its effects through web-sys: `fetch`
//! ([`fetch`]), `BroadcastChannel` ([`channel`]), Web Locks ([`locks`]), the
//! page's events ([`page`]) and one re-armed gloo-timers timeout
//! ([`timer`]). Values from JS are read with serde-wasm-bindgen
//! ([`options`], [`channel`]); the exported class is in [`session`].

mod allocator;
mod authed;
mod channel;
mod de;
mod driver;
mod error;
mod fetch;
mod json;
mod listeners;
mod locks;
mod options;
mod page;
mod session;
mod timer;

pub use session::{pick_freshest_jwt, Session};

#[cfg(test)]
mod browser_tests;
