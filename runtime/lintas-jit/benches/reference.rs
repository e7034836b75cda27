//! The reference policy compiled to native code against the same policy
//! hand-written in plain Rust (`bench/reference-baseline`), on the same
//! records in the same run: the ratios native / hand-written, with the
//! absolute times beside them, and the time to compile and load a
//! generated 1,000-rule package.
//! Run: `cargo bench -p lintas-jit --bench reference`.

use lintas_eval::DecodeOptions;
use lintas_jit::Native;
use reference_baseline::{Context, Policy, measure};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

const RECORDS: usize = 100_000;
const RUNS: usize = 5;
const SEED: u64 = 42;

fn main() -> Result<(), String> {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/reference");
    let mut generator = lintas_traffic::Generator::new(lintas_traffic::Config::new(SEED));
    let records: Vec<String> = (0..RECORDS)
        .filter_map(|_| serde_json::to_string(&generator.traveller()).ok())
        .collect();

    // Hand-written.
    let policy = Policy::load(&package)?;
    let hand_context = Context {
        date: 20_513,
        member: policy.country("SGP"),
    };
    let travellers = records
        .iter()
        .map(|r| policy.parse(r))
        .collect::<Result<Vec<_>, String>>()?;
    let hand_eval = measure::per_item(RUNS, travellers.len(), || {
        travellers.iter().fold(0u64, |sum, t| {
            sum.wrapping_add(
                policy
                    .decide(black_box(t), black_box(&hand_context))
                    .outcome as u64,
            )
        })
    });
    let hand_e2e = measure::per_item(RUNS, records.len(), || {
        records.iter().fold(0u64, |sum, r| {
            sum.wrapping_add(
                policy
                    .decide_json(black_box(r), black_box(&hand_context))
                    .outcome as u64,
            )
        })
    });

    // Native.
    let ws = lintas_load::load_paths(std::slice::from_ref(&package)).map_err(|e| e.to_string())?;
    let root = *ws.roots.first().ok_or("no package")?;
    let program = lintas_check::check_package(&ws, root).program;
    let started = Instant::now();
    let native = Native::compile(&program)?;
    let compile_ms = started.elapsed().as_secs_f64() * 1e3;
    let decision = native
        .decision_index("admission")
        .ok_or("no admission decision")?;
    let interpreter = lintas_eval::Interpreter::new(&program);
    let context = interpreter
        .context_from_json(
            &serde_json::json!({"date": "2026-03-01", "member": "SGP", "emergencies": []}),
        )
        .map_err(|e| format!("{e:?}"))?;
    let mut evaluator = native.evaluator();
    let schema = lintas_check::types::Ty::Record(program.decisions[decision].schema);
    let values = records
        .iter()
        .map(|r| {
            lintas_eval::decode(&program, &schema, r, DecodeOptions::default())
                .map_err(|e| format!("{e:?}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let batch = evaluator.prepare_batch(decision, &values, &context)?;
    let mut verdicts = Vec::with_capacity(batch.len());
    let native_eval = measure::per_item(RUNS, batch.len(), || {
        evaluator.verdicts(decision, black_box(&batch), &mut verdicts);
        verdicts
            .iter()
            .fold(0u64, |sum, v| sum.wrapping_add(v.outcome as u64))
    });
    let native_e2e = measure::per_item(RUNS, records.len(), || {
        records.iter().fold(0u64, |sum, r| {
            sum.wrapping_add(
                evaluator
                    .verdict_json(decision, black_box(r), &context)
                    .outcome as u64,
            )
        })
    });
    let native_full = measure::per_item(RUNS, records.len(), || {
        records.iter().fold(0u64, |sum, r| {
            let result =
                evaluator.decide_json(decision, black_box(r), &context, DecodeOptions::default());
            sum.wrapping_add(result.reasons.len() as u64)
        })
    });

    println!("reference policy, {RECORDS} generated records (seed {SEED}), median of {RUNS} runs");
    println!(
        "  evaluation only: native {:>8.1} ns, hand-written {:>8.1} ns, ratio {:.2}",
        native_eval.median_ns,
        hand_eval.median_ns,
        measure::ratio(&native_eval, &hand_eval)
    );
    println!(
        "  end to end:      native {:>8.1} ns, hand-written {:>8.1} ns, ratio {:.2}",
        native_e2e.median_ns,
        hand_e2e.median_ns,
        measure::ratio(&native_e2e, &hand_e2e)
    );
    println!(
        "  end to end with every reason (DecisionResult): native {:>8.1} ns",
        native_full.median_ns
    );
    println!("  compile and load the reference policy: {compile_ms:.1} ms");

    // A generated 1,000-rule package: check, then compile and load.
    let dir = std::env::temp_dir().join(format!("lintas-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut text =
        std::fs::read_to_string(package.join("schema.lintas")).map_err(|e| e.to_string())?;
    text.push_str(
        &std::fs::read_to_string(package.join("data.lintas")).map_err(|e| e.to_string())?,
    );
    text.push_str("decision screening for traveller: Traveller {\n  outcomes deny > refer > clear\n  default clear\n  on error refer\n}\nreason R \"generated\"\n");
    for i in 0..1000 {
        text.push_str(&format!(
            "rule r{i} for screening \"generated rule {i}\"\n  when traveller.stay_days > {i} and (traveller.nationality in ASEAN_MEMBERS or traveller.document.expiry < traveller.arrival_date + {} days)\n  then refer R with n = traveller.stay_days * {i}\n\n",
            i % 400
        ));
    }
    std::fs::write(dir.join("rules.lintas"), text).map_err(|e| e.to_string())?;
    std::fs::copy(package.join("lintas.toml"), dir.join("lintas.toml"))
        .map_err(|e| e.to_string())?;
    let data = dir.join("data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(package.join("data")).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        std::fs::copy(entry.path(), data.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let ws = lintas_load::load_paths(std::slice::from_ref(&dir)).map_err(|e| e.to_string())?;
    let root = *ws.roots.first().ok_or("no package")?;
    let checked = lintas_check::check_package(&ws, root);
    if checked.has_errors() {
        return Err(format!(
            "generated package has errors: {:?}",
            checked.diagnostics.first()
        ));
    }
    let check_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let big = Native::compile(&checked.program)?;
    let compile_ms = started.elapsed().as_secs_f64() * 1e3;
    println!(
        "  1,000-rule package: check {check_ms:.0} ms, compile and load {compile_ms:.0} ms ({} rules)",
        big.module()
            .decisions
            .iter()
            .map(|d| d.rules.len())
            .sum::<usize>()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
