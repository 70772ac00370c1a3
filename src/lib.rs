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
// The wasm build leaves std out: its panic machinery formats messages nobody
// reads (a panic here aborts), and that, with the allocator std brings, was a
// fifth of the module. Host builds and the browser tests keep std.
#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]

extern crate alloc;

mod prelude;

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::{pick_freshest_jwt, Session};

/// Talc instead of std's dlmalloc: a third of the size, and faster.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Without std a panic handler is ours to give. The code never panics on
/// input (clippy denies unwrap, expect and panic); what remains are bounds
/// checks the compiler could not prove away, and a trap is all a wasm
/// module can do with those.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
