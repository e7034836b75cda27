//! Time per decision of the hand-written reference policy, the baseline of
//! the "native / hand-written" ratio: evaluation only (records parsed
//! beforehand), parsing only, and end to end from JSON text.
//! Run: `cargo bench -p reference-baseline` (release build).
//!
//! Other engines time the same corpus with `reference_baseline::measure`
//! and print their ratio against these lines.

use reference_baseline::{Context, Decision, Policy, Traveller, measure};
use std::hint::black_box;
use std::path::Path;

const RECORDS: usize = 100_000;
const RUNS: usize = 5;
const SEED: u64 = 42;

/// Generated traffic at the generator's default rates (mostly clean
/// travellers, as at a real checkpoint), arriving on 2026-03-01.
fn traffic() -> Vec<String> {
    let mut generator = lintas_traffic::Generator::new(lintas_traffic::Config::new(SEED));
    (0..RECORDS)
        .filter_map(|_| serde_json::to_string(&generator.traveller()).ok())
        .collect()
}

/// Folds a decision into a checksum, so that no decision is optimised away.
fn fold(sum: u64, d: &Decision) -> u64 {
    let score = d.score.map_or(0, i64::unsigned_abs);
    sum.wrapping_mul(31)
        .wrapping_add(d.outcome as u64)
        .wrapping_add(u64::from(d.reasons.bits()) << 8)
        .wrapping_add(score << 24)
}

fn main() -> Result<(), String> {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/reference");
    let policy = Policy::load(&package)?;
    let records = traffic();
    let bytes: usize = records.iter().map(String::len).sum();
    let context = Context {
        date: 20_513,
        member: policy.country("SGP"),
    };
    let travellers = records
        .iter()
        .map(|r| policy.parse(r))
        .collect::<Result<Vec<Traveller<'_>>, String>>()?;

    let eval = measure::per_item(RUNS, travellers.len(), || {
        travellers.iter().fold(0, |sum, t| {
            fold(sum, &policy.decide(black_box(t), black_box(&context)))
        })
    });
    let parse = measure::per_item(RUNS, records.len(), || {
        records.iter().fold(0, |sum, r| {
            sum.wrapping_add(
                policy
                    .parse(black_box(r))
                    .map_or(1, |t| t.visited.len() as u64),
            )
        })
    });
    let end_to_end = measure::per_item(RUNS, records.len(), || {
        records.iter().fold(0, |sum, r| {
            fold(sum, &policy.decide_json(black_box(r), black_box(&context)))
        })
    });

    let mut outcomes = [0usize; 4];
    for t in &travellers {
        if let Some(n) = outcomes.get_mut(policy.decide(t, &context).outcome as usize) {
            *n += 1;
        }
    }
    println!(
        "reference policy, hand-written Rust: {} generated records (seed {SEED}), {} bytes of JSON each on average",
        records.len(),
        bytes / records.len().max(1)
    );
    println!(
        "  outcomes: deny {}, refer {}, manual {}, autogate {}",
        outcomes[0], outcomes[1], outcomes[2], outcomes[3]
    );
    println!("  evaluation only: {eval} per decision");
    println!("  parse only:      {parse} per record");
    println!("  end to end:      {end_to_end} per record (parse + decide)");
    Ok(())
}
