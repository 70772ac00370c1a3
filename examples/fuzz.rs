//! Fuzzes every parser that takes outside input with N generated inputs
//! (default 1,000,000): `cargo run --release --example fuzz -- 1000000 [seed]`.
//! Exits non-zero on the first panic.

#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let started = std::time::Instant::now();
    let reach = fuzz::run(seed, n);
    println!(
        "{n} inputs, 0 panics, {:.1} s: {reach:?}",
        started.elapsed().as_secs_f64()
    );
}
