//! The impact of a rule change on traffic: both versions decide the same
//! records, and the differences are counted the ways a reviewer asks about
//! them (outcome matrix, rules that newly fire or stop firing, by
//! nationality and purpose), with a few masked example records.

use crate::decide::{DecisionResult, Interpreter};
use crate::decode::{DecodeOptions, decode};
use crate::json::to_json;
use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_check::value::Value;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Example records kept per from -> to pair.
pub const EXAMPLES_PER_CHANGE: usize = 3;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Impact {
    pub decision: String,
    pub records: usize,
    pub changed: usize,
    /// `(from, to)` outcome pairs and how many records moved that way,
    /// unchanged ones included.
    pub matrix: Vec<Transition>,
    pub rules: Vec<RuleImpact>,
    /// `field = value` (nationality, purpose, checkpoint) with how many
    /// records had it and how many of those changed.
    pub breakdown: Vec<Breakdown>,
    pub examples: Vec<Example>,
    /// 0-based positions of the records whose decision changed.
    #[serde(skip)]
    pub changed_records: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleImpact {
    pub rule: String,
    pub fired_before: usize,
    pub fired_after: usize,
    pub newly_fires: usize,
    pub stops_firing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub field: String,
    pub value: String,
    pub records: usize,
    pub changed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// 1-based position in the traffic.
    pub record: usize,
    pub from: String,
    pub to: String,
    pub reasons_before: Vec<String>,
    pub reasons_after: Vec<String>,
    /// The record with fields marked `sensitive` replaced by `"***"`.
    pub input: serde_json::Value,
}

/// One record's two results, for callers that want them all.
pub struct Compared {
    pub before: DecisionResult,
    pub after: DecisionResult,
    pub record: Option<Value>,
}

/// Decides every record with both programs, on `threads` threads, in order.
pub fn compare(
    old: &Program,
    new: &Program,
    decision: &str,
    records: &[&str],
    context: &serde_json::Value,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Compared>, String> {
    let old_i = Interpreter::new(old);
    let new_i = Interpreter::new(new);
    let old_d = old_i
        .decision_index(decision)
        .ok_or_else(|| format!("the old rules have no decision `{decision}`"))?;
    let new_d = new_i
        .decision_index(decision)
        .ok_or_else(|| format!("the new rules have no decision `{decision}`"))?;
    let old_ctx = old_i.context_from_json(context).map_err(|p| {
        format!(
            "invalid context: {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let new_ctx = new_i.context_from_json(context).map_err(|p| {
        format!(
            "invalid context: {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let schema = new
        .decisions
        .get(new_d)
        .map(|d| Ty::Record(d.schema))
        .unwrap_or(Ty::Error);
    let threads = threads.max(1);
    let chunk = records.len().div_ceil(threads).max(1);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Compared> = Vec::with_capacity(records.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = records
            .chunks(chunk)
            .map(|part| {
                let (old_i, new_i, old_ctx, new_ctx, schema, done) =
                    (&old_i, &new_i, &old_ctx, &new_ctx, &schema, &done);
                scope.spawn(move || {
                    part.iter()
                        .map(|text| {
                            let before =
                                old_i.decide_json(old_d, text, old_ctx, DecodeOptions::default());
                            let after =
                                new_i.decide_json(new_d, text, new_ctx, DecodeOptions::default());
                            let record =
                                decode(new_i.program, schema, text, DecodeOptions::default()).ok();
                            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                            if n % 10_000 == 0 {
                                progress(n);
                            }
                            Compared {
                                before,
                                after,
                                record,
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(mut part) => out.append(&mut part),
                Err(_) => return Err("a worker thread failed".to_string()),
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Summarises compared results.
pub fn summarise(new: &Program, decision: &str, compared: &[Compared]) -> Impact {
    let def = new.decisions.iter().find(|d| d.name == decision);
    let schema = def.map(|d| d.schema);
    let mut matrix: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut rules: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    let mut breakdown: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut per_pair: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut impact = Impact {
        decision: decision.to_string(),
        records: compared.len(),
        ..Impact::default()
    };
    let group_fields: Vec<(String, usize)> = schema
        .and_then(|s| new.records.get(s.0 as usize))
        .map(|r| {
            r.fields
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    matches!(f.name.as_str(), "nationality" | "purpose" | "checkpoint")
                })
                .map(|(i, f)| (f.name.clone(), i))
                .collect()
        })
        .unwrap_or_default();
    for (index, c) in compared.iter().enumerate() {
        let changed = c.before.outcome != c.after.outcome || codes(&c.before) != codes(&c.after);
        *matrix
            .entry((c.before.outcome.clone(), c.after.outcome.clone()))
            .or_default() += 1;
        let fired_before: BTreeSet<&str> =
            c.before.reasons.iter().map(|r| r.rule.as_str()).collect();
        let fired_after: BTreeSet<&str> = c.after.reasons.iter().map(|r| r.rule.as_str()).collect();
        for rule in fired_before.union(&fired_after) {
            if rule.is_empty() {
                continue;
            }
            let entry = rules.entry((*rule).to_string()).or_default();
            let (b, a) = (fired_before.contains(rule), fired_after.contains(rule));
            entry.0 += usize::from(b);
            entry.1 += usize::from(a);
            entry.2 += usize::from(a && !b);
            entry.3 += usize::from(b && !a);
        }
        if let Some(Value::Record(fields)) = &c.record {
            for (name, i) in &group_fields {
                let value = fields
                    .get(*i)
                    .map(|v| match to_json(new, v, &Ty::Error) {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .unwrap_or_default();
                let entry = breakdown.entry((name.clone(), value)).or_default();
                entry.0 += 1;
                entry.1 += usize::from(changed);
            }
        }
        if changed {
            impact.changed += 1;
            impact.changed_records.push(index);
            let pair = (c.before.outcome.clone(), c.after.outcome.clone());
            let seen = per_pair.entry(pair).or_default();
            if *seen < EXAMPLES_PER_CHANGE {
                *seen += 1;
                let input = match (&c.record, schema) {
                    (Some(v), Some(s)) => masked(new, v, &Ty::Record(s)),
                    _ => serde_json::Value::Null,
                };
                impact.examples.push(Example {
                    record: index + 1,
                    from: c.before.outcome.clone(),
                    to: c.after.outcome.clone(),
                    reasons_before: codes(&c.before),
                    reasons_after: codes(&c.after),
                    input,
                });
            }
        }
    }
    impact.matrix = matrix
        .into_iter()
        .map(|((from, to), count)| Transition { from, to, count })
        .collect();
    impact.rules = rules
        .into_iter()
        .map(
            |(rule, (fired_before, fired_after, newly_fires, stops_firing))| RuleImpact {
                rule,
                fired_before,
                fired_after,
                newly_fires,
                stops_firing,
            },
        )
        .collect();
    let mut rows: Vec<Breakdown> = breakdown
        .into_iter()
        .filter(|(_, (_, changed))| *changed > 0)
        .map(|((field, value), (records, changed))| Breakdown {
            field,
            value,
            records,
            changed,
        })
        .collect();
    // Most affected first, so the top of the list is what a reviewer needs.
    rows.sort_by(|a, b| {
        b.changed
            .cmp(&a.changed)
            .then_with(|| (&a.field, &a.value).cmp(&(&b.field, &b.value)))
    });
    impact.breakdown = rows;
    impact
}

fn codes(result: &DecisionResult) -> Vec<String> {
    result.reasons.iter().map(|r| r.code.clone()).collect()
}

/// A record as JSON with every `sensitive` field replaced by `"***"`.
pub fn masked(program: &Program, value: &Value, ty: &Ty) -> serde_json::Value {
    match (value, ty.without_optional()) {
        (Value::Record(fields), Ty::Record(id)) => {
            let Some(def) = program.records.get(id.0 as usize) else {
                return serde_json::Value::Null;
            };
            let mut map = serde_json::Map::new();
            for (field, v) in def.fields.iter().zip(fields) {
                if *v == Value::Absent {
                    continue;
                }
                let shown = if field.sensitive {
                    serde_json::Value::String("***".to_string())
                } else {
                    masked(program, v, &field.ty)
                };
                map.insert(field.name.clone(), shown);
            }
            serde_json::Value::Object(map)
        }
        (Value::List(items), Ty::List(element)) => {
            serde_json::Value::Array(items.iter().map(|i| masked(program, i, element)).collect())
        }
        (v, ty) => to_json(program, v, ty),
    }
}
