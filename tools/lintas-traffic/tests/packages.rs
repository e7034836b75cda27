//! The generated packages check cleanly, load from disk as the CLI loads
//! them, and give the reference interpreter a corpus worth comparing
//! backends on: every rule fires, every outcome occurs, both fail-closed
//! reasons appear.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests report failures by panicking; helpers outside #[test] fns included"
)]

use lintas_check::CheckResult;
use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_check::workspace::{PackageId, PackageInput, Workspace};
use lintas_eval::decode::{DecodeError, DecodeOptions};
use lintas_eval::{DecisionResult, Interpreter};
use lintas_syntax::{Severity, Span};
use lintas_traffic::packages::{GeneratedPackage, random_contexts, random_package, random_records};
use std::collections::{BTreeMap, BTreeSet};

/// The package's files as the loader would hand them to the checker.
fn workspace(package: &GeneratedPackage) -> Workspace {
    let mut ws = Workspace::default();
    let mut files = package.files.clone();
    files.sort();
    let manifest_text = files
        .iter()
        .find(|(path, _)| path == "lintas.toml")
        .map(|(_, text)| text.clone())
        .unwrap_or_default();
    let manifest_file = ws.db.add("generated/lintas.toml", manifest_text.clone());
    let whole = Span::new(manifest_file, 0, manifest_text.len());
    let manifest = lintas_check::manifest::parse(&manifest_text, whole).ok();
    let mut sources = Vec::new();
    let mut data = BTreeMap::new();
    for (path, text) in &files {
        if path == "lintas.toml" {
            continue;
        }
        let id = ws.db.add(format!("generated/{path}"), text.clone());
        if path.ends_with(".lintas") {
            sources.push(id);
        } else {
            data.insert(path.clone(), id);
        }
    }
    ws.packages.push(PackageInput {
        root: "generated".to_string(),
        manifest_file,
        manifest,
        sources,
        data,
        unreadable: BTreeMap::new(),
        base: None,
        dependencies: BTreeMap::new(),
    });
    ws.roots.push(PackageId(0));
    ws
}

/// Each diagnostic with the source it points at.
fn explain(ws: &Workspace, result: &CheckResult) -> String {
    result
        .diagnostics
        .iter()
        .map(|d| {
            let span = d.primary.span;
            let text = ws.db.text(span.file);
            let start = span.start as usize;
            let line_start = text
                .get(..start)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            let line_end = text
                .get(start..)
                .and_then(|t| t.find('\n'))
                .map_or(text.len(), |i| start + i);
            format!(
                "{} {:?} {} at {}: {}\n    {}",
                d.code,
                d.severity,
                d.message,
                ws.db.path(span.file),
                text.get(start..(span.end as usize).min(text.len()))
                    .unwrap_or(""),
                text.get(line_start..line_end).unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many seeds the corpus test decides: 20, or more with
/// `LINTAS_PACKAGE_SEEDS=N` (slow in debug builds).
fn corpus_seeds() -> u64 {
    std::env::var("LINTAS_PACKAGE_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20)
}

fn checked(seed: u64) -> (GeneratedPackage, CheckResult) {
    let package = random_package(seed);
    let ws = workspace(&package);
    let result = lintas_check::check_package(&ws, PackageId(0));
    assert!(
        result.diagnostics.is_empty(),
        "seed {seed}:\n{}",
        explain(&ws, &result)
    );
    (package, result)
}

#[test]
fn a_hundred_packages_check_without_errors_or_warnings() {
    let mut problems = Vec::new();
    for seed in 0..corpus_seeds().max(100) {
        let package = random_package(seed);
        let ws = workspace(&package);
        let result = lintas_check::check_package(&ws, PackageId(0));
        if !result.diagnostics.is_empty() {
            problems.push(format!("seed {seed}:\n{}", explain(&ws, &result)));
            continue;
        }
        let declared: Vec<&str> = result
            .program
            .decisions
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(declared, package.decisions, "seed {seed}");
        for d in &result.program.decisions {
            assert_eq!(d.over_manifest, package.is_manifest(&d.name), "seed {seed}");
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn packages_written_to_disk_load_as_the_cli_loads_them() {
    let root = std::env::temp_dir().join(format!("lintas-generated-{}", std::process::id()));
    for seed in 0..5 {
        let package = random_package(seed);
        let dir = root.join(format!("p{seed}"));
        for (path, text) in &package.files {
            let file = dir.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(&file, text).unwrap();
        }
        let ws = lintas_load::load_paths(std::slice::from_ref(&dir)).unwrap();
        assert!(ws.load_diagnostics.is_empty(), "{:?}", ws.load_diagnostics);
        let result = lintas_check::check_package(&ws, ws.roots[0]);
        assert!(
            result.diagnostics.is_empty(),
            "seed {seed}:\n{}",
            explain(&ws, &result)
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_same_seed_gives_the_same_package_records_and_contexts() {
    for seed in [0, 7, 12_345, u64::MAX] {
        let a = random_package(seed);
        let b = random_package(seed);
        assert_eq!(a.files, b.files);
        assert_eq!(a.decisions, b.decisions);
        assert_eq!(random_records(&a, 3, 200), random_records(&b, 3, 200));
        assert_eq!(random_contexts(&a, 3, 8), random_contexts(&b, 3, 8));
        // More records extend the same stream; they never reshuffle it.
        let few = random_records(&a, 3, 50);
        assert_eq!(few[..], random_records(&a, 3, 200)[..50]);
    }
    assert_ne!(random_package(1).files, random_package(2).files);
}

/// What a corpus showed, across seeds.
#[derive(Default)]
struct Seen {
    /// (seed, decision, rule) of every rule that fired, enforced or shadow.
    fired: BTreeSet<(u64, String, String)>,
    outcomes: BTreeSet<(u64, String, String)>,
    input_invalid: usize,
    evaluation_error: usize,
    decided: usize,
    internal: Vec<String>,
}

impl Seen {
    fn record(&mut self, seed: u64, r: &DecisionResult) {
        self.decided += 1;
        self.outcomes
            .insert((seed, r.decision.clone(), r.outcome.clone()));
        for reason in r.reasons.iter().chain(&r.shadow) {
            match reason.code.as_str() {
                "INPUT_INVALID" => self.input_invalid += 1,
                "EVALUATION_ERROR" => self.evaluation_error += 1,
                _ => {
                    self.fired
                        .insert((seed, r.decision.clone(), reason.rule.clone()));
                }
            }
        }
        for e in &r.errors {
            if e.kind == "internal" {
                self.internal
                    .push(format!("seed {seed} {}: {}", e.place, e.message));
            }
        }
    }
}

/// Manifest sizes: mostly small, so that most manifests decode whole and
/// their aggregates exist.
fn manifests(
    members: &[Result<Value, Vec<DecodeError>>],
) -> Vec<&[Result<Value, Vec<DecodeError>>]> {
    let mut out = Vec::new();
    let mut rest = members;
    let mut size = 1;
    while !rest.is_empty() {
        let (head, tail) = rest.split_at(size.min(rest.len()));
        out.push(head);
        rest = tail;
        size = size % 7 + 1;
    }
    out
}

fn decide_corpus(seed: u64, seen: &mut Seen) -> CheckResult {
    let (package, result) = checked(seed);
    let program = &result.program;
    let interpreter = Interpreter::new(program);
    let schema = program.decisions.first().map(|d| d.schema);
    let decoded: Vec<Result<Value, Vec<DecodeError>>> = random_records(&package, seed, 500)
        .iter()
        .map(|text| match schema {
            Some(s) => lintas_eval::decode(program, &Ty::Record(s), text, DecodeOptions::default()),
            None => Err(Vec::new()),
        })
        .collect();
    for text in random_contexts(&package, seed, 4) {
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let context = interpreter
            .context_from_json(&json)
            .unwrap_or_else(|e| panic!("seed {seed}: context {text} refused: {e:?}"));
        for (index, def) in program.decisions.iter().enumerate() {
            if def.over_manifest {
                for manifest in manifests(&decoded) {
                    for r in interpreter.decide_manifest(index, manifest, &context) {
                        seen.record(seed, &r);
                    }
                }
                continue;
            }
            for member in &decoded {
                let r = match member {
                    Ok(record) => interpreter.decide(index, record, &context),
                    Err(problems) => interpreter.input_invalid(def, problems),
                };
                seen.record(seed, &r);
            }
        }
    }
    result
}

#[test]
fn the_corpus_fires_every_rule_and_reaches_every_outcome() {
    let mut seen = Seen::default();
    let mut missing = Vec::new();
    for seed in 0..corpus_seeds() {
        let result = decide_corpus(seed, &mut seen);
        for d in &result.program.decisions {
            for rule in &d.rules {
                if !seen
                    .fired
                    .contains(&(seed, d.name.clone(), rule.id.clone()))
                {
                    missing.push(format!(
                        "seed {seed}: rule `{}` of `{}` never fired",
                        rule.id, d.name
                    ));
                }
            }
            for outcome in &d.outcomes {
                if !seen
                    .outcomes
                    .contains(&(seed, d.name.clone(), outcome.clone()))
                {
                    missing.push(format!("seed {seed}: `{}` never gave `{outcome}`", d.name));
                }
            }
        }
    }
    assert!(
        seen.internal.is_empty(),
        "internal errors: {:#?}",
        seen.internal
    );
    assert!(
        missing.is_empty(),
        "{} gaps:\n{}",
        missing.len(),
        missing.join("\n")
    );
    assert!(seen.input_invalid > 0 && seen.evaluation_error > 0);
    // Fail-closed results are a part of the traffic, not most of it.
    assert!(
        seen.input_invalid * 5 < seen.decided,
        "{}",
        seen.input_invalid
    );
    assert!(
        seen.evaluation_error * 3 < seen.decided,
        "{}",
        seen.evaluation_error
    );
}

#[test]
fn every_construct_appears_in_fifty_packages() {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let constructs = [
        "optional ",
        "list of ",
        "schema ",
        "enum ",
        "set ",
        "table ",
        "rows {",
        " key",
        "from \"data/",
        ".csv\"",
        ".json\"",
        " column \"",
        "decision table ",
        "hit first",
        "hit unique",
        "hit any",
        "hit collect",
        "  default ",
        "score ",
        "aggregate ",
        "count by",
        " where ",
        "in manifest",
        "shadow",
        "enforce",
        "effective from",
        "effective to",
        " to 20",
        "applies to",
        "source \"",
        " with\n",
        "on error",
        "otherwise",
        "is present",
        "is absent",
        " in [",
        " not in ",
        "any ",
        "all ",
        "(count ",
        " and ",
        " or ",
        "not (",
        "(if ",
        " + ",
        " - ",
        " * ",
        " / ",
        "(-",
        " < ",
        " <= ",
        " > ",
        " >= ",
        " == ",
        " != ",
        "context.date",
        "context.member",
        "context.checkpoint",
        "context.emergencies",
        "years_between(",
        "months_between(",
        "days_between(",
        "days(",
        "weeks(",
        "months(",
        "years(",
        "size(",
        "lower(",
        "upper(",
        "length(",
        "contains(",
        "starts_with(",
        "name_key(",
        "name_similarity(",
        "min(",
        "max(",
        "abs(",
        " day",
        " week",
        " month",
        " year",
        "let ",
        "reason ",
        "///",
        "\\u{",
        "digit_groups",
    ];
    for seed in 0..50 {
        let package = random_package(seed);
        let text: String = package.files.iter().map(|(_, t)| t.as_str()).collect();
        for c in constructs {
            if text.contains(c) {
                *counts.entry(c).or_default() += 1;
            }
        }
        // Digit groups: `1_000`, `922_337_203_685_478`.
        let chars: Vec<char> = text.chars().collect();
        if chars
            .windows(3)
            .any(|w| w[0].is_ascii_digit() && w[1] == '_' && w[2].is_ascii_digit())
        {
            *counts.entry("digit_groups").or_default() += 1;
        }
    }
    let rare: Vec<String> = constructs
        .iter()
        .filter(|c| counts.get(*c).copied().unwrap_or(0) < 5)
        .map(|c| format!("{c:?}: {}", counts.get(c).copied().unwrap_or(0)))
        .collect();
    assert!(rare.is_empty(), "in fewer than 5 of 50 packages: {rare:?}");
}

#[test]
fn records_carry_every_kind_of_fault_and_boundary() {
    let package = random_package(3);
    let records = random_records(&package, 3, 2_000);
    let result = lintas_check::check_package(&workspace(&package), PackageId(0));
    let program = &result.program;
    let schema = program.decisions.first().map(|d| d.schema);
    let mut kinds = BTreeSet::new();
    let mut invalid = 0;
    for text in &records {
        let Some(s) = schema else { continue };
        if let Err(problems) =
            lintas_eval::decode(program, &Ty::Record(s), text, DecodeOptions::default())
        {
            invalid += 1;
            kinds.extend(problems.iter().map(|p| p.kind.as_str()));
        }
    }
    let share = invalid as f64 / records.len() as f64;
    assert!((0.04..=0.12).contains(&share), "malformed share {share}");
    for kind in [
        "missing_field",
        "wrong_type",
        "bad_date",
        "unknown_country",
        "unknown_enum_value",
        "out_of_range",
        "duplicate_field",
        "syntax",
        "too_deep",
    ] {
        assert!(kinds.contains(kind), "no `{kind}` among {kinds:?}");
    }
    let all = records.concat();
    for boundary in [
        "9223372036854775807",
        "-9223372036854775808",
        "2024-02-29",
        "0001-01-",
        "9999-12-",
        "null",
        "[]",
        "ผู้ใหญ่",
        "Nguyễn",
    ] {
        assert!(all.contains(boundary), "no {boundary}");
    }
    let severities: Vec<Severity> = result.diagnostics.iter().map(|d| d.severity).collect();
    assert!(severities.is_empty());
}
