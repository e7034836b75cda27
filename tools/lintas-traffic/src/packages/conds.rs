//! Conditions: comparisons of every type, membership, presence with
//! narrowing, quantifiers, text functions, table lookups and the logical
//! operators over them.
//!
//! A rule whose condition folds to a constant is warning L0601, and the
//! checker folds literals compared with literals, a path compared with
//! itself, and `true`/`false` under `and`, `or` and `not`. So every
//! comparison here has a non-literal left side, never compares a path with
//! itself, and no bare Boolean literal is ever a condition.

use super::draw;
use super::exprs::{Gen, Pos};
use super::model::Ty;
use super::scope::{Place, Scope};
use super::values::{Kind, Val};

const ORDER_OPS: &[&str] = &["<", "<=", ">", ">=", "==", "!="];
const EQUALITY_OPS: &[&str] = &["==", "!="];

/// A condition with the optional paths it proves present when true and
/// when false, computed as the checker's `narrow.rs` computes them: what
/// follows it under `and`, `or` or `if` sees them narrowed, and a presence
/// test or `otherwise` on a narrowed path would be warning L0601.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cond {
    pub text: String,
    pub if_true: Vec<String>,
    pub if_false: Vec<String>,
}

impl Cond {
    fn plain(text: String) -> Cond {
        Cond {
            text,
            ..Cond::default()
        }
    }

    /// `a and b`; `b` must have been made in a scope narrowed by `a.if_true`.
    pub fn and(a: Cond, b: Cond) -> Cond {
        Cond {
            text: format!("({} and {})", a.text, b.text),
            if_true: union(a.if_true, b.if_true),
            if_false: intersection(&a.if_false, &b.if_false),
        }
    }

    /// `a or b`; `b` must have been made in a scope narrowed by `a.if_false`.
    pub fn or(a: Cond, b: Cond) -> Cond {
        Cond {
            text: format!("({} or {})", a.text, b.text),
            if_true: intersection(&a.if_true, &b.if_true),
            if_false: union(a.if_false, b.if_false),
        }
    }
}

fn union(mut a: Vec<String>, b: Vec<String>) -> Vec<String> {
    a.extend(b);
    a
}

fn intersection(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| b.contains(x)).cloned().collect()
}

impl Gen {
    /// A Bool condition.
    pub fn cond(&mut self, sc: &Scope, depth: u32) -> String {
        self.cond_facts(sc, depth).text
    }

    /// A Bool condition, with its presence facts.
    pub fn cond_facts(&mut self, sc: &Scope, depth: u32) -> Cond {
        let deep = u32::from(depth > 0);
        let tables = u32::from(!self.data.tables.is_empty());
        let weights = [30, 14, 16, 10 * deep, 6, 12 * deep, 6, 2 * deep, 4 * tables];
        let made = match draw::weighted(&mut self.rng, &weights) {
            0 => Some(Cond::plain(self.compare(sc, depth))),
            1 => self.membership(sc, depth).map(Cond::plain),
            2 => self.optional_cond(sc, depth),
            3 => self.quantifier(sc, depth).map(Cond::plain),
            4 => Some(Cond::plain(self.text_test(sc, depth))),
            5 => Some(self.logic(sc, depth)),
            6 => self.leaf(sc, &Ty::Bool).map(Cond::plain),
            7 => {
                let c = self.cond_facts(sc, depth - 1);
                let a = self.cond(&sc.narrowed_all(&c.if_true), depth - 1);
                let b = self.cond(&sc.narrowed_all(&c.if_false), depth - 1);
                Some(Cond::plain(format!("(if {} then {a} else {b})", c.text)))
            }
            _ => self.lookup_test(sc).map(Cond::plain),
        };
        made.unwrap_or_else(|| Cond::plain(self.compare(sc, depth)))
    }

    fn logic(&mut self, sc: &Scope, depth: u32) -> Cond {
        match draw::weighted(&mut self.rng, &[4, 4, 2]) {
            0 => {
                let a = self.cond_facts(sc, depth - 1);
                let b = self.cond_facts(&sc.narrowed_all(&a.if_true), depth - 1);
                Cond::and(a, b)
            }
            1 => {
                let a = self.cond_facts(sc, depth - 1);
                let b = self.cond_facts(&sc.narrowed_all(&a.if_false), depth - 1);
                Cond::or(a, b)
            }
            _ => {
                let a = self.cond_facts(sc, depth - 1);
                Cond {
                    text: format!("not ({})", a.text),
                    if_true: a.if_false,
                    if_false: a.if_true,
                }
            }
        }
    }

    /// `A op B` for a type chosen among those in reach.
    pub fn compare(&mut self, sc: &Scope, depth: u32) -> String {
        let mut types = vec![Ty::Int, Ty::Int, Ty::Int, Ty::Decimal, Ty::Date, Ty::Date];
        types.extend([Ty::Date, Ty::Text, Ty::Country, Ty::Bool]);
        for e in 0..self.u.enums.len() {
            if !self.leaves(sc, &Ty::Enum(e)).is_empty() {
                types.push(Ty::Enum(e));
            }
        }
        let ty = draw::pick(&mut self.rng, &types)
            .cloned()
            .unwrap_or(Ty::Int);
        let sub = depth.saturating_sub(1);
        match ty {
            Ty::Int | Ty::Decimal => self.compare_numbers(sc, &ty, sub),
            Ty::Date => {
                let op = self.op(ORDER_OPS);
                let lhs = self.date(sc, sub, Pos::DYNAMIC);
                let rhs = self.distinct(&lhs, &Ty::Date, |g| g.date(sc, sub, Pos::ANY));
                format!("({lhs} {op} {rhs})")
            }
            Ty::Bool => {
                let op = self.op(EQUALITY_OPS);
                let lhs = self
                    .leaf(sc, &Ty::Bool)
                    .unwrap_or_else(|| self.text_test(sc, 0));
                let rhs = if self.chance(0.5) {
                    self.literal(&Ty::Bool, Pos::ANY)
                } else {
                    self.distinct(&lhs, &Ty::Bool, |g| g.cond(sc, 0))
                };
                format!("({lhs} {op} {rhs})")
            }
            other => {
                let op = self.op(EQUALITY_OPS);
                let lhs = self.value(sc, &other, sub, Pos::DYNAMIC);
                let rhs_pos = Pos {
                    literal: true,
                    expected: true,
                    small: false,
                };
                let rhs = if self.chance(0.7) {
                    self.literal(&other, rhs_pos)
                } else {
                    self.distinct(&lhs, &other, |g| g.value(sc, &other, 0, rhs_pos))
                };
                format!("({lhs} {op} {rhs})")
            }
        }
    }

    /// Numbers: Int with Int, Decimal with either; thresholds from what the
    /// left side typically is.
    fn compare_numbers(&mut self, sc: &Scope, ty: &Ty, depth: u32) -> String {
        let op = self.op(ORDER_OPS);
        let decimal = *ty == Ty::Decimal;
        let lhs = if decimal {
            self.dec(sc, depth, Pos::DYNAMIC)
        } else {
            self.int(sc, depth, Pos::DYNAMIC)
        };
        let pos = Pos {
            literal: true,
            expected: true,
            small: decimal,
        };
        let rhs = match (
            self.hint(sc, &lhs),
            draw::weighted(&mut self.rng, &[5, 2, 2]),
        ) {
            (Some(Val::Int(i)), 0) if !decimal || i.unsigned_abs() < 1_000_000_000 => i.to_string(),
            (Some(v @ Val::Dec(_)), 0) if decimal => v.lintas(&self.u),
            (_, 0) => self.literal(&Ty::Int, pos),
            // A Decimal literal may be as large as Decimals go.
            (_, 1) if decimal => self.literal(
                &Ty::Decimal,
                Pos {
                    small: false,
                    ..pos
                },
            ),
            (_, 1) => self.literal(&Ty::Int, pos),
            _ => {
                let other = if self.chance(0.5) {
                    Ty::Int
                } else {
                    Ty::Decimal
                };
                self.distinct(&lhs, &other, |g| g.value(sc, &other, depth, pos))
            }
        };
        format!("({lhs} {op} {rhs})")
    }

    /// A right side of type `ty` that is not the left side written again
    /// (a path compared with itself is a constant; `x - x` and
    /// `days_between(d, d)` are always zero, so dividing by them always
    /// fails).
    pub fn distinct(
        &mut self,
        lhs: &str,
        ty: &Ty,
        mut make: impl FnMut(&mut Gen) -> String,
    ) -> String {
        for _ in 0..4 {
            let rhs = make(self);
            if rhs != lhs {
                return rhs;
            }
        }
        // Out of luck: a literal is never the same expression as a path.
        self.literal(ty, Pos::EXPECTED.small())
    }

    fn op(&mut self, ops: &[&'static str]) -> &'static str {
        draw::pick(&mut self.rng, ops).copied().unwrap_or("==")
    }

    /// `x in SET`, `x in [..]`, `x in LIST`, `k in TABLE`, and `not in`.
    fn membership(&mut self, sc: &Scope, depth: u32) -> Option<String> {
        let negate = self.chance(0.3);
        let op = if negate { "not in" } else { "in" };
        let mut kinds = vec![
            Kind::Int,
            Kind::Text,
            Kind::Country,
            Kind::Date,
            Kind::Decimal,
        ];
        kinds.extend((0..self.u.enums.len()).map(Kind::Enum));
        let kind = draw::pick(&mut self.rng, &kinds).copied()?;
        let ty = kind.ty();
        let sub = depth.saturating_sub(1);
        let lhs = self.value(sc, &ty, sub, Pos::DYNAMIC);
        let mut containers: Vec<String> = Vec::new();
        for set in &self.data.sets {
            let numeric = matches!(set.kind, Kind::Int | Kind::Decimal)
                && matches!(kind, Kind::Int | Kind::Decimal);
            if set.kind == kind || numeric {
                containers.push(set.name.clone());
            }
        }
        for table in &self.data.tables {
            if table.key_kinds() == [kind] {
                containers.push(table.name.clone());
            }
        }
        for p in self.lists(sc) {
            if p.ty == ty.clone().list() && p.text != lhs {
                containers.push(p.text);
            }
        }
        let container = if containers.is_empty() || self.chance(0.3) {
            self.list_literal(sc, &ty, depth, true)
        } else {
            let chosen = draw::pick(&mut self.rng, &containers).cloned()?;
            self.touch(sc, &chosen);
            chosen
        };
        Some(format!("({lhs} {op} {container})"))
    }

    /// Presence tests, with the narrowed value used where it is proven.
    fn optional_cond(&mut self, sc: &Scope, depth: u32) -> Option<Cond> {
        let opts = self.optionals(sc, None);
        let place = self.choose(sc, &opts)?;
        let Ty::Optional(inner) = &place.ty else {
            return None;
        };
        let inner = (**inner).clone();
        let p = place.text.clone();
        let scalar = inner.is_scalar();
        let weights = [5, 3, 2, 2, 3 * u32::from(scalar), 3 * u32::from(scalar)];
        let test = |present: bool| Cond {
            text: format!("{p} is {}", if present { "present" } else { "absent" }),
            if_true: if present { vec![p.clone()] } else { Vec::new() },
            if_false: if present { Vec::new() } else { vec![p.clone()] },
        };
        Some(Cond::plain(match draw::weighted(&mut self.rng, &weights) {
            0 => {
                let body = self.focused(sc, &place, &inner, depth);
                return Some(Cond::and(test(true), body));
            }
            1 => {
                let body = self.focused(sc, &place, &inner, depth);
                return Some(Cond::or(test(false), body));
            }
            2 => return Some(test(true)),
            3 => return Some(test(false)),
            4 => {
                // Optional equality needs no narrowing: absent equals only absent.
                let op = self.op(EQUALITY_OPS);
                let others: Vec<Place> = self
                    .optionals(sc, Some(&inner))
                    .into_iter()
                    .filter(|o| o.text != p)
                    .collect();
                let pos = Pos::EXPECTED.small();
                let rhs = match self.choose(sc, &others) {
                    Some(o) if self.chance(0.4) => o.text,
                    _ => self.literal(&inner, pos),
                };
                if self.chance(0.2) {
                    format!("({rhs} {op} {p})")
                } else {
                    format!("({p} {op} {rhs})")
                }
            }
            _ => {
                let pos = Pos::EXPECTED.small();
                let default = self.literal(&inner, pos);
                let lhs = format!("({p} otherwise {default})");
                let op = if inner.is_ordered() {
                    self.op(ORDER_OPS)
                } else {
                    self.op(EQUALITY_OPS)
                };
                let rhs = self.literal(&inner, pos);
                format!("({lhs} {op} {rhs})")
            }
        }))
    }

    /// A condition about a narrowed optional value.
    fn focused(&mut self, sc: &Scope, place: &Place, inner: &Ty, depth: u32) -> Cond {
        let narrowed = sc.narrowed(&place.text).preferring(&place.text);
        if !inner.is_scalar() {
            return self.cond_facts(&narrowed, depth.saturating_sub(1));
        }
        Cond::plain(self.focused_scalar(&narrowed, place, inner))
    }

    fn focused_scalar(&mut self, narrowed: &Scope, place: &Place, inner: &Ty) -> String {
        let pos = Pos {
            literal: true,
            expected: true,
            small: *inner == Ty::Decimal,
        };
        let p = &place.text;
        match inner {
            Ty::Text if self.chance(0.4) => {
                let part = self.literal(&Ty::Text, Pos::ANY);
                let f = if self.chance(0.5) {
                    "contains"
                } else {
                    "starts_with"
                };
                format!("{f}({p}, {part})")
            }
            Ty::Bool => p.clone(),
            ordered if ordered.is_ordered() => {
                let op = self.op(ORDER_OPS);
                let rhs = self.value(narrowed, inner, 1, pos);
                let rhs = if rhs == *p {
                    self.literal(inner, pos)
                } else {
                    rhs
                };
                format!("({p} {op} {rhs})")
            }
            _ => {
                let op = self.op(EQUALITY_OPS);
                let rhs = self.literal(inner, pos);
                format!("({p} {op} {rhs})")
            }
        }
    }

    /// `any`, `all` and `count` over a list.
    fn quantifier(&mut self, sc: &Scope, depth: u32) -> Option<String> {
        let kind = *draw::pick(&mut self.rng, &["any", "any", "all", "count"])?;
        if kind == "count" {
            let count = self.count(sc, depth)?;
            let op = self.op(ORDER_OPS);
            let k = self.rng.range(0, 3);
            return Some(format!("({count} {op} {k})"));
        }
        let (over, var, inner) = self.quantified(sc, depth)?;
        let body = self.cond(&inner, depth - 1);
        Some(format!("({kind} {var} in {over} where {body})"))
    }

    /// Text functions as conditions.
    fn text_test(&mut self, sc: &Scope, depth: u32) -> String {
        let sub = depth.saturating_sub(1);
        let t = self.text(sc, sub, Pos::DYNAMIC);
        match draw::weighted(&mut self.rng, &[3, 3, 3, 2, 2, 2]) {
            0 | 1 => {
                let f = if self.chance(0.5) {
                    "contains"
                } else {
                    "starts_with"
                };
                let part = match self.dict.draw(&mut self.rng, Kind::Text) {
                    Some(Val::Text(s)) if self.chance(0.7) => {
                        let n = self.rng.range(0, 3);
                        let prefix: String =
                            s.chars().take(usize::try_from(n).unwrap_or(1)).collect();
                        super::values::text_literal(&prefix, false)
                    }
                    _ => self.literal(&Ty::Text, Pos::ANY),
                };
                format!("{f}({t}, {part})")
            }
            2 => {
                let other = self.literal(&Ty::Text, Pos::ANY);
                let threshold = *draw::pick(&mut self.rng, &["0.8", "0.9", "0.75", "1.0", "0.5"])
                    .unwrap_or(&"0.8");
                let op = self.op(ORDER_OPS);
                format!("(name_similarity({t}, {other}) {op} {threshold})")
            }
            3 => {
                let other = self.literal(&Ty::Text, Pos::ANY);
                format!("(name_key({t}) == name_key({other}))")
            }
            4 => {
                let op = self.op(ORDER_OPS);
                let n = self.rng.range(0, 12);
                format!("(length({t}) {op} {n})")
            }
            _ => {
                let f = if self.chance(0.5) { "lower" } else { "upper" };
                let other = self.literal(&Ty::Text, Pos::ANY);
                let op = self.op(EQUALITY_OPS);
                format!("({f}({t}) {op} {f}({other}))")
            }
        }
    }

    /// `TABLE[k, ...] is present` (or absent).
    fn lookup_test(&mut self, sc: &Scope) -> Option<String> {
        let lookup = self.lookup(sc)?;
        let which = if self.chance(0.6) {
            "present"
        } else {
            "absent"
        };
        Some(format!("{lookup} is {which}"))
    }

    /// `TABLE[k, ...]` with keys of the key columns' types.
    pub fn lookup(&mut self, sc: &Scope) -> Option<String> {
        let tables: Vec<(String, Vec<Kind>)> = self
            .data
            .tables
            .iter()
            .map(|t| (t.name.clone(), t.key_kinds()))
            .collect();
        let (name, kinds) = draw::pick(&mut self.rng, &tables).cloned()?;
        let keys: Vec<String> = kinds
            .iter()
            .map(|k| {
                let pos = Pos::EXPECTED;
                self.value(
                    sc,
                    &k.ty(),
                    0,
                    Pos {
                        literal: false,
                        ..pos
                    },
                )
            })
            .collect();
        Some(format!("{name}[{}]", keys.join(", ")))
    }
}
