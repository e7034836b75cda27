//! Explanations an officer can read: for each rule, whether it fired and the
//! values behind each part of its condition.

use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_check::value::Value;
use lintas_check::workspace::SourceDb;
use lintas_eval::decide::RuleTrace;
use lintas_eval::json::to_json;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RuleExplanation {
    pub rule: String,
    pub description: String,
    /// `fired`, `not fired`, `error`, or why it was not evaluated.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The part of the condition, as written.
    pub condition: String,
    /// The values it compared, in order.
    pub values: Vec<Operand>,
    pub result: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operand {
    /// The expression, as written.
    pub expression: String,
    pub value: serde_json::Value,
}

pub fn explain(
    db: &SourceDb,
    program: &Program,
    decision: usize,
    traces: &[RuleTrace],
) -> Vec<RuleExplanation> {
    let Some(def) = program.decisions.get(decision) else {
        return Vec::new();
    };
    traces
        .iter()
        .filter_map(|t| {
            let rule = def.rules.get(t.rule)?;
            let (status, error) = match (&t.skipped, &t.fired) {
                (Some(why), _) => ((*why).to_string(), None),
                (None, Some(Ok(true))) => ("fired".to_string(), None),
                (None, Some(Ok(false))) => ("not fired".to_string(), None),
                (None, Some(Err(e))) => ("error".to_string(), Some(e.message.clone())),
                (None, None) => ("not evaluated".to_string(), None),
            };
            let checks = t
                .atoms
                .iter()
                .map(|a| Check {
                    condition: source_text(db, a.span),
                    values: a
                        .operands
                        .iter()
                        .filter(|(span, _)| *span != a.span)
                        .map(|(span, v)| Operand {
                            expression: source_text(db, *span),
                            value: value_json(program, v),
                        })
                        .collect(),
                    result: a.result,
                })
                .collect();
            Some(RuleExplanation {
                rule: rule.id.clone(),
                description: rule.description.clone(),
                status,
                error,
                checks,
            })
        })
        .collect()
}

fn value_json(program: &Program, v: &Value) -> serde_json::Value {
    to_json(program, v, &Ty::Error)
}

pub fn source_text(db: &SourceDb, span: lintas_syntax::Span) -> String {
    let text = db.text(span.file).get(span.range()).unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The explanation as indented text.
pub fn to_text(explanations: &[RuleExplanation]) -> String {
    let mut out = String::new();
    for e in explanations {
        out.push_str(&format!("  rule {}: {}\n", e.rule, e.status));
        if let Some(err) = &e.error {
            out.push_str(&format!("    error: {err}\n"));
        }
        for c in &e.checks {
            // Literals speak for themselves; show the values of the rest.
            let values: Vec<String> = c
                .values
                .iter()
                .filter(|o| plain(&o.value) != o.expression)
                .map(|o| format!("{} = {}", o.expression, plain(&o.value)))
                .collect();
            let shown = if values.is_empty() {
                String::new()
            } else {
                format!("  ({})", values.join(", "))
            };
            out.push_str(&format!("    {} -> {}{shown}\n", c.condition, c.result));
        }
    }
    out
}

fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "absent".to_string(),
        other => other.to_string(),
    }
}
