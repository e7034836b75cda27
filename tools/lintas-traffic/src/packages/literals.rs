//! Literals: values the package already mentions (so that records can
//! match them) or new ones, near the boundaries the language defines.

use super::draw;
use super::exprs::{Gen, Pos, SMALL};
use super::model::Ty;
use super::pools;
use super::scope::{NamedKind, Scope};
use super::values::{self, Kind, Val};

impl Gen {
    /// A literal of a scalar type, often one the package already mentions
    /// (so that records can match it); new ones are remembered.
    pub fn literal(&mut self, ty: &Ty, pos: Pos) -> String {
        let Some(kind) = Kind::of(ty) else {
            return "0".to_string();
        };
        let known = if self.chance(0.5) {
            self.dict.draw(&mut self.rng, kind)
        } else {
            None
        };
        let value = match known {
            Some(Val::Int(i)) if pos.small && i.unsigned_abs() > SMALL.unsigned_abs() => {
                Val::Int(i % SMALL)
            }
            Some(v) => v,
            None => self.fresh(kind, pos),
        };
        self.dict.note(&value);
        match &value {
            Val::Int(i) if i.unsigned_abs() >= 1_000 && self.chance(0.6) => {
                values::grouped_int_literal(*i)
            }
            Val::Text(t) => values::text_literal(t, self.chance(0.1)),
            v => v.lintas(&self.u),
        }
    }

    fn fresh(&mut self, kind: Kind, pos: Pos) -> Val {
        let r = &mut self.rng;
        match kind {
            Kind::Bool => Val::Bool(r.chance(0.5)),
            Kind::Int => Val::Int(match draw::weighted(r, &[8, 5, 3, u32::from(!pos.small)]) {
                0 => r.range(0, 10),
                1 => r.range(10, 120),
                2 => r.range(120, 20_000),
                _ => *draw::pick(
                    r,
                    &[
                        i64::MAX,
                        -i64::MAX,
                        1 << 62,
                        3_037_000_500,
                        922_337_203_685_478,
                    ],
                )
                .unwrap_or(&i64::MAX),
            }),
            Kind::Decimal => Val::Dec(match draw::weighted(r, &[6, 3, u32::from(!pos.small)]) {
                0 => r.range(0, 100) * values::DECIMAL_ONE + r.range(0, 9_999),
                1 => r.range(0, 9_999),
                _ => *draw::pick(
                    r,
                    &[9_223_372_036_854_775_807, 5_000_000_000_000_000_000, 1],
                )
                .unwrap_or(&1),
            }),
            Kind::Text => Val::Text(match draw::weighted(r, &[3, 3, 1, 1]) {
                0 => (*draw::pick(r, pools::PEOPLE).unwrap_or(&"Siti")).to_string(),
                1 => pools::document_number(r),
                2 => (*draw::pick(r, pools::CHECKPOINTS).unwrap_or(&"KLIA2")).to_string(),
                _ => (*draw::pick(r, pools::ODD_TEXTS).unwrap_or(&"x")).to_string(),
            }),
            Kind::Date => {
                let anchor = draw::pick(r, &self.dates).copied().unwrap_or(20_513);
                Val::Date(values::clamp_date(match draw::weighted(r, &[5, 3, 2, 1]) {
                    0 => anchor + r.range(-20, 20),
                    1 => anchor - r.range(0, 40) * 365,
                    2 => values::month_end(anchor),
                    _ => *draw::pick(
                        r,
                        &[
                            values::day_number(2024, 2, 29),
                            values::day_number(2025, 1, 31),
                            values::FIRST_DAY,
                            values::LAST_DAY,
                        ],
                    )
                    .unwrap_or(&0),
                }))
            }
            Kind::Country => Val::Country(match draw::weighted(r, &[3, 3, 2, 1]) {
                0 => draw::pick(r, &self.members)
                    .cloned()
                    .unwrap_or_else(|| "SGP".into()),
                1 => (*draw::pick(r, pools::ASEAN).unwrap_or(&"IDN")).to_string(),
                2 => (*draw::pick(r, pools::WORLD).unwrap_or(&"AUS")).to_string(),
                _ => (*draw::pick(r, pools::ICAO_SPECIAL).unwrap_or(&"D")).to_string(),
            }),
            Kind::Enum(e) => {
                let n = self.u.enum_values(e).len().max(1);
                Val::Enum(e, draw::count(r, 0, n - 1))
            }
        }
    }

    /// A typical value of the named value `lhs`, if it is one with hints.
    pub fn hint(&mut self, sc: &Scope, lhs: &str) -> Option<Val> {
        let n = sc.named(lhs)?;
        if matches!(n.kind, NamedKind::Constant) {
            return None;
        }
        let hints = n.hints.clone();
        draw::pick(&mut self.rng, &hints).cloned()
    }
}
