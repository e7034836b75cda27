//! The differential test: the native backend and the reference interpreter
//! on 100,000+ generated records (risky traffic, then the same records
//! with awkward values put into every field: calendar edges, leap days,
//! huge integers, empty lists, absent optionals, malformed values), under
//! several contexts. They must agree record by record, and the corpus must
//! make every rule fire and every outcome and error kind occur.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests report failures by panicking"
)]

use lintas_eval::{DecisionResult, DecodeOptions, Interpreter};
use lintas_jit::Native;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn program(dir: &Path) -> lintas_check::hir::Program {
    let ws = lintas_load::load_paths(&[dir.to_path_buf()]).expect("load");
    let root = *ws.roots.first().expect("a package");
    let result = lintas_check::check_package(&ws, root);
    assert!(!result.has_errors(), "{dir:?} has errors");
    result.program
}

fn awkward_values() -> Vec<Option<Json>> {
    vec![
        None,
        Some(Json::Null),
        Some(json!("0001-01-01")),
        Some(json!("9999-12-31")),
        Some(json!("2024-02-29")),
        Some(json!("2025-02-29")),
        Some(json!("2026-01-31")),
        Some(json!(i64::MAX)),
        Some(json!(i64::MIN)),
        Some(json!(0)),
        Some(json!(-1)),
        Some(json!(3_074_457_345_618_258_603_i64)),
        Some(json!(1.5)),
        Some(json!("")),
        Some(json!("X1234567")),
        Some(json!("Nguyễn Văn A")),
        Some(json!([])),
        Some(json!(true)),
        Some(json!("ZZZ")),
        Some(json!("D")),
    ]
}

/// Every leaf path of a JSON object (into nested objects, not lists).
fn paths(value: &Json, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Json::Object(map) = value {
        for (k, v) in map {
            prefix.push(k.clone());
            out.push(prefix.clone());
            paths(v, prefix, out);
            prefix.pop();
        }
    }
}

fn replace(record: &Json, path: &[String], with: &Option<Json>) -> Json {
    let mut copy = record.clone();
    let mut at = &mut copy;
    for (i, key) in path.iter().enumerate() {
        let Json::Object(map) = at else { break };
        if i + 1 == path.len() {
            match with {
                Some(v) => {
                    map.insert(key.clone(), v.clone());
                }
                None => {
                    map.remove(key);
                }
            }
            break;
        }
        let Some(next) = map.get_mut(key) else { break };
        at = next;
    }
    copy
}

#[derive(Default)]
struct Seen {
    compared: usize,
    reasons: BTreeMap<String, usize>,
    outcomes: BTreeMap<String, usize>,
    errors: BTreeMap<String, usize>,
}

impl Seen {
    fn record(&mut self, r: &DecisionResult) {
        self.compared += 1;
        *self.outcomes.entry(r.outcome.clone()).or_default() += 1;
        for reason in r.reasons.iter().chain(&r.shadow) {
            *self
                .reasons
                .entry(format!("{}:{}", reason.rule, reason.code))
                .or_default() += 1;
        }
        for e in &r.errors {
            *self.errors.entry(e.kind.clone()).or_default() += 1;
        }
    }
}

fn risky(seed: u64) -> lintas_traffic::Config {
    let mut config = lintas_traffic::Config::new(seed);
    let r = &mut config.rates;
    for rate in [
        &mut r.expired_document,
        &mut r.near_expiry,
        &mut r.lost_stolen,
        &mut r.watchlist,
        &mut r.unaccompanied_minor,
        &mut r.missing_visa,
        &mut r.yellow_fever_exposure,
        &mut r.prior_overstay,
        &mut r.mrz_invalid,
        &mut r.third_party_payer,
    ] {
        *rate = 0.12;
    }
    config
}

fn run(dir: &str, generated: usize, mutated_bases: usize) -> Seen {
    let program = program(&repo().join(dir));
    let interpreter = Interpreter::new(&program);
    let native = Native::compile(&program).expect("compile");
    let mut evaluator = native.evaluator();
    let decisions: Vec<usize> = program
        .decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.over_manifest)
        .map(|(i, _)| i)
        .collect();
    let contexts: Vec<_> = [
        json!({"date": "2026-03-01", "member": "SGP", "emergencies": []}),
        json!({"date": "2024-02-29", "member": "THA", "emergencies": []}),
        json!({"date": "2026-03-01", "member": "IDN", "checkpoint": "CGK-T3",
               "emergencies": [{"id": "E1", "disease": "yellow fever", "origins": ["BRA", "NGA"], "declared": "2026-01-01"}]}),
    ]
    .iter()
    .map(|c| interpreter.context_from_json(c).expect("context"))
    .collect();
    let mut seen = Seen::default();
    let mut compare = |line: &str, context_index: usize, seen: &mut Seen| {
        let context = &contexts[context_index % contexts.len()];
        for &d in &decisions {
            let expected = interpreter.decide_json(d, line, context, DecodeOptions::default());
            let actual = evaluator.decide_json(d, line, context, DecodeOptions::default());
            assert_eq!(actual, expected, "{dir}: record {line}");
            // The reasonless fast path gives the same outcome.
            let schema = lintas_check::types::Ty::Record(program.decisions[d].schema);
            if let Ok(record) =
                lintas_eval::decode(&program, &schema, line, DecodeOptions::default())
            {
                let prepared = evaluator.prepare(d, &record, context).expect("prepare");
                let verdict = evaluator.verdict(d, &prepared);
                assert_eq!(
                    program.decisions[d].outcomes[verdict.outcome], actual.outcome,
                    "{line}"
                );
                assert_eq!(verdict.failed, actual.failed(), "{line}");
            }
            let verdict = evaluator.verdict_json(d, line, context);
            assert_eq!(
                program.decisions[d].outcomes[verdict.outcome], actual.outcome,
                "{line}"
            );
            assert_eq!(verdict.failed, actual.failed(), "{line}");
            seen.record(&actual);
        }
    };
    let mut generator = lintas_traffic::Generator::new(risky(7));
    let mut bases = Vec::new();
    for i in 0..generated {
        let t = generator.traveller();
        let line = serde_json::to_string(&t).expect("json");
        compare(&line, i, &mut seen);
        if bases.len() < mutated_bases {
            bases.push(serde_json::to_value(&t).expect("json"));
        }
    }
    let awkward = awkward_values();
    let mut n = 0;
    for base in &bases {
        let mut all = Vec::new();
        paths(base, &mut Vec::new(), &mut all);
        for path in &all {
            for value in &awkward {
                let line = replace(base, path, value).to_string();
                compare(&line, n, &mut seen);
                n += 1;
            }
        }
    }
    seen
}

#[test]
fn reference_policy_agrees_on_generated_and_awkward_records() {
    let seen = run("rules/reference", 60_000, 24);
    assert!(seen.compared >= 70_000, "compared {}", seen.compared);
    let program = program(&repo().join("rules/reference"));
    for def in &program.decisions {
        for rule in &def.rules {
            let fired = seen
                .reasons
                .get(&format!("{}:{}", rule.id, rule.reason))
                .copied()
                .unwrap_or(0);
            assert!(fired >= 50, "rule {} fired only {fired} times", rule.id);
        }
        for outcome in &def.outcomes {
            assert!(
                seen.outcomes.get(outcome).copied().unwrap_or(0) >= 50,
                "outcome {outcome}: {:?}",
                seen.outcomes
            );
        }
    }
    for kind in [
        "overflow",
        "date_out_of_range",
        "wrong_type",
        "bad_date",
        "missing_field",
        "unknown_country",
    ] {
        assert!(
            seen.errors.get(kind).copied().unwrap_or(0) >= 5,
            "error {kind}: {:?}",
            seen.errors
        );
    }
}

#[test]
fn asean_baseline_and_overlays_agree_on_generated_and_awkward_records() {
    for dir in ["rules/asean", "rules/members/sgp"] {
        let seen = run(dir, 10_000, 6);
        eprintln!(
            "{dir}: {} outcomes {:?}\nreasons {:?}\nerrors {:?}",
            seen.compared, seen.outcomes, seen.reasons, seen.errors
        );
        assert!(seen.compared >= 10_000, "{dir}: compared {}", seen.compared);
    }
}
