//! SPEC 4: the message shape, every rejection rule of 4.3, the guard on
//! received tokens, and several machines wired through an in-memory channel.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::*;
use support::*;

fn rejects(tab: &mut Tab, msg: IncomingBroadcast, why: Rejection) {
    let before = tab.cached();
    assert_eq!(tab.m.handle_broadcast(tab.now, &msg), Err(why));
    tab.drain();
    assert_eq!(tab.cached(), before, "a rejected message changes nothing");
}

#[test]
fn accepts_a_valid_message_and_fires_a_broadcast_update() {
    let mut tab = Tab::new();
    let jwt = token(T0);
    assert_eq!(tab.m.handle_broadcast(tab.now, &message(&jwt)), Ok(()));
    tab.drain();
    assert_eq!(tab.get_ready(&plain()), jwt);
    assert!(tab.sent.is_empty(), "adopted without a request");
    assert_eq!(tab.updates[0].source, TokenSource::Broadcast);
    assert!(tab.broadcasts.is_empty(), "never re-broadcast");
}

#[test]
fn rejects_malformed_messages() {
    let mut tab = Tab::new();
    let jwt = token(T0);
    let mut m = message(&jwt);
    m.token_id = Field::Missing;
    rejects(&mut tab, m, Rejection::Malformed);
    let mut m = message(&jwt);
    m.session_id = Field::Other;
    rejects(&mut tab, m, Rejection::Malformed);
    let mut m = message(&jwt);
    m.token_raw = Field::Null;
    rejects(&mut tab, m, Rejection::Malformed);
    let mut m = message(&jwt);
    m.template = Field::Other;
    rejects(&mut tab, m, Rejection::Malformed);
    rejects(&mut tab, IncomingBroadcast::default(), Rejection::Malformed);
}

#[test]
fn rejects_ids_over_the_field_limit_even_when_they_match() {
    // The documented limit: 64 KiB a field (README, "Across tabs").
    const LIMIT: usize = 64 * 1024;
    let jwt = token(T0);
    let with_template = |template: String| {
        let mut m = message(&jwt);
        m.token_id = Field::Str(format!("{SID}-{template}"));
        m.template = Field::Str(template);
        m
    };
    // A key this long is consistent but over the limit: the browser layer
    // cuts longer strings to just past it, so a cut field must never match.
    let mut tab = Tab::new();
    let over = with_template("a".repeat(LIMIT + 1 - SID.len() - 1));
    rejects(&mut tab, over, Rejection::Malformed);
    let at_limit = with_template("a".repeat(LIMIT - SID.len() - 1));
    assert_eq!(tab.m.handle_broadcast(tab.now, &at_limit), Ok(()));
}

#[test]
fn rejects_other_sessions() {
    let mut tab = Tab::new();
    let mut m = message(&token(T0));
    m.session_id = Field::Str("sess_2".into());
    m.token_id = Field::Str("sess_2".into());
    rejects(&mut tab, m, Rejection::OtherSession);
}

#[test]
fn rejects_token_id_that_does_not_match_its_parts() {
    let mut tab = Tab::new();
    let mut m = message(&token(T0));
    m.token_id = Field::Str("sess_1-tmpl".into());
    rejects(&mut tab, m, Rejection::KeyMismatch);
    let mut m = message(&token(T0));
    m.template = Field::Str("tmpl".into());
    rejects(&mut tab, m, Rejection::KeyMismatch);
}

#[test]
fn rejects_undecodable_tokens() {
    let mut tab = Tab::new();
    rejects(&mut tab, message("not.a.jwt!"), Rejection::Undecodable);
}

#[test]
fn rejects_missing_or_non_positive_times() {
    let mut tab = Tab::new();
    let no_iat = format!("{}.{}.c2ln", b64("{}"), b64(r#"{"exp":9999999999}"#));
    rejects(&mut tab, message(&no_iat), Rejection::BadTimes);
    rejects(
        &mut tab,
        message(&jwt_with(Some(1.0), 0.0, T0 + 60.0, "")),
        Rejection::BadTimes,
    );
    rejects(
        &mut tab,
        message(&jwt_with(Some(1.0), -5.0, T0 + 60.0, "")),
        Rejection::BadTimes,
    );
}

#[test]
fn rejects_tokens_at_or_past_the_hard_cutoff() {
    let mut tab = Tab::new();
    rejects(
        &mut tab,
        message(&jwt_with(Some(T0), T0 - 55.0, T0 + 5.0, "")),
        Rejection::Expired,
    );
}

#[test]
fn rejects_sid_claim_of_another_session() {
    let mut tab = Tab::new();
    let other = format!(
        "{}.{}.c2ln",
        b64(r#"{"oiat":1}"#),
        b64(&format!(
            r#"{{"sid":"sess_2","iat":{T0},"exp":{}}}"#,
            T0 + 60.0
        ))
    );
    rejects(&mut tab, message(&other), Rejection::SidMismatch);
}

#[test]
fn rejects_stale_claims_even_with_a_fresher_iat() {
    let mut tab = Tab::new();
    let fresh = jwt_with(Some(T0), T0, T0 + 60.0, "");
    tab.prime(&fresh);
    let edge = jwt_with(Some(T0 - 300.0), T0 + 10.0, T0 + 70.0, "");
    rejects(&mut tab, message(&edge), Rejection::Stale);
    assert_eq!(tab.updates.len(), 1, "no update for a rejected token");
    // The inverse: fresher claims replace older ones.
    let newer = jwt_with(Some(T0 + 5.0), T0 + 5.0, T0 + 65.0, "");
    assert_eq!(tab.m.handle_broadcast(tab.now, &message(&newer)), Ok(()));
    assert_eq!(tab.cached(), Some(newer));
}

#[test]
fn template_and_org_messages_land_in_their_own_keys() {
    let mut tab = Tab::new();
    let jwt = token(T0);
    let m = IncomingBroadcast {
        token_id: Field::Str("sess_1-tmpl-org_2".into()),
        token_raw: Field::Str(jwt.clone()),
        session_id: Field::Str(SID.into()),
        template: Field::Str("tmpl".into()),
        organization_id: Field::Str("org_2".into()),
    };
    assert_eq!(tab.m.handle_broadcast(tab.now, &m), Ok(()));
    let opts = GetTokenOptions {
        template: Some("tmpl".into()),
        ..org(Some("org_2"))
    };
    assert_eq!(tab.get_ready(&opts), jwt);
    assert_eq!(
        tab.m.peek_token(tab.now, &plain()),
        None,
        "default key untouched"
    );
}

#[test]
fn outgoing_message_has_the_clerk_shape() {
    let mut tab = Tab::new();
    let w = tab.get_wait(&GetTokenOptions {
        template: Some("t".into()),
        ..org(Some("o"))
    });
    tab.respond(ok(&token(T0)));
    tab.token_of(w);
    let b = &tab.broadcasts[0];
    assert_eq!(b.token_id, "sess_1-t-o");
    assert_eq!(b.session_id, SID);
    assert_eq!(b.template.as_deref(), Some("t"));
    assert_eq!(b.organization_id.as_deref(), Some("o"));
    assert_eq!(b.token_raw, token(T0));
    let parts: Vec<_> = b.trace_id.splitn(3, '_').collect();
    assert_eq!(parts[0], "bc");
    assert_eq!(parts[1], format!("{}", (T0 * 1000.0) as u64));
    assert!(
        !parts[2].is_empty()
            && parts[2]
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    );
    // clerk-js receive rule.
    let key = [
        Some(b.session_id.as_str()),
        b.template.as_deref(),
        b.organization_id.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("-");
    assert_eq!(key, b.token_id);
}

#[test]
fn broadcast_serves_callers_waiting_on_a_pending_fetch() {
    let mut tab = Tab::new();
    let plain_w = tab.get_wait(&plain());
    let skip_w = tab.get_wait(&skip_cache());
    let other = token(T0 + 1.0);
    tab.m.handle_broadcast(tab.now, &message(&other)).unwrap();
    tab.drain();
    assert_eq!(tab.token_of(plain_w), other, "plain waiter served at once");
    assert_eq!(
        tab.result(skip_w),
        None,
        "skipCache waiter waits for its own"
    );
    // The plain request's callers are all served: nobody needs it, and it
    // is aborted (SPEC 3.5), where it used to run on and could record a
    // failure beside the fresh token.
    assert_eq!(tab.aborted.len(), 1, "the plain request aborted");
    assert_eq!(tab.pending.len(), 1, "the skipCache request goes on");
    tab.respond(ok(&token(T0 + 2.0)));
    assert_eq!(tab.token_of(skip_w), token(T0 + 2.0));
}

/// Tabs on one clock with an in-memory channel: every broadcast reaches every
/// other tab; requests are answered by a counter-minting server.
struct World {
    tabs: Vec<Tab>,
    requests: usize,
}

impl World {
    fn new(n: usize) -> World {
        let locks = LockTable::default();
        let tabs = (0..n)
            .map(|i| Tab::on_locks(options(), 100 + i as u64, Some(locks.clone())))
            .collect();
        World { tabs, requests: 0 }
    }

    /// Delivers every pending broadcast to the other tabs; returns rejections.
    fn pump(&mut self) -> Vec<Rejection> {
        let mut rejected = Vec::new();
        loop {
            let mut msgs = Vec::new();
            for (i, t) in self.tabs.iter_mut().enumerate() {
                msgs.extend(t.broadcasts.drain(..).map(|b| (i, b)));
            }
            if msgs.is_empty() {
                return rejected;
            }
            for (from, b) in msgs {
                for (i, t) in self.tabs.iter_mut().enumerate() {
                    if i != from {
                        if let Err(r) = t.m.handle_broadcast(t.now, &deliver(&b)) {
                            rejected.push(r);
                        }
                        t.drain();
                    }
                }
            }
        }
    }

    fn answer_all(&mut self, jwt: &str) {
        for t in &mut self.tabs {
            while !t.pending.is_empty() {
                self.requests += 1;
                t.respond(ok(jwt));
            }
        }
        self.pump();
    }
}

#[test]
fn tab_b_adopts_tab_a_token_without_a_request() {
    let mut w = World::new(2);
    let a = w.tabs[0].get_wait(&plain());
    w.answer_all(&token(T0));
    w.tabs[0].token_of(a);
    assert_eq!(w.tabs[1].get_ready(&plain()), token(T0));
    assert!(w.tabs[1].sent.is_empty());
    assert_eq!(w.requests, 1);
}

#[test]
fn adopted_token_is_refreshed_by_the_adopting_tab_if_the_sender_is_gone() {
    let mut w = World::new(2);
    w.tabs[0].get_wait(&plain());
    w.answer_all(&token(T0));
    w.tabs.remove(0); // the sending tab closes
    let b = &mut w.tabs[0];
    b.advance(46.0);
    assert_eq!(
        b.sent.len(),
        1,
        "the adopted default-key token is scheduled"
    );
    assert_eq!(
        form_field(&b.sent[0].body, "token"),
        Some(token(T0).as_str())
    );
}

#[test]
fn a_stale_broadcast_is_rejected_across_tabs() {
    let mut w = World::new(3);
    w.tabs[0].get_wait(&plain());
    w.answer_all(&jwt_with(Some(T0), T0, T0 + 60.0, ""));
    // Tab 2 gets an edge re-mint of old claims and broadcasts it.
    w.tabs[2].now += 1.0;
    let s = w.tabs[2].get_wait(&skip_cache());
    let edge = jwt_with(Some(T0 - 600.0), T0 + 1.0, T0 + 61.0, "");
    w.tabs[2].respond(ok(&edge));
    assert_eq!(w.tabs[2].token_of(s), edge);
    assert!(
        w.tabs[2].broadcasts.is_empty(),
        "not cached, so not broadcast"
    );
    for t in &w.tabs {
        assert_eq!(t.cached(), Some(jwt_with(Some(T0), T0, T0 + 60.0, "")));
    }
}

#[test]
fn stale_edge_broadcast_from_a_sleeping_tab_is_rejected() {
    let mut w = World::new(2);
    w.tabs[0].get_wait(&plain());
    w.answer_all(&jwt_with(Some(T0 + 30.0), T0 + 30.0, T0 + 90.0, ""));
    let msg = OutgoingBroadcast {
        kind: None,
        ask_id: None,
        skew: None,
        token_id: SID.into(),
        token_raw: jwt_with(Some(T0), T0 + 31.0, T0 + 91.0, ""),
        session_id: SID.into(),
        template: None,
        organization_id: None,
        trace_id: "bc_1_x".into(),
    };
    w.tabs[1].broadcasts.push(msg);
    assert_eq!(w.pump(), vec![Rejection::Stale]);
    assert_eq!(
        w.tabs[0].cached(),
        Some(jwt_with(Some(T0 + 30.0), T0 + 30.0, T0 + 90.0, ""))
    );
}

#[test]
fn five_tabs_one_request_per_cycle_when_one_refreshes_first() {
    let mut w = World::new(5);
    w.tabs[0].get_wait(&plain());
    w.answer_all(&token(T0));
    // Tab 0 is visible; the others are hidden and refresh later.
    for t in &mut w.tabs[1..] {
        t.m.set_visible(t.now, false);
    }
    for cycle in 1..=4 {
        for t in &mut w.tabs {
            t.advance(45.5);
        }
        w.answer_all(&token(T0 + 45.5 * cycle as f64));
        for t in &mut w.tabs {
            assert_eq!(t.get_ready(&plain()), token(T0 + 45.5 * cycle as f64));
        }
    }
    assert_eq!(w.requests, 1 + 4, "one request per cycle for five tabs");
}

#[test]
fn a_template_caller_served_by_another_tabs_token_keeps_the_key_refreshed() {
    let mut tab = Tab::new();
    let lock = "session-swr:refresh:sess_1-t".to_string();
    let locks = tab.locks.clone().unwrap();
    // Another tab holds the key's lock: this tab waits for its broadcast.
    locks.borrow_mut().insert(lock.clone(), ());
    let w = tab.get_wait(&template("t"));
    assert_eq!((tab.busy, tab.pending.len()), (1, 0), "the other tab mints");
    let jwt = token(T0);
    let m = IncomingBroadcast {
        token_id: Field::Str("sess_1-t".into()),
        token_raw: Field::Str(jwt.clone()),
        session_id: Field::Str(SID.into()),
        template: Field::Str("t".into()),
        organization_id: Field::Null,
    };
    tab.m.handle_broadcast(tab.now, &m).unwrap();
    tab.drain();
    assert_eq!(tab.token_of(w), jwt);
    // That tab closes; the key was read here, so this tab refreshes it.
    locks.borrow_mut().remove(&lock);
    tab.advance(50.0);
    assert!(
        tab.sent.iter().any(|r| r.url.contains("/tokens/t")),
        "no refresh of the template key: {:?}",
        tab.sent.iter().map(|r| &r.url).collect::<Vec<_>>()
    );
}

#[test]
fn a_token_with_little_left_does_not_abort_a_request_for_a_full_one() {
    // Another tab's token with 6 s left serves the waiting caller, but it
    // is inside its refresh window: the request this tab has out, nearly
    // answered, is worth more than a new one a moment later.
    let mut tab = Tab::new();
    let w = tab.get_wait(&plain());
    assert_eq!(tab.pending.len(), 1);
    let late = jwt_with(Some(T0 - 54.0), T0 - 54.0, T0 + 6.0, "");
    assert_eq!(tab.m.handle_broadcast(tab.now, &message(&late)), Ok(()));
    tab.drain();
    assert_eq!(tab.token_of(w), late, "the caller is served");
    assert!(tab.aborted.is_empty(), "the request goes on");
    tab.respond(ok(&token(T0)));
    assert_eq!(tab.cached(), Some(token(T0)));
}

/// A tab without Web Locks whose caller, waiting on its request, was
/// served by another tab's token in its refresh window (12 s left): the
/// request is left out.
fn served_by_a_stale_broadcast() -> Tab {
    let mut tab = Tab::on_locks(options(), 42, None);
    let w = tab.get_wait(&plain());
    let stale = jwt_with(Some(T0 - 48.0), T0 - 48.0, T0 + 12.0, "");
    assert_eq!(tab.m.handle_broadcast(tab.now, &message(&stale)), Ok(()));
    tab.drain();
    assert_eq!(tab.token_of(w), stale);
    assert_eq!(tab.pending.len(), 1, "the request left out");
    tab
}

#[test]
fn a_refresh_if_stale_call_joins_the_request_a_stale_broadcast_left_out() {
    // A broadcast token in its window served the waiting caller and left
    // this tab's request out; a `refreshIfStale` call shares that request.
    let mut tab = served_by_a_stale_broadcast();
    let fresh = tab.get_wait(&refresh_if_stale());
    tab.advance(1.0);
    assert_eq!(tab.sent.len(), 1, "one request");
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(fresh), token(tab.now));
}

#[test]
fn a_refresh_if_stale_call_that_leaves_keeps_the_request_a_stale_broadcast_left_out() {
    // The request left out is the key's refresh now: a caller who joins it
    // and leaves does not abort it, nor make a second one.
    let mut tab = served_by_a_stale_broadcast();
    let fresh = tab.get_wait(&refresh_if_stale());
    tab.m.cancel(tab.now, fresh);
    tab.drain();
    tab.advance(2.0);
    assert!(tab.aborted.is_empty(), "not aborted");
    assert_eq!(tab.sent.len(), 1, "one request");
}

#[test]
fn a_refresh_if_stale_call_joins_the_recovery_a_stale_broadcast_left_out() {
    let mut tab = Tab::on_locks(options(), 42, None);
    tab.m.set_online(tab.now, false);
    assert_eq!(tab.get(&plain()), GetOutcome::Failed(Error::Offline));
    tab.m.set_online(tab.now, true);
    tab.drain();
    assert_eq!(tab.pending.len(), 1, "the recovery's request");
    let stale = jwt_with(Some(T0 - 48.0), T0 - 48.0, T0 + 12.0, "");
    assert_eq!(tab.m.handle_broadcast(tab.now, &message(&stale)), Ok(()));
    tab.drain();
    let fresh = tab.get_wait(&refresh_if_stale());
    tab.advance(1.5);
    assert_eq!(tab.sent.len(), 1, "one request");
    tab.respond(ok(&token(tab.now)));
    assert_eq!(tab.token_of(fresh), token(tab.now));
}
