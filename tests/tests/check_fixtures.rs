//! Broken rule packages and the diagnostics they must produce.
//!
//! A single-file fixture `tests/data/check/NAME.lintas` starts with header
//! lines `// expect CODE line N`, one per diagnostic, and is checked as the
//! only file of a fresh package. A directory fixture `tests/data/check/NAME/`
//! holds one or more packages and an `expect.txt` with lines
//! `CODE path:LINE` (path relative to the fixture directory). The reported
//! codes and lines must equal the expected ones exactly, so a file with N
//! independent mistakes must report exactly N diagnostics. Every run's exact
//! human and JSON output is also kept as an insta snapshot.

use lintas_tests::{Run, lintas, repo_root};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    repo_root().join("tests/data/check")
}

const MANIFEST: &str = "[package]\nname = \"fixture\"\nversion = \"1.0.0\"\nedition = \"2026\"\n";

/// Expected `(code, file, line)` triples from a single file's header.
fn header_expectations(text: &str, file: &str) -> Vec<(String, String, usize)> {
    text.lines()
        .take_while(|l| l.starts_with("//"))
        .filter_map(|l| {
            let rest = l.strip_prefix("// expect ")?;
            let (code, line) = rest.split_once(" line ")?;
            Some((
                code.trim().to_string(),
                file.to_string(),
                line.trim().parse().ok()?,
            ))
        })
        .collect()
}

fn dir_expectations(dir: &Path) -> Vec<(String, String, usize)> {
    let text = std::fs::read_to_string(dir.join("expect.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (code, place) = l.trim().split_once(' ')?;
            let (file, line) = place.trim().rsplit_once(':')?;
            Some((code.to_string(), file.to_string(), line.parse().ok()?))
        })
        .collect()
}

/// Reported `(code, file relative to root, line)` triples.
fn reported(run: &Run, root: &Path) -> Vec<(String, String, usize)> {
    let json = run.json();
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    json["diagnostics"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| {
                    let file = PathBuf::from(d["file"].as_str().unwrap_or(""));
                    let absolute = std::env::current_dir()
                        .map(|c| c.join(&file))
                        .unwrap_or(file.clone());
                    let absolute = absolute.canonicalize().unwrap_or(absolute);
                    let relative = absolute
                        .strip_prefix(&root)
                        .map(|p| p.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_else(|_| file.to_string_lossy().into_owned());
                    (
                        d["code"].as_str().unwrap_or("").to_string(),
                        relative,
                        usize::try_from(d["line"].as_u64().unwrap_or(0)).unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs check in human and JSON form on `package_dir`, with paths in the
/// output made independent of where the fixture was copied.
fn check_both(package_dir: &Path) -> (Run, Run, String) {
    let dir = package_dir.to_string_lossy().to_string();
    let json = lintas(&["check", "--format", "json", &dir]);
    let human = lintas(&["check", &dir]);
    let canonical = package_dir
        .canonicalize()
        .unwrap_or_else(|_| package_dir.to_path_buf())
        .to_string_lossy()
        .into_owned();
    let redact = |s: &str| {
        s.replace(&canonical, "[fixture]")
            .replace(&dir, "[fixture]")
    };
    let snapshot = format!(
        "exit code: {}\n--- human (stderr)\n{}\n--- json (stdout)\n{}",
        human.code,
        redact(&human.stderr),
        redact(&json.stdout)
    );
    (json, human, snapshot)
}

fn sorted(mut v: Vec<(String, String, usize)>) -> Vec<(String, String, usize)> {
    v.sort();
    v
}

#[test]
fn every_fixture_reports_exactly_its_expected_diagnostics() {
    let dir = fixtures_dir();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    assert!(!entries.is_empty(), "no fixtures in {}", dir.display());
    let mut failures = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (expected, run, snapshot) = if path.is_dir() {
            let expected = dir_expectations(&path);
            let (json, human, snapshot) = check_both(&path);
            assert_eq!(json.code, human.code);
            (expected, (json, path.clone()), snapshot)
        } else if name.ends_with(".lintas") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let expected = header_expectations(&text, &name);
            let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
            std::fs::write(temp.path().join("lintas.toml"), MANIFEST)
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(temp.path().join(&name), &text).unwrap_or_else(|e| panic!("{e}"));
            let (json, _, snapshot) = check_both(temp.path());
            let root = temp.path().to_path_buf();
            let result = (expected, (json, root), snapshot);
            // Keep the directory alive until `reported` has read the paths.
            let reported_now = reported(&result.1.0, &result.1.1);
            drop(temp);
            let (expected, (json, _), snapshot) = result;
            if expected.is_empty() {
                failures.push(format!("{name}: no `// expect CODE line N` header"));
            }
            compare(&name, &expected, &reported_now, json.code, &mut failures);
            insta::assert_snapshot!(
                format!("check__{}", name.trim_end_matches(".lintas")),
                snapshot
            );
            continue;
        } else {
            continue;
        };
        let (json, root) = run;
        let got = reported(&json, &root);
        compare(&name, &expected, &got, json.code, &mut failures);
        insta::assert_snapshot!(format!("check__{name}"), snapshot);
    }
    assert!(
        failures.is_empty(),
        "fixture mismatches:\n{}",
        failures.join("\n")
    );
}

fn compare(
    name: &str,
    expected: &[(String, String, usize)],
    got: &[(String, String, usize)],
    code: i32,
    failures: &mut Vec<String>,
) {
    let expected = sorted(expected.to_vec());
    let got = sorted(got.to_vec());
    if expected != got {
        failures.push(format!(
            "{name}:\n  expected {expected:?}\n  reported {got:?}"
        ));
    }
    let has_error = got.iter().any(|(c, _, _)| !c.starts_with("L06"));
    let want_code = if has_error { 1 } else { 0 };
    if code != want_code {
        failures.push(format!("{name}: exit code {code}, expected {want_code}"));
    }
}

#[test]
fn every_diagnostic_code_has_a_fixture_and_documentation() {
    let mut covered = std::collections::BTreeSet::new();
    for path in lintas_tests::files_with_suffix(&fixtures_dir(), ".lintas") {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (code, _, _) in header_expectations(&text, "") {
            covered.insert(code);
        }
    }
    for path in lintas_tests::files_with_suffix(&fixtures_dir(), "expect.txt") {
        if let Some(dir) = path.parent() {
            for (code, _, _) in dir_expectations(dir) {
                covered.insert(code);
            }
        }
    }
    let docs = std::fs::read_to_string(repo_root().join("docs/diagnostics.md")).unwrap_or_default();
    let mut missing = Vec::new();
    for (code, summary) in lintas_syntax::codes::ALL {
        if !covered.contains(*code) {
            missing.push(format!("{code} ({summary}) has no fixture"));
        }
        if !docs.contains(&format!("## {code}")) {
            missing.push(format!(
                "{code} ({summary}) is not documented in docs/diagnostics.md as `## {code}`"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
