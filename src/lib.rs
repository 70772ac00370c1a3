//! # session-swr
//!
//! Keeps a signed-in user's short-lived session JWTs fresh in the browser:
//! stale-while-revalidate `getToken()`, cross-tab sync over `BroadcastChannel`
//! (message-compatible with clerk-js) and a monotonic freshness guard on the
//! `oiat` JWT header.
//!
//! * [`core`]: the sans-IO state machine, pure Rust, tested on the host.
//! * `web` (wasm32 only): the browser driver and the JS `Session` class.
#![deny(missing_docs)]

pub mod core;

// The fuzz generator in tests/ names the crate; the browser tests build it
// inside the crate itself.
#[cfg(all(test, target_arch = "wasm32"))]
extern crate self as session_swr;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::{pick_freshest_jwt, Session};
