//! Decisions: which rules fire, the outcome, the reasons in their stable
//! order, shadow results apart, and the fail-closed result for records that
//! cannot be decoded or evaluated.

use crate::decode::{self, DecodeError, DecodeOptions};
use crate::eval::{Atom, Eval, EvalError, EvalErrorKind, Frame, Tables, as_bool, compare};
use crate::json::to_json;
use lintas_check::hir::{DecisionDef, Program, RuleDef};
use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_syntax::ast::Mode;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Reason code of the fail-closed result for a record that cannot be decoded.
pub const INPUT_INVALID: &str = "INPUT_INVALID";
/// Reason code of the fail-closed result for a record whose evaluation failed.
pub const EVALUATION_ERROR: &str = "EVALUATION_ERROR";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionResult {
    pub decision: String,
    pub package: String,
    pub version: String,
    pub outcome: String,
    /// Enforced reasons: most severe outcome first, then declaration order.
    pub reasons: Vec<Reason>,
    /// Shadow rules that fired (or failed); they never change the outcome.
    pub shadow: Vec<Reason>,
    /// Why the record failed closed, when it did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub code: String,
    /// The rule that gave it; empty for INPUT_INVALID.
    pub rule: String,
    pub description: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, serde_json::Value>,
    #[serde(skip)]
    pub outcome: usize,
}

/// One reason a record failed closed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// `input` or `evaluation`.
    pub stage: &'static str,
    /// A decode error kind or an evaluation error kind.
    pub kind: String,
    /// JSON path for input problems, rule id for evaluation problems.
    #[serde(rename = "where")]
    pub place: String,
    pub message: String,
}

impl DecisionResult {
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// The reference interpreter over one checked program.
pub struct Interpreter<'p> {
    pub program: &'p Program,
    tables: Tables,
}

/// Per-rule observations, for explanations and coverage.
#[derive(Debug, Clone)]
pub struct RuleTrace {
    pub rule: usize,
    /// `None` when the rule was not evaluated (out of effect, not applicable).
    pub fired: Option<Eval<bool>>,
    pub skipped: Option<&'static str>,
    pub atoms: Vec<Atom>,
}

impl<'p> Interpreter<'p> {
    pub fn new(program: &'p Program) -> Interpreter<'p> {
        Interpreter {
            program,
            tables: Tables::new(program),
        }
    }

    pub fn decision_index(&self, name: &str) -> Option<usize> {
        self.program.decisions.iter().position(|d| d.name == name)
    }

    /// Decodes a context from JSON.
    pub fn context_from_json(&self, json: &serde_json::Value) -> Result<Value, Vec<DecodeError>> {
        decode::decode_value(
            self.program,
            &Ty::Record(self.program.context),
            json,
            DecodeOptions::default(),
        )
    }

    /// Decides one JSON record; a record that cannot be decoded fails closed.
    pub fn decide_json(
        &self,
        decision: usize,
        json: &str,
        context: &Value,
        options: DecodeOptions,
    ) -> DecisionResult {
        let Some(def) = self.program.decisions.get(decision) else {
            return self.unknown_decision(decision);
        };
        match decode::decode(self.program, &Ty::Record(def.schema), json, options) {
            Ok(record) => self.decide(decision, &record, context),
            Err(problems) => self.input_invalid(def, &problems),
        }
    }

    pub fn decide(&self, decision: usize, record: &Value, context: &Value) -> DecisionResult {
        self.decide_traced(decision, record, context, &[], false).0
    }

    /// Decides every member of a manifest, in order. Members that could not
    /// be decoded fail closed; aggregates over a manifest with such members
    /// are unavailable, so rules that use them fail closed too.
    pub fn decide_manifest(
        &self,
        decision: usize,
        members: &[Result<Value, Vec<DecodeError>>],
        context: &Value,
    ) -> Vec<DecisionResult> {
        let Some(def) = self.program.decisions.get(decision) else {
            return members
                .iter()
                .map(|_| self.unknown_decision(decision))
                .collect();
        };
        let aggregates = self.aggregates(def, members, context);
        members
            .iter()
            .zip(aggregates)
            .map(|(member, aggregates)| match member {
                Ok(record) => {
                    self.decide_traced(decision, record, context, &aggregates, false)
                        .0
                }
                Err(problems) => self.input_invalid(def, problems),
            })
            .collect()
    }

    /// Per member, the value of each aggregate of the decision.
    pub fn aggregates(
        &self,
        def: &DecisionDef,
        members: &[Result<Value, Vec<DecodeError>>],
        context: &Value,
    ) -> Vec<Vec<Eval<i64>>> {
        let mut per_member: Vec<Vec<Eval<i64>>> =
            vec![Vec::with_capacity(def.aggregates.len()); members.len()];
        let any_undecodable = members.iter().any(Result::is_err);
        for aggregate in &def.aggregates {
            let unavailable = |why: &str| {
                Err(EvalError {
                    kind: EvalErrorKind::AggregateUnavailable,
                    message: format!("aggregate `{}` is unavailable: {why}", aggregate.name),
                })
            };
            if any_undecodable {
                for slot in &mut per_member {
                    slot.push(unavailable("a member of the manifest could not be decoded"));
                }
                continue;
            }
            // Keys and filters of every member first; one failure makes the
            // aggregate unavailable to all, never silently smaller.
            let mut keyed: Vec<(Vec<Value>, bool)> = Vec::with_capacity(members.len());
            let mut failure = None;
            for member in members.iter().flatten() {
                let frame =
                    Frame::new(self.program, &self.tables, def, member, context, &[], false);
                let keys = aggregate
                    .keys
                    .iter()
                    .map(|k| frame.value(k))
                    .collect::<Eval<Vec<_>>>();
                let counted = match &aggregate.filter {
                    Some(f) => frame.condition(f),
                    None => Ok(true),
                };
                match (keys, counted) {
                    (Ok(k), Ok(c)) => keyed.push((k, c)),
                    (Err(e), _) | (_, Err(e)) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = failure {
                for slot in &mut per_member {
                    slot.push(unavailable(&e.message));
                }
                continue;
            }
            let mut counts: HashMap<&Vec<Value>, i64> = HashMap::new();
            for (key, counted) in &keyed {
                if *counted {
                    *counts.entry(key).or_default() += 1;
                }
            }
            for (slot, (key, _)) in per_member.iter_mut().zip(&keyed) {
                slot.push(Ok(counts.get(key).copied().unwrap_or(0)));
            }
        }
        per_member
    }

    /// Decides one record, optionally recording every rule's atoms.
    pub fn decide_traced(
        &self,
        decision: usize,
        record: &Value,
        context: &Value,
        aggregates: &[Eval<i64>],
        tracing: bool,
    ) -> (DecisionResult, Vec<RuleTrace>) {
        let Some(def) = self.program.decisions.get(decision) else {
            return (self.unknown_decision(decision), Vec::new());
        };
        let frame = Frame::new(
            self.program,
            &self.tables,
            def,
            record,
            context,
            aggregates,
            tracing,
        );
        let date = context_date(context);
        let member = context_member(context);
        let mut tally = Tally::default();
        let mut traces = Vec::new();
        for (index, rule) in def.rules.iter().enumerate() {
            if let Some(why) = self.not_applicable(rule, date, member.as_ref(), &frame) {
                if tracing {
                    traces.push(RuleTrace {
                        rule: index,
                        fired: None,
                        skipped: Some(why),
                        atoms: Vec::new(),
                    });
                }
                continue;
            }
            let fired = frame.condition(&rule.condition);
            let atoms = frame.take_trace();
            let outcome = match &fired {
                Ok(true) => self.reason(def, rule, &frame).map(Some),
                Ok(false) => Ok(None),
                Err(e) => Err(e.clone()),
            };
            if tracing {
                traces.push(RuleTrace {
                    rule: index,
                    fired: Some(fired),
                    skipped: None,
                    atoms,
                });
            }
            match outcome {
                Ok(Some(reason)) => tally.fired(rule, reason),
                Ok(None) => {}
                Err(e) => tally.failed(rule, e, def.on_error),
            }
        }
        let result = tally.finish(self.program, def);
        (result, traces)
    }

    /// Why a rule is not evaluated for this context, if it is not.
    fn not_applicable(
        &self,
        rule: &RuleDef,
        date: Option<i64>,
        member: Option<&Value>,
        frame: &Frame<'_>,
    ) -> Option<&'static str> {
        if let Some(date) = date {
            if rule.effective_from.is_some_and(|from| date < from) {
                return Some("not yet in effect");
            }
            if rule.effective_to.is_some_and(|to| date > to) {
                return Some("no longer in effect");
            }
        }
        if rule.applies_to.is_empty() {
            return None;
        }
        let Some(member) = member else {
            return Some("no deciding member in the context");
        };
        for target in &rule.applies_to {
            let hit = match &target.kind {
                lintas_check::hir::ExprKind::Set(i) => self
                    .program
                    .sets
                    .get(*i)
                    .is_some_and(|s| s.values.binary_search(member).is_ok()),
                _ => match frame.value(target) {
                    Ok(Value::List(items)) => items.contains(member),
                    Ok(v) => &v == member,
                    Err(_) => false,
                },
            };
            if hit {
                return None;
            }
        }
        Some("does not apply to this member")
    }

    fn reason(&self, def: &DecisionDef, rule: &RuleDef, frame: &Frame<'_>) -> Eval<Reason> {
        let mut values = BTreeMap::new();
        for (name, expr) in &rule.values {
            let v = frame.value(expr)?;
            values.insert(name.clone(), to_json(self.program, &v, &expr.ty));
        }
        let _ = def;
        Ok(fired_reason(rule, values))
    }

    /// The fail-closed result for a record that could not be decoded.
    pub fn input_invalid(&self, def: &DecisionDef, problems: &[DecodeError]) -> DecisionResult {
        let summary = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        DecisionResult {
            decision: def.name.clone(),
            package: self.program.package.name.clone(),
            version: self.program.package.version.clone(),
            outcome: def.outcomes.get(def.on_error).cloned().unwrap_or_default(),
            reasons: vec![Reason {
                code: INPUT_INVALID.to_string(),
                rule: String::new(),
                description: format!("the record could not be read: {summary}"),
                values: BTreeMap::new(),
                outcome: def.on_error,
            }],
            shadow: Vec::new(),
            errors: problems
                .iter()
                .map(|p| Problem {
                    stage: "input",
                    kind: p.kind.as_str().to_string(),
                    place: p.path.clone(),
                    message: p.message.clone(),
                })
                .collect(),
        }
    }

    fn unknown_decision(&self, decision: usize) -> DecisionResult {
        DecisionResult {
            decision: format!("#{decision}"),
            package: self.program.package.name.clone(),
            version: self.program.package.version.clone(),
            outcome: String::new(),
            reasons: Vec::new(),
            shadow: Vec::new(),
            errors: vec![Problem {
                stage: "evaluation",
                kind: "unknown_decision".to_string(),
                place: String::new(),
                message: "no such decision".to_string(),
            }],
        }
    }
}

/// Rule results gathered into a decision result: the one place that knows
/// the reason order, shadow results, and how failing closed combines with
/// rules that fired. Every backend fills one.
#[derive(Debug, Default)]
pub struct Tally {
    reasons: Vec<Reason>,
    shadow: Vec<Reason>,
    errors: Vec<Problem>,
}

impl Tally {
    pub fn fired(&mut self, rule: &RuleDef, reason: Reason) {
        if rule.mode == Mode::Shadow {
            self.shadow.push(reason);
        } else {
            self.reasons.push(reason);
        }
    }

    pub fn failed(&mut self, rule: &RuleDef, e: EvalError, on_error: usize) {
        let reason = error_reason(rule, &e, on_error);
        if rule.mode == Mode::Shadow {
            self.shadow.push(reason);
        } else {
            self.reasons.push(reason);
            self.errors.push(Problem {
                stage: "evaluation",
                kind: e.kind.as_str().to_string(),
                place: rule.id.clone(),
                message: e.message,
            });
        }
    }

    pub fn finish(self, program: &Program, def: &DecisionDef) -> DecisionResult {
        let Tally {
            mut reasons,
            mut shadow,
            errors,
        } = self;
        if !errors.is_empty() {
            // A record that failed closed did not get the outcomes less
            // severe than `on error`; their reasons would speak for them.
            reasons.retain(|r| r.outcome <= def.on_error);
        }
        // Stable: most severe first, declaration order within an outcome.
        reasons.sort_by_key(|r| r.outcome);
        shadow.sort_by_key(|r| r.outcome);
        let fired_outcome = reasons.iter().map(|r| r.outcome).min();
        let outcome = match (errors.is_empty(), fired_outcome) {
            (true, Some(o)) => o,
            (true, None) => def.default,
            // Failing closed never makes an outcome more permissive than a
            // rule that did fire.
            (false, Some(o)) => o.min(def.on_error),
            (false, None) => def.on_error,
        };
        DecisionResult {
            decision: def.name.clone(),
            package: program.package.name.clone(),
            version: program.package.version.clone(),
            outcome: def.outcomes.get(outcome).cloned().unwrap_or_default(),
            reasons,
            shadow,
            errors,
        }
    }
}

/// The reason a fired rule gives, with its values already computed.
pub fn fired_reason(rule: &RuleDef, values: BTreeMap<String, serde_json::Value>) -> Reason {
    Reason {
        code: rule.reason.clone(),
        rule: rule.id.clone(),
        description: rule.description.clone(),
        values,
        outcome: rule.outcome,
    }
}

fn error_reason(rule: &RuleDef, e: &EvalError, on_error: usize) -> Reason {
    Reason {
        code: EVALUATION_ERROR.to_string(),
        rule: rule.id.clone(),
        description: format!("rule `{}` could not be evaluated: {}", rule.id, e.message),
        values: BTreeMap::new(),
        outcome: on_error,
    }
}

fn context_field(context: &Value, index: usize) -> Option<&Value> {
    match context {
        Value::Record(fields) => fields.get(index),
        _ => None,
    }
}

/// The context's date (field 0 of the built-in Context record).
pub fn context_date(context: &Value) -> Option<i64> {
    match context_field(context, 0) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    }
}

/// The context's deciding member (field 1).
pub fn context_member(context: &Value) -> Option<Value> {
    context_field(context, 1)
        .filter(|v| matches!(v, Value::Country(_)))
        .cloned()
}

/// Whether two values are equal as Lintas compares them.
pub fn equal(a: &Value, b: &Value) -> bool {
    compare(a, b).is_ok_and(|o| o == std::cmp::Ordering::Equal)
}

#[allow(dead_code)]
fn truthy(v: &Value) -> bool {
    as_bool(v).unwrap_or(false)
}
