//! The native backend against the interpreter on every rule package of the
//! repository and its sample traffic, record by record.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests report failures by panicking"
)]

use lintas_eval::{DecodeOptions, Interpreter};
use lintas_jit::Native;
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

fn context(interpreter: &Interpreter<'_>, date: &str, member: &str) -> lintas_check::value::Value {
    let json = serde_json::json!({ "date": date, "member": member, "emergencies": [] });
    interpreter.context_from_json(&json).expect("context")
}

#[test]
fn sample_traffic_agrees_with_the_interpreter() {
    for (dir, sample) in [
        ("rules/reference", "rules/reference/sample/travellers.jsonl"),
        ("rules/reference", "tests/data/eval/records.jsonl"),
        ("rules/reference", "tests/data/eval/bad_records.jsonl"),
        ("rules/asean", "rules/asean/sample/travellers.jsonl"),
        ("rules/members/sgp", "rules/asean/sample/travellers.jsonl"),
        ("rules/members/idn", "rules/asean/sample/travellers.jsonl"),
        ("rules/members/vnm", "rules/asean/sample/travellers.jsonl"),
    ] {
        let program = program(&repo().join(dir));
        let interpreter = Interpreter::new(&program);
        let native = Native::compile(&program).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let mut evaluator = native.evaluator();
        let text = std::fs::read_to_string(repo().join(sample)).expect("sample");
        let mut compared = 0;
        for (date, member) in [
            ("2026-03-01", "SGP"),
            ("2026-03-01", "THA"),
            ("2024-02-29", "IDN"),
        ] {
            let context = context(&interpreter, date, member);
            for (d, def) in program.decisions.iter().enumerate() {
                if def.over_manifest {
                    continue;
                }
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let expected =
                        interpreter.decide_json(d, line, &context, DecodeOptions::default());
                    let actual = evaluator.decide_json(d, line, &context, DecodeOptions::default());
                    assert_eq!(
                        actual, expected,
                        "{dir} {} {date} {member}\n{line}",
                        def.name
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared >= 9, "{dir}: only {compared}");
    }
}

#[test]
fn batches_across_threads_keep_input_order_and_results() {
    let program = program(&repo().join("rules/reference"));
    let interpreter = Interpreter::new(&program);
    let native = Native::compile(&program).expect("compile");
    let context = context(&interpreter, "2026-03-01", "SGP");
    let text = std::fs::read_to_string(repo().join("rules/reference/sample/travellers.jsonl"))
        .expect("sample");
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.push("{\"name\": 5}");
    let expected: Vec<_> = lines
        .iter()
        .map(|l| interpreter.decide_json(0, l, &context, DecodeOptions::default()))
        .collect();
    for threads in [1, 2, 3, 0] {
        let actual =
            native.decide_json_batch(0, &lines, &context, DecodeOptions::default(), threads);
        assert_eq!(actual, expected, "{threads} threads");
    }
}

#[test]
fn manifests_agree_with_the_interpreter() {
    let program = program(&repo().join("rules/asean"));
    let interpreter = Interpreter::new(&program);
    let native = Native::compile(&program).expect("compile");
    let context = context(&interpreter, "2026-03-01", "SGP");
    let decision = program
        .decisions
        .iter()
        .position(|d| d.over_manifest)
        .expect("a manifest decision");
    let schema = lintas_check::types::Ty::Record(program.decisions[decision].schema);
    let text = std::fs::read_to_string(repo().join("rules/asean/sample/travellers.jsonl"))
        .expect("sample");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut manifests = Vec::new();
    for size in [1, 2, 5, 30, 300] {
        let members: Vec<_> = lines
            .iter()
            .cycle()
            .take(size)
            .map(|l| lintas_eval::decode(&program, &schema, l, DecodeOptions::default()))
            .collect();
        manifests.push(members);
    }
    // One member that cannot be decoded makes every aggregate unavailable.
    let mut broken = manifests[2].clone();
    broken.push(lintas_eval::decode(
        &program,
        &schema,
        "{}",
        DecodeOptions::default(),
    ));
    manifests.push(broken);
    let actual = native.decide_manifests(decision, &manifests, &context, 2);
    let mut reasons = 0;
    for (members, got) in manifests.iter().zip(&actual) {
        let expected = interpreter.decide_manifest(decision, members, &context);
        assert_eq!(got, &expected);
        reasons += got.iter().map(|r| r.reasons.len()).sum::<usize>();
    }
    assert!(reasons > 0, "the manifests give reasons");
}

/// Every record and manifest written in a Lintas test of every rule
/// package, in that test's context.
#[test]
fn every_lintas_test_record_agrees_with_the_interpreter() {
    use lintas_check::hir::{Given, TestTarget};
    let mut compared = 0;
    for dir in [
        "rules/reference",
        "rules/asean",
        "rules/members/idn",
        "rules/members/sgp",
        "rules/members/vnm",
        "compiler/lintas-ir/tests/data/constructs",
    ] {
        let program = program(&repo().join(dir));
        let interpreter = Interpreter::new(&program);
        let native = Native::compile(&program).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let mut evaluator = native.evaluator();
        for test in &program.tests {
            let TestTarget::Decision(d) = test.target else {
                continue;
            };
            match &test.given {
                Given::Record(record) => {
                    let expected = interpreter.decide(d, record, &test.context);
                    let actual = evaluator.decide(d, record, &test.context);
                    assert_eq!(actual, expected, "{dir}: test {}", test.title);
                    compared += 1;
                }
                Given::Manifest(members) => {
                    let members: Vec<_> = members.iter().cloned().map(Ok).collect();
                    let expected = interpreter.decide_manifest(d, &members, &test.context);
                    let actual = evaluator.decide_manifest(d, &members, &test.context);
                    assert_eq!(actual, expected, "{dir}: test {}", test.title);
                    compared += members.len();
                }
            }
        }
    }
    assert!(compared > 200, "only {compared} test records");
}
