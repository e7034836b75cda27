//! The reference interpreter through `lintas eval`, `lintas test` and
//! `lintas generate`, and algebraic facts of the semantics.

use lintas_check::workspace::Workspace;
use lintas_eval::Interpreter;
use lintas_tests::{lintas, repo_root};
use proptest::prelude::*;

fn path(relative: &str) -> String {
    repo_root().join(relative).to_string_lossy().into_owned()
}

const CONTEXT: [&str; 4] = ["--date", "2026-03-01", "--member", "SGP"];

fn eval(extra: &[&str]) -> lintas_tests::Run {
    let mut args = vec!["eval".to_string(), path("rules/reference")];
    args.extend(CONTEXT.iter().map(ToString::to_string));
    args.extend(extra.iter().map(ToString::to_string));
    lintas(&args)
}

fn redact(text: &str) -> String {
    text.replace(&repo_root().to_string_lossy().to_string(), "[repo]")
}

#[test]
fn the_main_job_decides_every_sample_record_in_order() {
    let run = eval(&["--input", &path("rules/reference/sample/travellers.jsonl")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 1000);
    let mut by_outcome = std::collections::BTreeMap::new();
    for line in &lines {
        let outcome = line["outcome"].as_str().unwrap_or("").to_string();
        assert!(
            ["deny", "refer", "manual", "autogate"].contains(&outcome.as_str()),
            "{line}"
        );
        assert!(
            line.get("errors").is_none(),
            "sample record failed closed: {line}"
        );
        *by_outcome.entry(outcome).or_insert(0) += 1;
    }
    // The generator's rates give every outcome a meaningful share.
    for outcome in ["deny", "refer", "manual", "autogate"] {
        assert!(
            by_outcome.get(outcome).copied().unwrap_or(0) >= 20,
            "{by_outcome:?}"
        );
    }
    insta::assert_snapshot!("main_job_outcomes", format!("{by_outcome:?}"));
}

#[test]
fn the_shipped_samples_are_what_the_generator_makes() {
    for (seed, file) in [
        ("2024", "rules/reference/sample/travellers.jsonl"),
        ("2025", "rules/asean/sample/travellers.jsonl"),
    ] {
        let run = lintas(&["generate", "--seed", seed, "--count", "1000"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let shipped = std::fs::read_to_string(repo_root().join(file)).unwrap_or_default();
        assert!(
            run.stdout == shipped,
            "{file} is stale: regenerate it with `lintas generate --seed {seed} --count 1000 -o {file}`"
        );
    }
}

/// A command line as the README writes it: words split on spaces, single
/// quotes keeping a word with spaces together.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// The README's commands: the first of its first `sh` block (the main job)
/// and the generator command its text gives for the shipped manifest, each
/// as `lintas` arguments with repository paths made absolute.
fn readme_commands() -> (Vec<String>, Vec<String>) {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap_or_default();
    let main_job = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|block| block.lines().next())
        .unwrap_or_else(|| panic!("README.md has no ```sh block"));
    let generate = readme
        .split("`lintas generate --format paxlst")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .map(|rest| format!("generate --format paxlst {rest}"))
        .unwrap_or_else(|| panic!("README.md does not say how the manifest was generated"));
    let lintas_args = |line: &str| -> Vec<String> {
        let words = shell_words(line);
        let start = words.iter().position(|w| w == "--").map_or(0, |i| i + 1);
        words[start..]
            .iter()
            .map(|w| {
                if w.starts_with("rules/") {
                    path(w)
                } else {
                    w.clone()
                }
            })
            .collect()
    };
    (lintas_args(main_job), lintas_args(&generate))
}

#[test]
fn the_readme_main_job_screens_a_paxlst_manifest_with_reasons() {
    let (main_job, generate) = readme_commands();
    assert!(
        main_job
            .windows(2)
            .any(|w| w == ["--input-format", "paxlst"])
            && main_job.iter().any(|w| w.ends_with("rules/members/sgp")),
        "the main job is a PAXLST manifest screened with a member overlay: {main_job:?}"
    );
    let run = lintas(&main_job);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The parser's findings on the manifest are shown, not swallowed.
    assert!(
        run.stderr.contains("DuplicateDocumentNumber"),
        "{}",
        run.stderr
    );
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap_or_default();
    assert!(
        header.contains("outcome") && header.contains("reasons"),
        "{header}"
    );
    let rows: Vec<(usize, String, String)> = lines
        .map(|l| {
            let mut parts = l.split_whitespace();
            let number = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let outcome = parts.next().unwrap_or_default().to_string();
            (number, outcome, parts.collect::<Vec<_>>().join(" "))
        })
        .collect();
    // Every traveller on the manifest has a decision, in manifest order.
    assert_eq!(rows.len(), 300, "{}", run.stdout);
    for (i, (number, outcome, reasons)) in rows.iter().enumerate() {
        assert_eq!(*number, i + 1);
        match outcome.as_str() {
            "clear" => assert!(reasons.is_empty(), "traveller {number}: {reasons}"),
            "refer" => assert!(
                !reasons.is_empty(),
                "traveller {number} referred without a reason"
            ),
            other => panic!("traveller {number}: outcome {other}"),
        }
        assert!(
            !reasons.contains("INPUT_INVALID") && !reasons.contains("EVALUATION_ERROR"),
            "traveller {number} failed closed: {reasons}"
        );
    }
    let with = |code: &str| rows.iter().filter(|(_, _, r)| r.contains(code)).count();
    assert!(with("DUPLICATE_DOCUMENT(copies=2)") >= 2, "{}", run.stdout);
    assert!(with("SMUGGLING_INDICATORS(score=4)") >= 3, "{}", run.stdout);
    assert!(
        rows.iter()
            .any(|(_, _, r)| r.contains("DUPLICATE_DOCUMENT") && r.contains("SMUGGLING_INDICATORS")),
        "one traveller with both reasons: {}",
        run.stdout
    );

    // The shipped manifest is exactly what the README's generator command makes.
    let input = main_job
        .windows(2)
        .find(|w| w[0] == "--input")
        .map(|w| w[1].clone())
        .unwrap_or_default();
    let generated = lintas(&generate);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let shipped = std::fs::read_to_string(&input).unwrap_or_default();
    assert!(
        generated.stdout == shipped,
        "{input} is stale: regenerate it with `lintas {} -o {input}`",
        generate.join(" ")
    );
}

#[test]
fn the_json_sample_travellers_are_decided_with_the_amicf_rules() {
    let sample = path("rules/asean/sample/travellers.jsonl");
    let package = path("rules/members/sgp");
    for decision in ["admission", "autogate"] {
        let run = lintas(&[
            "eval",
            &package,
            "--decision",
            decision,
            "--input",
            &sample,
            "--date",
            "2026-03-01",
            "--member",
            "SGP",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let lines: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        assert_eq!(lines.len(), 1000);
        assert!(
            lines.iter().all(|l| l.get("errors").is_none()),
            "a sample traveller failed closed"
        );
        let outcomes: std::collections::BTreeSet<&str> =
            lines.iter().filter_map(|l| l["outcome"].as_str()).collect();
        assert!(outcomes.len() >= 2, "{decision}: {outcomes:?}");
    }
}

#[test]
fn eval_output_and_explanations() {
    let input = path("tests/data/eval/records.jsonl");
    let jsonl = eval(&["--input", &input]);
    assert_eq!(jsonl.code, 0, "{}", jsonl.stderr);
    insta::assert_snapshot!("eval_jsonl", jsonl.stdout);
    let table = eval(&["--input", &input, "--format", "table", "--explain"]);
    insta::assert_snapshot!("eval_explain_text", table.stdout);
    let explained = eval(&["--input", &input, "--explain"]);
    let first: serde_json::Value =
        serde_json::from_str(explained.stdout.lines().next().unwrap_or("")).unwrap_or_default();
    insta::assert_snapshot!(
        "eval_explain_json",
        serde_json::to_string_pretty(&first["explain"]).unwrap_or_default()
    );
    // The second record trips many rules at once; the reasons are in their
    // stable order: most severe outcome first, then declaration order.
    let second: serde_json::Value =
        serde_json::from_str(jsonl.stdout.lines().nth(1).unwrap_or("")).unwrap_or_default();
    let codes: Vec<&str> = second["reasons"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        codes,
        [
            "DOC_VALIDITY_LT_6M",
            "DOC_LOST_STOLEN",
            "VISA_REQUIRED",
            "WATCHLIST",
            "UNACCOMPANIED_MINOR",
            "HEALTH_YF",
            "RISK_SCORE",
            "MRZ_INVALID"
        ]
    );
}

#[test]
fn every_bad_record_fails_closed_with_its_problems() {
    let run = eval(&[
        "--input",
        &path("tests/data/eval/bad_records.jsonl"),
        "--strict",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(
        lines.len(),
        6,
        "one result per input line, bad ones included"
    );
    let mut kinds = std::collections::BTreeSet::new();
    for line in &lines {
        assert_eq!(
            line["outcome"], "refer",
            "a bad record must fail closed: {line}"
        );
        assert_eq!(line["reasons"][0]["code"], "INPUT_INVALID");
        for e in line["errors"].as_array().into_iter().flatten() {
            kinds.insert(e["kind"].as_str().unwrap_or("").to_string());
        }
    }
    for kind in [
        "missing_field",
        "wrong_type",
        "bad_date",
        "unknown_country",
        "unknown_enum_value",
        "out_of_range",
        "unknown_field",
        "duplicate_field",
        "syntax",
        "too_deep",
    ] {
        assert!(kinds.contains(kind), "no `{kind}` in {kinds:?}");
    }
    insta::assert_snapshot!("eval_decode_errors", run.stdout);
}

#[test]
fn eval_refuses_to_guess_the_context() {
    let run = lintas(&["eval", &path("rules/reference"), "--member", "SGP"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--date"), "{}", run.stderr);
}

#[test]
fn failing_tests_show_a_diff_and_junit() {
    let package = path("tests/data/eval/failing");
    let human = lintas(&["test", &package]);
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.contains("1 passed, 2 failed"),
        "{}",
        human.stdout
    );
    insta::assert_snapshot!("test_failure_human", redact(&human.stdout));
    let junit = lintas(&["test", &package, "--format", "junit"]);
    assert_eq!(junit.code, 1);
    insta::assert_snapshot!("test_failure_junit", redact(&junit.stdout));
}

#[test]
fn the_reference_tests_cover_every_rule_and_kill_every_mutant() {
    let run = lintas(&[
        "test",
        &path("rules/reference"),
        "--coverage",
        "--min-coverage",
        "100",
        "--mutants",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
    assert!(run.stdout.contains(", 0 survived"), "{}", run.stdout);
}

// ---------------------------------------------------------------- properties

/// The reference package, plus `extra` as another source file.
fn reference_with(extra: &str) -> lintas_check::CheckResult {
    let mut ws: Workspace = match lintas::loader::load_paths(&[repo_root().join("rules/reference")])
    {
        Ok(ws) => ws,
        Err(e) => panic!("{e}"),
    };
    if !extra.is_empty() {
        let file = ws.db.add("extra.lintas", extra);
        if let Some(p) = ws.packages.get_mut(0) {
            p.sources.push(file);
        }
    }
    let root = ws
        .roots
        .first()
        .copied()
        .unwrap_or(lintas_check::workspace::PackageId(0));
    let result = lintas_check::check_package(&ws, root);
    assert!(!result.has_errors(), "{:?}", result.diagnostics);
    result
}

fn travellers(seed: u64, count: usize) -> Vec<String> {
    let mut config = lintas_traffic::Config::new(seed);
    // Risky traffic, so that every rule fires often.
    config.rates.paid_cash = 0.5;
    config.rates.expired_document = 0.2;
    config.rates.watchlist = 0.2;
    config.rates.missing_visa = 0.3;
    config.rates.yellow_fever_exposure = 0.2;
    config.rates.unaccompanied_minor = 0.2;
    let mut g = lintas_traffic::Generator::new(config);
    (0..count)
        .filter_map(|_| serde_json::to_string(&g.traveller()).ok())
        .collect()
}

fn context(interpreter: &Interpreter<'_>) -> lintas_check::value::Value {
    interpreter
        .context_from_json(&serde_json::json!({ "date": "2026-03-01", "member": "SGP" }))
        .unwrap_or(lintas_check::value::Value::Absent)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn a_rule_that_never_fires_changes_no_decision(seed in any::<u64>()) {
        let base = reference_with("");
        let extended = reference_with(
            "rule never_fires for admission\n  \"Never\"\n  when traveller.stay_days < 0 and traveller.stay_days > 0\n  then deny DOC_EXPIRED\n",
        );
        let (a, b) = (Interpreter::new(&base.program), Interpreter::new(&extended.program));
        let (ca, cb) = (context(&a), context(&b));
        for record in travellers(seed, 50) {
            let ra = a.decide_json(0, &record, &ca, Default::default());
            let rb = b.decide_json(0, &record, &cb, Default::default());
            prop_assert_eq!(ra, rb);
        }
    }

    #[test]
    fn a_shadow_rule_changes_no_outcome(seed in any::<u64>()) {
        let base = reference_with("");
        let shadowed = reference_with(
            "rule shadow_one_way for admission\n  \"One-way tickets, observed only\"\n  shadow\n  when traveller.booking.one_way\n  then deny DOC_EXPIRED\n",
        );
        let (a, b) = (Interpreter::new(&base.program), Interpreter::new(&shadowed.program));
        let (ca, cb) = (context(&a), context(&b));
        for record in travellers(seed, 50) {
            let ra = a.decide_json(0, &record, &ca, Default::default());
            let rb = b.decide_json(0, &record, &cb, Default::default());
            prop_assert_eq!(&ra.outcome, &rb.outcome);
            prop_assert_eq!(&ra.reasons, &rb.reasons);
            let one_way = record.contains("\"one_way\":true");
            prop_assert_eq!(rb.shadow.iter().any(|r| r.rule == "shadow_one_way"), one_way);
        }
    }

    #[test]
    fn the_outcome_is_the_most_severe_enforced_reason(seed in any::<u64>()) {
        let base = reference_with("");
        let interpreter = Interpreter::new(&base.program);
        let ctx = context(&interpreter);
        let Some(decision) = base.program.decisions.first() else {
            return Err(TestCaseError::fail("no decision"));
        };
        for record in travellers(seed, 50) {
            let result = interpreter.decide_json(0, &record, &ctx, Default::default());
            let expected = result
                .reasons
                .iter()
                .map(|r| r.outcome)
                .min()
                .unwrap_or(decision.default);
            prop_assert_eq!(Some(&result.outcome), decision.outcomes.get(expected));
            let severities: Vec<usize> = result.reasons.iter().map(|r| r.outcome).collect();
            prop_assert!(severities.windows(2).all(|w| w[0] <= w[1]), "reasons out of order");
        }
    }
}

// ---------------------------------------------------------------- input formats

fn shared_data(relative: &str) -> String {
    repo_root()
        .join("../shared/data")
        .join(relative)
        .to_string_lossy()
        .into_owned()
}

fn api_eval(
    decision: &str,
    format: &str,
    input: &str,
    date: &str,
) -> (lintas_tests::Run, Vec<serde_json::Value>) {
    let run = lintas(&[
        "eval",
        &path("tests/data/eval/api"),
        "--decision",
        decision,
        "--input-format",
        format,
        "--input",
        input,
        "--date",
        date,
        "--member",
        "SGP",
    ]);
    let lines = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (run, lines)
}

#[test]
fn a_paxlst_manifest_is_screened_with_its_findings_reported() {
    let (run, results) = api_eval(
        "pre_arrival",
        "paxlst",
        &shared_data("paxlst/03_gtas_multi_leg_d05b.edi"),
        "2008-08-10",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(results.len(), 2);
    assert!(
        results.iter().all(|r| r["outcome"] == "clear"),
        "{results:?}"
    );
    assert!(
        run.stderr.contains("TextAfterInterchangeEnd"),
        "{}",
        run.stderr
    );

    // A two-letter nationality is reported and the traveller fails closed.
    let (run, results) = api_eval(
        "pre_arrival",
        "paxlst",
        &shared_data("paxlst/05_smooks_cbp_ace_d03b_release_char.edi"),
        "2008-08-10",
    );
    assert!(
        run.stderr.contains("TwoLetterCountryCode"),
        "{}",
        run.stderr
    );
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["outcome"], "refer");
    assert_eq!(results[0]["reasons"][0]["code"], "INPUT_INVALID");
}

#[test]
fn a_generated_paxlst_manifest_round_trips_into_decisions() {
    let mut generator = lintas_traffic::Generator::new(lintas_traffic::Config::new(31));
    let mut manifest = generator.manifest(300);
    let shared_number = manifest[19].document.number.clone();
    manifest[9].document.number = shared_number;
    let separators = lintas_traffic::Separators::default();
    let message = lintas_traffic::to_paxlst(&manifest, &separators);
    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = temp.path().join("manifest.edi");
    std::fs::write(&file, message).unwrap_or_else(|e| panic!("{e}"));
    let (run, results) = api_eval(
        "pre_arrival",
        "paxlst",
        &file.to_string_lossy(),
        "2026-03-01",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(results.len(), 300);
    for (i, r) in results.iter().enumerate() {
        let duplicate = r["reasons"].as_array().is_some_and(|a| {
            a.iter()
                .any(|x| x["code"] == "DUPLICATE_DOCUMENT" && x["values"]["copies"] == 2)
        });
        assert_eq!(duplicate, i == 9 || i == 19, "traveller {}: {r}", i + 1);
        assert!(
            r.get("errors").is_none(),
            "traveller {} failed closed: {r}",
            i + 1
        );
    }
}

/// The checked program of the package at `relative`.
fn checked(relative: &str) -> lintas_check::hir::Program {
    let ws = lintas::loader::load_paths(&[repo_root().join(relative)])
        .unwrap_or_else(|e| panic!("{relative}: {e}"));
    let root = *ws
        .roots
        .first()
        .unwrap_or_else(|| panic!("{relative}: no package"));
    lintas_check::check_package(&ws, root).program
}

/// Input-format records decode straight into values (what the native
/// manifest benchmark does) exactly as their JSON text does (what `lintas
/// eval` does): the same values, and the same problems for records that do
/// not fit, since one mapping and one decoder serve both.
#[test]
fn format_records_decode_directly_as_their_json_does() {
    use lintas_eval::decode::{DecodeOptions, decode, decode_from};
    let reference = lintas_formats::Date::new(2026, 3, 1).unwrap_or_else(|| panic!("date"));
    let check = |program: &lintas_check::hir::Program,
                 decision: &str,
                 records: Vec<lintas_formats::record::Record<'_>>| {
        let def = program
            .decisions
            .iter()
            .find(|d| d.name == decision)
            .unwrap_or_else(|| panic!("no decision {decision}"));
        let ty = lintas_check::types::Ty::Record(def.schema);
        let mut decoded = 0;
        for record in records {
            let text = serde_json::to_string(&record).unwrap_or_default();
            let via_json = decode(program, &ty, &text, DecodeOptions::default());
            let direct = decode_from(program, &ty, record, DecodeOptions::default());
            assert_eq!(direct, via_json, "{text}");
            decoded += usize::from(direct.is_ok());
        }
        decoded
    };

    let bytes = std::fs::read(repo_root().join("rules/asean/sample/manifest.paxlst"))
        .unwrap_or_else(|e| panic!("{e}"));
    let manifest =
        lintas_formats::paxlst::parse(&bytes, reference).unwrap_or_else(|e| panic!("{e}"));
    let decoded = check(
        &checked("rules/members/sgp"),
        "pre_arrival",
        manifest.records(),
    );
    assert_eq!(decoded, 300, "every shipped traveller decodes");

    // Records that do not fit fail alike: the API test schema wants fields
    // the MRZ leaves out, and the shared messages hold a two-letter country.
    let api = checked("tests/data/eval/api");
    let samples = std::fs::read_to_string(shared_data("mrz/samples.tsv")).unwrap_or_default();
    let zones: Vec<lintas_formats::Mrz> = samples
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter_map(|z| lintas_formats::mrz::parse(z, reference).ok())
        .collect();
    assert!(zones.len() > 10, "MRZ samples: {}", zones.len());
    check(
        &api,
        "document_check",
        zones.iter().map(|m| m.record()).collect(),
    );
    for file in [
        "paxlst/03_gtas_multi_leg_d05b.edi",
        "paxlst/05_smooks_cbp_ace_d03b_release_char.edi",
    ] {
        let bytes = std::fs::read(shared_data(file)).unwrap_or_default();
        let manifest =
            lintas_formats::paxlst::parse(&bytes, reference).unwrap_or_else(|e| panic!("{e}"));
        check(&api, "pre_arrival", manifest.records());
    }
}

#[test]
fn machine_readable_zones_are_decided_with_their_check_digits() {
    let samples = std::fs::read_to_string(shared_data("mrz/samples.tsv")).unwrap_or_default();
    let rows: Vec<Vec<&str>> = samples
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let input: String = rows
        .iter()
        .map(|r| format!("{}\n", r.first().copied().unwrap_or("")))
        .collect();
    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = temp.path().join("mrz.txt");
    std::fs::write(&file, input).unwrap_or_else(|e| panic!("{e}"));
    let (run, results) = api_eval(
        "document_check",
        "mrz",
        &file.to_string_lossy(),
        "2000-01-01",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(results.len(), rows.len());
    for (row, result) in rows.iter().zip(&results) {
        let validity = row.get(3).copied().unwrap_or("");
        let codes: Vec<&str> = result["reasons"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["code"].as_str()).collect())
            .unwrap_or_default();
        if validity.starts_with("INVALID_FORMAT") {
            assert_eq!(codes, ["INPUT_INVALID"], "{row:?}");
        } else {
            assert_eq!(
                codes.contains(&"MRZ_INVALID"),
                validity.starts_with("CHECK_DIGIT_FAIL"),
                "{row:?}: {result}"
            );
        }
    }
}
