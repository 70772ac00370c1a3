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
// The wasm build leaves std out (see `runtime`).
#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]

extern crate alloc;

mod prelude;

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::{pick_freshest_jwt, Session};

#[cfg(target_arch = "wasm32")]
mod runtime;
