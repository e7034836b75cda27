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

/// One record's two results.
pub struct Compared {
    pub before: DecisionResult,
    pub after: DecisionResult,
    pub record: Option<Value>,
}

/// Records compared and summarised at a time: memory stays flat whatever
/// the size of the traffic.
const BLOCK: usize = 65_536;

/// Decides every record with both programs on `threads` threads and
/// summarises the differences.
pub fn impact(
    old: &Program,
    new: &Program,
    decision: &str,
    records: &[&str],
    context: &serde_json::Value,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Impact, String> {
    let old_i = Interpreter::new(old);
    let new_i = Interpreter::new(new);
    let old_d = old_i
        .decision_index(decision)
        .ok_or_else(|| format!("the old rules have no decision `{decision}`"))?;
    let new_d = new_i
        .decision_index(decision)
        .ok_or_else(|| format!("the new rules have no decision `{decision}`"))?;
    let context_of = |i: &Interpreter<'_>| {
        i.context_from_json(context).map_err(|problems| {
            let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!("invalid context: {}", listed.join("; "))
        })
    };
    let old_ctx = context_of(&old_i)?;
    let new_ctx = context_of(&new_i)?;
    let new_def = new.decisions.get(new_d).ok_or("no decision")?;
    let schema = Ty::Record(new_def.schema);
    let threads = threads.max(1);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut summary = Summary::new(new, decision);
    for (block_number, block) in records.chunks(BLOCK).enumerate() {
        let chunk = block.len().div_ceil(threads).max(1);
        let mut compared: Vec<Compared> = Vec::with_capacity(block.len());
        std::thread::scope(|scope| {
            let handles: Vec<_> = block
                .chunks(chunk)
                .map(|part| {
                    let (old_i, new_i, old_ctx, new_ctx, schema, done) =
                        (&old_i, &new_i, &old_ctx, &new_ctx, &schema, &done);
                    scope.spawn(move || {
                        part.iter()
                            .map(|text| {
                                let before = old_i.decide_json(
                                    old_d,
                                    text,
                                    old_ctx,
                                    DecodeOptions::default(),
                                );
                                // Decoded once for the new rules and the breakdown.
                                let record =
                                    decode(new_i.program, schema, text, DecodeOptions::default());
                                let after = match &record {
                                    Ok(r) => new_i.decide(new_d, r, new_ctx),
                                    Err(problems) => new_i.input_invalid(new_def, problems),
                                };
                                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                                if n % 10_000 == 0 {
                                    progress(n);
                                }
                                Compared {
                                    before,
                                    after,
                                    record: record.ok(),
                                }
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(mut part) => compared.append(&mut part),
                    Err(_) => return Err("a worker thread failed".to_string()),
                }
            }
            Ok(())
        })?;
        summary.add(block_number * BLOCK, &compared);
    }
    Ok(summary.finish())
}

/// Counts kept while blocks of records are compared.
struct Summary<'p> {
    program: &'p Program,
    schema: Option<lintas_check::types::RecordId>,
    group_fields: Vec<(String, usize)>,
    impact: Impact,
    matrix: BTreeMap<(String, String), usize>,
    rules: BTreeMap<String, (usize, usize, usize, usize)>,
    breakdown: BTreeMap<(String, String), (usize, usize)>,
    per_pair: BTreeMap<(String, String), usize>,
}

impl<'p> Summary<'p> {
    fn new(program: &'p Program, decision: &str) -> Summary<'p> {
        let schema = program
            .decisions
            .iter()
            .find(|d| d.name == decision)
            .map(|d| d.schema);
        let group_fields = schema
            .and_then(|s| program.records.get(s.0 as usize))
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
        Summary {
            program,
            schema,
            group_fields,
            impact: Impact {
                decision: decision.to_string(),
                ..Impact::default()
            },
            matrix: BTreeMap::new(),
            rules: BTreeMap::new(),
            breakdown: BTreeMap::new(),
            per_pair: BTreeMap::new(),
        }
    }

    /// Adds compared records that start at position `offset` of the traffic.
    fn add(&mut self, offset: usize, compared: &[Compared]) {
        self.impact.records += compared.len();
        for (i, c) in compared.iter().enumerate() {
            let index = offset + i;
            let changed =
                c.before.outcome != c.after.outcome || codes(&c.before) != codes(&c.after);
            *self
                .matrix
                .entry((c.before.outcome.clone(), c.after.outcome.clone()))
                .or_default() += 1;
            let fired_before: BTreeSet<&str> =
                c.before.reasons.iter().map(|r| r.rule.as_str()).collect();
            let fired_after: BTreeSet<&str> =
                c.after.reasons.iter().map(|r| r.rule.as_str()).collect();
            for rule in fired_before.union(&fired_after) {
                if rule.is_empty() {
                    continue;
                }
                let entry = self.rules.entry((*rule).to_string()).or_default();
                let (b, a) = (fired_before.contains(rule), fired_after.contains(rule));
                entry.0 += usize::from(b);
                entry.1 += usize::from(a);
                entry.2 += usize::from(a && !b);
                entry.3 += usize::from(b && !a);
            }
            if let Some(Value::Record(fields)) = &c.record {
                for (name, field) in &self.group_fields {
                    let value = fields
                        .get(*field)
                        .map(|v| match to_json(self.program, v, &Ty::Error) {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .unwrap_or_default();
                    let entry = self.breakdown.entry((name.clone(), value)).or_default();
                    entry.0 += 1;
                    entry.1 += usize::from(changed);
                }
            }
            if changed {
                self.impact.changed += 1;
                self.impact.changed_records.push(index);
                let seen = self
                    .per_pair
                    .entry((c.before.outcome.clone(), c.after.outcome.clone()))
                    .or_default();
                if *seen < EXAMPLES_PER_CHANGE {
                    *seen += 1;
                    let input = match (&c.record, self.schema) {
                        (Some(v), Some(s)) => masked(self.program, v, &Ty::Record(s)),
                        _ => serde_json::Value::Null,
                    };
                    self.impact.examples.push(Example {
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
    }

    fn finish(mut self) -> Impact {
        self.impact.matrix = self
            .matrix
            .into_iter()
            .map(|((from, to), count)| Transition { from, to, count })
            .collect();
        self.impact.rules = self
            .rules
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
        let mut rows: Vec<Breakdown> = self
            .breakdown
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
        self.impact.breakdown = rows;
        self.impact
    }
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
