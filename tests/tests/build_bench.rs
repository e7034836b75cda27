//! `lintas build --emit ir` (the backend IR as text; bundles are in
//! `bundle.rs`) and `lintas bench` (both backends timed on the same
//! traffic, after agreeing on every record), through the command line.
//! Timings vary; only the report's shape is asserted.

use lintas_tests::{Run, lintas, repo_root};

fn path(relative: &str) -> String {
    repo_root().join(relative).to_string_lossy().into_owned()
}

fn build(package: &str, extra: &[&str]) -> Run {
    let mut args = vec!["build".to_string(), path(package)];
    args.extend(extra.iter().map(ToString::to_string));
    lintas(&args)
}

fn bench(extra: &[&str]) -> Run {
    let mut args = vec![
        "bench".to_string(),
        path("rules/reference"),
        "--input".to_string(),
        path("rules/reference/sample/travellers.jsonl"),
        "--runs".to_string(),
        "1".to_string(),
        "--date".to_string(),
        "2026-03-01".to_string(),
        "--member".to_string(),
        "SGP".to_string(),
    ];
    args.extend(extra.iter().map(ToString::to_string));
    lintas(&args)
}

/// The rule ids of the reference package, from the checked program.
fn reference_rule_ids() -> Vec<String> {
    let ws = lintas::loader::load_paths(&[repo_root().join("rules/reference")])
        .unwrap_or_else(|e| panic!("{e}"));
    let root = ws
        .roots
        .first()
        .copied()
        .unwrap_or_else(|| panic!("rules/reference is not a package"));
    let result = lintas_check::check_package(&ws, root);
    result
        .program
        .decisions
        .iter()
        .flat_map(|d| d.rules.iter().map(|r| r.id.clone()))
        .collect()
}

#[test]
fn build_emit_ir_shows_the_decision_and_every_rule() {
    let ids = reference_rule_ids();
    assert!(ids.len() >= 5, "{ids:?}");
    for extra in [&[][..], &["--no-opt"][..]] {
        let mut args = vec!["--emit", "ir"];
        args.extend_from_slice(extra);
        let run = build("rules/reference", &args);
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        assert!(
            run.stdout.starts_with("module reference "),
            "the IR must come first on stdout:\n{}",
            run.stdout
        );
        assert!(run.stdout.contains("decision admission"), "{}", run.stdout);
        for id in &ids {
            assert!(
                run.stdout.contains(&format!("rule {id} ")),
                "{extra:?}: rule `{id}` is missing from\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn build_emit_ir_writes_the_same_text_to_a_file() {
    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = temp.path().join("reference.ir");
    let file_arg = file.to_string_lossy().into_owned();
    let written = build("rules/reference", &["--emit", "ir", "-o", &file_arg]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(written.stdout, "");
    let printed = build("rules/reference", &["--emit", "ir"]);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text, printed.stdout);
}

#[test]
fn build_emit_wasm_says_it_is_not_available() {
    let run = build("rules/reference", &["--emit", "wasm"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("`--emit wasm` is not available yet: the WASM backend is tracked in issue 5"),
        "{}",
        run.stderr
    );
}

#[test]
fn build_of_a_package_with_errors_fails_like_eval() {
    let broken = "tests/data/check/bad_data";
    let built = build(broken, &["--emit", "ir"]);
    let evaluated = lintas(&[
        "eval",
        &path(broken),
        "--date",
        "2026-03-01",
        "--member",
        "SGP",
        "--input",
        &path("rules/reference/sample/travellers.jsonl"),
    ]);
    assert_eq!(built.code, 1, "{}", built.stderr);
    assert_eq!(built.code, evaluated.code);
    assert_eq!(built.stderr, evaluated.stderr);
    assert!(built.stdout.is_empty(), "{}", built.stdout);
}

#[test]
fn bench_agrees_and_reports_both_backends() {
    let run = bench(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("agreement: 0 mismatch(es) between interpreter and native"),
        "{out}"
    );
    assert!(out.contains("1000 record(s), median of 1 run(s)"), "{out}");
    for row in ["check", "interpreter load", "native compile"] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(row)),
            "no `{row}` line in\n{out}"
        );
    }
    for (backend, phase) in [
        ("interpreter", "evaluate (decoded records)"),
        ("interpreter", "end to end from JSON"),
        ("native", "evaluate (decoded records)"),
        ("native", "end to end from JSON"),
        ("native", "batch on"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(backend) && l.contains(phase)),
            "no `{backend}` / `{phase}` line in\n{out}"
        );
    }
}

#[test]
fn bench_json_has_every_phase_and_no_mismatch() {
    let run = bench(&["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["mismatches"], 0, "{report}");
    assert_eq!(report["records"], 1000, "{report}");
    assert_eq!(report["undecodable"], 0, "{report}");
    assert_eq!(report["decision"], "admission", "{report}");
    for field in [
        "check_ns",
        "interpreter_load_ns",
        "native_compile_ns",
        "ir_ns",
    ] {
        assert!(report["rule_set"][field].is_u64(), "{field}: {report}");
    }
    let phases = report["phases"].as_array().cloned().unwrap_or_default();
    let shape: Vec<(&str, &str)> = phases
        .iter()
        .map(|p| {
            (
                p["backend"].as_str().unwrap_or(""),
                p["phase"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("interpreter", "evaluate"),
            ("interpreter", "json"),
            ("native", "evaluate"),
            ("native", "json"),
            ("native", "batch"),
        ],
        "{report}"
    );
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let used: Vec<u64> = phases
        .iter()
        .map(|p| p["threads"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(used, [1, 1, 1, 1, threads as u64], "{report}");
    for p in &phases {
        assert_eq!(p["decisions"], 1000, "{p}");
        assert!(
            p["decisions_per_second"].as_f64().unwrap_or(0.0) > 0.0,
            "{p}"
        );
    }
}

#[test]
fn bench_needs_the_context_like_eval() {
    let run = lintas(&[
        "bench",
        &path("rules/reference"),
        "--input",
        &path("rules/reference/sample/travellers.jsonl"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("the evaluation date is missing"),
        "{}",
        run.stderr
    );
}
