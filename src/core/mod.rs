//! The sans-IO core: every rule of the library, with no browser in sight.
//!
//! It never reads a clock, a timer or the network. The driver feeds a
//! [`Machine`] inputs, each stamped with `now`, a [`LocalTime`] (this tab's
//! `Date.now()` in seconds):
//!
//! ```text
//! loop {
//!     input  -> machine.serve (getToken) / peek / handle_fetch / handle_broadcast
//!               / handle_lock / handle_timeout / set_online / set_visible
//!               / clear_cache / dispose
//!     while let Some(effect) = machine.poll_effect() { carry it out }
//!               // Fetch -> send, later handle_fetch; Abort -> abort it;
//!               // Settle -> resolve a promise;
//!               // Broadcast -> postMessage; TokenUpdate -> call listeners;
//!               // AcquireLock -> request, later handle_lock; ReleaseLock -> let go
//!     arm one timer for machine.poll_timeout(now) -> handle_timeout
//! }
//! ```
//!
//! Randomness (retry jitter, trace ids) comes from a seed in the [`Config`],
//! so a test replays hours of many tabs exactly, in milliseconds. JSON text
//! is parsed through the [`Json`] the config names.
//!
//! Tokens are judged on the server's clock, a [`ServerTime`], estimated
//! with the skew of a [`ServerClock`]; every deadline is an [`Instant`] on a
//! monotonic clock derived from `now`. The time model is in `time.rs`.
//!
//! The public items below are the core's API, used by the browser driver
//! and by the host tests, simulation and fuzzer; the modules are private.

mod authed;
mod backoff;
mod broadcast;
mod clock;
mod config;
mod effect;
mod error;
mod events;
mod faults;
mod flight;
mod freshness;
mod jwt;
mod key;
mod keymap;
mod machine;
mod peers;
mod record;
mod request;
mod response;
mod status;
mod text;
mod time;
mod wire;

pub use authed::{AuthedFetch, AuthedStep};
pub use backoff::{RetryPolicy, Rng};
pub use broadcast::{Field, IncomingBroadcast, OutgoingBroadcast, Rejection, MAX_FIELD_LEN};
pub use clock::ServerClock;
pub use config::{Config, SessionOptions, HARD_CUTOFF};
pub use effect::{
    AskId, Effect, FetchId, FlightId, GetOutcome, GetTokenOptions, Issued, LockId, LockResult,
    OrgChoice, WaiterId,
};
pub use error::{Context, Error};
pub use events::{RefreshEvent, RefreshOutcome, TokenSource, TokenUpdate, Trigger};
pub use faults::{Fault, Faults};
pub use freshness::{pick_freshest, pick_freshest_raw, Winner};
pub use jwt::{DecodeError, Jwt, MAX_JWT_LEN};
pub use key::{token_id, TokenKey};
pub use machine::{Hit, Machine, Served, HANDOVER_WAIT};
pub use peers::{presence_prefix, IncomingPeer, PeerKind};
pub use record::{Record, Value};
pub use request::{TokensRequest, FORM_CONTENT_TYPE};
pub use response::{interpret, parse_retry_after, Failure, FetchOutcome, MAX_BODY};
pub use status::{Snapshot, Status};
pub use text::{cat, decimal};
pub use time::{Instant, LocalTime, Monotonic, Now, ServerTime};
#[cfg(any(not(target_arch = "wasm32"), test))]
pub use wire::SerdeJson;
pub use wire::{Claim, Json, Members, Parsed, MAX_DEPTH};
