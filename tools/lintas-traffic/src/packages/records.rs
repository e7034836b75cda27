//! JSON records for a generated schema. Most are valid, with values at the
//! edges the language defines (leap days, month ends, the first and last
//! days of the calendar, Ints and Decimals at their limits, empty and long
//! lists, absent optionals both omitted and `null`) and values the package
//! mentions, so that its conditions go both ways. A few are malformed in
//! each of the ways the decoder reports.

use super::dict::Dict;
use super::draw;
use super::json::J;
use super::model::{Ty, Universe};
use super::pools;
use super::values::{self, Kind, Val};
use crate::Rng;

/// Everything records are made from.
pub(crate) struct Basis<'a> {
    pub u: &'a Universe,
    pub dict: &'a Dict,
    pub dates: &'a [i64],
    pub members: &'a [String],
}

/// Share of records that are malformed.
const MALFORMED: f64 = 0.07;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Missing,
    NullRequired,
    NullList,
    Duplicate,
    WrongType,
    BadDate,
    UnknownCountry,
    UnknownEnum,
    IntRange,
    BadDecimal,
    Syntax,
}

/// A fault to plant at the n-th place it fits.
struct Plan {
    fault: Fault,
    countdown: u32,
    planted: bool,
}

pub(crate) fn generate(src: &Basis<'_>, seed: u64, count: usize) -> Vec<String> {
    let mut g = Gen {
        rng: Rng::new(seed),
        src,
        plan: None,
    };
    (0..count).map(|_| g.one()).collect()
}

struct Gen<'a, 'b> {
    rng: Rng,
    src: &'a Basis<'b>,
    plan: Option<Plan>,
}

impl Gen<'_, '_> {
    fn one(&mut self) -> String {
        self.plan = None;
        if self.rng.chance(MALFORMED) {
            let faults = [
                Fault::Missing,
                Fault::NullRequired,
                Fault::NullList,
                Fault::Duplicate,
                Fault::WrongType,
                Fault::BadDate,
                Fault::UnknownCountry,
                Fault::UnknownEnum,
                Fault::IntRange,
                Fault::BadDecimal,
                Fault::Syntax,
            ];
            let fault = *draw::pick(&mut self.rng, &faults).unwrap_or(&Fault::Syntax);
            let countdown = u32::try_from(self.rng.range(0, 2)).unwrap_or(0);
            self.plan = Some(Plan {
                fault,
                countdown,
                planted: fault == Fault::Syntax,
            });
        }
        let record = self.record(self.src.u.subject, 0);
        let text = record.render();
        match &self.plan {
            Some(p) if p.fault == Fault::Syntax || !p.planted => self.break_syntax(text),
            _ => text,
        }
    }

    /// Whether to plant `fault` here.
    fn plant(&mut self, fault: Fault) -> bool {
        let Some(plan) = &mut self.plan else {
            return false;
        };
        if plan.planted || plan.fault != fault {
            return false;
        }
        if plan.countdown > 0 {
            plan.countdown -= 1;
            return false;
        }
        plan.planted = true;
        true
    }

    fn record(&mut self, index: usize, depth: usize) -> J {
        let u = self.src.u;
        let Some(record) = u.record(index) else {
            return J::Obj(Vec::new());
        };
        let mut fields: Vec<(String, J)> = Vec::new();
        for f in &record.fields {
            match &f.ty {
                Ty::Optional(inner) => match draw::weighted(&mut self.rng, &[5, 3, 12]) {
                    0 => {}
                    1 => fields.push((f.name.clone(), J::Null)),
                    _ => {
                        let v = self.value(inner, depth);
                        fields.push((f.name.clone(), v));
                    }
                },
                Ty::List(inner) => {
                    if self.plant(Fault::NullList) {
                        fields.push((f.name.clone(), J::Null));
                        continue;
                    }
                    let n = match draw::weighted(&mut self.rng, &[2, 3, 13, 2]) {
                        0 => continue,
                        1 => 0,
                        2 => draw::count(&mut self.rng, 1, 4),
                        _ => draw::count(&mut self.rng, 10, 40),
                    };
                    let items = (0..n).map(|_| self.value(inner, depth + 1)).collect();
                    fields.push((f.name.clone(), J::Arr(items)));
                }
                ty => {
                    if self.plant(Fault::Missing) {
                        continue;
                    }
                    if self.plant(Fault::NullRequired) {
                        fields.push((f.name.clone(), J::Null));
                        continue;
                    }
                    let v = if index == u.subject && f.name == u.dial {
                        self.dial()
                    } else {
                        self.value(ty, depth)
                    };
                    if self.plant(Fault::Duplicate) {
                        fields.push((f.name.clone(), v.clone()));
                    }
                    fields.push((f.name.clone(), v));
                }
            }
        }
        if self.rng.chance(0.05) {
            fields.push(("x_unknown_field".into(), J::Str("ignored".into())));
        }
        if self.rng.chance(0.2) {
            draw::shuffle(&mut self.rng, &mut fields);
        }
        J::Obj(fields)
    }

    fn value(&mut self, ty: &Ty, depth: usize) -> J {
        if let Ty::Record(r) = ty {
            return self.record(*r, depth + 1);
        }
        if self.plant(Fault::WrongType) {
            return match ty {
                Ty::Bool => J::Str("yes".into()),
                Ty::Int => J::Raw("10.0".into()),
                Ty::Text => J::Raw("42".into()),
                _ => J::Bool(true),
            };
        }
        let Some(kind) = Kind::of(ty) else {
            return J::Null;
        };
        if let Some(bad) = self.bad_scalar(kind) {
            return bad;
        }
        let value = self.scalar(kind);
        match value {
            Val::Dec(d) => self.decimal_json(d),
            Val::Text(t) if self.rng.chance(0.1) => J::EscapedStr(t),
            other => other.json(self.src.u),
        }
    }

    /// A value the decoder must refuse, when such a fault is planned here.
    fn bad_scalar(&mut self, kind: Kind) -> Option<J> {
        let (fault, bad): (Fault, &[&str]) = match kind {
            Kind::Date => (
                Fault::BadDate,
                &[
                    "2025-02-30",
                    "2023-02-29",
                    "2025-13-01",
                    "0000-12-31",
                    "10000-01-01",
                    "2025-1-1",
                    "2025/01/01",
                    "",
                ],
            ),
            Kind::Country => (
                Fault::UnknownCountry,
                &["XYZ", "idn", "", "ZZZ", "DE", "INDONESIA"],
            ),
            Kind::Enum(_) => (Fault::UnknownEnum, &["unknown", "TOURISM", "", "passport "]),
            Kind::Int => (
                Fault::IntRange,
                &[
                    "9223372036854775808",
                    "-9223372036854775809",
                    "1e19",
                    "18446744073709551616",
                ],
            ),
            Kind::Decimal => (
                Fault::BadDecimal,
                &[
                    "\"1.23456\"",
                    "\"abc\"",
                    "\"922337203685477.5808\"",
                    "1e300",
                    "\"1.\"",
                ],
            ),
            _ => return None,
        };
        if !self.plant(fault) {
            return None;
        }
        let text = *draw::pick(&mut self.rng, bad).unwrap_or(&"");
        Some(match kind {
            Kind::Int | Kind::Decimal => J::Raw(text.to_string()),
            _ => J::Str(text.to_string()),
        })
    }

    fn decimal_json(&mut self, scaled: i64) -> J {
        let text = values::decimal_text(scaled);
        let whole = scaled.unsigned_abs() / 10_000;
        match draw::weighted(&mut self.rng, &[6, 3, 1]) {
            // Small enough that a double carries it exactly as written.
            1 if whole < 10_000_000_000 => J::Raw(text),
            2 if scaled % values::DECIMAL_ONE == 0 => {
                J::Raw((scaled / values::DECIMAL_ONE).to_string())
            }
            // Trailing zeros up to the four places a Decimal has.
            _ if self.rng.chance(0.2) => {
                let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
                J::Str(format!("{whole}.{fraction:0<4}"))
            }
            _ => J::Str(text),
        }
    }

    /// A valid scalar, from the package's own values or near a boundary.
    fn scalar(&mut self, kind: Kind) -> Val {
        if kind != Kind::Bool
            && self.rng.chance(0.3)
            && let Some(v) = self.src.dict.draw(&mut self.rng, kind)
        {
            return self.nudge(v);
        }
        let r = &mut self.rng;
        match kind {
            Kind::Bool => Val::Bool(r.chance(0.5)),
            Kind::Int => Val::Int(match draw::weighted(r, &[30, 10, 8, 12, 8, 4, 2, 2]) {
                0 => r.range(0, 20),
                1 => 0,
                2 => r.range(-100, -1),
                3 => r.range(21, 100_000),
                4 => r.range(100, 1_000),
                5 => *draw::pick(r, &[i64::MAX, i64::MAX - 1, (1 << 62) + 1, 3_037_000_500])
                    .unwrap_or(&i64::MAX),
                6 => *draw::pick(r, &[i64::MIN, i64::MIN + 1, -(1 << 62)]).unwrap_or(&i64::MIN),
                _ => *draw::pick(
                    r,
                    &[
                        922_337_203_685_477,
                        922_337_203_685_478,
                        -922_337_203_685_478,
                    ],
                )
                .unwrap_or(&0),
            }),
            Kind::Decimal => Val::Dec(match draw::weighted(r, &[30, 10, 8, 8, 4, 6]) {
                0 => r.range(0, 100) * values::DECIMAL_ONE + r.range(0, 9_999),
                1 => 0,
                2 => -(r.range(0, 50) * values::DECIMAL_ONE + r.range(0, 9_999)),
                3 => *draw::pick(r, &[1, -1, 5_000, 9_999, 10_001]).unwrap_or(&1),
                4 => *draw::pick(
                    r,
                    &[
                        i64::MAX,
                        i64::MAX - 1,
                        i64::MIN + 1,
                        4_611_686_018_427_387_904,
                    ],
                )
                .unwrap_or(&i64::MAX),
                _ => r.range(100, 10_000) * values::DECIMAL_ONE,
            }),
            Kind::Text => Val::Text(match draw::weighted(r, &[4, 3, 2, 1, 1, 1]) {
                0 => (*draw::pick(r, pools::PEOPLE).unwrap_or(&"Siti")).to_string(),
                1 => pools::document_number(r),
                2 => pools::reference(r),
                3 => (*draw::pick(r, pools::CHECKPOINTS).unwrap_or(&"KLIA2")).to_string(),
                4 => (*draw::pick(r, pools::ODD_TEXTS).unwrap_or(&"")).to_string(),
                _ => "Nguyễn Văn Long ".repeat(draw::count(r, 5, 40)),
            }),
            Kind::Date => Val::Date(self.date()),
            Kind::Country => Val::Country(match draw::weighted(r, &[5, 3, 3, 1]) {
                0 => draw::pick(r, self.src.members)
                    .cloned()
                    .unwrap_or_else(|| "SGP".into()),
                1 => (*draw::pick(r, pools::ASEAN).unwrap_or(&"IDN")).to_string(),
                2 => (*draw::pick(r, pools::WORLD).unwrap_or(&"AUS")).to_string(),
                _ => (*draw::pick(r, pools::ICAO_SPECIAL).unwrap_or(&"D")).to_string(),
            }),
            Kind::Enum(e) => {
                let n = self.src.u.enum_values(e).len().max(1);
                Val::Enum(e, draw::count(r, 0, n - 1))
            }
        }
    }

    /// The dial: uniform over 0 to 99, with its edges and beyond now and then.
    fn dial(&mut self) -> J {
        let n = if self.rng.chance(0.96) {
            self.rng.range(0, 99)
        } else {
            *draw::pick(&mut self.rng, &[-1, 100, 0, 99, i64::MAX, i64::MIN]).unwrap_or(&0)
        };
        J::Raw(n.to_string())
    }

    /// A known value, or one step beside it (thresholds are boundaries).
    fn nudge(&mut self, v: Val) -> Val {
        if !self.rng.chance(0.3) {
            return v;
        }
        let step = if self.rng.chance(0.5) { 1 } else { -1 };
        match v {
            Val::Int(i) => Val::Int(i.saturating_add(step)),
            Val::Dec(d) => Val::Dec(d.saturating_add(step)),
            Val::Date(d) => Val::Date(values::clamp_date(d + step)),
            other => other,
        }
    }

    /// Dates near the contexts' dates, at month ends and leap days, and at
    /// the ends of the calendar.
    fn date(&mut self) -> i64 {
        let r = &mut self.rng;
        let anchor = draw::pick(r, self.src.dates).copied().unwrap_or(20_513);
        let day = match draw::weighted(r, &[30, 20, 20, 10, 8, 4]) {
            0 => anchor + r.range(-10, 10),
            1 => anchor + r.range(-400, 400),
            2 => anchor - r.range(0, 80) * 365 - r.range(0, 364),
            3 => *draw::pick(
                r,
                &[
                    values::day_number(2024, 2, 29),
                    values::day_number(2028, 2, 29),
                    values::day_number(2025, 2, 28),
                    values::day_number(2025, 1, 31),
                    values::day_number(2024, 1, 31),
                    values::day_number(2025, 3, 31),
                    values::day_number(2008, 2, 29),
                ],
            )
            .unwrap_or(&0),
            4 => values::month_end(anchor + r.range(-90, 90)),
            _ => {
                if r.chance(0.5) {
                    values::FIRST_DAY + r.range(0, 40)
                } else {
                    values::LAST_DAY - r.range(0, 40)
                }
            }
        };
        values::clamp_date(day)
    }

    /// Text that is not one JSON record.
    fn break_syntax(&mut self, text: String) -> String {
        match draw::weighted(&mut self.rng, &[4, 2, 1, 1, 1, 1, 1]) {
            0 => {
                let chars: Vec<char> = text.chars().collect();
                let cut = draw::count(&mut self.rng, 0, chars.len().saturating_sub(2));
                chars.into_iter().take(cut).collect()
            }
            1 => match text.strip_suffix('}') {
                Some(body) => format!("{body}, }}"),
                None => format!("{text},"),
            },
            2 => text.replace('"', "'"),
            3 => String::new(),
            4 => format!("[{text}]"),
            5 => {
                let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
                match text.strip_prefix('{') {
                    Some(rest) => format!("{{\"x_deep\": {deep}, {rest}"),
                    None => deep,
                }
            }
            _ => format!("{text} {text}"),
        }
    }
}
