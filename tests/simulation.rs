//! The multi-tab simulation, shortened: every scenario for 2 simulated hours,
//! each held to its bounds (`sim::judge`). `cargo run --release --example
//! simulate` runs the full 24-hour report.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sim;
use sim::{churn, judge, scenarios, table, Scenario, Sim};

#[test]
fn every_scenario_holds_every_invariant_and_its_bounds() {
    let reports: Vec<_> = scenarios(true)
        .into_iter()
        .map(|sc| Sim::new(sc).run())
        .collect();
    println!("{}", table(&reports));
    let failures: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            judge(r)
                .into_iter()
                .map(move |f| format!("{} × {}: {f}", r.name, r.tabs))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn skewed_clocks_are_corrected() {
    // Tabs minutes ahead and behind, each judging its very first token.
    let sc = Scenario {
        skew: (3.0, 300.0),
        ..Scenario::steady("skew ±5 min", 5, 0.5)
    };
    let r = Sim::new(sc).run();
    assert_eq!(judge(&r), Vec::<String>::new());
}

#[test]
fn the_churn_scenario_races_origin_and_edge_mints() {
    // The guard's scenario must make the races it exists to judge: origin
    // mints of fresh claims and edge mints of the previous ones, in one run.
    let r = Sim::new(churn()).run();
    assert_eq!(judge(&r), Vec::<String>::new());
    assert!(
        r.skip_requests > 20,
        "{} skipCache requests",
        r.skip_requests
    );
}
