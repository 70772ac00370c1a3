//! Cache hits (SPEC 2.3 rows 1 and 2, `peekToken`): the hot path, which
//! finds the key's entry without building its `tokenId` and names the token
//! by its sequence number, so a hit allocates nothing.

use super::Machine;
use crate::core::effect::{GetTokenOptions, OrgChoice, WaiterId};
use crate::core::error::Error;
use crate::core::faults::Fault;
use crate::core::time::{LocalTime, ServerTime};

/// A token served from the cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The token's sequence number, new for every token stored: the driver
    /// reuses what it built for it (its JS string), and reads the token with
    /// [`Machine::token`] only the first time.
    pub seq: u64,
    /// This read changed what the machine waits for: it marked the key in
    /// use, which schedules its refresh (SPEC 2.7), or started a background
    /// refresh. The driver must carry out effects and re-arm its timer.
    pub reschedule: bool,
    /// When the token's `exp` falls on this tab's clock (SPEC 8.1).
    pub expires_at: LocalTime,
}

/// What `getToken` gets at once.
#[derive(Debug)]
pub enum Served {
    /// From the cache; a background refresh may have been queued.
    Cached(Hit),
    /// Wait for `Effect::Settle` with this id.
    Wait(WaiterId),
    /// Failed at once (offline, disposed, the session ended, ...).
    Failed(Error),
}

impl Machine {
    /// `getToken` (SPEC 2.3). A servable token is served at once (and,
    /// inside the refresh window, refreshed in the background), unless the
    /// call asks for `skipCache` or for a fresh token with `refreshIfStale`.
    pub fn serve(&mut self, now: LocalTime, opts: &GetTokenOptions) -> Served {
        self.read(now);
        if !self.disposed && !self.ended && !opts.skip_cache {
            if let Some((mut hit, stale)) = self.hit(opts) {
                if !stale || !opts.refresh_if_stale {
                    hit.reschedule |= stale && self.ensure_background_for(opts);
                    return Served::Cached(hit);
                }
            }
        }
        self.wait_for_token(opts)
    }

    /// `peekToken`: the servable cached token, if any; marks the key in use.
    pub fn peek(&mut self, now: LocalTime, opts: &GetTokenOptions) -> Option<Hit> {
        self.read(now);
        if self.disposed || self.ended {
            return None;
        }
        self.hit(opts).map(|(hit, _)| hit)
    }

    /// `peekToken` as an owned string.
    pub fn peek_token(&mut self, now: LocalTime, opts: &GetTokenOptions) -> Option<String> {
        let hit = self.peek(now, opts)?;
        self.token(hit.seq).map(str::to_owned)
    }

    /// The cached token stored as `seq`, if a key still holds it.
    pub fn token(&self, seq: u64) -> Option<&str> {
        self.entries
            .find(|e| e.seq == seq)
            .and_then(|(_, e)| e.token.as_ref())
            .map(|t| t.raw.as_str())
    }

    fn ensure_background_for(&mut self, opts: &GetTokenOptions) -> bool {
        let (template, org) = key_parts(self.cfg.organization_id.as_deref(), opts);
        let Some((id, _)) = self.entries.find(|e| e.key.is(template, org)) else {
            return false;
        };
        // Usually a refresh is already out: decided without allocating.
        if !self.may_refresh(id) {
            return false;
        }
        let id = id.to_owned();
        self.ensure_background(&id)
    }

    /// The key's servable token, and whether it is stale (inside its refresh
    /// window), marking the key in use.
    fn hit(&mut self, opts: &GetTokenOptions) -> Option<(Hit, bool)> {
        let now = self.now.server;
        let (template, org) = key_parts(self.cfg.organization_id.as_deref(), opts);
        let (id, entry) = self.entries.find_mut(|e| e.key.is(template, org))?;
        let token = match entry.servable(now) {
            None if self.cfg.faults.has(Fault::Cutoff) => {
                entry.token.as_ref().filter(|t| t.remaining(now) > 0.0)?
            }
            token => token?,
        };
        let stale = token.remaining(now) <= token.refresh_window(self.cfg.threshold);
        let exp = token.exp.unwrap_or(ServerTime::NEVER);
        // A key's first read puts it on the schedule; the session's own key
        // is on it whether read or not.
        let reschedule = !entry.in_use && id != self.default_id;
        entry.in_use = true;
        let seq = entry.seq;
        let expires_at = self.clock.local(exp);
        Some((
            Hit {
                seq,
                reschedule,
                expires_at,
            },
            stale,
        ))
    }
}

/// The template and organization a call's options select (SPEC 2.1),
/// borrowed: `""` counts as absent, and a missing organization is the
/// session's (`session_org`).
pub(super) fn key_parts<'a>(
    session_org: Option<&'a str>,
    opts: &'a GetTokenOptions,
) -> (Option<&'a str>, Option<&'a str>) {
    let org = match &opts.organization_id {
        OrgChoice::SessionDefault => session_org,
        OrgChoice::Explicit(org) => org.as_deref(),
    };
    let present = |s: Option<&'a str>| s.filter(|s| !s.is_empty());
    (present(opts.template.as_deref()), present(org))
}
