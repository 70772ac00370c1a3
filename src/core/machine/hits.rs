//! The cache-hit paths, for `peekToken` and the package entry's memos.

use super::Machine;
use crate::core::config::HARD_CUTOFF;
use crate::core::effect::GetTokenOptions;

impl Machine {
    /// `peekToken`'s path: the servable cached token with its sequence
    /// number (new for every token stored, so the driver can reuse its JS
    /// string), and whether marking the key in use changed the schedule.
    /// `None` when no token with more than 5 s left is cached.
    pub fn cached_token(
        &mut self,
        now: f64,
        opts: Option<&GetTokenOptions>,
    ) -> Option<(u64, &str, bool)> {
        let now = self.clock.server(now);
        if self.disposed {
            return None;
        }
        let entry = match opts {
            None => self.entries.get_mut(&self.default_id)?,
            Some(o) => {
                let id = self.key_for(o).token_id(&self.cfg.session_id);
                self.entries.get_mut(&id)?
            }
        };
        let token = entry
            .token
            .as_ref()
            .filter(|t| t.remaining(now) > HARD_CUTOFF)?;
        let changed = !entry.in_use;
        entry.in_use = true;
        Some((entry.seq, token.raw.as_str(), changed))
    }

    /// A key's token for a memo outside the machine: its sequence number,
    /// the token, and the local times (s) until which it is fresh (`getToken`
    /// serves it without a refresh) and servable (`peekToken` returns it).
    /// `None` when there is nothing to serve, and for a key other than the
    /// default one while it is not in use: the first read of each new token
    /// must reach the machine, which marks the key in use (SPEC 2.7).
    pub fn memo(&self, id: &str) -> Option<(u64, &str, f64, f64)> {
        if self.disposed {
            return None;
        }
        let entry = self.entries.get(id)?;
        if !(entry.in_use || id == self.default_id) {
            return None;
        }
        let token = entry.token.as_ref()?;
        let exp = token.exp? - self.clock.offset();
        Some((
            entry.seq,
            token.raw.as_str(),
            exp - self.cfg.threshold,
            exp - HARD_CUTOFF,
        ))
    }

    /// The default key's token id, then every other key's.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        ::core::iter::once(self.default_id.as_str()).chain(
            self.entries
                .keys()
                .filter(move |id| *id != self.default_id.as_str()),
        )
    }
}
