//! Scalar values and how each is written: as a Lintas literal, as a data
//! file cell and as JSON. Dates are day numbers, Decimals ten-thousandths,
//! exactly as the interpreter holds them, so boundaries are exact.

use super::json::J;
use super::model::{Ty, Universe};

/// 0001-01-01 and 9999-12-31 as days since 1970-01-01.
pub(crate) const FIRST_DAY: i64 = -719_162;
pub(crate) const LAST_DAY: i64 = 2_932_896;
pub(crate) const DECIMAL_ONE: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Val {
    Bool(bool),
    Int(i64),
    /// Ten-thousandths.
    Dec(i64),
    Text(String),
    /// Days since 1970-01-01.
    Date(i64),
    Country(String),
    /// Enum index and value index.
    Enum(usize, usize),
}

/// The kind of a scalar, used to file values by type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Bool,
    Int,
    Decimal,
    Text,
    Date,
    Country,
    Enum(usize),
}

impl Kind {
    pub fn of(ty: &Ty) -> Option<Kind> {
        Some(match ty {
            Ty::Bool => Kind::Bool,
            Ty::Int => Kind::Int,
            Ty::Decimal => Kind::Decimal,
            Ty::Text => Kind::Text,
            Ty::Date => Kind::Date,
            Ty::Country => Kind::Country,
            Ty::Enum(e) => Kind::Enum(*e),
            _ => return None,
        })
    }

    pub fn ty(self) -> Ty {
        match self {
            Kind::Bool => Ty::Bool,
            Kind::Int => Ty::Int,
            Kind::Decimal => Ty::Decimal,
            Kind::Text => Ty::Text,
            Kind::Date => Ty::Date,
            Kind::Country => Ty::Country,
            Kind::Enum(e) => Ty::Enum(e),
        }
    }
}

impl Val {
    pub fn kind(&self) -> Kind {
        match self {
            Val::Bool(_) => Kind::Bool,
            Val::Int(_) => Kind::Int,
            Val::Dec(_) => Kind::Decimal,
            Val::Text(_) => Kind::Text,
            Val::Date(_) => Kind::Date,
            Val::Country(_) => Kind::Country,
            Val::Enum(e, _) => Kind::Enum(*e),
        }
    }

    /// The value as a Lintas literal. The smallest Int has no literal (its
    /// magnitude does not fit), so it is written as the next one up.
    pub fn lintas(&self, u: &Universe) -> String {
        match self {
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => int_literal(*i),
            Val::Dec(d) => decimal_literal(*d),
            Val::Text(t) => text_literal(t, false),
            Val::Date(d) => format_date(*d),
            Val::Country(c) => c.clone(),
            Val::Enum(e, v) => u.enum_values(*e).get(*v).cloned().unwrap_or_default(),
        }
    }

    /// The value as a data-file cell, as the checker reads cells.
    pub fn cell(&self, u: &Universe) -> String {
        match self {
            Val::Int(i) => i.to_string(),
            Val::Dec(d) => decimal_text(*d),
            Val::Text(t) => t.clone(),
            other => other.lintas(u),
        }
    }

    /// The value as JSON, as a record or context carries it.
    pub fn json(&self, u: &Universe) -> J {
        match self {
            Val::Bool(b) => J::Bool(*b),
            Val::Int(i) => J::Raw(i.to_string()),
            Val::Dec(d) => J::Str(decimal_text(*d)),
            Val::Text(t) => J::Str(t.clone()),
            Val::Date(d) => J::Str(format_date(*d)),
            Val::Country(c) => J::Str(c.clone()),
            Val::Enum(e, v) => J::Str(u.enum_values(*e).get(*v).cloned().unwrap_or_default()),
        }
    }
}

pub(crate) fn int_literal(i: i64) -> String {
    let magnitude = i.unsigned_abs().min(i64::MAX.unsigned_abs());
    if i < 0 {
        format!("-{magnitude}")
    } else {
        magnitude.to_string()
    }
}

/// `1_000_000`: the digit-group form the lexer also accepts.
pub(crate) fn grouped_int_literal(i: i64) -> String {
    let plain = int_literal(i);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", plain),
    };
    let mut out = String::new();
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A Decimal literal always has a point, so that it is never read as an Int.
pub(crate) fn decimal_literal(scaled: i64) -> String {
    decimal_text(scaled)
}

/// `-12.5`, `3.0`, `0.0001`: digits on both sides of the point.
pub(crate) fn decimal_text(scaled: i64) -> String {
    let sign = if scaled < 0 { "-" } else { "" };
    let magnitude = scaled.unsigned_abs();
    let one = DECIMAL_ONE.unsigned_abs();
    let fraction = format!("{:04}", magnitude % one);
    let fraction = fraction.trim_end_matches('0');
    let fraction = if fraction.is_empty() { "0" } else { fraction };
    format!("{sign}{}.{fraction}", magnitude / one)
}

/// A Lintas text literal, escaping what must be escaped and, when asked,
/// every non-ASCII character too (the `\u{...}` form).
pub(crate) fn text_literal(text: &str, escape_non_ascii: bool) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || (escape_non_ascii && !c.is_ascii()) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn format_date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Year, month and day of a day number (proleptic Gregorian).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// The day number of a calendar date; the date must exist.
pub(crate) fn day_number(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The last day of the month a day falls in.
pub(crate) fn month_end(days: i64) -> i64 {
    let (y, m, _) = civil(days);
    day_number(y, m, days_in_month(y, m))
}

pub(crate) fn clamp_date(days: i64) -> i64 {
    days.clamp(FIRST_DAY, LAST_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        for days in [FIRST_DAY, -1, 0, 20_513, 19_782, LAST_DAY] {
            let (y, m, d) = civil(days);
            assert_eq!(day_number(y, m, d), days);
        }
        assert_eq!(format_date(FIRST_DAY), "0001-01-01");
        assert_eq!(format_date(LAST_DAY), "9999-12-31");
        assert_eq!(format_date(day_number(2024, 2, 29)), "2024-02-29");
    }

    #[test]
    fn literals_look_like_lintas() {
        assert_eq!(decimal_text(7_500), "0.75");
        assert_eq!(decimal_text(-1), "-0.0001");
        assert_eq!(decimal_text(20_000), "2.0");
        assert_eq!(grouped_int_literal(1_000_000), "1_000_000");
        assert_eq!(grouped_int_literal(-12_345), "-12_345");
        assert_eq!(int_literal(i64::MIN), "-9223372036854775807");
        assert_eq!(text_literal("a\"b\\", false), "\"a\\\"b\\\\\"");
        assert_eq!(text_literal("ạ", true), "\"\\u{1ea1}\"");
    }
}
