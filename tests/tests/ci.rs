//! CI for rule changes: SARIF, the impact diff against a git revision,
//! shadow rules, and the ready-made pipeline templates, run for real in a
//! scratch git repository.

use lintas_tests::{binary, lintas, repo_root};
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------- SARIF

fn sarif_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let path = repo_root().join("tests/data/sarif/sarif-2.1.0-rtm.5.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:sarif-2.1.0", schema)
        .unwrap_or_else(|e| panic!("{e}"));
    let index = compiler
        .compile("urn:sarif-2.1.0", &mut schemas)
        .unwrap_or_else(|e| panic!("{e}"));
    (schemas, index)
}

#[test]
fn sarif_is_valid_and_matches_the_diagnostics_one_for_one() {
    let (schemas, index) = sarif_schema();
    let fixtures = repo_root().join("tests/data/check");
    let manifest = "[package]\nname = \"fixture\"\nversion = \"1.0.0\"\nedition = \"2026\"\n";
    let mut checked = 0;
    for path in lintas_tests::files_with_suffix(&fixtures, ".lintas") {
        if path.parent() != Some(fixtures.as_path()) {
            continue;
        }
        let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(temp.path().join("lintas.toml"), manifest).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(&path, temp.path().join("fixture.lintas")).unwrap_or_else(|e| panic!("{e}"));
        let dir = temp.path().to_string_lossy().to_string();
        let sarif = lintas(&["check", "--format", "sarif", &dir]).json();
        let json = lintas(&["check", "--format", "json", &dir]).json();
        if let Err(e) = schemas.validate(&sarif, index) {
            panic!("{}: SARIF does not validate: {e:#}", path.display());
        }
        let results = sarif["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
        assert_eq!(results.len(), diagnostics.len(), "{}", path.display());
        assert!(
            !results.is_empty(),
            "{}: a fixture must give diagnostics",
            path.display()
        );
        for (r, d) in results.iter().zip(&diagnostics) {
            assert_eq!(r["ruleId"], d["code"]);
            let region = &r["locations"][0]["physicalLocation"]["region"];
            assert_eq!(region["startLine"], d["line"], "{}", path.display());
            assert_eq!(region["startColumn"], d["column"], "{}", path.display());
            assert_eq!(region["endLine"], d["end_line"], "{}", path.display());
            assert_eq!(region["endColumn"], d["end_column"], "{}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} fixtures");
}

// ---------------------------------------------------------------- scratch repository

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A git repository holding the reference package, committed once.
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let scratch = Scratch { dir };
        copy_dir(
            &repo_root().join("rules/reference"),
            &scratch.path().join("rules/reference"),
        );
        scratch.git(&["init", "-q", "-b", "main"]);
        scratch.commit("the reference policy");
        scratch
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=Lintas Test",
                "-c",
                "user.email=test@lintas.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap_or_else(|e| panic!("git: {e}"));
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.contains(from), "{file} has no `{from}`");
        std::fs::write(&path, text.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
    }

    fn traffic(&self, count: usize) -> PathBuf {
        let mut config = lintas_traffic::Config::new(11);
        config.rates.near_expiry = 0.2;
        let mut g = lintas_traffic::Generator::new(config);
        let text: String = (0..count)
            .filter_map(|_| serde_json::to_string(&g.traveller()).ok())
            .map(|l| l + "\n")
            .collect();
        let path = self.path().join("traffic.jsonl");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    /// The package as it was at `rev`, in a directory of its own.
    fn export(&self, rev: &str) -> tempfile::TempDir {
        let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let archive = Command::new("git")
            .args(["archive", "--format=tar", rev])
            .current_dir(self.path())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut tar = Command::new("tar")
            .args(["-x", "-C"])
            .arg(out.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(mut stdin) = tar.stdin.take() {
            use std::io::Write;
            stdin
                .write_all(&archive.stdout)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(tar.wait().map(|s| s.success()).unwrap_or(false));
        out
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Per record: outcome and reason codes, from `lintas eval`.
fn decisions(package: &Path, traffic: &Path) -> Vec<(String, Vec<String>)> {
    let run = lintas(&[
        "eval",
        &package.to_string_lossy(),
        "--input",
        &traffic.to_string_lossy(),
        "--date",
        "2026-03-01",
        "--member",
        "SGP",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
            let codes = v["reasons"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r["code"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (v["outcome"].as_str().unwrap_or("").to_string(), codes)
        })
        .collect()
}

fn diff(scratch: &Scratch, traffic: &Path, extra: &[&str]) -> lintas_tests::Run {
    let new = scratch.path().join("rules/reference");
    let mut args: Vec<String> = ["diff", "git:HEAD~1:rules/reference"]
        .iter()
        .map(ToString::to_string)
        .collect();
    args.push(new.to_string_lossy().into_owned());
    args.extend([
        "--traffic".to_string(),
        traffic.to_string_lossy().into_owned(),
    ]);
    args.extend(
        ["--date", "2026-03-01", "--member", "SGP"]
            .iter()
            .map(ToString::to_string),
    );
    args.extend(extra.iter().map(ToString::to_string));
    lintas(&args)
}

fn redact(text: &str, scratch: &Scratch) -> String {
    let canonical = scratch
        .path()
        .canonicalize()
        .unwrap_or_else(|_| scratch.path().to_path_buf());
    text.replace(&canonical.to_string_lossy().to_string(), "[repo]")
        .replace(&scratch.path().to_string_lossy().to_string(), "[repo]")
}

#[test]
fn diff_reports_exactly_the_records_whose_decision_changed() {
    let scratch = Scratch::new();
    scratch.edit(
        "rules/reference/policy.lintas",
        "arrival_date + 6 months",
        "arrival_date + 3 months",
    );
    scratch.commit("shorten the validity rule to three months");
    let traffic = scratch.traffic(2000);
    let run = diff(&scratch, &traffic, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();

    let old = scratch.export("HEAD~1");
    let before = decisions(&old.path().join("rules/reference"), &traffic);
    let after = decisions(&scratch.path().join("rules/reference"), &traffic);
    let expected: Vec<u64> = before
        .iter()
        .zip(&after)
        .enumerate()
        .filter(|(_, (b, a))| b != a)
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let reported: Vec<u64> = report["changed_records"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect())
        .unwrap_or_default();
    assert!(
        !expected.is_empty(),
        "the change must matter on this traffic"
    );
    assert_eq!(reported, expected);
    assert_eq!(
        report["impact"]["changed"].as_u64(),
        Some(expected.len() as u64)
    );
    let changed_rules = &report["rules"]["rules_changed"];
    assert_eq!(changed_rules[0]["rule"], "doc_validity_6m");
    assert_eq!(changed_rules[0]["parts"][0], "condition");
    let validity = report["impact"]["rules"]
        .as_array()
        .and_then(|rules| rules.iter().find(|r| r["rule"] == "doc_validity_6m"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(validity["newly_fires"], 0);
    assert!(validity["stops_firing"].as_u64().unwrap_or(0) > 0);

    insta::assert_snapshot!(
        "diff_json",
        redact(
            &serde_json::to_string_pretty(&report).unwrap_or_default(),
            &scratch
        )
    );
    let markdown = diff(&scratch, &traffic, &["--format", "markdown"]);
    insta::assert_snapshot!("diff_markdown", redact(&markdown.stdout, &scratch));
    // A gate trips on a change bigger than allowed.
    let gated = diff(&scratch, &traffic, &["--fail-if-changed-over", "0.1%"]);
    assert_eq!(gated.code, 1, "{}", gated.stderr);
    let open = diff(&scratch, &traffic, &["--fail-if-changed-over", "100%"]);
    assert_eq!(open.code, 0);
}

#[test]
fn a_shadow_rule_changes_no_decision_but_shows_in_results_and_the_diff() {
    let scratch = Scratch::new();
    let shadow_rule = "\nrule shadow_one_way for admission\n  \"One-way tickets, watched before enforcing\"\n  shadow\n  when traveller.booking.one_way\n  then refer RISK_SCORE with score = 0\n";
    let policy = scratch.path().join("rules/reference/policy.lintas");
    let mut text = std::fs::read_to_string(&policy).unwrap_or_default();
    text.push_str(shadow_rule);
    std::fs::write(&policy, text).unwrap_or_else(|e| panic!("{e}"));
    scratch.commit("watch one-way tickets");
    let traffic = scratch.traffic(500);

    let run = diff(&scratch, &traffic, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        report["impact"]["changed"], 0,
        "a shadow rule changed decisions"
    );
    assert_eq!(report["rules"]["rules_added"][0]["rule"], "shadow_one_way");

    let enforced = diff(
        &scratch,
        &traffic,
        &["--format", "json", "--enforce-shadow"],
    )
    .json();
    assert!(
        enforced["impact"]["changed"].as_u64().unwrap_or(0) > 0,
        "enforcing it changes nothing?"
    );

    // The shadow result is in every decision where it fired.
    let eval = lintas(&[
        "eval",
        &scratch.path().join("rules/reference").to_string_lossy(),
        "--input",
        &traffic.to_string_lossy(),
        "--date",
        "2026-03-01",
        "--member",
        "SGP",
    ]);
    let with_shadow = eval
        .stdout
        .lines()
        .filter(|l| l.contains("\"shadow\":[{\"code\":\"RISK_SCORE\",\"rule\":\"shadow_one_way\""))
        .count();
    let one_way = std::fs::read_to_string(&traffic)
        .unwrap_or_default()
        .matches("\"one_way\":true")
        .count();
    assert_eq!(with_shadow, one_way);

    // Promotion is a reviewed source change: the rule loses `shadow`.
    let package = scratch.path().join("rules/reference");
    let promoted = lintas(&["promote", &package.to_string_lossy(), "shadow_one_way"]);
    assert_eq!(promoted.code, 0, "{}", promoted.stderr);
    let diff_text = scratch.git(&["diff"]);
    assert!(diff_text.contains("-  shadow"), "{diff_text}");
    assert_eq!(
        lintas(&["check", "--deny-warnings", &package.to_string_lossy()]).code,
        0
    );
    assert_eq!(
        lintas(&["fmt", "--check", &package.to_string_lossy()]).code,
        0
    );
    let again = lintas(&["promote", &package.to_string_lossy(), "shadow_one_way"]);
    assert_eq!(again.code, 1);
}

// ---------------------------------------------------------------- templates

/// The shell steps of a GitHub workflow (`run:`) or a GitLab job
/// (`script:` items), read from the YAML itself.
fn steps(yaml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_script = false;
    for line in yaml.lines() {
        let trimmed = line.trim_start();
        if let Some(command) = trimmed.strip_prefix("run: ") {
            out.push(command.to_string());
            continue;
        }
        if trimmed == "script:" {
            in_script = true;
            continue;
        }
        if in_script {
            match trimmed.strip_prefix("- ") {
                Some(command) => out.push(command.to_string()),
                None => in_script = false,
            }
        }
    }
    out
}

#[test]
fn the_pipeline_templates_run_their_own_steps() {
    for template in [
        "ci-templates/github/lintas.yml",
        "ci-templates/gitlab/lintas.gitlab-ci.yml",
    ] {
        let yaml =
            std::fs::read_to_string(repo_root().join(template)).unwrap_or_else(|e| panic!("{e}"));
        // Installing the tool is the runner's business; here it is built.
        let commands: Vec<String> = steps(&yaml)
            .into_iter()
            .filter(|c| !c.starts_with("cargo install"))
            .collect();
        assert!(commands.len() >= 4, "{template}: {commands:?}");
        let scratch = Scratch::new();
        // A change that keeps the tests green and still moves decisions: a
        // sample traveller's passport is reported stolen.
        let sample = std::fs::read_to_string(
            scratch
                .path()
                .join("rules/reference/sample/travellers.jsonl"),
        )
        .unwrap_or_default();
        let first: serde_json::Value =
            serde_json::from_str(sample.lines().next().unwrap_or("")).unwrap_or_default();
        let number = first["document"]["number"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let csv = scratch.path().join("rules/reference/data/lost_stolen.csv");
        let mut data = std::fs::read_to_string(&csv).unwrap_or_default();
        data.push_str(&format!("{number},IDN,2026-02-01\n"));
        std::fs::write(&csv, data).unwrap_or_else(|e| panic!("{e}"));
        scratch.commit("a stolen passport");
        let bin_dir = binary().parent().map(Path::to_path_buf).unwrap_or_default();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        for command in &commands {
            let out = Command::new("bash")
                .args(["-euo", "pipefail", "-c", command])
                .current_dir(scratch.path())
                .env("PATH", &path)
                .env("LINTAS_BASE", "HEAD~1")
                .env("LINTAS_PACKAGE", "rules/reference")
                .env("LINTAS_TRAFFIC", "rules/reference/sample/travellers.jsonl")
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                out.status.success(),
                "{template}: `{command}` failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let impact =
            std::fs::read_to_string(scratch.path().join("lintas-impact.md")).unwrap_or_default();
        assert!(impact.contains("### Lintas impact"), "{impact}");
        assert!(impact.contains("doc_lost_stolen"), "{impact}");
        assert!(impact.contains("set LOST_STOLEN: 1 added"), "{impact}");
        let junit =
            std::fs::read_to_string(scratch.path().join("lintas-junit.xml")).unwrap_or_default();
        assert!(junit.contains("<testsuites>"));
        if template.contains("github") {
            let sarif =
                std::fs::read_to_string(scratch.path().join("lintas.sarif")).unwrap_or_default();
            let sarif: serde_json::Value =
                serde_json::from_str(&sarif).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(sarif["version"], "2.1.0");
        }
    }
}
