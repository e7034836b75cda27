//! Times the fast decoder alone, the hand-written serde baseline's parse
//! and `Evaluator::verdict_json` end to end (context placement, decoding,
//! native evaluation) on generated reference travellers, then the decoder
//! once more (the spread between its two times shows how noisy the
//! machine was). Run: `cargo run --release -p lintas-jit --example
//! e2e_profile`; profile with `perf record target/release/examples/e2e_profile`.
//! `LINTAS_PROFILE=decode` times only the decoder, for a profile of it alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a profiling example"
)]

use lintas_ir::layout::{Interner, Words};
use lintas_jit::{FastDecoder, Native};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

const ROUNDS: usize = 10;
const CHUNK: usize = 1000;

/// Nanoseconds per record. The machine is shared, so each chunk of a few
/// milliseconds is timed several times and only its fastest run counts:
/// a run that was interrupted is never the fastest.
fn per_record(records: &[String], mut f: impl FnMut(&str) -> u64) -> f64 {
    let mut sum = 0u64;
    let mut total = 0.0;
    for chunk in records.chunks(CHUNK) {
        let mut best = f64::INFINITY;
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for r in chunk {
                sum = sum.wrapping_add(f(black_box(r)));
            }
            best = best.min(start.elapsed().as_nanos() as f64);
        }
        total += best;
    }
    black_box(sum);
    total / records.len() as f64
}

fn main() {
    let only = std::env::var("LINTAS_PROFILE").unwrap_or_default();
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/reference");
    let mut generator = lintas_traffic::Generator::new(lintas_traffic::Config::new(42));
    let records: Vec<String> = (0..100_000)
        .map(|_| serde_json::to_string(&generator.traveller()).unwrap())
        .collect();
    let bytes: usize = records.iter().map(String::len).sum();
    println!(
        "{:.0} bytes per record",
        bytes as f64 / records.len() as f64
    );
    let ws = lintas_load::load_paths(std::slice::from_ref(&package)).unwrap();
    let program = lintas_check::check_package(&ws, ws.roots[0]).program;

    // The decoder alone, into one `Words` cleared for every record.
    let module = lintas_ir::compile(&program).unwrap();
    let interner = Interner::new(&module.texts, &module.countries);
    let decoder = FastDecoder::new(&program, &module);
    let schema = module
        .decisions
        .iter()
        .find(|d| d.name == "admission")
        .unwrap()
        .schema;
    let mut words = Words::default();
    let mut decode = |r: &str| {
        words.words.clear();
        words.relocations.clear();
        words.foreign_texts.clear();
        let ok = decoder.decode(&module, &interner, schema, r, false, &mut words);
        ok.map_or(1, |at| at as u64 + words.words.len() as u64)
    };
    let alone = per_record(&records, &mut decode);
    println!("{alone:.1} ns per FastDecoder::decode");
    if only == "decode" {
        return;
    }

    let policy = reference_baseline::Policy::load(&package).unwrap();
    let serde = per_record(&records, |r| u64::from(policy.parse(r).is_ok()));
    println!("{serde:.1} ns per hand-written serde parse");

    let native = Native::compile(&program).unwrap();
    let interpreter = lintas_eval::Interpreter::new(&program);
    let context = interpreter
        .context_from_json(
            &serde_json::json!({"date": "2026-03-01", "member": "SGP", "emergencies": []}),
        )
        .unwrap();
    let mut evaluator = native.evaluator();
    let e2e = per_record(&records, |r| {
        evaluator.verdict_json(0, r, &context).outcome as u64
    });
    println!("{e2e:.1} ns per verdict_json");
    let again = per_record(&records, &mut decode);
    println!("{again:.1} ns per FastDecoder::decode (again)");
}
