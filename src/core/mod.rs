//! The sans-IO core: every rule of the library, with no browser in sight.
//!
//! It never reads a clock, a timer or the network. The driver feeds it
//! inputs, each stamped with `now` (seconds since the epoch, fractional):
//!
//! ```text
//! loop {
//!     input  -> machine.get_token / peek_token / handle_fetch / handle_broadcast
//!               / handle_timeout / set_online / set_visible / clear_cache / dispose
//!     while let Some(effect) = machine.poll_effect() { carry it out }
//!               // Fetch -> send, later handle_fetch; Settle -> resolve a promise;
//!               // Broadcast -> postMessage; TokenUpdate -> call listeners
//!     arm one timer for machine.poll_timeout(now) -> handle_timeout
//! }
//! ```
//!
//! Randomness (retry jitter, trace ids) comes from a seed in the config, so a
//! test replays hours of many tabs exactly, in milliseconds.
//!
//! Every `now` passed in is the local clock; the machine converts it to the
//! server's clock ([`clock::ServerClock`]) on the way in, and converts the
//! deadline of `poll_timeout` back on the way out.

pub mod backoff;
pub mod broadcast;
pub mod clock;
pub mod config;
pub mod effect;
pub mod error;
mod flight;
pub mod freshness;
pub mod jwt;
pub mod key;
mod keymap;
pub mod machine;
pub mod request;
pub mod response;
pub mod time;
pub mod wire;

pub use broadcast::{Field, IncomingBroadcast, OutgoingBroadcast, Rejection};
pub use config::{Config, SessionOptions, HARD_CUTOFF};
pub use effect::{
    Effect, FetchId, FlightId, GetOutcome, GetTokenOptions, LockId, LockResult, OrgChoice,
    TokenSource, TokenUpdate, WaiterId,
};
pub use error::Error;
pub use freshness::{pick_freshest, pick_freshest_raw, Winner};
pub use jwt::{DecodeError, Jwt};
pub use key::{token_id, TokenKey};
pub use machine::{Hit, Machine, Served};
pub use request::TokensRequest;
pub use response::FetchOutcome;
pub use time::{LocalTime, ServerTime};
pub use wire::Json;
#[cfg(any(not(target_arch = "wasm32"), test))]
pub use wire::SerdeJson;
