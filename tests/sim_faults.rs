//! The simulation catches each core rule broken on purpose: a checker that
//! passes whatever the code does would prove nothing. Each test switches
//! one rule off in every tab (`Fault`, compiled only for the crate's own
//! tests) and runs the scenario that exists to judge it.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sim;
use session_swr::core::Fault;
use sim::{churn, judge, scenarios, Scenario, Sim};

/// The short scenario named `name`, with its most tabs.
fn scenario(name: &str) -> Scenario {
    scenarios(true)
        .into_iter()
        .filter(|s| s.name == name)
        .max_by_key(|s| s.tabs)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

/// Runs `sc` as it is and with `fault`: it must hold, then fail with a
/// finding that contains `expect`.
fn caught(sc: Scenario, fault: Fault, expect: &str) {
    let healthy = judge(&Sim::new(sc.clone()).run());
    assert!(
        healthy.is_empty(),
        "{}: fails unbroken: {healthy:#?}",
        sc.name
    );
    let broken = judge(&Sim::new(sc.clone().broken(fault)).run());
    assert!(
        broken.iter().any(|f| f.contains(expect)),
        "{} with {fault:?} broken: expected a finding with {expect:?}, got {broken:#?}",
        sc.name
    );
}

#[test]
fn a_broken_guard_is_caught() {
    caught(churn(), Fault::Guard, "replaced by staler ones");
}

#[test]
fn a_session_end_that_stays_in_one_tab_is_caught() {
    caught(scenario("401 after 1 h"), Fault::PeerEnd, "after the first");
}

#[test]
fn tabs_that_do_not_share_a_refresh_are_caught() {
    caught(
        scenario("tabs reloading"),
        Fault::SingleFlight,
        "requests per cycle",
    );
}

#[test]
fn a_token_served_past_the_cutoff_is_caught() {
    caught(scenario("1 h outage"), Fault::Cutoff, "s left");
}

#[test]
fn a_call_that_waits_past_its_timeout_is_caught() {
    // Shorter than the report's: broken, every call of the hang waits on,
    // and a run of thousands of them is slow.
    let sc = Scenario {
        hang: Some((600.0, 900.0)),
        ..Scenario::steady("answers that never come", 3, 0.5)
    };
    caught(sc, Fault::Timeout, "a call waited");
}

#[test]
fn a_session_that_waits_for_the_next_call_to_recover_is_caught() {
    caught(
        scenario("503 at load, no later calls"),
        Fault::Recovery,
        "never recovered",
    );
}

#[test]
fn calls_refused_401_that_do_not_share_a_request_are_caught() {
    caught(scenario("401 bursts"), Fault::Refused, "bursts");
}

#[test]
fn a_first_call_held_back_until_the_question_times_out_is_caught() {
    caught(
        scenario("org switches, lying peers"),
        Fault::Uncounted,
        "held back",
    );
}

#[test]
fn an_ignored_retry_after_is_caught() {
    caught(
        scenario("429, Retry-After 120 s"),
        Fault::RetryAfter,
        "under 429",
    );
}
