//! The differential test over many randomly generated rule packages (not
//! one fixed set): each is compiled with instruction counting, and every
//! record of its random corpus is decided by the interpreter and natively
//! under several contexts; they must agree record by record, manifests
//! included. The test reports how often each IR instruction ran across
//! all packages and fails if one never did.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests report failures by panicking"
)]

use lintas_eval::{DecodeOptions, Interpreter};
use lintas_jit::Native;
use lintas_traffic::packages::{GeneratedPackage, random_contexts, random_package, random_records};
use std::collections::BTreeMap;

const PACKAGES: u64 = 40;
const RECORDS: usize = 300;
const CONTEXTS: usize = 3;

fn write(package: &GeneratedPackage, seed: u64) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lintas-random-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in &package.files {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&file, text).expect("write");
    }
    dir
}

#[test]
fn random_packages_agree_and_exercise_every_instruction() {
    let mut executed: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut compared = 0usize;
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut outcomes_seen = 0usize;
    for seed in 0..PACKAGES {
        let package = random_package(seed);
        let dir = write(&package, seed);
        let ws = lintas_load::load_paths(std::slice::from_ref(&dir)).expect("load");
        let root = *ws.roots.first().expect("a package");
        let checked = lintas_check::check_package(&ws, root);
        assert!(
            !checked.has_errors(),
            "seed {seed}: {:?}",
            checked.diagnostics.first()
        );
        let program = checked.program;
        let interpreter = Interpreter::new(&program);
        let native =
            Native::compile_counting(&program).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let mut evaluator = native.evaluator();
        let records = random_records(&package, seed, RECORDS);
        let contexts: Vec<_> = random_contexts(&package, seed, CONTEXTS)
            .iter()
            .map(|c| {
                let json: serde_json::Value = serde_json::from_str(c).expect("context json");
                interpreter.context_from_json(&json).expect("context")
            })
            .collect();
        for (d, def) in program.decisions.iter().enumerate() {
            for context in &contexts {
                if def.over_manifest {
                    let schema = lintas_check::types::Ty::Record(def.schema);
                    let members: Vec<_> = records
                        .iter()
                        .take(60)
                        .map(|r| {
                            lintas_eval::decode(&program, &schema, r, DecodeOptions::default())
                        })
                        .collect();
                    // Whole, and only the members that decode (so that the
                    // aggregates are available).
                    let decodable: Vec<_> = members.iter().filter(|m| m.is_ok()).cloned().collect();
                    for manifest in [&members, &decodable] {
                        let expected = interpreter.decide_manifest(d, manifest, context);
                        let actual = evaluator.decide_manifest(d, manifest, context);
                        assert_eq!(
                            actual, expected,
                            "seed {seed}, manifest decision {}",
                            def.name
                        );
                        compared += manifest.len();
                    }
                    // One record alone under a manifest decision: its
                    // aggregates are unavailable, and rules using them
                    // fail closed.
                    for record in records.iter().take(60) {
                        let expected =
                            interpreter.decide_json(d, record, context, DecodeOptions::default());
                        let actual =
                            evaluator.decide_json(d, record, context, DecodeOptions::default());
                        assert_eq!(
                            actual, expected,
                            "seed {seed}, single record of {}",
                            def.name
                        );
                        compared += 1;
                        for e in &actual.errors {
                            *errors.entry(e.kind.clone()).or_default() += 1;
                        }
                    }
                    continue;
                }
                for record in &records {
                    let expected =
                        interpreter.decide_json(d, record, context, DecodeOptions::default());
                    let actual =
                        evaluator.decide_json(d, record, context, DecodeOptions::default());
                    assert_eq!(
                        actual,
                        expected,
                        "seed {seed}, decision {}\nrecord {record}\npackage in {}",
                        def.name,
                        dir.display()
                    );
                    compared += 1;
                    for e in &actual.errors {
                        *errors.entry(e.kind.clone()).or_default() += 1;
                    }
                    outcomes_seen += usize::from(!actual.reasons.is_empty());
                }
            }
        }
        for (name, n) in native.instruction_counts() {
            *executed.entry(name).or_default() += n;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    eprintln!("compared {compared} decisions over {PACKAGES} random packages");
    eprintln!("instructions executed: {executed:?}");
    eprintln!("error kinds: {errors:?}");
    assert!(
        outcomes_seen > compared / 10,
        "rules fire on {outcomes_seen} of {compared}"
    );
    for kind in [
        "overflow",
        "division_by_zero",
        "date_out_of_range",
        "table_conflict",
        "aggregate_unavailable",
        "wrong_type",
        "bad_date",
        "missing_field",
        "unknown_country",
        "unknown_enum_value",
        "out_of_range",
        "syntax",
    ] {
        assert!(
            errors.get(kind).copied().unwrap_or(0) >= 5,
            "error kind {kind} occurred too rarely: {errors:?}"
        );
    }
    let never: Vec<_> = executed
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| *k)
        .collect();
    assert!(never.is_empty(), "instructions never executed: {never:?}");
}
