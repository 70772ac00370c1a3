//! Cache hits (SPEC 2.3 rows 1 and 2, `peekToken`): the hot path, which
//! finds the key's entry without building its `tokenId` and names the token
//! by its sequence number, so a hit allocates nothing.

use super::Machine;
use crate::core::config::HARD_CUTOFF;
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

/// The last hit of the session's own key, its token fresh: served again by
/// [`Machine::hit_again`] until the wall clock reaches `until`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Again {
    hit: Hit,
    /// The start of the token's refresh window (or its cutoff, if sooner)
    /// on this tab's clock, a millisecond early (so rounding never serves
    /// it a hair into either).
    until: LocalTime,
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

    /// `getToken()` / `peekToken()` with no options, on the hot path of
    /// every API call an app makes: the session's own key's last hit again,
    /// if nothing has happened since (no input at all: each clears it) and
    /// its token is still outside its refresh window at `now`. No lookup;
    /// `None` sends the call down the whole path (`serve`, `peek`), which
    /// answers the same whenever this answers at all. The wall clock is
    /// read either way, so a step back is seen as on any input (SPEC 2.8).
    pub fn hit_again(&mut self, now: LocalTime) -> Option<Hit> {
        self.tick(now);
        let again = self.again?;
        (self.mono.wall() < again.until).then_some(again.hit)
    }

    /// `peekToken` as an owned string, by the driver's path (see
    /// [`Machine::get_token`]).
    pub fn peek_token(&mut self, now: LocalTime, opts: &GetTokenOptions) -> Option<String> {
        let again = (*opts == GetTokenOptions::NONE)
            .then(|| self.hit_again(now))
            .flatten();
        let hit = match again {
            Some(hit) => hit,
            None => self.peek(now, opts)?,
        };
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
        let window = token.refresh_window(self.cfg.threshold);
        let stale = token.remaining(now) <= window;
        let exp = token.exp.unwrap_or(ServerTime::NEVER);
        // A key's first read puts it on the schedule; the session's own key
        // is on it whether read or not.
        let own = id == self.default_id;
        let reschedule = !entry.in_use && !own;
        entry.in_use = true;
        let seq = entry.seq;
        let expires_at = self.clock.local(exp);
        let hit = Hit {
            seq,
            reschedule,
            expires_at,
        };
        if !stale && !reschedule && own {
            // Fresh until its refresh window opens or it reaches the
            // cutoff, whichever is first (a short token's window is
            // shorter than the cutoff).
            self.again = Some(Again {
                hit,
                until: self.clock.local(exp - window.max(HARD_CUTOFF)) - 0.001,
            });
        }
        Some((hit, stale))
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
