//! The examples of `docs/language.md`, checked and run.
//!
//! The document's code blocks say in their info strings how they are tested
//! (its appendix B): `lintas` blocks are files of a package (`asean` unless
//! `package=NAME`), `toml`/`csv` blocks with `file=PATH` are the other files
//! of a package, `fails=CODES` marks a deliberate mistake, and `json` blocks
//! with `id=NAME` and `eval=DECISION` give a record, a context and the result
//! `lintas eval` must print. Every package must check without any diagnostic,
//! every test in it must pass, and every `lintas` block must be used.

use lintas_tests::{lintas, repo_root};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const DOC: &str = "docs/language.md";
const DEFAULT_PACKAGE: &str = "asean";

/// One fenced code block of the document.
#[derive(Debug, Clone)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    lang: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

impl Block {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    fn package(&self) -> &str {
        self.attr("package").unwrap_or(DEFAULT_PACKAGE)
    }

    /// Panics on an attribute this harness does not know: a typo must not
    /// make a block silently untested.
    fn only_attrs(&self, allowed: &[&str]) {
        for key in self.attrs.keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "{DOC}:{}: unknown attribute `{key}` on a ```{} block (allowed: {})",
                self.line,
                self.lang,
                allowed.join(", ")
            );
        }
    }
}

fn doc_text() -> String {
    let path = repo_root().join(DOC);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every fenced block, with its info string split into `key=value` words.
fn parse_blocks(doc: &str) -> Vec<Block> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let mut words = info.split_whitespace();
        let lang = words.next().unwrap_or("").to_string();
        assert!(
            !lang.is_empty(),
            "{DOC}:{}: a code block without a language",
            i + 1
        );
        let attrs = words
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (w.to_string(), String::new()),
            })
            .collect();
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j] == "```")
            .unwrap_or_else(|| panic!("{DOC}:{}: code block never closed", i + 1));
        let mut text = lines[start..end].join("\n");
        text.push('\n');
        blocks.push(Block {
            line: i + 1,
            lang,
            attrs,
            text,
        });
        i = end + 1;
    }
    blocks
}

/// What the document says to test, sorted out by kind.
struct Plan {
    blocks: Vec<Block>,
    /// Package name -> (path inside the package -> content).
    files: BTreeMap<String, BTreeMap<String, String>>,
    /// Package name -> the number of `test` items its blocks declare.
    tests: BTreeMap<String, usize>,
    fails: Vec<Block>,
    named_json: BTreeMap<String, Block>,
    evals: Vec<Block>,
    /// `lintas` blocks that became a package file or a `fails` check.
    lintas_used: usize,
}

fn plan() -> Plan {
    let blocks = parse_blocks(&doc_text());
    let mut files: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut tests: BTreeMap<String, usize> = BTreeMap::new();
    let mut fails = Vec::new();
    let mut named_json = BTreeMap::new();
    let mut evals = Vec::new();
    let mut lintas_used = 0;
    for b in &blocks {
        match b.lang.as_str() {
            "lintas" => {
                b.only_attrs(&["package", "fails"]);
                lintas_used += 1;
                if b.attrs.contains_key("fails") {
                    fails.push(b.clone());
                    continue;
                }
                // Named by the fence's line, so that the package's files are
                // in document order (the order of reasons depends on it).
                let name = format!("doc_{:05}.lintas", b.line);
                files
                    .entry(b.package().to_string())
                    .or_default()
                    .insert(name, b.text.clone());
                let declared = b.text.lines().filter(|l| l.starts_with("test \"")).count();
                *tests.entry(b.package().to_string()).or_default() += declared;
            }
            "json" if !b.attrs.is_empty() => {
                b.only_attrs(&["id", "eval", "record", "context", "package"]);
                if let Some(id) = b.attr("id") {
                    let previous = named_json.insert(id.to_string(), b.clone());
                    assert!(
                        previous.is_none(),
                        "{DOC}:{}: a second json block named `{id}`",
                        b.line
                    );
                } else {
                    assert!(
                        b.attr("eval").is_some(),
                        "{DOC}:{}: a json block needs `id=` or `eval=`",
                        b.line
                    );
                    evals.push(b.clone());
                }
            }
            "toml" | "csv" if b.attrs.contains_key("file") => {
                b.only_attrs(&["package", "file"]);
                let path = b.attr("file").unwrap_or_default().to_string();
                let previous = files
                    .entry(b.package().to_string())
                    .or_default()
                    .insert(path.clone(), b.text.clone());
                assert!(
                    previous.is_none(),
                    "{DOC}:{}: `{path}` is given twice",
                    b.line
                );
            }
            _ => b.only_attrs(&[]),
        }
    }
    Plan {
        blocks,
        files,
        tests,
        fails,
        named_json,
        evals,
        lintas_used,
    }
}

/// Writes every package of the plan under `root`, one directory each.
fn materialise(plan: &Plan, root: &Path) {
    for (package, files) in &plan.files {
        let dir = root.join(package);
        for (path, text) in files {
            let full = dir.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)
                    .unwrap_or_else(|e| panic!("create package directory: {e}"));
            }
            std::fs::write(&full, text).unwrap_or_else(|e| panic!("write package file: {e}"));
        }
        if !files.contains_key("lintas.toml") {
            let manifest = format!(
                "[package]\nname = \"{package}\"\nversion = \"1.0.0\"\nedition = \"2026\"\n"
            );
            std::fs::write(dir.join("lintas.toml"), manifest)
                .unwrap_or_else(|e| panic!("write lintas.toml: {e}"));
        }
    }
}

fn materialised(plan: &Plan) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    materialise(plan, dir.path());
    dir
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Where a diagnostic's file and line are in the document, when the file
/// came from a `lintas` block.
fn doc_place(file: &str, line: u64) -> String {
    let name = Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fence = name.strip_prefix("doc_").map(|n| {
        n.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    });
    match fence.and_then(|n| n.parse::<u64>().ok()) {
        Some(fence) => format!("{DOC}:{}", fence + line),
        None => format!("{file}:{line}"),
    }
}

/// `lintas check --format json DIR`: every diagnostic, as readable lines.
fn check(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let run = lintas(&["check", "--format", "json", &path_arg(dir)]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).map_err(|e| {
        format!(
            "`lintas check` printed no JSON ({e}): {}{}",
            run.stdout, run.stderr
        )
    })?;
    let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
    Ok(diagnostics
        .iter()
        .map(|d| {
            let code = d["code"].as_str().unwrap_or("?").to_string();
            let place = doc_place(
                d["file"].as_str().unwrap_or("?"),
                d["line"].as_u64().unwrap_or(0),
            );
            let text = format!(
                "{place}: {} {code}: {}",
                d["severity"].as_str().unwrap_or("?"),
                d["message"].as_str().unwrap_or("?")
            );
            (code, text)
        })
        .collect())
}

fn fail_with(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s) with the examples of {DOC}:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_lintas_block_is_tested() {
    let plan = plan();
    let in_doc = doc_text()
        .lines()
        .filter(|l| l.starts_with("```lintas"))
        .count();
    assert_eq!(
        plan.lintas_used, in_doc,
        "every ```lintas block is a package file or a `fails` check"
    );
    let parsed = plan.blocks.iter().filter(|b| b.lang == "lintas").count();
    assert_eq!(parsed, in_doc);
    // The document is meant to have plenty of each; a drop means blocks lost
    // their info strings or were folded into untested ones.
    assert!(in_doc >= 50, "only {in_doc} lintas blocks");
    assert!(
        plan.fails.len() >= 4,
        "only {} deliberate mistakes",
        plan.fails.len()
    );
    assert!(
        plan.evals.len() >= 2,
        "only {} eval examples",
        plan.evals.len()
    );
    let packages: BTreeSet<&str> = plan.files.keys().map(String::as_str).collect();
    for p in ["asean", "overview", "sgp", "sltd"] {
        assert!(
            packages.contains(p),
            "the document no longer has the package `{p}`"
        );
    }
    for b in plan.fails.iter().chain(&plan.evals) {
        assert!(
            packages.contains(b.package()),
            "{DOC}:{}: no package `{}` in the document",
            b.line,
            b.package()
        );
    }
}

#[test]
fn every_package_checks_without_diagnostics() {
    let plan = plan();
    let root = materialised(&plan);
    let mut problems = Vec::new();
    for package in plan.files.keys() {
        match check(&root.path().join(package)) {
            Ok(diagnostics) => problems.extend(
                diagnostics
                    .into_iter()
                    .map(|(_, text)| format!("[{package}] {text}")),
            ),
            Err(e) => problems.push(format!("[{package}] {e}")),
        }
    }
    fail_with(&problems);
}

#[test]
fn every_test_in_the_document_passes() {
    let plan = plan();
    let root = materialised(&plan);
    let mut problems = Vec::new();
    for package in plan.files.keys() {
        let expected = plan.tests.get(package).copied().unwrap_or(0);
        let run = lintas(&[
            "test",
            "--format",
            "json",
            &path_arg(&root.path().join(package)),
        ]);
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&run.stdout) else {
            let why = run
                .stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            problems.push(format!(
                "[{package}] `lintas test` did not run its {expected} tests: {}",
                why.trim()
            ));
            continue;
        };
        let tests: Vec<serde_json::Value> = json
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["package"] == package.as_str())
            .flat_map(|p| p["tests"].as_array().cloned().unwrap_or_default())
            .collect();
        if tests.len() != expected {
            problems.push(format!(
                "[{package}] {} tests ran, the document declares {expected}",
                tests.len()
            ));
        }
        for t in &tests {
            if t["passed"] != true {
                let mut text = format!("[{package}] FAIL {}:", t["title"].as_str().unwrap_or("?"));
                for f in t["failures"].as_array().into_iter().flatten() {
                    let _ = write!(
                        text,
                        "\n    expected: {}\n    actual:   {}",
                        f["expected"].as_str().unwrap_or("?"),
                        f["actual"].as_str().unwrap_or("?")
                    );
                }
                problems.push(text);
            }
        }
        let failed = tests.iter().any(|t| t["passed"] != true);
        if run.code != 0 && !failed {
            problems.push(format!(
                "[{package}] `lintas test` exited with {}: {}",
                run.code,
                run.stderr.trim()
            ));
        }
    }
    let declared: usize = plan.tests.values().sum();
    assert!(
        declared >= 60,
        "the document declares only {declared} tests"
    );
    fail_with(&problems);
}

#[test]
fn deliberate_mistakes_report_exactly_their_codes() {
    let plan = plan();
    let mut problems = Vec::new();
    for block in &plan.fails {
        let mut expected: Vec<String> = block
            .attr("fails")
            .unwrap_or_default()
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        expected.sort();
        assert!(
            !expected.is_empty(),
            "{DOC}:{}: `fails=` needs the codes",
            block.line
        );
        // A copy of every package, since overlays reach their bases by path.
        let root = materialised(&plan);
        let dir = root.path().join(block.package());
        // What the package reports without the mistake (nothing, when the
        // other tests pass) is not the mistake's.
        let mut before: Vec<String> = check(&dir)
            .map(|d| d.into_iter().map(|(code, _)| code).collect())
            .unwrap_or_default();
        std::fs::write(
            dir.join(format!("doc_{:05}_mistake.lintas", block.line)),
            &block.text,
        )
        .unwrap_or_else(|e| panic!("write the mistake: {e}"));
        match check(&dir) {
            Ok(diagnostics) => {
                let mut new = Vec::new();
                for (code, text) in &diagnostics {
                    match before.iter().position(|b| b == code) {
                        Some(i) => {
                            before.remove(i);
                        }
                        None => new.push((code.clone(), text.as_str())),
                    }
                }
                let mut got: Vec<String> = new.iter().map(|(code, _)| code.clone()).collect();
                got.sort();
                if got != expected {
                    let listed: Vec<&str> = new.iter().map(|(_, text)| *text).collect();
                    problems.push(format!(
                        "{DOC}:{}: expected exactly {}, got {}:\n    {}",
                        block.line,
                        expected.join(", "),
                        if got.is_empty() {
                            "nothing".to_string()
                        } else {
                            got.join(", ")
                        },
                        listed.join("\n    ")
                    ));
                }
            }
            Err(e) => problems.push(format!("{DOC}:{}: {e}", block.line)),
        }
    }
    fail_with(&problems);
}

/// `expected` is contained in `actual`: objects may leave keys out, lists
/// match element for element.
fn contains(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    at: &str,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                match a.get(k) {
                    Some(av) => contains(v, av, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}: missing, expected {v}")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() == a.len() {
                for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                    contains(ev, av, &format!("{at}[{i}]"), out);
                }
            } else {
                out.push(format!(
                    "{at}: expected {} elements, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{at}: expected {e}, got {a}")),
    }
}

#[test]
fn eval_examples_give_the_documented_results() {
    let plan = plan();
    let root = materialised(&plan);
    let mut problems = Vec::new();
    for (n, block) in plan.evals.iter().enumerate() {
        let input = |key: &str| -> PathBuf {
            let name = block
                .attr(key)
                .unwrap_or_else(|| panic!("{DOC}:{}: an eval block needs `{key}=`", block.line));
            let source = plan
                .named_json
                .get(name)
                .unwrap_or_else(|| panic!("{DOC}:{}: no json block `id={name}`", block.line));
            let value: serde_json::Value = serde_json::from_str(&source.text)
                .unwrap_or_else(|e| panic!("{DOC}:{}: not JSON: {e}", source.line));
            let path = root.path().join(format!("eval-{n}-{key}.json"));
            // Records are read as JSON lines: one record, one line.
            std::fs::write(&path, value.to_string())
                .unwrap_or_else(|e| panic!("write eval input: {e}"));
            path
        };
        let (record, context) = (input("record"), input("context"));
        let expected: serde_json::Value = serde_json::from_str(&block.text)
            .unwrap_or_else(|e| panic!("{DOC}:{}: not JSON: {e}", block.line));
        let run = lintas(&[
            "eval",
            &path_arg(&root.path().join(block.package())),
            "--decision",
            block.attr("eval").unwrap_or_default(),
            "--context",
            &path_arg(&context),
            "--input",
            &path_arg(&record),
        ]);
        let results: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let [actual] = results.as_slice() else {
            let said: Vec<&str> = run
                .stdout
                .lines()
                .chain(run.stderr.lines())
                .take(8)
                .collect();
            problems.push(format!(
                "{DOC}:{}: `lintas eval` gave {} results (exit {}):\n    {}",
                block.line,
                results.len(),
                run.code,
                said.join("\n    ")
            ));
            continue;
        };
        let mut differences = Vec::new();
        contains(&expected, actual, "$", &mut differences);
        if !differences.is_empty() {
            problems.push(format!(
                "{DOC}:{}: the result differs:\n    {}",
                block.line,
                differences.join("\n    ")
            ));
        }
    }
    // Every named json block is used.
    for (id, b) in &plan.named_json {
        let used = plan
            .evals
            .iter()
            .any(|e| e.attr("record") == Some(id) || e.attr("context") == Some(id));
        if !used {
            problems.push(format!(
                "{DOC}:{}: json block `{id}` is used by no eval block",
                b.line
            ));
        }
    }
    fail_with(&problems);
}
