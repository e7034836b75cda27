//! Dates and durations, texts, countries and enum values.

use super::draw;
use super::exprs::{Gen, Pos};
use super::model::Ty;
use super::scope::Scope;

impl Gen {
    pub fn date(&mut self, sc: &Scope, depth: u32, pos: Pos) -> String {
        let lit = u32::from(pos.literal);
        let deep = u32::from(depth > 0);
        let weights = [30, 8 * lit, 20 * deep, 4 * deep, 4 * deep, 5];
        match draw::weighted(&mut self.rng, &weights) {
            0 => self
                .leaf_at(sc, &Ty::Date, pos)
                .unwrap_or_else(|| "context.date".to_string()),
            1 => self.literal(&Ty::Date, pos),
            2 => {
                let d = self.date(sc, depth - 1, Pos::DYNAMIC);
                let dur = self.duration(sc);
                match draw::weighted(&mut self.rng, &[5, 4, 1]) {
                    0 => format!("({d} + {dur})"),
                    1 => format!("({d} - {dur})"),
                    _ => format!("({dur} + {d})"),
                }
            }
            3 => {
                let f = if self.chance(0.5) { "min" } else { "max" };
                let a = self.date(sc, depth - 1, Pos::ANY);
                let b = self.date(sc, depth - 1, Pos::ANY);
                format!("{f}({a}, {b})")
            }
            4 => self.conditional(sc, &Ty::Date, depth, pos),
            _ => self
                .otherwise(sc, &Ty::Date, pos)
                .unwrap_or_else(|| "context.date".to_string()),
        }
    }

    /// A duration: a literal such as `6 months`, or `days(n)` and friends.
    pub fn duration(&mut self, sc: &Scope) -> String {
        if self.chance(0.35) {
            let f = *draw::pick(&mut self.rng, &["days", "weeks", "months", "years"])
                .unwrap_or(&"days");
            // A field (huge now and then, in records) or a moderate count:
            // a huge literal would leave the calendar from every date.
            let n = match self.leaf_at(sc, &Ty::Int, Pos::DYNAMIC) {
                Some(leaf) if self.chance(0.6) => leaf,
                _ => self.rng.range(0, 200).to_string(),
            };
            return format!("{f}({n})");
        }
        let unit = *draw::pick(
            &mut self.rng,
            &[
                "day", "days", "week", "weeks", "month", "months", "year", "years",
            ],
        )
        .unwrap_or(&"days");
        let n = match draw::weighted(&mut self.rng, &[6, 3, 1]) {
            0 => self.rng.range(0, 13),
            1 => self.rng.range(14, 400),
            // Centuries: they leave the calendar from the dates records
            // carry near its ends, and from no ordinary date.
            _ => {
                let years = self.rng.range(100, 500);
                if unit.starts_with("day") {
                    years * 365
                } else if unit.starts_with("week") {
                    years * 52
                } else if unit.starts_with("month") {
                    years * 12
                } else {
                    years
                }
            }
        };
        format!("{n} {unit}")
    }

    pub fn text(&mut self, sc: &Scope, depth: u32, pos: Pos) -> String {
        let lit = u32::from(pos.literal);
        let deep = u32::from(depth > 0);
        let weights = [30, 10 * lit, 8 * deep, 4 * deep, 6];
        match draw::weighted(&mut self.rng, &weights) {
            0 => self
                .leaf_at(sc, &Ty::Text, pos)
                .unwrap_or_else(|| checkpoint(sc)),
            1 => self.literal(&Ty::Text, pos),
            2 => {
                let f =
                    *draw::pick(&mut self.rng, &["lower", "upper", "name_key"]).unwrap_or(&"upper");
                format!("{f}({})", self.text(sc, depth - 1, Pos::ANY))
            }
            3 => self.conditional(sc, &Ty::Text, depth, pos),
            _ => self
                .otherwise(sc, &Ty::Text, pos)
                .unwrap_or_else(|| checkpoint(sc)),
        }
    }

    pub fn country(&mut self, sc: &Scope, depth: u32, pos: Pos) -> String {
        let lit = u32::from(pos.literal);
        let deep = u32::from(depth > 0);
        match draw::weighted(&mut self.rng, &[30, 10 * lit, 3 * deep, 5]) {
            0 => self
                .leaf_at(sc, &Ty::Country, pos)
                .unwrap_or_else(|| "context.member".to_string()),
            1 => self.literal(&Ty::Country, pos),
            2 => self.conditional(sc, &Ty::Country, depth, pos),
            _ => self
                .otherwise(sc, &Ty::Country, pos)
                .unwrap_or_else(|| "context.member".to_string()),
        }
    }

    pub fn enumeration(&mut self, sc: &Scope, e: usize, depth: u32, pos: Pos) -> String {
        let ty = Ty::Enum(e);
        let lit = u32::from(pos.literal && pos.expected);
        let deep = u32::from(depth > 0);
        let fallback = |g: &mut Gen| {
            g.leaf_at(sc, &ty, pos)
                .unwrap_or_else(|| g.literal(&ty, Pos::EXPECTED))
        };
        match draw::weighted(&mut self.rng, &[30, 10 * lit, 3 * deep, 5]) {
            1 => self.literal(&ty, pos),
            2 => self.conditional(sc, &ty, depth, pos),
            3 => self
                .otherwise(sc, &ty, pos)
                .unwrap_or_else(|| fallback(self)),
            _ => fallback(self),
        }
    }
}

/// The context's checkpoint as Text: as it is where a condition proved it
/// present, else with a default.
fn checkpoint(sc: &Scope) -> String {
    if sc.is_narrowed("context.checkpoint") {
        "context.checkpoint".to_string()
    } else {
        "(context.checkpoint otherwise \"none\")".to_string()
    }
}
