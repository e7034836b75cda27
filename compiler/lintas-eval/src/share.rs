//! Information sharing: which fields of a record go to which member, for
//! which purpose. Default deny: a field is shared only when an `allow`
//! grants it and no applicable `withhold` covers it.

use crate::decide::Interpreter;
use crate::eval::{Eval, Frame, Tables};
use crate::json::to_json;
use lintas_check::hir::{DecisionDef, Expr, ExprKind, FieldPath, Program, SharingDef};
use lintas_check::types::{RecordId, Ty};
use lintas_check::value::Value;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareResult {
    pub policy: String,
    /// The record with only the shared fields.
    pub record: serde_json::Value,
    /// Each shared field and the `allow` that granted it.
    pub shared: Vec<SharedField>,
    /// Every field left out, by path.
    pub withheld: Vec<String>,
    /// When a condition could not be evaluated nothing is shared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedField {
    pub field: String,
    pub allowed_by: String,
}

impl Interpreter<'_> {
    pub fn sharing_index(&self, name: &str) -> Option<usize> {
        self.program.sharings.iter().position(|s| s.name == name)
    }

    /// Applies sharing policy `index` to `record` for the recipient and
    /// purpose in `context`.
    pub fn share(&self, index: usize, record: &Value, context: &Value) -> ShareResult {
        let Some(policy) = self.program.sharings.get(index) else {
            return ShareResult {
                policy: format!("#{index}"),
                record: serde_json::Value::Null,
                shared: Vec::new(),
                withheld: Vec::new(),
                error: Some("no such sharing policy".to_string()),
            };
        };
        match self.grants(policy, record, context) {
            Ok((grants, withholds)) => {
                let mut shared = Vec::new();
                let mut withheld = Vec::new();
                let redacted = redact(
                    self.program,
                    record,
                    policy.schema,
                    &mut Vec::new(),
                    &policy.subject,
                    &grants,
                    &withholds,
                    &mut shared,
                    &mut withheld,
                );
                ShareResult {
                    policy: policy.name.clone(),
                    record: redacted,
                    shared,
                    withheld,
                    error: None,
                }
            }
            Err(e) => {
                let mut withheld = Vec::new();
                all_paths(self.program, policy.schema, &policy.subject, &mut withheld);
                ShareResult {
                    policy: policy.name.clone(),
                    record: serde_json::json!({}),
                    shared: Vec::new(),
                    withheld,
                    error: Some(format!("nothing shared: {}", e.message)),
                }
            }
        }
    }

    /// The granted paths with the grant's name, and the withheld paths, for
    /// this record and context.
    #[allow(clippy::type_complexity)]
    fn grants(
        &self,
        policy: &SharingDef,
        record: &Value,
        context: &Value,
    ) -> Eval<(Vec<(Vec<usize>, String)>, Vec<Vec<usize>>)> {
        let tables = Tables::new(self.program);
        // Sharing conditions run outside any decision: an empty one.
        let decision = DecisionDef {
            name: policy.name.clone(),
            subject: policy.subject.clone(),
            schema: policy.schema,
            over_manifest: false,
            outcomes: Vec::new(),
            default: 0,
            on_error: 0,
            aggregates: Vec::new(),
            lets: Vec::new(),
            scores: Vec::new(),
            tables: Vec::new(),
            rules: Vec::new(),
            span: policy.span,
        };
        let frame = Frame::new(
            self.program,
            &tables,
            &decision,
            record,
            context,
            &[],
            false,
        );
        let recipient = field_of(context, 4);
        let purpose = field_of(context, 5);
        let mut withholds = Vec::new();
        for w in &policy.withholds {
            let exempt = match &w.unless {
                Some(c) => frame.condition(c)?,
                None => false,
            };
            if !exempt {
                withholds.extend(w.fields.iter().map(|f| f.indices.clone()));
            }
        }
        let mut grants = Vec::new();
        for a in &policy.allows {
            let purpose_ok = match purpose {
                Some(Value::Enum(_, p)) => a.purposes.contains(p),
                _ => false,
            };
            if !purpose_ok || !self.recipient_matches(&frame, &a.recipients, recipient)? {
                continue;
            }
            let granted = match &a.condition {
                Some(c) => frame.condition(c)?,
                None => true,
            };
            if granted {
                grants.extend(a.fields.iter().map(|f| (f.indices.clone(), a.name.clone())));
            }
        }
        Ok((grants, withholds))
    }

    fn recipient_matches(
        &self,
        frame: &Frame<'_>,
        recipients: &Expr,
        recipient: Option<&Value>,
    ) -> Eval<bool> {
        let Some(recipient) = recipient.filter(|r| matches!(r, Value::Country(_))) else {
            return Ok(false);
        };
        Ok(match &recipients.kind {
            ExprKind::Set(i) => self
                .program
                .sets
                .get(*i)
                .is_some_and(|s| s.values.binary_search(recipient).is_ok()),
            _ => match frame.value(recipients)? {
                Value::List(items) => items.contains(recipient),
                v => &v == recipient,
            },
        })
    }
}

fn field_of(record: &Value, index: usize) -> Option<&Value> {
    match record {
        Value::Record(fields) => fields.get(index),
        _ => None,
    }
}

fn starts_with(path: &[usize], prefix: &[usize]) -> bool {
    path.len() >= prefix.len() && path.get(..prefix.len()) == Some(prefix)
}

#[allow(clippy::too_many_arguments)]
fn redact(
    program: &Program,
    value: &Value,
    record: RecordId,
    path: &mut Vec<usize>,
    text: &str,
    grants: &[(Vec<usize>, String)],
    withholds: &[Vec<usize>],
    shared: &mut Vec<SharedField>,
    withheld: &mut Vec<String>,
) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let (Some(def), Value::Record(fields)) = (program.records.get(record.0 as usize), value) else {
        return serde_json::Value::Object(out);
    };
    for (index, (field, field_value)) in def.fields.iter().zip(fields).enumerate() {
        path.push(index);
        let field_text = format!("{text}.{}", field.name);
        let covered_by_withhold = withholds.iter().any(|w| starts_with(path, w));
        let grant = grants.iter().find(|(g, _)| starts_with(path, g));
        let withhold_below = withholds
            .iter()
            .any(|w| w.len() > path.len() && starts_with(w, path));
        let grant_below = grants
            .iter()
            .any(|(g, _)| g.len() > path.len() && starts_with(g, path));
        let nested = match field.ty.without_optional() {
            Ty::Record(id) if !matches!(field_value, Value::Absent) => Some(*id),
            _ => None,
        };
        if covered_by_withhold {
            withheld.push(field_text);
        } else if let (Some((_, by)), false) = (grant, withhold_below) {
            shared.push(SharedField {
                field: field_text,
                allowed_by: by.clone(),
            });
            if *field_value != Value::Absent {
                out.insert(field.name.clone(), to_json(program, field_value, &field.ty));
            }
        } else if let (Some(id), true) = (nested, grant.is_some() || grant_below) {
            let inner = redact(
                program,
                field_value,
                id,
                path,
                &field_text,
                grants,
                withholds,
                shared,
                withheld,
            );
            out.insert(field.name.clone(), inner);
        } else {
            withheld.push(field_text);
        }
        path.pop();
    }
    serde_json::Value::Object(out)
}

fn all_paths(program: &Program, record: RecordId, text: &str, out: &mut Vec<String>) {
    if let Some(def) = program.records.get(record.0 as usize) {
        for field in &def.fields {
            out.push(format!("{text}.{}", field.name));
        }
    }
}

/// Whether `path` is among `paths` (for test expectations).
pub fn contains_path(paths: &[String], path: &FieldPath) -> bool {
    paths.contains(&path.text)
}
