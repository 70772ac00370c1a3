//! The `alloc` names every module uses. The wasm build is `no_std` (see
//! `lib.rs`), so these come from `alloc` rather than the std prelude; on the
//! host they are the same items std re-exports. `format!` and `ToString` are
//! left out on purpose: see `core::text`.

pub(crate) use alloc::borrow::ToOwned;
pub(crate) use alloc::string::String;
pub(crate) use alloc::vec;
pub(crate) use alloc::vec::Vec;
