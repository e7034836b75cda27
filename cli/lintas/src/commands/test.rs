//! `lintas test`: run the tests written in Lintas, with coverage and
//! mutation testing of the rules.

use super::package::load_checked;
use crate::explain::source_text;
use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_eval::mutate::{Mutant, run_mutants};
use lintas_eval::testing::{CoverageData, CoverageReport, TestReport, coverage_report, run_tests};
use lintas_syntax::span::line_col;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Report rules and condition branches no test exercised.
    #[arg(long)]
    pub coverage: bool,
    /// Fail when rule or branch coverage is below this percentage.
    #[arg(long, value_name = "PERCENT")]
    pub min_coverage: Option<f64>,
    /// Mutate the rules and report mutants no test kills.
    #[arg(long)]
    pub mutants: bool,
}

#[derive(Serialize)]
struct PackageReport {
    package: String,
    tests: Vec<TestReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<CoverageReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    surviving_mutants: Option<Vec<Mutant>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mutants_total: Option<usize>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let mut reports = Vec::new();
    let mut failed = false;
    let mut locations: Vec<Vec<String>> = Vec::new();
    for path in &args.paths {
        let checked = match load_checked(path, io) {
            Ok(c) => c,
            Err(code) => return code,
        };
        for package in checked {
            let program = &package.result.program;
            let mut data = CoverageData::default();
            let want_coverage = args.coverage || args.min_coverage.is_some();
            let tests = run_tests(program, want_coverage.then_some(&mut data));
            failed |= tests.iter().any(|t| !t.passed);
            let place = |span: lintas_syntax::Span| {
                let (line, column) = line_col(package.ws.db.text(span.file), span.start as usize);
                format!("{}:{line}:{column}", package.ws.db.path(span.file))
            };
            locations.push(tests.iter().map(|t| place(t.span)).collect());
            let coverage = want_coverage.then(|| {
                let mut report = coverage_report(program, &data);
                for rule in &mut report.rules {
                    for missing in &mut rule.missing_branches {
                        missing.text = format!(
                            "{} ({})",
                            source_text(&package.ws.db, missing.span),
                            place(missing.span)
                        );
                    }
                }
                report
            });
            if let (Some(report), Some(min)) = (&coverage, args.min_coverage) {
                let (rules, branches) = report.percentages();
                if rules < min || branches < min {
                    failed = true;
                }
            }
            let (surviving, total) = if args.mutants {
                let all = run_mutants(program);
                let total = all.len();
                let surviving: Vec<Mutant> = all
                    .into_iter()
                    .filter(|m| !m.killed)
                    .map(|mut m| {
                        m.description = format!("{} at {}", m.description, place(m.span));
                        m
                    })
                    .collect();
                failed |= !surviving.is_empty();
                (Some(surviving), Some(total))
            } else {
                (None, None)
            };
            reports.push(PackageReport {
                package: program.package.name.clone(),
                tests,
                coverage,
                surviving_mutants: surviving,
                mutants_total: total,
            });
        }
    }
    match args.format {
        TestFormat::Json => crate::print_json(io, &reports),
        TestFormat::Junit => {
            let _ = write!(io.out, "{}", junit(&reports, &locations));
        }
        TestFormat::Human => human(io, &reports, &locations, args.min_coverage),
    }
    if failed {
        ExitCode::Findings
    } else {
        ExitCode::Success
    }
}

fn human(io: &mut Io<'_>, reports: &[PackageReport], locations: &[Vec<String>], min: Option<f64>) {
    let mut passed = 0;
    let mut failed = 0;
    for (report, places) in reports.iter().zip(locations) {
        for (test, place) in report.tests.iter().zip(places) {
            if test.passed {
                passed += 1;
                let _ = writeln!(io.out, "PASS {} :: {}", report.package, test.title);
            } else {
                failed += 1;
                let _ = writeln!(
                    io.out,
                    "FAIL {} :: {} ({place})",
                    report.package, test.title
                );
                for f in &test.failures {
                    let _ = writeln!(io.out, "  - expected: {}", f.expected);
                    let _ = writeln!(io.out, "  + actual:   {}", f.actual);
                }
            }
        }
        if let Some(c) = &report.coverage {
            let (rules, branches) = c.percentages();
            let _ = writeln!(
                io.out,
                "coverage {}: rules {}/{} ({rules:.1}%), branches {}/{} ({branches:.1}%)",
                report.package, c.rules_fired, c.rules_total, c.branches_covered, c.branches_total
            );
            for rule in &c.rules {
                if !rule.fired {
                    let _ = writeln!(
                        io.out,
                        "  rule {} ({}) never fired",
                        rule.rule, rule.decision
                    );
                }
                for m in &rule.missing_branches {
                    let never = if m.never { "true" } else { "false" };
                    let _ = writeln!(io.out, "  rule {}: never {never}: {}", rule.rule, m.text);
                }
            }
            if let Some(min) = min
                && (rules < min || branches < min)
            {
                let _ = writeln!(io.out, "coverage below the minimum of {min}%");
            }
        }
        if let (Some(surviving), Some(total)) = (&report.surviving_mutants, report.mutants_total) {
            let _ = writeln!(
                io.out,
                "mutants {}: {} of {total} killed, {} survived",
                report.package,
                total - surviving.len(),
                surviving.len()
            );
            for m in surviving {
                let _ = writeln!(
                    io.out,
                    "  survived: {} in {}: {}",
                    m.decision, m.place, m.description
                );
            }
        }
    }
    let _ = writeln!(io.out, "{passed} passed, {failed} failed");
}

fn junit(reports: &[PackageReport], locations: &[Vec<String>]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (report, places) in reports.iter().zip(locations) {
        let failures = report.tests.iter().filter(|t| !t.passed).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            xml(&report.package),
            report.tests.len()
        ));
        for (test, place) in report.tests.iter().zip(places) {
            out.push_str(&format!(
                "    <testcase classname=\"{}.{}\" name=\"{}\" file=\"{}\"",
                xml(&report.package),
                xml(&test.target),
                xml(&test.title),
                xml(place)
            ));
            if test.passed {
                out.push_str("/>\n");
            } else {
                let body: Vec<String> = test
                    .failures
                    .iter()
                    .map(|f| format!("expected: {}\nactual:   {}", f.expected, f.actual))
                    .collect();
                let first = test
                    .failures
                    .first()
                    .map(|f| f.expected.clone())
                    .unwrap_or_default();
                out.push_str(&format!(
                    ">\n      <failure message=\"expected {}\">{}</failure>\n    </testcase>\n",
                    xml(&first),
                    xml(&body.join("\n"))
                ));
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
