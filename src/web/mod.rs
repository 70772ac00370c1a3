//! The browser layer: the only code that touches JS. One driver owns the core
//! ([`driver`]); the rest are thin RAII wrappers and the exported class.

mod channel;
mod driver;
mod error;
mod fetch;
mod listener;
mod locks;
mod memo;
mod options;
mod session;
mod timer;

pub use session::{pick_freshest_jwt, Session};

#[cfg(test)]
mod browser_tests;
