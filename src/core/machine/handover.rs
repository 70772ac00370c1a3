//! Every tab at once (SPEC 10): a tab with nothing servable for a key asks
//! the tabs already open before it asks the Frontend API, and a session's
//! end reaches every tab.
//!
//! A question goes out with the number of other live sessions of this
//! `sessionId` still unknown; the driver counts them (each holds a Web Lock
//! of its own) and reports with [`Machine::handle_peers`]. A caller's
//! request waits for the question only while someone may still answer:
//! until a token comes, every live tab has answered, or [`HANDOVER_WAIT`]
//! has passed. A tab alone learns that no one is there in the time its
//! refresh lock takes to be granted, so it waits for nothing.

use super::Machine;
use crate::core::broadcast::OutgoingBroadcast;
use crate::core::broadcast::{key_of, Field, IncomingBroadcast, Rejection};
use crate::core::effect::{AskId, Effect};
use crate::core::faults::Fault;
use crate::core::flight::{Flight, Kind, Phase};
use crate::core::peers::{IncomingPeer, PeerKind};
use crate::core::time::{Instant, LocalTime};

/// At most this long a caller's request waits for the answers of the tabs
/// that are there (they answer within milliseconds; this covers one whose
/// page is busy).
pub const HANDOVER_WAIT: f64 = 0.1;

/// A question to the other tabs about one key.
#[derive(Debug, Clone)]
pub(crate) struct Ask {
    pub id: AskId,
    pub token_id: String,
    /// Other live sessions of this `sessionId`, once counted.
    pub peers: Option<u32>,
    pub replies: u32,
    pub until: Instant,
}

impl Ask {
    /// Whether someone may still answer at `now`.
    fn open(&self, now: Instant) -> bool {
        now < self.until && self.peers.is_none_or(|p| self.replies < p)
    }
}

impl Machine {
    /// Whether the library's own channel is open (default: not). Opening it
    /// asks the other tabs for the session's token if none is servable.
    pub fn set_handover(&mut self, now: LocalTime, open: bool) {
        self.read(now);
        self.handover = open;
        let id = self.default_id.clone();
        let servable = self
            .entries
            .get(&id)
            .and_then(|e| e.servable(self.now.server))
            .is_some();
        if !servable {
            self.ask(&id);
        }
    }

    /// Asks the other tabs for key `id`'s token, unless a question about it
    /// is open already.
    pub(super) fn ask(&mut self, id: &str) {
        let now = self.now.at;
        if !self.handover || self.ended || self.asks.iter().any(|a| a.token_id == id && a.open(now))
        {
            return;
        }
        let Some(key) = self.entries.get(id).map(|e| e.key.clone()) else {
            return;
        };
        let ask = AskId(self.rng.next_u64() >> 11);
        // Closed questions go (in any order: they are looked up by id).
        let mut i = 0;
        while i < self.asks.len() {
            if self.asks[i].open(now) {
                i += 1;
            } else {
                self.asks.swap_remove(i);
            }
        }
        self.asks.push(Ask {
            id: ask,
            token_id: id.to_owned(),
            peers: None,
            replies: 0,
            until: now + HANDOVER_WAIT,
        });
        // Below 2^53: exact as a JS number.
        #[allow(clippy::cast_precision_loss)]
        let id = ask.0 as f64;
        let message = OutgoingBroadcast::peer(PeerKind::Ask, &self.cfg.session_id, id, &key, None);
        self.effects.push(Effect::Ask { id: ask, message });
    }

    /// Until when flight `flight` waits for the other tabs' answers before
    /// its request goes out, if it does: a caller's, while a question about
    /// its key is open.
    pub(super) fn handover_until(&self, flight: &Flight) -> Option<Instant> {
        let now = self.now.at;
        (flight.kind == Kind::Shared)
            .then(|| {
                self.asks
                    .iter()
                    .find(|a| a.token_id == flight.token_id && a.open(now))
            })
            .flatten()
            .map(|a| a.until)
    }

    /// How many other live sessions of this `sessionId` there are, for the
    /// question `ask`: the driver counts their Web Locks (0 where there are
    /// none to count).
    pub fn handle_peers(&mut self, now: LocalTime, ask: AskId, peers: u32) {
        self.read(now);
        let counted = !self.cfg.faults.has(Fault::Uncounted);
        if let Some(a) = self.asks.iter_mut().find(|a| a.id == ask && counted) {
            a.peers = Some(peers);
            let id = a.token_id.clone();
            self.answered(&id);
        }
    }

    /// A question about `token_id` may have closed: requests that waited on
    /// it go ahead (or find the token an answer brought).
    fn answered(&mut self, token_id: &str) {
        let now = self.now.at;
        if self
            .asks
            .iter()
            .any(|a| a.token_id == token_id && a.open(now))
        {
            return;
        }
        let waiting = self.flights_where(&|f| {
            f.token_id == token_id && matches!(f.phase, Phase::Handover { .. })
        });
        for flight in waiting {
            self.recheck_or_send(flight);
        }
    }

    /// A message from another tab on the library's own channel (SPEC 10).
    /// `Err` says why it was ignored.
    pub fn handle_peer(&mut self, now: LocalTime, msg: &IncomingPeer) -> Result<(), Rejection> {
        self.read(now);
        if self.disposed {
            return Err(Rejection::Disposed);
        }
        let Field::Str(kind) = &msg.kind else {
            return Err(Rejection::Malformed);
        };
        match kind.as_str() {
            "ended" => {
                if msg.fields.session_id != Field::Str(self.cfg.session_id.clone()) {
                    return Err(Rejection::OtherSession);
                }
                if !self.cfg.faults.has(Fault::PeerEnd) {
                    self.end_session(false);
                }
                Ok(())
            }
            "ask" => self.answer(msg.ask_id, &msg.fields),
            "token" | "none" => {
                let ask = msg.ask_id.ok_or(Rejection::Malformed)?;
                let token_id =
                    key_of(&msg.fields, &self.cfg.session_id)?.token_id(&self.cfg.session_id);
                #[allow(clippy::cast_precision_loss)]
                let mine = self
                    .asks
                    .iter_mut()
                    .find(|a| a.id.0 as f64 == ask && a.token_id == token_id)
                    .ok_or(Rejection::NotAsked)?;
                mine.replies += 1;
                let adopted = if kind == "token" {
                    self.adopt(&msg.fields, msg.skew)
                } else {
                    Ok(())
                };
                self.answered(&token_id);
                adopted
            }
            _ => Err(Rejection::Malformed),
        }
    }

    /// Answers another tab's question: with the key's servable token, or
    /// without one; a session that is over says so.
    fn answer(&mut self, ask: Option<f64>, fields: &IncomingBroadcast) -> Result<(), Rejection> {
        // Echoed as it came: the asker matches it against its own.
        let ask = ask.filter(|a| a.is_finite()).ok_or(Rejection::Malformed)?;
        let key = key_of(fields, &self.cfg.session_id)?;
        let session_id = &self.cfg.session_id;
        let message = if self.ended {
            OutgoingBroadcast::ended(session_id)
        } else {
            let token = self
                .entries
                .get(&key.token_id(session_id))
                .and_then(|e| e.servable(self.now.server))
                .map(|t| t.raw.clone());
            let kind = match token {
                Some(_) => PeerKind::Token,
                None => PeerKind::None,
            };
            let mut answer = OutgoingBroadcast::peer(kind, session_id, ask, &key, token);
            answer.skew = self.clock.bound().filter(|_| kind == PeerKind::Token);
            answer
        };
        self.effects.push(Effect::Peer(message));
        Ok(())
    }
}
