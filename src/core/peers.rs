//! The library's own channel (SPEC 10): messages that clerk-js tabs never
//! see, for a new tab to get a token from the tabs already open and for a
//! session's end to reach every tab. Every field is checked as the
//! clerk-compatible messages are (SPEC 4.3); anything malformed is ignored.
//!
//! * `{type: "ask", askId, tokenId, sessionId, template, organizationId}`:
//!   a tab with nothing servable for a key asks the others;
//! * `{type: "token", askId, tokenId, tokenRaw, sessionId, template,
//!   organizationId, skew?}`: an answer with a servable token, checked as a
//!   broadcast is and ranked by the guard, and the sender's skew estimate,
//!   which bounds the asker's until its own first fetch (`clock.rs`);
//! * `{type: "none", askId, tokenId, sessionId}`: an answer without one, so
//!   that the asker need not wait for more;
//! * `{type: "ended", sessionId}`: the session ended (a 401) in the sender.

use super::broadcast::{Field, IncomingBroadcast, OutgoingBroadcast};
use super::key::TokenKey;
use super::request::encode_component;
use super::text::cat;

/// The start of the Web Lock name every live session of `session_id` holds
/// while it listens on the library's own channel derived from `channel`
/// (SPEC 10.1): only those can hear a question about its tokens and answer
/// it, so only those are counted. Both parts are percent-encoded, so that
/// no other pair's names start the same.
pub fn presence_prefix(channel: &str, session_id: &str) -> String {
    cat(&[
        "session-swr:live:",
        &encode_component(channel),
        ":",
        &encode_component(session_id),
        ":",
    ])
}

/// What a message on the library's own channel says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKind {
    /// A question for a key's token.
    Ask,
    /// An answer with a token.
    Token,
    /// An answer without one.
    None,
    /// The session ended.
    Ended,
}

impl PeerKind {
    /// Its `type` on the wire.
    pub fn name(self) -> &'static str {
        match self {
            PeerKind::Ask => "ask",
            PeerKind::Token => "token",
            PeerKind::None => "none",
            PeerKind::Ended => "ended",
        }
    }
}

impl OutgoingBroadcast {
    /// `kind` (a question or an answer) for `key` of `session_id`, with
    /// `token` on an answer that has one.
    pub fn peer(
        kind: PeerKind,
        session_id: &str,
        ask_id: f64,
        key: &TokenKey,
        token: Option<String>,
    ) -> OutgoingBroadcast {
        let (template, organization_id) = key.clone().into_parts();
        OutgoingBroadcast {
            kind: Some(kind),
            ask_id: Some(ask_id),
            skew: None,
            token_id: key.token_id(session_id),
            token_raw: token.unwrap_or_default(),
            session_id: session_id.to_owned(),
            template,
            organization_id,
            trace_id: String::new(),
        }
    }

    /// The message as another tab receives it (a structured clone): for
    /// the simulation and the tests, which carry messages between cores.
    pub fn received(&self) -> IncomingPeer {
        let text = |s: &str| match s {
            "" => Field::Missing,
            s => Field::Str(s.to_owned()),
        };
        let opt = |v: &Option<String>| v.clone().map_or(Field::Null, Field::Str);
        let kind = self
            .kind
            .map_or(Field::Missing, |k| Field::Str(k.name().to_owned()));
        IncomingPeer {
            kind,
            ask_id: self.ask_id,
            skew: self.skew,
            fields: IncomingBroadcast {
                token_id: text(&self.token_id),
                token_raw: text(&self.token_raw),
                session_id: text(&self.session_id),
                template: opt(&self.template),
                organization_id: opt(&self.organization_id),
            },
        }
    }

    /// The end of `session_id`.
    pub fn ended(session_id: &str) -> OutgoingBroadcast {
        OutgoingBroadcast {
            kind: Some(PeerKind::Ended),
            ask_id: None,
            skew: None,
            token_id: String::new(),
            token_raw: String::new(),
            session_id: session_id.to_owned(),
            template: None,
            organization_id: None,
            trace_id: String::new(),
        }
    }
}

/// A received message of the library's own channel, before any trust is
/// placed in it: its `type`, its `askId` when that is a number, and the
/// fields a broadcast has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncomingPeer {
    /// `type`
    pub kind: Field,
    /// `askId`, when a number.
    pub ask_id: Option<f64>,
    /// `skew`, when a number.
    pub skew: Option<f64>,
    /// `tokenId`, `tokenRaw`, `sessionId`, `template`, `organizationId`.
    pub fields: IncomingBroadcast,
}
