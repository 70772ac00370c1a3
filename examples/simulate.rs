//! Prints the simulation report: every scenario over 24 simulated hours,
//! 1 to 100 tabs. `cargo run --release --example simulate`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/sim/mod.rs"]
mod sim;

fn main() {
    let started = std::time::Instant::now();
    let mut reports = Vec::new();
    for sc in sim::scenarios(false) {
        let r = sim::Sim::new(sc).run();
        eprintln!(
            "{} × {} tabs: {} violations",
            r.name,
            r.tabs,
            r.violations.len()
        );
        for v in r.violations.iter().take(3) {
            eprintln!("  {v}");
        }
        reports.push(r);
    }
    println!("{}", sim::table(&reports));
    eprintln!("simulated in {:.1} s", started.elapsed().as_secs_f64());
    if reports.iter().any(|r| !r.violations.is_empty()) {
        std::process::exit(1);
    }
}
