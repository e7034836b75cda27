//! What changed between two versions of a package's rules, as a reviewer
//! reads it: rules added, removed or changed (and how), and reference-data
//! entries added or removed. Compared on the checked programs, so layout,
//! comments and source positions never count as changes.

use crate::hir::{DecisionDef, Program, RuleDef};
use crate::hir_text::{expr_text, value_text};
use crate::value::Value;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleSetDiff {
    pub rules_added: Vec<RuleRef>,
    pub rules_removed: Vec<RuleRef>,
    pub rules_changed: Vec<RuleChange>,
    /// Lets and scores whose definitions changed, as `let NAME (decision)`.
    pub derived_changed: Vec<String>,
    pub data: Vec<DataChange>,
}

impl RuleSetDiff {
    pub fn is_empty(&self) -> bool {
        self.rules_added.is_empty()
            && self.rules_removed.is_empty()
            && self.rules_changed.is_empty()
            && self.derived_changed.is_empty()
            && self.data.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RuleRef {
    pub decision: String,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleChange {
    pub decision: String,
    pub rule: String,
    /// Which parts changed: `condition`, `outcome`, `reason`, `values`,
    /// `effective`, `applies to`, `mode`, `description`, `source`.
    pub parts: Vec<String>,
    /// Old and new wording of parts that are short enough to show.
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataChange {
    /// `set NAME` or `table NAME`.
    pub item: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

pub fn diff(old: &Program, new: &Program) -> RuleSetDiff {
    let mut result = RuleSetDiff::default();
    let decisions: BTreeSet<&str> = old
        .decisions
        .iter()
        .chain(&new.decisions)
        .map(|d| d.name.as_str())
        .collect();
    for decision in decisions {
        let old_rules = old
            .decisions
            .iter()
            .find(|d| d.name == decision)
            .map(|d| (d, &d.rules));
        let new_rules = new
            .decisions
            .iter()
            .find(|d| d.name == decision)
            .map(|d| (d, &d.rules));
        let old_list: &[RuleDef] = old_rules.map_or(&[], |(_, r)| r.as_slice());
        let new_list: &[RuleDef] = new_rules.map_or(&[], |(_, r)| r.as_slice());
        for rule in new_list {
            match old_list.iter().find(|r| r.id == rule.id) {
                None => result.rules_added.push(RuleRef {
                    decision: decision.to_string(),
                    rule: rule.id.clone(),
                }),
                Some(before) => {
                    let (parts, details) = match (old_rules, new_rules) {
                        (Some((od, _)), Some((nd, _))) => {
                            rule_changes(old, od, before, new, nd, rule)
                        }
                        _ => (Vec::new(), Vec::new()),
                    };
                    if !parts.is_empty() {
                        result.rules_changed.push(RuleChange {
                            decision: decision.to_string(),
                            rule: rule.id.clone(),
                            parts,
                            details,
                        });
                    }
                }
            }
        }
        for rule in old_list {
            if !new_list.iter().any(|r| r.id == rule.id) {
                result.rules_removed.push(RuleRef {
                    decision: decision.to_string(),
                    rule: rule.id.clone(),
                });
            }
        }
    }
    result.derived_changed = derived_changes(old, new);
    for set in &new.sets {
        let before = old
            .sets
            .iter()
            .find(|s| s.name == set.name)
            .map(|s| s.values.as_slice())
            .unwrap_or(&[]);
        push_data_change(
            &mut result.data,
            format!("set {}", set.name),
            before,
            &set.values,
        );
    }
    for set in old
        .sets
        .iter()
        .filter(|s| !new.sets.iter().any(|n| n.name == s.name))
    {
        push_data_change(
            &mut result.data,
            format!("set {}", set.name),
            &set.values,
            &[],
        );
    }
    for table in &new.tables {
        let before = old
            .tables
            .iter()
            .find(|t| t.name == table.name)
            .map(|t| t.rows.as_slice())
            .unwrap_or(&[]);
        push_data_change(
            &mut result.data,
            format!("table {}", table.name),
            before,
            &table.rows,
        );
    }
    result
}

fn push_data_change(out: &mut Vec<DataChange>, item: String, before: &[Value], after: &[Value]) {
    let before_set: BTreeSet<&Value> = before.iter().collect();
    let after_set: BTreeSet<&Value> = after.iter().collect();
    let added: Vec<String> = after_set.difference(&before_set).map(|v| show(v)).collect();
    let removed: Vec<String> = before_set.difference(&after_set).map(|v| show(v)).collect();
    let _ = value_text;
    if !added.is_empty() || !removed.is_empty() {
        out.push(DataChange {
            item,
            added,
            removed,
        });
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Country(c) => c.clone(),
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => crate::value::format_decimal(*d),
        Value::Date(d) => crate::calendar::format_date(*d),
        Value::Bool(b) => b.to_string(),
        Value::Record(fields) => format!(
            "| {} |",
            fields.iter().map(show).collect::<Vec<_>>().join(" | ")
        ),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Value::Enum(_, i) => format!("#{i}"),
        Value::Duration { months, days } => format!("{months} months {days} days"),
        Value::Absent => "-".to_string(),
    }
}

/// The parts of a rule that changed. Expressions are compared as text with
/// every name resolved, so reformatting or reordering items is no change,
/// while a changed `let` or set used by the rule shows in `derived` changes.
fn rule_changes(
    old: &Program,
    old_decision: &DecisionDef,
    before: &RuleDef,
    new: &Program,
    new_decision: &DecisionDef,
    after: &RuleDef,
) -> (Vec<String>, Vec<String>) {
    let mut parts = Vec::new();
    let mut details = Vec::new();
    let text_before = |e| expr_text(old, Some(old_decision), e);
    let text_after = |e| expr_text(new, Some(new_decision), e);
    if text_before(&before.condition) != text_after(&after.condition) {
        parts.push("condition".to_string());
        details.push(format!(
            "condition {} -> {}",
            text_before(&before.condition),
            text_after(&after.condition)
        ));
    }
    let outcome_before = old_decision
        .outcomes
        .get(before.outcome)
        .cloned()
        .unwrap_or_default();
    let outcome_after = new_decision
        .outcomes
        .get(after.outcome)
        .cloned()
        .unwrap_or_default();
    if outcome_before != outcome_after {
        parts.push("outcome".to_string());
        details.push(format!("outcome {outcome_before} -> {outcome_after}"));
    }
    if before.reason != after.reason {
        parts.push("reason".to_string());
        details.push(format!("reason {} -> {}", before.reason, after.reason));
    }
    let values = |p, d, r: &RuleDef| -> Vec<(String, String)> {
        r.values
            .iter()
            .map(|(n, e)| (n.clone(), expr_text(p, Some(d), e)))
            .collect()
    };
    if values(old, old_decision, before) != values(new, new_decision, after) {
        parts.push("values".to_string());
    }
    if (before.effective_from, before.effective_to) != (after.effective_from, after.effective_to) {
        parts.push("effective".to_string());
        details.push(format!(
            "effective {} -> {}",
            range(before.effective_from, before.effective_to),
            range(after.effective_from, after.effective_to)
        ));
    }
    let applies = |p, d, r: &RuleDef| -> Vec<String> {
        r.applies_to
            .iter()
            .map(|e| expr_text(p, Some(d), e))
            .collect()
    };
    if applies(old, old_decision, before) != applies(new, new_decision, after) {
        parts.push("applies to".to_string());
    }
    if before.mode != after.mode {
        parts.push("mode".to_string());
        details.push(format!("mode {:?} -> {:?}", before.mode, after.mode).to_lowercase());
    }
    if before.description != after.description {
        parts.push("description".to_string());
    }
    if before.source != after.source {
        parts.push("source".to_string());
    }
    (parts, details)
}

/// Lets, scores and decision tables whose definitions changed.
fn derived_changes(old: &Program, new: &Program) -> Vec<String> {
    let mut changed = Vec::new();
    for nd in &new.decisions {
        let Some(od) = old.decisions.iter().find(|d| d.name == nd.name) else {
            continue;
        };
        for l in &nd.lets {
            let before = od
                .lets
                .iter()
                .find(|x| x.name == l.name)
                .map(|x| expr_text(old, Some(od), &x.value));
            if before.as_deref() != Some(expr_text(new, Some(nd), &l.value).as_str()) {
                changed.push(format!("let {} ({})", l.name, nd.name));
            }
        }
        for sc in &nd.scores {
            let text = |p: &Program, d: &DecisionDef, s: &crate::hir::ScoreDef| -> Vec<String> {
                s.terms
                    .iter()
                    .map(|t| {
                        let c = t
                            .condition
                            .as_ref()
                            .map(|c| expr_text(p, Some(d), c))
                            .unwrap_or_default();
                        format!("{}: {} when {c}", t.name, expr_text(p, Some(d), &t.weight))
                    })
                    .collect()
            };
            let before = od
                .scores
                .iter()
                .find(|x| x.name == sc.name)
                .map(|x| text(old, od, x));
            if before.as_ref() != Some(&text(new, nd, sc)) {
                changed.push(format!("score {} ({})", sc.name, nd.name));
            }
        }
    }
    changed
}

fn range(from: Option<i64>, to: Option<i64>) -> String {
    let show = |d: Option<i64>| d.map_or_else(|| "open".to_string(), crate::calendar::format_date);
    format!("{} to {}", show(from), show(to))
}
