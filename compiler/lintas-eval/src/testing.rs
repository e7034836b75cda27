//! Running the tests written in Lintas, with rule and branch coverage.

use crate::decide::{DecisionResult, Interpreter, RuleTrace};
use crate::decode::DecodeError;
use crate::eval::Eval;
use crate::json::to_json;
use crate::share::ShareResult;
use lintas_check::hir::{Expectation, Expr, ExprKind, Given, Program, TestDef, TestTarget};
use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_syntax::Span;
use lintas_syntax::ast::BinOp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestReport {
    pub title: String,
    pub target: String,
    pub passed: bool,
    /// One entry per unmet expectation, readable as a diff.
    pub failures: Vec<Failure>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub expected: String,
    pub actual: String,
}

/// Which rules fired and which condition atoms took which value.
#[derive(Debug, Clone, Default)]
pub struct CoverageData {
    /// `(decision, rule)` pairs that fired at least once.
    pub fired: BTreeSet<(usize, usize)>,
    /// Per decision and atom span: seen true, seen false. Keyed by decision
    /// too, since a rule `for` two decisions is covered in each separately.
    pub atoms: BTreeMap<(usize, Span), (bool, bool)>,
}

/// Coverage of one rule, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCoverage {
    pub decision: String,
    pub rule: String,
    pub fired: bool,
    /// Condition atoms never seen true or never seen false.
    pub missing_branches: Vec<MissingBranch>,
    #[serde(skip)]
    pub span: Span,
    pub branches: usize,
    pub covered_branches: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingBranch {
    #[serde(skip)]
    pub span: Span,
    pub never: bool,
    /// The atom's source text, filled in by the caller that has the source.
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    pub rules: Vec<RuleCoverage>,
    pub rules_fired: usize,
    pub rules_total: usize,
    pub branches_covered: usize,
    pub branches_total: usize,
}

impl CoverageReport {
    /// Percentages of rules fired and of branches covered.
    pub fn percentages(&self) -> (f64, f64) {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                100.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        (
            pct(self.rules_fired, self.rules_total),
            pct(self.branches_covered, self.branches_total),
        )
    }
}

/// Runs every test of the program.
pub fn run_tests(program: &Program, coverage: Option<&mut CoverageData>) -> Vec<TestReport> {
    let interpreter = Interpreter::new(program);
    let mut coverage = coverage;
    program
        .tests
        .iter()
        .map(|t| run_test(&interpreter, t, coverage.as_deref_mut()))
        .collect()
}

pub fn run_test(
    interpreter: &Interpreter<'_>,
    test: &TestDef,
    coverage: Option<&mut CoverageData>,
) -> TestReport {
    let program = interpreter.program;
    let mut failures = Vec::new();
    let target = match test.target {
        TestTarget::Decision(d) => program.decisions.get(d).map(|d| d.name.clone()),
        TestTarget::Sharing(s) => program.sharings.get(s).map(|s| s.name.clone()),
    }
    .unwrap_or_default();
    match test.target {
        TestTarget::Decision(decision) => {
            let results = decide_for_test(interpreter, decision, test, coverage);
            for expectation in &test.expectations {
                let Expectation::Outcome {
                    member,
                    outcome,
                    reasons,
                    ..
                } = expectation
                else {
                    continue;
                };
                let Some(result) = results.get(member.unwrap_or(0)) else {
                    failures.push(Failure {
                        expected: format!("a result for traveller {}", member.unwrap_or(0) + 1),
                        actual: "no such traveller".to_string(),
                    });
                    continue;
                };
                let who = member
                    .map(|m| format!("traveller {}: ", m + 1))
                    .unwrap_or_default();
                let expected_outcome = program
                    .decisions
                    .get(decision)
                    .and_then(|d| d.outcomes.get(*outcome))
                    .cloned()
                    .unwrap_or_default();
                if result.outcome != expected_outcome {
                    failures.push(Failure {
                        expected: format!("{who}outcome {expected_outcome}"),
                        actual: format!(
                            "{who}outcome {}{}",
                            result.outcome,
                            describe_errors(result)
                        ),
                    });
                }
                if let Some(expected) = reasons {
                    let want: BTreeSet<String> = expected
                        .iter()
                        .map(|r| reason_text(&r.code, &r.values, program))
                        .collect();
                    let got: BTreeSet<String> = result
                        .reasons
                        .iter()
                        .map(|r| {
                            let wanted_values: Vec<&str> = expected
                                .iter()
                                .filter(|e| e.code == r.code)
                                .flat_map(|e| e.values.iter().map(|(n, _)| n.as_str()))
                                .collect();
                            // Values are compared only when the test names them.
                            let values: Vec<(String, serde_json::Value)> = r
                                .values
                                .iter()
                                .filter(|(n, _)| wanted_values.contains(&n.as_str()))
                                .map(|(n, v)| (n.clone(), v.clone()))
                                .collect();
                            json_reason_text(&r.code, &values)
                        })
                        .collect();
                    if want != got {
                        failures.push(Failure {
                            expected: format!("{who}reasons {}", join(&want)),
                            actual: format!("{who}reasons {}", join(&got)),
                        });
                    }
                }
            }
        }
        TestTarget::Sharing(index) => {
            let Given::Record(record) = &test.given else {
                return report(test, target, failures);
            };
            let result = interpreter.share(index, record, &test.context);
            for expectation in &test.expectations {
                match expectation {
                    Expectation::Shared(paths, _) => {
                        for p in paths {
                            if !result.shared.iter().any(|s| s.field == p.text) {
                                failures.push(Failure {
                                    expected: format!("{} shared", p.text),
                                    actual: share_summary(&result, &p.text),
                                });
                            }
                        }
                    }
                    Expectation::Withheld(paths, _) => {
                        for p in paths {
                            let covered = result
                                .withheld
                                .iter()
                                .any(|w| *w == p.text || p.text.starts_with(&format!("{w}.")));
                            if !covered {
                                failures.push(Failure {
                                    expected: format!("{} withheld", p.text),
                                    actual: share_summary(&result, &p.text),
                                });
                            }
                        }
                    }
                    Expectation::Outcome { .. } => {}
                }
            }
        }
    }
    report(test, target, failures)
}

fn report(test: &TestDef, target: String, failures: Vec<Failure>) -> TestReport {
    TestReport {
        title: test.title.clone(),
        target,
        passed: failures.is_empty(),
        failures,
        span: test.span,
    }
}

fn share_summary(result: &ShareResult, path: &str) -> String {
    if let Some(e) = &result.error {
        return e.clone();
    }
    match result.shared.iter().find(|s| s.field == path) {
        Some(s) => format!("{path} shared (allowed by `{}`)", s.allowed_by),
        None => format!("{path} withheld"),
    }
}

fn describe_errors(result: &DecisionResult) -> String {
    if result.errors.is_empty() {
        return String::new();
    }
    let what: Vec<String> = result
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.place, e.message))
        .collect();
    format!(" (failed closed: {})", what.join("; "))
}

fn decide_for_test(
    interpreter: &Interpreter<'_>,
    decision: usize,
    test: &TestDef,
    coverage: Option<&mut CoverageData>,
) -> Vec<DecisionResult> {
    let program = interpreter.program;
    let Some(def) = program.decisions.get(decision) else {
        return Vec::new();
    };
    let members: Vec<Value> = match &test.given {
        Given::Record(r) => vec![r.clone()],
        Given::Manifest(items) => items.clone(),
    };
    let decoded: Vec<Result<Value, Vec<DecodeError>>> = members.iter().cloned().map(Ok).collect();
    let aggregates: Vec<Vec<Eval<i64>>> = if def.over_manifest {
        interpreter.aggregates(def, &decoded, &test.context)
    } else {
        vec![Vec::new(); members.len()]
    };
    let tracing = coverage.is_some();
    let mut all_traces: Vec<RuleTrace> = Vec::new();
    let results = members
        .iter()
        .zip(&aggregates)
        .map(|(m, a)| {
            let (result, traces) =
                interpreter.decide_traced(decision, m, &test.context, a, tracing);
            all_traces.extend(traces);
            result
        })
        .collect();
    if let Some(coverage) = coverage {
        for trace in all_traces {
            if matches!(trace.fired, Some(Ok(true))) {
                coverage.fired.insert((decision, trace.rule));
            }
            for atom in trace.atoms {
                let entry = coverage
                    .atoms
                    .entry((decision, atom.span))
                    .or_insert((false, false));
                if atom.result {
                    entry.0 = true;
                } else {
                    entry.1 = true;
                }
            }
        }
    }
    results
}

/// The atoms of a condition, found statically: what branch coverage counts.
pub fn condition_atoms(e: &Expr, out: &mut Vec<Span>) {
    match &e.kind {
        ExprKind::Const(_) => {}
        ExprKind::Not(inner) => condition_atoms(inner, out),
        ExprKind::Binary(BinOp::And | BinOp::Or, l, r) => {
            condition_atoms(l, out);
            condition_atoms(r, out);
        }
        ExprKind::If(c, a, b) => {
            condition_atoms(c, out);
            condition_atoms(a, out);
            condition_atoms(b, out);
        }
        _ if e.ty == Ty::Bool => out.push(e.span),
        _ => {}
    }
}

/// Coverage of every rule of every decision, from what the tests observed.
pub fn coverage_report(program: &Program, data: &CoverageData) -> CoverageReport {
    let mut rules = Vec::new();
    for (d, decision) in program.decisions.iter().enumerate() {
        for (r, rule) in decision.rules.iter().enumerate() {
            // A package answers for its own rules; the rules it inherits are
            // covered by the tests of the package that wrote them.
            if rule.package != program.package.name {
                continue;
            }
            let mut atoms = Vec::new();
            condition_atoms(&rule.condition, &mut atoms);
            let mut missing = Vec::new();
            let mut covered = 0;
            for span in &atoms {
                let (t, f) = data
                    .atoms
                    .get(&(d, *span))
                    .copied()
                    .unwrap_or((false, false));
                covered += usize::from(t) + usize::from(f);
                if !t {
                    missing.push(MissingBranch {
                        span: *span,
                        never: true,
                        text: String::new(),
                    });
                }
                if !f {
                    missing.push(MissingBranch {
                        span: *span,
                        never: false,
                        text: String::new(),
                    });
                }
            }
            rules.push(RuleCoverage {
                decision: decision.name.clone(),
                rule: rule.id.clone(),
                fired: data.fired.contains(&(d, r)),
                missing_branches: missing,
                span: rule.span,
                branches: atoms.len() * 2,
                covered_branches: covered,
            });
        }
    }
    CoverageReport {
        rules_fired: rules.iter().filter(|r| r.fired).count(),
        rules_total: rules.len(),
        branches_covered: rules.iter().map(|r| r.covered_branches).sum(),
        branches_total: rules.iter().map(|r| r.branches).sum(),
        rules,
    }
}

fn reason_text(code: &str, values: &[(String, Value)], program: &Program) -> String {
    let json: Vec<(String, serde_json::Value)> = values
        .iter()
        .map(|(n, v)| (n.clone(), to_json(program, v, &Ty::Error)))
        .collect();
    json_reason_text(code, &json)
}

fn json_reason_text(code: &str, values: &[(String, serde_json::Value)]) -> String {
    if values.is_empty() {
        return code.to_string();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let inner: Vec<String> = sorted
        .iter()
        .map(|(n, v)| format!("{n} = {}", plain(v)))
        .collect();
    format!("{code}({})", inner.join(", "))
}

/// A value as it is compared: JSON text, so the Text `"5"` never equals
/// the Int `5`.
fn plain(v: &serde_json::Value) -> String {
    v.to_string()
}

fn join(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "(none)".to_string()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}
