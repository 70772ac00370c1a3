//! The browser layer: the only code that touches JS. One driver owns the core
//! ([`driver`]); the rest are thin RAII wrappers and the exported class.
//! What is only JS plumbing (fetch and reading its response, the channel,
//! page events, lock requests, listener calls, reading options objects)
//! lives in small JS files beside the Rust that calls them: a call across
//! the boundary per effect costs far less wasm than a binding per property.

mod channel;
mod driver;
mod error;
mod fetch;
mod listeners;
mod locks;
mod memo;
mod options;
mod page;
mod session;
mod timer;

pub use session::{pick_freshest_jwt, Session};

#[cfg(test)]
mod browser_tests;
