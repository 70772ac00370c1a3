//! The cache-hit fast paths, for the driver and the package entry's memo.

use super::Machine;
use crate::core::config::HARD_CUTOFF;
use crate::core::effect::GetTokenOptions;

impl Machine {
    /// The hot path of `getToken` (`fresh`: more than the threshold left) and
    /// `peekToken` (servable): the cached token with its sequence number (new
    /// for every token stored, so the driver can reuse its JS string), and
    /// whether marking the key in use changed the schedule. `None` when no
    /// such token is cached (`getToken` then takes the full path; callers
    /// with `skipCache` must not come here).
    pub fn cached_token(
        &mut self,
        now: f64,
        opts: Option<&GetTokenOptions>,
        fresh: bool,
    ) -> Option<(u64, &str, bool)> {
        let now = self.clock.server(now);
        if self.disposed {
            return None;
        }
        let need = if fresh {
            self.cfg.threshold
        } else {
            HARD_CUTOFF
        };
        let entry = match opts {
            None => self.entries.get_mut(&self.default_id)?,
            Some(o) => {
                let id = self.key_for(o).token_id(&self.cfg.session_id);
                self.entries.get_mut(&id)?
            }
        };
        let token = entry.token.as_ref().filter(|t| t.remaining(now) > need)?;
        let changed = !entry.in_use;
        entry.in_use = true;
        Some((entry.seq, token.raw.as_str(), changed))
    }

    /// The default key's token for a memo outside the machine: its sequence
    /// number, the token, and the local times (s) until which it is fresh
    /// (`getToken` serves it without a refresh) and servable (`peekToken`
    /// returns it). `None` when there is nothing to serve.
    pub fn default_memo(&self) -> Option<(u64, &str, f64, f64)> {
        if self.disposed {
            return None;
        }
        let entry = self.entries.get(&self.default_id)?;
        let token = entry.token.as_ref()?;
        let exp = token.exp? - self.clock.offset();
        Some((
            entry.seq,
            token.raw.as_str(),
            exp - self.cfg.threshold,
            exp - HARD_CUTOFF,
        ))
    }
}
