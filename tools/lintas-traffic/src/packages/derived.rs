//! Named values: constants, lets (some that can fail: divisions, table
//! lookups), scores with and without term conditions, decision tables with
//! every hit policy, and manifest aggregates.

use super::draw;
use super::exprs::{Gen, Pos};
use super::model::Ty;
use super::scope::{Named, NamedKind, Scope};
use super::values::{self, Val};

/// A generated item: its source text and what it makes visible.
pub(crate) struct Item {
    pub text: String,
    pub named: Named,
}

const LET_NAMES: &[&str] = &[
    "age",
    "ratio",
    "stay_end",
    "row",
    "window",
    "flagged",
    "amount_due",
    "ผลรวม",
    "tuổi_khách",
    "per_night",
    "limit_left",
];
const CONSTANT_NAMES: &[&str] = &["MIN_AGE", "MAX_STAY", "LIMIT", "CUTOFF", "FEE", "GRACE"];
/// Term names never equal the names of lets, scores or tables (the check
/// for unused lets reads names off the text).
const TERM_NAMES: &[&str] = &[
    "paid_cash",
    "one_way",
    "late",
    "overstays",
    "group",
    "minor",
    "flag",
    "cash",
    "ค่า",
];

fn for_clause(decisions: &[String]) -> String {
    format!(" for {}", decisions.join(", "))
}

impl Gen {
    fn uses_aggregate(&mut self, sc: &Scope) -> bool {
        let touched = self.take_touched();
        touched.iter().any(|name| {
            sc.named(name)
                .is_some_and(|n| n.kind == NamedKind::Aggregate || n.uses_aggregate)
        })
    }

    /// `let NAME = ...` without `for`: a constant, inlined where used.
    pub fn constant(&mut self) -> Item {
        let base = *draw::pick(&mut self.rng, CONSTANT_NAMES).unwrap_or(&"LIMIT");
        let name = self.names.fresh(base);
        let (ty, value, hint) = match draw::weighted(&mut self.rng, &[4, 2, 2, 1, 1, 1]) {
            0 => {
                let n = self.rng.range(1, 90);
                (Ty::Int, n.to_string(), Some(Val::Int(n)))
            }
            1 => {
                let n = self.rng.range(1, 30);
                (Ty::Int, format!("({n} * 12)"), Some(Val::Int(n * 12)))
            }
            2 => {
                let d = values::DECIMAL_ONE * self.rng.range(0, 5) + self.rng.range(1, 9_999);
                (Ty::Decimal, values::decimal_literal(d), Some(Val::Dec(d)))
            }
            3 => {
                let d = values::day_number(2024, 2, 29);
                (
                    Ty::Date,
                    format!("{} + 1 year", values::format_date(d)),
                    None,
                )
            }
            4 => (Ty::Text, self.literal(&Ty::Text, Pos::ANY), None),
            _ => (Ty::Country, self.literal(&Ty::Country, Pos::ANY), None),
        };
        if let Some(h) = &hint {
            self.dict.note(h);
        }
        Item {
            text: format!("let {name} = {value}\n"),
            named: Named {
                name,
                ty,
                kind: NamedKind::Constant,
                uses_aggregate: false,
                hints: hint.into_iter().collect(),
            },
        }
    }

    /// A let for the decisions: lookups, risky arithmetic, optional values.
    pub fn let_item(&mut self, sc: &Scope, decisions: &[String]) -> Item {
        let base = *draw::pick(&mut self.rng, LET_NAMES).unwrap_or(&"value");
        let name = self.names.fresh(base);
        self.take_touched();
        let tables = u32::from(!self.data.tables.is_empty());
        let optionals = u32::from(!self.optionals(sc, None).is_empty());
        let (value, ty) = match draw::weighted(&mut self.rng, &[3 * tables, 3, 2, 2 * optionals, 6])
        {
            0 => match self.lookup(sc) {
                Some(lookup) => {
                    let table = lookup.split('[').next().unwrap_or_default().to_string();
                    let record = self
                        .data
                        .tables
                        .iter()
                        .find(|t| t.name == table)
                        .map_or(0, |t| t.record);
                    (lookup, Ty::Record(record).optional())
                }
                None => (self.int(sc, 2, Pos::DYNAMIC), Ty::Int),
            },
            1 => {
                // Divides by a field that is sometimes zero.
                if self.chance(0.5) {
                    let a = self.int(sc, 1, Pos::DYNAMIC);
                    let b = self.divisor(sc, &Ty::Int, &a);
                    (format!("{a} / {b}"), Ty::Int)
                } else {
                    let a = self.dec(sc, 1, Pos::DYNAMIC);
                    let b = self.divisor(sc, &Ty::Decimal, &a);
                    (format!("{a} / {b}"), Ty::Decimal)
                }
            }
            2 => {
                let d = self.distinct("context.date", &Ty::Date, |g| g.date(sc, 0, Pos::DYNAMIC));
                let f = *draw::pick(&mut self.rng, &["years_between", "months_between"])
                    .unwrap_or(&"years_between");
                (format!("{f}({d}, context.date)"), Ty::Int)
            }
            3 => {
                let opts: Vec<_> = self
                    .optionals(sc, None)
                    .into_iter()
                    .filter(|p| p.ty.without_optional().is_scalar())
                    .collect();
                match self.choose(sc, &opts) {
                    Some(p) => (p.text, p.ty),
                    None => (self.cond(sc, 1), Ty::Bool),
                }
            }
            _ => {
                let mut types = vec![
                    Ty::Int,
                    Ty::Decimal,
                    Ty::Date,
                    Ty::Text,
                    Ty::Country,
                    Ty::Bool,
                ];
                types.extend((0..self.u.enums.len()).map(Ty::Enum));
                let ty = draw::pick(&mut self.rng, &types)
                    .cloned()
                    .unwrap_or(Ty::Int);
                (self.value(sc, &ty, 2, Pos::DYNAMIC), ty)
            }
        };
        let uses_aggregate = self.uses_aggregate(sc);
        let layout = if value.len() > 60 { "\n  " } else { " " };
        let doc = if self.chance(0.3) {
            "/// Computed once per decision, when first needed.\n"
        } else {
            ""
        };
        Item {
            text: format!(
                "{doc}let {name}{} ={layout}{value}\n",
                for_clause(decisions)
            ),
            named: Named {
                name,
                ty,
                kind: NamedKind::Let,
                uses_aggregate,
                hints: Vec::new(),
            },
        }
    }

    /// A score: weighted terms, with and without conditions.
    pub fn score_item(&mut self, sc: &Scope, decisions: &[String]) -> Item {
        let name = self.names.fresh("risk");
        self.take_touched();
        let mut decimal = false;
        let mut literal_weights: Vec<i64> = Vec::new();
        let mut terms = Vec::new();
        let mut term_names: Vec<String> = Vec::new();
        for _ in 0..draw::count(&mut self.rng, 2, 5) {
            let base = *draw::pick(&mut self.rng, TERM_NAMES).unwrap_or(&"term");
            let mut term = base.to_string();
            let mut n = 2;
            while term_names.contains(&term) {
                term = format!("{base}_{n}");
                n += 1;
            }
            term_names.push(term.clone());
            let line = match draw::weighted(&mut self.rng, &[5, 2, 2, 2, 1]) {
                0 => {
                    let w = self.rng.range(1, 5);
                    literal_weights.push(w * values::DECIMAL_ONE);
                    format!("{term}: {w} when {}", self.cond(sc, 1))
                }
                1 => {
                    let w = self.rng.range(5, 35) * values::DECIMAL_ONE / 10;
                    decimal = true;
                    literal_weights.push(w);
                    let w = values::decimal_literal(w);
                    format!("{term}: {w} when {}", self.cond(sc, 1))
                }
                2 => {
                    let k = self.rng.range(1, 4);
                    let e = self.int(sc, 1, Pos::DYNAMIC);
                    format!("{term}: {k} * {e}")
                }
                3 => {
                    let numbers: Vec<_> = self
                        .optionals(sc, Some(&Ty::Int))
                        .into_iter()
                        .chain(self.optionals(sc, Some(&Ty::Decimal)))
                        .collect();
                    match self.choose(sc, &numbers) {
                        Some(p) => {
                            decimal |= *p.ty.without_optional() == Ty::Decimal;
                            format!("{term}: {} when {} is present", p.text, p.text)
                        }
                        None => format!("{term}: 1 when {}", self.cond(sc, 1)),
                    }
                }
                _ => {
                    decimal = true;
                    format!("{term}: {}", self.dec(sc, 1, Pos::DYNAMIC))
                }
            };
            terms.push(line);
        }
        let uses_aggregate = self.uses_aggregate(sc);
        let ty = if decimal { Ty::Decimal } else { Ty::Int };
        // Typical totals: sums of a few of the fixed weights.
        let mut hints = Vec::new();
        for _ in 0..3 {
            let sum: i64 = literal_weights
                .iter()
                .filter(|_| self.rng.chance(0.5))
                .sum();
            let sum = sum.max(values::DECIMAL_ONE);
            hints.push(if decimal {
                Val::Dec(sum)
            } else {
                Val::Int(sum / values::DECIMAL_ONE)
            });
        }
        let mut text = format!("score {name}{} {{\n", for_clause(decisions));
        for t in terms {
            if self.chance(0.2) {
                text.push_str("  /// An indicator; it proves nothing alone.\n");
            }
            text.push_str(&format!("  {t}\n"));
        }
        text.push_str("}\n");
        Item {
            text,
            named: Named {
                name,
                ty,
                kind: NamedKind::Score,
                uses_aggregate,
                hints,
            },
        }
    }

    /// A decision table with a random hit policy; overlapping rows make
    /// `unique` and `any` tables fail now and then, as they should.
    pub fn table_item(&mut self, sc: &Scope, decisions: &[String]) -> Item {
        let name = self.names.fresh("band");
        self.take_touched();
        let hit =
            *draw::pick(&mut self.rng, &["first", "unique", "any", "collect"]).unwrap_or(&"first");
        let mut input_types = vec![
            Ty::Int,
            Ty::Decimal,
            Ty::Date,
            Ty::Text,
            Ty::Country,
            Ty::Bool,
        ];
        input_types.extend((0..self.u.enums.len()).map(Ty::Enum));
        let n_inputs = draw::count(&mut self.rng, 1, 3);
        let mut inputs: Vec<(String, Ty)> = Vec::new();
        for _ in 0..n_inputs {
            let ty = draw::pick(&mut self.rng, &input_types)
                .cloned()
                .unwrap_or(Ty::Int);
            let e = self.value(sc, &ty, 1, Pos::DYNAMIC);
            inputs.push((e, ty));
        }
        let result = draw::pick(
            &mut self.rng,
            &[
                Ty::Int,
                Ty::Int,
                Ty::Decimal,
                Ty::Text,
                Ty::Country,
                Ty::Date,
                Ty::Bool,
            ],
        )
        .cloned()
        .unwrap_or(Ty::Int);
        let types: Vec<Ty> = inputs.iter().map(|(_, ty)| ty.clone()).collect();
        let grid = if matches!(hit, "unique" | "any") {
            self.disjoint_cells(&types)
        } else {
            (0..draw::count(&mut self.rng, 2, 5))
                .map(|_| types.iter().map(|ty| self.cell(sc, ty)).collect())
                .collect()
        };
        let mut rows = Vec::new();
        let mut hints = Vec::new();
        let mut previous: Option<String> = None;
        for (i, cells) in grid.into_iter().enumerate() {
            let pos = Pos {
                literal: true,
                expected: i > 0,
                small: result == Ty::Decimal,
            };
            // Repeat the previous result sometimes, so `any` tables agree.
            let value = match &previous {
                Some(p) if hit == "any" && self.chance(0.5) => p.clone(),
                _ if self.chance(0.85) => self.literal(&result, pos),
                _ => self.value(
                    sc,
                    &result,
                    1,
                    Pos {
                        literal: false,
                        ..pos
                    },
                ),
            };
            if matches!(result, Ty::Int)
                && let Ok(n) = value.parse::<i64>()
            {
                hints.push(Val::Int(n));
            }
            previous = Some(value.clone());
            rows.push(format!("  | {} || {value} |\n", cells.join(" | ")));
        }
        let default = (hit != "collect" && self.chance(0.45)).then(|| {
            let pos = Pos {
                literal: true,
                expected: true,
                small: result == Ty::Decimal,
            };
            self.literal(&result, pos)
        });
        let uses_aggregate = self.uses_aggregate(sc);
        let ty = match (hit, &default) {
            ("collect", _) => result.clone().list(),
            (_, Some(_)) => result.clone(),
            _ => result.clone().optional(),
        };
        let output =
            *draw::pick(&mut self.rng, &["days", "result", "level", "grade"]).unwrap_or(&"result");
        let header: Vec<&str> = inputs.iter().map(|(e, _)| e.as_str()).collect();
        let mut text = format!(
            "decision table {name}{} {{\n  hit {hit}\n",
            for_clause(decisions)
        );
        if let Some(d) = default {
            text.push_str(&format!("  default {d}\n"));
        }
        text.push_str(&format!("  | {} || {output} |\n", header.join(" | ")));
        for r in rows {
            text.push_str(&r);
        }
        text.push_str("}\n");
        Item {
            text,
            named: Named {
                name,
                ty,
                kind: NamedKind::Table,
                uses_aggregate,
                hints,
            },
        }
    }

    /// Rows for `unique` and `any` tables: one value per cell, no two rows
    /// alike, so that rows exclude each other; then, in half the tables,
    /// one cell widened to `-` so that two rows overlap on some records
    /// (a conflict for `unique`, and for `any` when their results differ).
    fn disjoint_cells(&mut self, types: &[Ty]) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = Vec::new();
        for _ in 0..draw::count(&mut self.rng, 2, 5) {
            for _ in 0..5 {
                let row: Vec<String> = types
                    .iter()
                    .map(|ty| self.literal(ty, Pos::EXPECTED.small()))
                    .collect();
                if !rows.contains(&row) {
                    rows.push(row);
                    break;
                }
            }
        }
        if self.chance(0.5) {
            let r = draw::count(&mut self.rng, 0, rows.len().saturating_sub(1));
            let c = draw::count(&mut self.rng, 0, types.len().saturating_sub(1));
            if let Some(cell) = rows.get_mut(r).and_then(|row| row.get_mut(c)) {
                *cell = "-".to_string();
            }
        }
        rows
    }

    /// One cell of a decision table row, for an input of type `ty`.
    fn cell(&mut self, sc: &Scope, ty: &Ty) -> String {
        let pos = Pos {
            literal: true,
            expected: true,
            small: *ty == Ty::Decimal,
        };
        match draw::weighted(&mut self.rng, &[3, 4, 2, 3]) {
            0 => "-".to_string(),
            1 => {
                let n = draw::count(&mut self.rng, 1, 3);
                let values: Vec<String> = (0..n).map(|_| self.literal(ty, pos)).collect();
                values.join(", ")
            }
            2 => {
                let not = if self.chance(0.3) { "not in" } else { "in" };
                let sets: Vec<String> = super::values::Kind::of(ty)
                    .map(|k| {
                        self.data
                            .sets_of(k)
                            .iter()
                            .map(|s| s.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let lists: Vec<String> = self
                    .lists(sc)
                    .into_iter()
                    .filter(|p| p.ty == ty.clone().list())
                    .map(|p| p.text)
                    .collect();
                let container = match draw::weighted(&mut self.rng, &[2, 1, 2]) {
                    0 if !sets.is_empty() => draw::pick(&mut self.rng, &sets).cloned(),
                    1 if !lists.is_empty() => {
                        let l = draw::pick(&mut self.rng, &lists).cloned();
                        if let Some(l) = &l {
                            self.touch(sc, l);
                        }
                        l
                    }
                    _ => None,
                };
                let container = container.unwrap_or_else(|| self.list_literal(sc, ty, 0, true));
                format!("{not} {container}")
            }
            _ => {
                let ops: &[&str] = if ty.is_ordered() {
                    &["<", "<=", ">", ">=", "==", "!="]
                } else {
                    &["==", "!="]
                };
                let op = *draw::pick(&mut self.rng, ops).unwrap_or(&"==");
                format!("{op} {}", self.literal(ty, pos))
            }
        }
    }

    /// `aggregate NAME = count by KEYS [where C]`, over aggregate-free values.
    pub fn aggregate(&mut self, sc: &Scope) -> (String, Named) {
        let name = self.names.fresh("same");
        let mut key_types = vec![Ty::Country, Ty::Text, Ty::Int, Ty::Bool, Ty::Date];
        key_types.extend((0..self.u.enums.len()).map(Ty::Enum));
        let keys: Vec<String> = (0..draw::count(&mut self.rng, 1, 2))
            .map(|_| {
                let ty = draw::pick(&mut self.rng, &key_types)
                    .cloned()
                    .unwrap_or(Ty::Country);
                self.value(sc, &ty, 0, Pos::DYNAMIC)
            })
            .collect();
        let filter = if self.chance(0.5) {
            format!(" where {}", self.cond(sc, 1))
        } else {
            String::new()
        };
        let text = format!("aggregate {name} = count by {}{filter}", keys.join(", "));
        (
            text,
            Named {
                name,
                ty: Ty::Int,
                kind: NamedKind::Aggregate,
                uses_aggregate: true,
                hints: vec![Val::Int(0), Val::Int(1), Val::Int(2)],
            },
        )
    }
}
