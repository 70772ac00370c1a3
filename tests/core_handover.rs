//! SPEC 10: a new tab gets its first token from the tabs already open, with
//! no request, and a session that ends in one tab ends in every tab. Several
//! cores on one simulated channel of the library's own.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

/// Tabs of one origin: one lock table, and the library's own channel.
struct Origin {
    tabs: Vec<Tab>,
    locks: LockTable,
}

impl Origin {
    fn new() -> Origin {
        Origin {
            tabs: Vec::new(),
            locks: LockTable::default(),
        }
    }

    /// Opens a tab (its own channel open) at the origin's time.
    fn open(&mut self) -> usize {
        let cfg = Config::new(options(), self.tabs.len() as u64 + 7, &SerdeJson).unwrap();
        let now = self.tabs.first().map_or(LocalTime(T0), |t| t.now);
        let m = Machine::new(cfg, None, now).unwrap();
        let mut tab = Tab::with_locks(m, Some(self.locks.clone()));
        tab.now = now;
        tab.m.set_handover(now, true);
        tab.drain();
        self.tabs.push(tab);
        self.tabs.len() - 1
    }

    /// Fills tab `t`'s default key with `jwt`, from the Frontend API.
    fn prime(&mut self, t: usize, jwt: &str) {
        let w = self.tabs[t].get_wait(&plain());
        self.pump(true);
        self.tabs[t].respond(ok(jwt));
        assert_eq!(self.tabs[t].token_of(w), jwt);
    }

    /// Delivers every message posted on the own channel to every other tab,
    /// until none is left; `count` answers each question with the number
    /// of other tabs (their Web Locks).
    fn pump(&mut self, count: bool) {
        loop {
            let mut any = false;
            for from in 0..self.tabs.len() {
                let posts = std::mem::take(&mut self.tabs[from].peer_posts);
                let asks = std::mem::take(&mut self.tabs[from].asks);
                for post in &posts {
                    any = true;
                    for to in 0..self.tabs.len() {
                        if to != from {
                            let tab = &mut self.tabs[to];
                            let _ = tab.m.handle_peer(tab.now, &post.received());
                            tab.drain();
                        }
                    }
                }
                if count {
                    let peers = self.tabs.len() as u32 - 1;
                    let tab = &mut self.tabs[from];
                    for ask in asks {
                        any = true;
                        tab.m.handle_peers(tab.now, ask, peers);
                        tab.drain();
                    }
                } else {
                    self.tabs[from].asks.extend(asks);
                }
            }
            if !any {
                break;
            }
        }
    }
}

#[test]
fn a_new_tab_gets_its_first_token_from_an_open_tab_with_no_request() {
    let mut o = Origin::new();
    let a = o.open();
    o.pump(true);
    let held = token(T0);
    o.prime(a, &held);
    let b = o.open();
    // The question goes out as the tab opens; its caller asks at once.
    let w = o.tabs[b].get_wait(&plain());
    o.pump(true);
    assert_eq!(o.tabs[b].token_of(w), held);
    assert!(o.tabs[b].sent.is_empty(), "no /tokens request");
    assert_eq!(o.tabs[b].updates.len(), 1);
    assert_eq!(o.tabs[b].updates[0].source, TokenSource::Broadcast);
    assert_eq!(o.tabs[b].get_ready(&plain()), held, "cached");
    // Scheduled like any other token: refreshed before it lapses.
    o.tabs[b].advance(50.0);
    assert!(!o.tabs[b].sent.is_empty(), "refreshed on its own schedule");
}

#[test]
fn a_tab_alone_waits_for_no_one() {
    let mut o = Origin::new();
    let a = o.open();
    let w = o.tabs[a].get_wait(&plain());
    assert!(
        o.tabs[a].sent.is_empty(),
        "the other tabs are not counted yet"
    );
    o.pump(true);
    assert_eq!(
        o.tabs[a].sent.len(),
        1,
        "no one there: the request goes at once"
    );
    o.tabs[a].respond(ok(&token(T0)));
    assert_eq!(o.tabs[a].token_of(w), token(T0));
}

#[test]
fn tabs_without_the_token_answer_none_and_the_request_goes_at_once() {
    let mut o = Origin::new();
    o.open();
    o.open();
    o.pump(true);
    let c = o.open();
    let w = o.tabs[c].get_wait(&template("t"));
    o.pump(true);
    assert_eq!(o.tabs[c].sent.len(), 1, "both others said they have none");
    o.tabs[c].respond(ok(&token(T0)));
    o.tabs[c].token_of(w);
}

#[test]
fn a_tab_that_never_answers_holds_a_request_back_100_ms_at_most() {
    let mut o = Origin::new();
    let a = o.open();
    o.pump(true);
    let b = o.open();
    // Counted, but its answer never comes.
    let ask = o.tabs[b].asks.pop().unwrap();
    o.tabs[b].peer_posts.clear();
    let now = o.tabs[b].now;
    o.tabs[b].m.handle_peers(now, ask, 1);
    o.tabs[b].get_wait(&plain());
    assert!(o.tabs[b].sent.is_empty());
    // 100 ms at most for a tab that is there but never answers.
    o.tabs[b].advance(0.09);
    assert!(o.tabs[b].sent.is_empty(), "waits for the other tab");
    o.tabs[b].advance(0.02);
    assert_eq!(o.tabs[b].sent.len(), 1, "then asks the Frontend API");
    assert!(o.tabs[a].sent.is_empty());
}

#[test]
fn a_servable_token_and_skip_cache_never_wait_for_other_tabs() {
    let mut o = Origin::new();
    let a = o.open();
    o.pump(false);
    // Nobody counted the tabs: a question stays open.
    o.tabs[a].get_wait(&skip_cache());
    assert_eq!(o.tabs[a].sent.len(), 1, "skipCache goes at once");
    o.tabs[a].respond(ok(&token(T0)));
    o.tabs[a].get_ready(&plain());
    assert_eq!(o.tabs[a].sent.len(), 1, "a cached token is served at once");
}

#[test]
fn a_401_in_one_tab_ends_the_session_in_every_tab() {
    let mut o = Origin::new();
    let (a, b, c) = (o.open(), o.open(), o.open());
    o.pump(true);
    o.prime(a, &token(T0));
    o.pump(true);
    let waiting = o.tabs[b].get_wait(&template("t"));
    o.pump(true);
    let w = o.tabs[a].get_wait(&skip_cache());
    let i = o.tabs[a].pending.len() - 1;
    o.tabs[a].respond_to(i, status(401));
    assert_eq!(o.tabs[a].error_of(w), Error::Unauthenticated);
    o.pump(true);
    for t in [a, b, c] {
        assert!(o.tabs[t].m.is_ended(), "tab {t} ended");
        assert_eq!(o.tabs[t].ended, 1, "tab {t} told once");
    }
    assert_eq!(o.tabs[b].error_of(waiting), Error::Unauthenticated);
    let before: Vec<usize> = o.tabs.iter().map(|t| t.sent.len()).collect();
    for t in [b, c] {
        assert!(matches!(
            o.tabs[t].get(&plain()),
            GetOutcome::Failed(Error::Unauthenticated)
        ));
        o.tabs[t].advance(120.0);
    }
    let after: Vec<usize> = o.tabs.iter().map(|t| t.sent.len()).collect();
    assert_eq!(before, after, "no request after the end");
    // A tab opened later for the same session hears of it too.
    let d = o.open();
    o.pump(true);
    assert!(o.tabs[d].m.is_ended());
}

#[test]
fn malformed_and_foreign_messages_change_nothing() {
    let mut o = Origin::new();
    let a = o.open();
    o.pump(true);
    o.prime(a, &token(T0));
    let tab = &mut o.tabs[a];
    let good = OutgoingBroadcast::peer(
        PeerKind::Token,
        SID,
        42.0,
        &TokenKey::default(),
        Some(token(T0 + 1.0)),
    )
    .received();
    let mut cases: Vec<(IncomingPeer, Rejection)> = Vec::new();
    let mut no_kind = good.clone();
    no_kind.kind = Field::Missing;
    cases.push((no_kind, Rejection::Malformed));
    let mut odd_kind = good.clone();
    odd_kind.kind = Field::Str("gimme".into());
    cases.push((odd_kind, Rejection::Malformed));
    cases.push((good.clone(), Rejection::NotAsked));
    let mut no_ask = good.clone();
    no_ask.ask_id = None;
    cases.push((no_ask, Rejection::Malformed));
    let mut foreign = OutgoingBroadcast::ended("sess_other").received();
    cases.push((foreign.clone(), Rejection::OtherSession));
    foreign.fields.session_id = Field::Other;
    cases.push((foreign, Rejection::OtherSession));
    let mut ask =
        OutgoingBroadcast::peer(PeerKind::Ask, SID, 1.0, &TokenKey::default(), None).received();
    ask.ask_id = Some(f64::NAN);
    cases.push((ask.clone(), Rejection::Malformed));
    ask.ask_id = Some(1.0);
    ask.fields.token_id = Field::Str("sess_1-other".into());
    cases.push((ask, Rejection::KeyMismatch));
    for (msg, why) in cases {
        assert_eq!(tab.m.handle_peer(tab.now, &msg), Err(why), "{msg:?}");
        tab.drain();
    }
    assert!(tab.peer_posts.is_empty(), "no answer to any of them");
    assert_eq!(tab.updates.len(), 1, "and no token taken");
    assert!(!tab.m.is_ended());
    assert_eq!(tab.get_ready(&plain()), token(T0));
}

#[test]
fn a_new_tab_on_a_slow_clock_judges_a_handed_over_token_by_the_open_tabs_estimate() {
    // The machine's clock is 120 s behind the server's. Tab A fetched, so
    // its estimate is bounded from above; the token it holds is 40 s old
    // when tab B opens.
    let mut o = Origin::new();
    let a = o.open();
    o.pump(true);
    let minted = token(T0 + 120.0);
    o.prime(a, &minted);
    for tab in &mut o.tabs {
        tab.now += 40.0;
    }
    let b = o.open();
    let w = o.tabs[b].get_wait(&plain());
    o.pump(true);
    assert_eq!(o.tabs[b].token_of(w), minted, "handed over");
    assert!(o.tabs[b].sent.is_empty());
    // 15 s later the token truly has 5 s left: B must not serve it, though
    // the token alone (minted at most 40 s ago, as far as B can tell from
    // it) would say it has 45.
    let tab = &mut o.tabs[b];
    tab.now += 15.0;
    assert_eq!(tab.m.peek_token(tab.now, &plain()), None);
}

#[test]
fn another_tabs_estimate_gives_way_to_this_tabs_own_fetch() {
    let mut c = ServerClock::default();
    let m = Monotonic::new(LocalTime(0.0));
    c.shared(30.0);
    assert_eq!(c.offset(), 30.0, "stands in for a bound of this tab's own");
    assert_eq!(c.bound(), None, "and is not handed on");
    c.fetched(ServerTime(100.0), LocalTime(95.0), m.now());
    assert_eq!(c.offset(), 6.0, "this tab's own bound takes over");
    c.shared(2.0);
    assert_eq!(c.offset(), 6.0, "once it has one");
    // A lower bound above a lie drops it.
    let mut c = ServerClock::default();
    c.shared(-50.0);
    c.seen(ServerTime(100.0), LocalTime(100.0));
    assert_eq!(c.offset(), 0.0);
}

/// A tab holding a hydrated token with 4 s left (so nothing servable), that
/// has asked the one other tab for the default key: the question's id.
fn hydrated_with_four_seconds_left() -> (Tab, AskId) {
    // 60 s token issued 56 s ago: 4 s left on a clock that agrees.
    let hydrated = jwt_with(Some(T0 - 56.0), T0 - 56.0, T0 + 4.0, "");
    let cfg = Config::new(options(), 7, &SerdeJson).unwrap();
    let mut tab = Tab::from_machine(Machine::new(cfg, Some(&hydrated), LocalTime(T0)).unwrap());
    tab.m.set_handover(tab.now, true);
    tab.drain();
    let ask = tab.asks.pop().expect("asked as it opened");
    tab.m.handle_peers(tab.now, ask, 1);
    tab.drain();
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "4 s left: not served"
    );
    (tab, ask)
}

/// The answer to `ask` with `token` and the sender's `skew`.
fn answer(ask: AskId, token: &str, skew: f64) -> IncomingPeer {
    let mut msg = OutgoingBroadcast::peer(
        PeerKind::Token,
        SID,
        ask.0 as f64,
        &TokenKey::default(),
        Some(token.into()),
    )
    .received();
    msg.skew = Some(skew);
    msg
}

#[test]
fn an_answer_whose_token_does_not_decode_moves_no_clock() {
    // SPEC 10.3: a malformed message is ignored whole, its skew with it.
    let (mut tab, ask) = hydrated_with_four_seconds_left();
    let offset = tab.m.clock_offset();
    let bad = answer(ask, "not.a.jwt!", -40.0);
    assert_eq!(
        tab.m.handle_peer(tab.now, &bad),
        Err(Rejection::Undecodable)
    );
    tab.drain();
    assert_eq!(tab.m.clock_offset(), offset, "the estimate did not move");
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "nothing with 5 s or less left is served"
    );
    tab.get_wait(&plain());
    // It asks again; no one else is there now.
    let again = tab.asks.pop().expect("asked again");
    tab.m.handle_peers(tab.now, again, 0);
    tab.drain();
    assert_eq!(tab.sent.len(), 1, "the caller waits on a request");
}

#[test]
fn an_answer_may_only_move_the_estimate_ahead() {
    // SPEC 8.1: another tab's word may make tokens expire earlier here,
    // never later. A well-formed answer (a token 30 s old, of fresher
    // claims) with a skew of -20 s leaves the estimate where it was.
    let (mut tab, ask) = hydrated_with_four_seconds_left();
    let fresh = token(T0 - 30.0);
    tab.m
        .handle_peer(tab.now, &answer(ask, &fresh, -20.0))
        .unwrap();
    tab.drain();
    assert_eq!(tab.m.clock_offset(), 0.0, "not moved back");
    assert_eq!(
        tab.get_ready(&plain()),
        fresh,
        "the answer's own token is taken"
    );
    tab.now += 25.0; // 5 s left by the server's clock
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "and expires on time"
    );
    // And a skew ahead of this tab's own estimate is taken (a slow clock).
    let (mut tab, ask) = hydrated_with_four_seconds_left();
    tab.m
        .handle_peer(tab.now, &answer(ask, &token(T0), 3.0))
        .unwrap();
    assert_eq!(tab.m.clock_offset(), 3.0);
}
