//! Decisions, reasons and rules: conditions built as a few alternatives
//! of a few atoms each (so that each rule fires on part of the traffic),
//! `with` values of every type, and effective ranges and members planned
//! around the contexts' dates and members so that every rule is evaluated
//! in at least one context.

use super::conds::Cond;
use super::draw;
use super::exprs::{Gen, Pos};
use super::model::Ty;
use super::pools;
use super::scope::NamedKind;
use super::scope::{Place, Scope};
use super::values;

pub(crate) struct Decision {
    pub name: String,
    pub manifest: bool,
    pub outcomes: Vec<String>,
    pub default: usize,
    /// `None`: left out, so `refer` applies.
    pub on_error: Option<usize>,
    pub aggregates: Vec<String>,
}

impl Decision {
    pub fn render(&self, subject: &str, schema: &str) -> String {
        let each = if self.manifest { "each " } else { "" };
        let manifest = if self.manifest { " in manifest" } else { "" };
        let mut text = format!(
            "decision {} for {each}{subject}: {schema}{manifest} {{\n",
            self.name
        );
        text.push_str(&format!("  outcomes {}\n", self.outcomes.join(" > ")));
        let outcome = |i: usize| self.outcomes.get(i).cloned().unwrap_or_default();
        text.push_str(&format!("  default {}\n", outcome(self.default)));
        if let Some(e) = self.on_error {
            text.push_str(&format!("  on error {}\n", outcome(e)));
        }
        for a in &self.aggregates {
            text.push_str(&format!("  {a}\n"));
        }
        text.push_str("}\n");
        text
    }
}

/// What a rule must be: its outcome, mode, anchor window on the dial, and
/// an extra alternative for its condition.
pub(crate) struct RuleSpec {
    pub outcome: String,
    pub shadow: bool,
    pub window: (i64, i64),
    pub extra: Option<String>,
    /// The rule its outcome relies on: its `with` values read no let,
    /// score or table, so that firing on its anchor never fails (most
    /// other rules' do not either).
    pub carries: bool,
}

pub(crate) struct Rule {
    pub id: String,
    pub decisions: Vec<String>,
    pub doc: Option<String>,
    pub description: String,
    pub clauses: Vec<String>,
    /// A presence check around the whole condition.
    pub guard: Option<String>,
    /// The alternatives of the condition, joined with `or`.
    pub alternatives: Vec<String>,
    pub outcome: String,
    pub reason: String,
    pub with: Vec<(String, String)>,
}

impl Rule {
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Some(doc) = &self.doc {
            text.push_str(&format!("/// {doc}\n"));
        }
        text.push_str(&format!(
            "rule {} for {}\n  {}\n",
            self.id,
            self.decisions.join(", "),
            values::text_literal(&self.description, false)
        ));
        for c in &self.clauses {
            text.push_str(&format!("  {c}\n"));
        }
        let core = self.alternatives.join("\n    or ");
        let when = match &self.guard {
            Some(p) => format!("{p} is present\n    and ({core})"),
            None => core,
        };
        text.push_str(&format!("  when {when}\n"));
        text.push_str(&format!("  then {} {}", self.outcome, self.reason));
        if !self.with.is_empty() {
            let values: Vec<String> = self
                .with
                .iter()
                .map(|(name, value)| format!("{name} = {value}"))
                .collect();
            text.push_str(&format!(" with\n    {}", values.join(",\n    ")));
        }
        text.push('\n');
        text
    }
}

const RULE_NAMES: &[&str] = &[
    "doc_check",
    "risk_check",
    "watch",
    "stay_limit",
    "late_booking",
    "minor_alone",
    "duplicate",
    "cash",
    "กฎ",
    "kiểm_tra",
    "origin_screen",
];
const REASON_NAMES: &[&str] = &[
    "DOC_EXPIRED",
    "RISK_SCORE",
    "WATCHLIST",
    "VISA_REQUIRED",
    "HEALTH_YF",
    "OVERSTAY",
    "MINOR_ALONE",
    "DUPLICATE",
    "CASH_BOOKING",
    "SCREENING",
];
const VALUE_NAMES: &[&str] = &[
    "value",
    "score",
    "until",
    "days",
    "count",
    "name",
    "country",
    "kind",
    "ngày",
    "จำนวน",
    "from",
];

/// The reason codes a package declares, each with its description.
#[derive(Default)]
pub(crate) struct Reasons {
    pub declared: Vec<(String, Option<String>)>,
}

impl Reasons {
    pub fn render(&self) -> String {
        let mut text = String::new();
        for (code, description) in &self.declared {
            match description {
                Some(d) => text.push_str(&format!(
                    "reason {code} {}\n",
                    values::text_literal(d, false)
                )),
                None => text.push_str(&format!("reason {code}\n")),
            }
        }
        text
    }
}

impl Gen {
    /// A reason code: a new one, or one another rule gives too.
    fn reason(&mut self, reasons: &mut Reasons) -> String {
        if !reasons.declared.is_empty() && self.chance(0.3) {
            let codes: Vec<String> = reasons.declared.iter().map(|(c, _)| c.clone()).collect();
            if let Some(c) = draw::pick(&mut self.rng, &codes) {
                return c.clone();
            }
        }
        let base = *draw::pick(&mut self.rng, REASON_NAMES).unwrap_or(&"SCREENING");
        let code = self.names.fresh(base);
        let description = self.chance(0.85).then(|| {
            let d = *draw::pick(&mut self.rng, pools::DESCRIPTIONS).unwrap_or(&"A finding");
            d.to_string()
        });
        reasons.declared.push((code.clone(), description));
        code
    }

    /// A rule for `decisions`.
    ///
    /// Its condition has two parts. The anchor is true exactly when the
    /// dial falls in the rule's window, which no other rule of its
    /// decisions shares: so every rule fires on a known share of the
    /// traffic, and alone, which makes its outcome occur. The random part
    /// is gated by the dial being above 50, which bounds how often it fires
    /// and keeps the anchors' records free of it.
    pub fn rule(
        &mut self,
        sc: &Scope,
        decisions: &[String],
        spec: RuleSpec,
        reasons: &mut Reasons,
    ) -> Rule {
        let base = *draw::pick(&mut self.rng, RULE_NAMES).unwrap_or(&"rule");
        let id = self.names.fresh(base);
        let (clauses, restricted) = self.clauses(spec.shadow);
        // A presence check around the whole condition lets the `with`
        // values use what it proves present; only on rules in force in
        // every context, whose traffic is large enough to bear it.
        let guard = if !restricted && self.chance(0.3) {
            // Fields of the record only: the context's are absent in whole
            // contexts, table lookups miss most of the time.
            let subject = sc.subject.clone().unwrap_or_default();
            let opts: Vec<Place> = self
                .optionals(sc, None)
                .into_iter()
                .filter(|p| p.text.starts_with(&format!("{subject}.")))
                .collect();
            self.choose(sc, &opts)
        } else {
            None
        };
        let inner = match &guard {
            Some(p) => sc.narrowed(&p.text).preferring(&p.text),
            None => sc.clone(),
        };
        let anchor = self.anchor(spec.window);
        let mut alternatives = self.alternatives(&inner, spec.extra);
        if self.chance(0.25) {
            alternatives.push(anchor);
        } else {
            alternatives.insert(0, anchor);
        }
        // `with` values are evaluated when the rule fires: one that fails
        // on most records would keep the rule from ever giving its reason.
        let values_scope = if spec.carries || self.chance(0.6) {
            let mut safe = inner.clone();
            safe.named.retain(|n| n.kind == NamedKind::Constant);
            safe
        } else {
            inner
        };
        let with = self.with_values(&values_scope, guard.as_ref());
        let reason = self.reason(reasons);
        let description =
            (*draw::pick(&mut self.rng, pools::DESCRIPTIONS).unwrap_or(&"Check")).to_string();
        Rule {
            id,
            decisions: decisions.to_vec(),
            doc: self
                .chance(0.2)
                .then(|| "Agreed at the working group.".to_string()),
            description,
            clauses,
            guard: guard.map(|p| p.text),
            alternatives,
            outcome: spec.outcome,
            reason,
            with,
        }
    }

    /// True exactly when the dial is in `[low, high)`, written several ways.
    fn anchor(&mut self, (low, high): (i64, i64)) -> String {
        let d = self.dial.clone();
        let last = high - 1;
        match draw::weighted(&mut self.rng, &[3, 2, 2, 1]) {
            0 => format!("({d} >= {low} and {d} < {high})"),
            1 => {
                let values: Vec<String> = (low..high).map(|v| v.to_string()).collect();
                format!("({d} in [{}])", values.join(", "))
            }
            2 => format!("({d} > {} and {d} <= {last})", low - 1),
            _ => format!("not ({d} < {low} or {d} >= {high})"),
        }
    }

    /// True on a share of the dial's upper half.
    pub fn gate(&mut self) -> String {
        let d = self.dial.clone();
        let cut = self.rng.range(50, 92);
        if self.chance(0.7) {
            format!("({d} >= {cut})")
        } else {
            format!("({cut} <= {d})")
        }
    }

    /// One to three alternatives of one or two atoms each, each behind a
    /// gate. Each atom sees what the atoms before it in its alternative
    /// prove when true, each alternative what the ones before it prove
    /// when false.
    fn alternatives(&mut self, sc: &Scope, extra: Option<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(extra) = extra {
            out.push(format!("({} and {extra})", self.gate()));
        }
        let mut failed: Vec<String> = Vec::new();
        for _ in 0..draw::count(&mut self.rng, 1, 3) {
            let alternative_scope = sc.narrowed_all(&failed);
            // The gate comes first: below it, records meet only anchors,
            // never the errors of the random part.
            let mut atoms: Vec<Cond> = vec![Cond {
                text: self.gate(),
                ..Cond::default()
            }];
            for _ in 0..draw::count(&mut self.rng, 1, 2) {
                let depth = u32::try_from(draw::count(&mut self.rng, 1, 3)).unwrap_or(1);
                let proven: Vec<String> = atoms.iter().flat_map(|a| a.if_true.clone()).collect();
                atoms.push(self.cond_facts(&alternative_scope.narrowed_all(&proven), depth));
            }
            let text = atoms
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" and ");
            // `a and b` is false when either is: only what both prove.
            let if_false = atoms
                .iter()
                .map(|a| a.if_false.clone())
                .reduce(|x, y| x.into_iter().filter(|p| y.contains(p)).collect())
                .unwrap_or_default();
            failed.extend(if_false);
            out.push(format!("({text})"));
        }
        out
    }

    /// Named values to report, of several types.
    fn with_values(&mut self, sc: &Scope, guard: Option<&Place>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut taken: Vec<String> = Vec::new();
        let mut name = |g: &mut Gen| {
            let base = *draw::pick(&mut g.rng, VALUE_NAMES).unwrap_or(&"value");
            let mut n = base.to_string();
            let mut k = 2;
            while taken.contains(&n) {
                n = format!("{base}_{k}");
                k += 1;
            }
            taken.push(n.clone());
            n
        };
        if let Some(p) = guard
            && p.ty.without_optional().is_scalar()
            && self.chance(0.6)
        {
            out.push((name(self), p.text.clone()));
        }
        let mut types = vec![
            Ty::Int,
            Ty::Decimal,
            Ty::Text,
            Ty::Date,
            Ty::Country,
            Ty::Bool,
        ];
        types.extend((0..self.u.enums.len()).map(Ty::Enum));
        for _ in 0..draw::count(&mut self.rng, 0, 3) {
            if self.chance(0.15) {
                let lists: Vec<Place> = self
                    .lists(sc)
                    .into_iter()
                    .filter(|l| matches!(&l.ty, Ty::List(e) if e.is_scalar()))
                    .collect();
                if let Some(l) = self.choose(sc, &lists) {
                    out.push((name(self), l.text));
                    continue;
                }
            }
            let ty = draw::pick(&mut self.rng, &types)
                .cloned()
                .unwrap_or(Ty::Int);
            let depth = u32::from(self.chance(0.3));
            let value = self.value(sc, &ty, depth, Pos::ANY);
            out.push((name(self), value));
        }
        out
    }

    /// `source`, `effective`, `applies to` and the mode, in any order; and
    /// whether the rule is in force in only some contexts.
    fn clauses(&mut self, shadow: bool) -> (Vec<String>, bool) {
        let mut clauses = Vec::new();
        if self.chance(0.7) {
            let s = *draw::pick(&mut self.rng, pools::SOURCES).unwrap_or(&"Policy");
            clauses.push(format!("source {}", values::text_literal(s, false)));
        }
        let slot = draw::count(&mut self.rng, 0, self.dates.len().saturating_sub(1));
        let mut restricted = false;
        if self.chance(0.3) {
            clauses.push(self.effective(slot));
            restricted = true;
        }
        if self.chance(0.25) {
            clauses.push(self.applies(slot));
            restricted = true;
        }
        if shadow {
            clauses.push("shadow".to_string());
        } else if self.chance(0.1) {
            clauses.push("enforce".to_string());
        }
        draw::shuffle(&mut self.rng, &mut clauses);
        (clauses, restricted)
    }

    /// A range that includes the slot's date, often exactly at one end.
    fn effective(&mut self, slot: usize) -> String {
        let day = self.dates.get(slot).copied().unwrap_or(20_513);
        let offsets = [0, 0, 0, 1, 30, 400];
        let before = *draw::pick(&mut self.rng, &offsets).unwrap_or(&0);
        let after = *draw::pick(&mut self.rng, &offsets).unwrap_or(&0);
        let from = values::format_date(day - before);
        let to = values::format_date(day + after);
        match draw::weighted(&mut self.rng, &[3, 3, 4]) {
            0 => format!("effective from {from}"),
            1 => format!("effective to {to}"),
            _ => format!("effective from {from} to {to}"),
        }
    }

    /// Members that include the slot's member: codes, a set or a list.
    fn applies(&mut self, slot: usize) -> String {
        let member = self
            .members
            .get(slot)
            .cloned()
            .unwrap_or_else(|| "SGP".to_string());
        let other = (*draw::pick(&mut self.rng, pools::ASEAN).unwrap_or(&"MYS")).to_string();
        let sets: Vec<String> = self
            .data
            .member_sets
            .iter()
            .filter_map(|i| self.data.sets.get(*i))
            .filter(|s| {
                s.values
                    .iter()
                    .any(|v| matches!(v, values::Val::Country(c) if *c == member))
            })
            .map(|s| s.name.clone())
            .collect();
        match draw::weighted(&mut self.rng, &[3, 2, 2 * u32::from(!sets.is_empty()), 1]) {
            0 => format!("applies to {member}"),
            1 => format!("applies to {other}, {member}"),
            2 => {
                let set = draw::pick(&mut self.rng, &sets).cloned().unwrap_or(member);
                format!("applies to {set}")
            }
            _ => format!("applies to [{member}, {other}]"),
        }
    }
}
