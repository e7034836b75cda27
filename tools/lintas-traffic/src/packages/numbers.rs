//! Int and Decimal expressions: arithmetic that mixes the two, divisions
//! (by values that are zero on some records only), negation, `abs`, `min`
//! and `max`, counts, sizes, lengths and date differences.

use super::draw;
use super::exprs::{Gen, Pos};
use super::model::Ty;
use super::scope::{Place, Scope};

impl Gen {
    pub fn int(&mut self, sc: &Scope, depth: u32, pos: Pos) -> String {
        let lit = u32::from(pos.literal);
        let deep = u32::from(depth > 0);
        let weights = [
            25,
            8 * lit,
            18 * deep,
            3 * deep,
            4 * deep,
            5 * deep,
            5 * deep,
            7,
            5 * deep,
            4,
            4,
            7,
        ];
        match draw::weighted(&mut self.rng, &weights) {
            0 => self
                .leaf_at(sc, &Ty::Int, pos)
                .unwrap_or_else(|| self.int_fallback(sc)),
            1 => self.literal(&Ty::Int, pos),
            2 => {
                let op = *draw::pick(&mut self.rng, &["+", "-", "*", "/", "/"]).unwrap_or(&"+");
                // Huge literals in arithmetic overflow on nearly every
                // record; records bring the huge values, now and then.
                let operand = if self.chance(0.85) {
                    pos.operand().small()
                } else {
                    pos.operand()
                };
                let a = self.int(sc, depth - 1, operand);
                let b = if op == "/" {
                    self.divisor(sc, &Ty::Int, &a)
                } else {
                    self.distinct(&a, &Ty::Int, |g| g.int(sc, depth - 1, operand))
                };
                format!("({a} {op} {b})")
            }
            3 => format!("(-{})", self.int(sc, depth - 1, Pos::DYNAMIC.small())),
            4 => format!("abs({})", self.int(sc, depth - 1, pos.operand())),
            5 => {
                let f = if self.chance(0.5) { "min" } else { "max" };
                let a = self.int(sc, depth - 1, pos.operand());
                let b = self.int(sc, depth - 1, pos.operand());
                format!("{f}({a}, {b})")
            }
            6 => self.conditional(sc, &Ty::Int, depth, pos),
            7 => self
                .otherwise(sc, &Ty::Int, pos)
                .unwrap_or_else(|| self.int_fallback(sc)),
            8 => self
                .count(sc, depth)
                .unwrap_or_else(|| self.int_fallback(sc)),
            9 => self.size(sc).unwrap_or_else(|| self.int_fallback(sc)),
            10 => format!(
                "length({})",
                self.text(sc, depth.saturating_sub(1), Pos::ANY)
            ),
            _ => self.between(sc, depth),
        }
    }

    /// What to divide by: mostly a field of the record, which records make
    /// zero now and then; a function such as `name_similarity` or `count`,
    /// or a let built on one, can be zero on nearly every record, and a
    /// division by it would always fail.
    pub fn divisor(&mut self, sc: &Scope, ty: &Ty, dividend: &str) -> String {
        let leaves: Vec<Place> = self
            .leaves(sc, ty)
            .into_iter()
            .filter(|p| {
                p.text != dividend
                    && sc.root_named(&p.text).is_none()
                    && !p.text.starts_with("context.")
            })
            .collect();
        match self.choose(sc, &leaves) {
            Some(p) if self.chance(0.8) => p.text,
            _ => {
                let n = self.rng.range(1, 9);
                if *ty == Ty::Decimal {
                    format!("{n}.5")
                } else {
                    n.to_string()
                }
            }
        }
    }

    /// An Int that reads the record even when no Int field is in reach.
    fn int_fallback(&mut self, sc: &Scope) -> String {
        match self.size(sc) {
            Some(s) if self.chance(0.5) => s,
            _ => self.between(sc, 0),
        }
    }

    fn between(&mut self, sc: &Scope, depth: u32) -> String {
        let f = *draw::pick(
            &mut self.rng,
            &["years_between", "months_between", "days_between"],
        )
        .unwrap_or(&"days_between");
        let a = self.date(sc, depth.saturating_sub(1), Pos::DYNAMIC);
        let b = self.distinct(&a, &Ty::Date, |g| {
            g.date(sc, depth.saturating_sub(1), Pos::ANY)
        });
        format!("{f}({a}, {b})")
    }

    fn size(&mut self, sc: &Scope) -> Option<String> {
        let lists = self.lists(sc);
        let l = self.choose(sc, &lists)?;
        Some(format!("size({})", l.text))
    }

    /// `(count v in L where C)`.
    pub fn count(&mut self, sc: &Scope, depth: u32) -> Option<String> {
        let (over, var, inner) = self.quantified(sc, depth)?;
        let body = self.cond(&inner, depth.saturating_sub(1));
        Some(format!("(count {var} in {over} where {body})"))
    }

    pub fn dec(&mut self, sc: &Scope, depth: u32, pos: Pos) -> String {
        let pos = pos.small();
        let lit = u32::from(pos.literal);
        let deep = u32::from(depth > 0);
        let weights = [
            25,
            8 * lit,
            12 * deep,
            8 * deep,
            3 * deep,
            3 * deep,
            4 * deep,
            4 * deep,
            6,
            5,
        ];
        match draw::weighted(&mut self.rng, &weights) {
            0 => self
                .leaf_at(sc, &Ty::Decimal, pos)
                .unwrap_or_else(|| self.dec_fallback(sc)),
            1 => self.literal(&Ty::Decimal, pos),
            2 => {
                let op = *draw::pick(&mut self.rng, &["+", "-", "*", "/"]).unwrap_or(&"*");
                let a = self.dec(sc, depth - 1, pos.operand());
                let b = if op == "/" {
                    self.divisor(sc, &Ty::Decimal, &a)
                } else {
                    self.distinct(&a, &Ty::Decimal, |g| g.dec(sc, depth - 1, pos.operand()))
                };
                format!("({a} {op} {b})")
            }
            3 => {
                // Int meets Decimal: the Int side becomes a Decimal.
                let op = *draw::pick(&mut self.rng, &["+", "-", "*", "/"]).unwrap_or(&"*");
                let decimal_first = self.chance(0.5);
                if op == "/" {
                    if decimal_first {
                        let a = self.dec(sc, depth - 1, pos.operand());
                        let b = self.divisor(sc, &Ty::Int, &a);
                        format!("({a} / {b})")
                    } else {
                        let a = self.int(sc, depth - 1, pos.operand());
                        let b = self.divisor(sc, &Ty::Decimal, &a);
                        format!("({a} / {b})")
                    }
                } else {
                    let a = self.dec(sc, depth - 1, pos.operand());
                    let b = self.int(sc, depth - 1, pos.operand());
                    if decimal_first {
                        format!("({a} {op} {b})")
                    } else {
                        format!("({b} {op} {a})")
                    }
                }
            }
            4 => format!("(-{})", self.dec(sc, depth - 1, Pos::DYNAMIC)),
            5 => format!("abs({})", self.dec(sc, depth - 1, pos.operand())),
            6 => {
                let f = if self.chance(0.5) { "min" } else { "max" };
                let a = self.dec(sc, depth - 1, pos.operand());
                let b = self.int(sc, depth - 1, pos.operand().small());
                format!("{f}({a}, {b})")
            }
            7 => self.conditional(sc, &Ty::Decimal, depth, pos),
            8 => self
                .otherwise(sc, &Ty::Decimal, pos)
                .unwrap_or_else(|| self.dec_fallback(sc)),
            _ => self.similarity(sc),
        }
    }

    fn dec_fallback(&mut self, sc: &Scope) -> String {
        if self.chance(0.5) {
            return self.similarity(sc);
        }
        let i = self.int(sc, 0, Pos::DYNAMIC.small());
        format!("({i} * 0.5)")
    }

    fn similarity(&mut self, sc: &Scope) -> String {
        let a = self.text(sc, 0, Pos::DYNAMIC);
        let b = self.text(sc, 0, Pos::ANY);
        format!("name_similarity({a}, {b})")
    }
}
