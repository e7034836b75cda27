//! Parse time of a 300-traveller generated PAXLST message.
//! Run: `cargo bench -p lintas-traffic --bench paxlst_parse` (release build).

use lintas_formats::date::Date;
use lintas_traffic::{Config, Generator, Separators, to_paxlst};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let travellers = Generator::new(Config::new(42)).manifest(300);
    let text = to_paxlst(&travellers, &Separators::default());
    let bytes = text.as_bytes();
    let Some(reference) = Date::new(2026, 3, 1) else {
        return;
    };
    // Warm up caches and the allocator.
    for _ in 0..20 {
        black_box(lintas_formats::paxlst::parse(black_box(bytes), reference).ok());
    }
    const RUNS: usize = 15;
    const PER_RUN: u32 = 50;
    let mut per_manifest: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PER_RUN {
                black_box(lintas_formats::paxlst::parse(black_box(bytes), reference).ok());
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_RUN)
        })
        .collect();
    per_manifest.sort_by(f64::total_cmp);
    let median = per_manifest.get(RUNS / 2).copied().unwrap_or(f64::NAN);
    let travellers_parsed =
        lintas_formats::paxlst::parse(bytes, reference).map_or(0, |m| m.travellers.len());
    println!(
        "paxlst parse: {median:.1} µs per manifest (median of {RUNS} runs of {PER_RUN}; {travellers_parsed} travellers, {} bytes)",
        bytes.len()
    );
}
