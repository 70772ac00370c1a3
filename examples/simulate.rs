//! Prints the simulation report: every scenario over 24 simulated hours,
//! 1 to 100 tabs (about 2 minutes). `cargo run --release --example simulate`;
//! `-- --short` runs the test command's 2-hour set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/sim/mod.rs"]
mod sim;

fn main() {
    // `--steady 1,5,20,50 --json`: only the steady scenario for these tab
    // counts (6 simulated hours), as JSON for the benchmark.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--steady") {
        let tabs = args.get(i + 1).map(String::as_str).unwrap_or("1,5,20,50");
        let rows: Vec<String> = tabs
            .split(',')
            .filter_map(|n| n.parse().ok())
            .map(|n| {
                let r = sim::Sim::new(sim::Scenario::steady("steady", n, 6.0)).run();
                let failures = sim::judge(&r);
                assert!(failures.is_empty(), "{failures:?}");
                format!(
                    r#"{{"tabs":{n},"perCycle":{:.4},"requests":{},"cycles":{:.1}}}"#,
                    r.per_cycle(),
                    r.requests,
                    r.cycles
                )
            })
            .collect();
        println!("[{}]", rows.join(","));
        return;
    }
    let started = std::time::Instant::now();
    let mut reports = Vec::new();
    let mut failed = false;
    // `--short`: the test command's 2-hour set.
    let short = args.iter().any(|a| a == "--short");
    for sc in sim::scenarios(short) {
        let r = sim::Sim::new(sc).run();
        let failures = sim::judge(&r);
        eprintln!("{} × {} tabs: {} failures", r.name, r.tabs, failures.len());
        for f in failures.iter().take(3) {
            eprintln!("  {f}");
        }
        failed |= !failures.is_empty();
        reports.push(r);
    }
    println!("{}", sim::table(&reports));
    eprintln!("simulated in {:.1} s", started.elapsed().as_secs_f64());
    if failed {
        std::process::exit(1);
    }
}
