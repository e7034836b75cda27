//! Tests written in Lintas: their inputs are typed against the decision's
//! schema and folded to values here, so `lintas test` runs no parser.

use super::{Checker, Scope};
use crate::hir::{Expectation, ExpectedReason, Given, TestDef, TestTarget};
use crate::types::{RecordId, Ty};
use crate::value::Value;
use lintas_syntax::ast::{self, ItemKind, TestClause};
use lintas_syntax::{Diagnostic, Span, codes};

/// Reason codes every decision can give without declaring them: the
/// fail-closed results for undecodable records and failed evaluations.
pub(super) const BUILT_IN_REASONS: &[&str] = &["INPUT_INVALID", "EVALUATION_ERROR"];

impl Checker<'_> {
    pub(super) fn check_tests(&mut self) {
        let items = self.items.clone();
        for item_ref in &items {
            // Tests of a base package are its own business; an overlay runs
            // its own tests.
            if item_ref.level + 1 != self.chain.len() {
                continue;
            }
            if let ItemKind::Test(test) = &item_ref.item.kind
                && let Some(def) = self.test(test, item_ref.item.span)
            {
                self.program.tests.push(def);
            }
        }
    }

    fn test(&mut self, test: &ast::Test, span: Span) -> Option<TestDef> {
        let target = if let Some(d) = self.decisions.get(&test.target.name) {
            TestTarget::Decision(*d)
        } else if let Some(s) = self.sharings.get(&test.target.name) {
            TestTarget::Sharing(*s)
        } else {
            self.unknown_decision(&test.target);
            return None;
        };
        let (schema, manifest, outcomes, subject) = match target {
            TestTarget::Decision(d) => {
                let def = self.program.decisions.get(d)?;
                (
                    def.schema,
                    def.over_manifest,
                    def.outcomes.clone(),
                    def.subject.clone(),
                )
            }
            TestTarget::Sharing(s) => {
                let def = self.program.sharings.get(s)?;
                (def.schema, false, Vec::new(), def.subject.clone())
            }
        };
        let schema_ty = if schema.0 == u32::MAX {
            Ty::Error
        } else {
            Ty::Record(schema)
        };
        let mut context = None;
        let mut given = None;
        let mut expectations = Vec::new();
        let mut given_count = 0;
        for clause in &test.clauses {
            match clause {
                TestClause::Context(e) => {
                    if context.is_some() {
                        self.report(
                            Diagnostic::error(
                                codes::BAD_CLAUSES,
                                e.span,
                                "`context` is given more than once",
                            )
                            .help("merge them into one `context { ... }`"),
                        );
                    }
                    context = Some(self.constant(e, &Ty::Record(self.program.context)));
                }
                TestClause::Given {
                    manifest: is_manifest,
                    value,
                    span,
                } => {
                    given_count += 1;
                    if *is_manifest != manifest {
                        let help = if manifest {
                            "this decision screens a manifest: write `given manifest [ {...}, {...} ]`"
                        } else {
                            "this decision takes one record: write `given { ... }`"
                        };
                        self.report(
                            Diagnostic::error(
                                codes::BAD_TEST,
                                *span,
                                "the input does not match the decision",
                            )
                            .help(help),
                        );
                        continue;
                    }
                    given = Some(if manifest {
                        match self.constant(value, &Ty::List(Box::new(schema_ty.clone()))) {
                            Value::List(items) => Given::Manifest(items),
                            _ => Given::Manifest(Vec::new()),
                        }
                    } else {
                        Given::Record(self.constant(value, &schema_ty))
                    });
                }
                TestClause::Expect(expectation) => {
                    if let Some(e) = self.expectation(
                        expectation,
                        target,
                        &outcomes,
                        manifest,
                        &given,
                        &subject,
                        schema,
                    ) {
                        expectations.push(e);
                    }
                }
            }
        }
        if given_count == 0 {
            self.report(
                Diagnostic::error(
                    codes::BAD_CLAUSES,
                    test.title.span,
                    format!("test \"{}\" has no `given` input", test.title.value),
                )
                .help("add `given { ... }` with the record to decide"),
            );
        } else if given_count > 1 {
            self.report(
                Diagnostic::error(
                    codes::BAD_CLAUSES,
                    test.title.span,
                    format!("test \"{}\" has more than one `given`", test.title.value),
                )
                .help("write one test per input"),
            );
        }
        if expectations.is_empty()
            && !test
                .clauses
                .iter()
                .any(|c| matches!(c, TestClause::Expect(_)))
        {
            self.report(
                Diagnostic::error(
                    codes::BAD_CLAUSES,
                    test.title.span,
                    format!("test \"{}\" expects nothing", test.title.value),
                )
                .help("add `expect OUTCOME` (and `because REASON, ...` to pin the reasons)"),
            );
        }
        let context = match context {
            Some(c) => c,
            None => {
                self.report(
                    Diagnostic::error(codes::BAD_CLAUSES, test.title.span, format!("test \"{}\" has no `context`", test.title.value))
                        .help("add `context { date: 2026-03-01, member: SGP }`: evaluation never reads the clock"),
                );
                Value::Absent
            }
        };
        Some(TestDef {
            title: test.title.value.clone(),
            target,
            context,
            given: given.unwrap_or(Given::Record(Value::Absent)),
            expectations,
            span,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn expectation(
        &mut self,
        expectation: &ast::Expectation,
        target: TestTarget,
        outcomes: &[String],
        manifest: bool,
        given: &Option<Given>,
        subject: &str,
        schema: RecordId,
    ) -> Option<Expectation> {
        let schema = (schema.0 != u32::MAX).then_some(schema);
        match (expectation, target) {
            (ast::Expectation::Outcome(o), TestTarget::Decision(d)) => {
                if manifest {
                    self.report(
                        Diagnostic::error(
                            codes::BAD_TEST,
                            o.span,
                            "a manifest test names the traveller it expects for",
                        )
                        .help(format!("write `expect {subject} 1 {}`", o.outcome.name)),
                    );
                    return None;
                }
                self.expected_outcome(o, None, outcomes, d)
            }
            (
                ast::Expectation::Member {
                    index,
                    index_span,
                    outcome,
                    ..
                },
                TestTarget::Decision(d),
            ) => {
                if !manifest {
                    self.report(
                        Diagnostic::error(
                            codes::BAD_TEST,
                            *index_span,
                            "only manifest decisions have numbered travellers",
                        )
                        .help(format!("write `expect {}`", outcome.outcome.name)),
                    );
                    return None;
                }
                let count = match given {
                    Some(Given::Manifest(items)) => items.len(),
                    _ => 0,
                };
                let position = usize::try_from(*index)
                    .ok()
                    .filter(|i| *i >= 1 && *i <= count);
                let Some(position) = position else {
                    self.report(
                        Diagnostic::error(
                            codes::BAD_TEST,
                            *index_span,
                            format!("traveller {index} is not in the manifest of {count}"),
                        )
                        .help("travellers are numbered from 1 in the order of `given manifest`; put `expect` after `given`"),
                    );
                    return None;
                };
                self.expected_outcome(outcome, Some(position - 1), outcomes, d)
            }
            (ast::Expectation::Shared(fields, span), TestTarget::Sharing(_)) => {
                let paths = fields
                    .iter()
                    .filter_map(|f| self.field_path(f, subject, schema))
                    .collect();
                Some(Expectation::Shared(paths, *span))
            }
            (ast::Expectation::Withheld(fields, span), TestTarget::Sharing(_)) => {
                let paths = fields
                    .iter()
                    .filter_map(|f| self.field_path(f, subject, schema))
                    .collect();
                Some(Expectation::Withheld(paths, *span))
            }
            (other, _) => {
                let span = match other {
                    ast::Expectation::Outcome(o) | ast::Expectation::Member { outcome: o, .. } => {
                        o.span
                    }
                    ast::Expectation::Shared(_, s) | ast::Expectation::Withheld(_, s) => *s,
                };
                let help = match target {
                    TestTarget::Decision(_) => {
                        "a decision test expects an outcome: `expect refer because REASON`"
                    }
                    TestTarget::Sharing(_) => {
                        "a sharing test expects fields: `expect shared ...` or `expect withheld ...`"
                    }
                };
                self.report(
                    Diagnostic::error(
                        codes::BAD_TEST,
                        span,
                        "this expectation does not fit the test's target",
                    )
                    .help(help),
                );
                None
            }
        }
    }

    fn expected_outcome(
        &mut self,
        o: &ast::ExpectedOutcome,
        member: Option<usize>,
        outcomes: &[String],
        decision: usize,
    ) -> Option<Expectation> {
        let name = self
            .program
            .decisions
            .get(decision)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let outcome = outcomes.iter().position(|x| *x == o.outcome.name);
        if outcome.is_none() {
            let help =
                crate::suggest::did_you_mean(&o.outcome.name, outcomes.iter().map(String::as_str))
                    .unwrap_or_else(|| {
                        format!(
                            "the outcomes of `{name}` are {}",
                            super::expr::quoted_list(outcomes)
                        )
                    });
            self.report(
                Diagnostic::error(
                    codes::UNKNOWN_OUTCOME,
                    o.outcome.span,
                    format!("`{}` is not an outcome of `{name}`", o.outcome.name),
                )
                .help(help),
            );
        }
        let reasons = match &o.reasons {
            None => None,
            Some(reasons) => {
                let mut expected = Vec::new();
                for r in reasons {
                    // The fail-closed codes are built in.
                    let built_in = BUILT_IN_REASONS.contains(&r.code.name.as_str());
                    if !built_in && !self.reason_known(&r.code) {
                        continue;
                    }
                    let mut values = Vec::new();
                    for b in &r.values {
                        let checked = self.expr(&b.value, None, &Scope::default());
                        let value = self.fold_constant(&checked).unwrap_or(Value::Absent);
                        values.push((b.name.name.clone(), value));
                    }
                    expected.push(ExpectedReason {
                        code: r.code.name.clone(),
                        values,
                        span: r.span,
                    });
                }
                Some(expected)
            }
        };
        Some(Expectation::Outcome {
            member,
            outcome: outcome?,
            reasons,
            span: o.span,
        })
    }
}
