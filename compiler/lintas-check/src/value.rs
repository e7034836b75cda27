//! Constant values: reference data, test records and folded literals.

use crate::types::EnumId;
use serde::{Deserialize, Serialize};

/// Decimal values are fixed point with this many fraction digits, held as
/// an integer count of 1/10^DECIMAL_SCALE, so every backend computes them
/// identically.
pub const DECIMAL_SCALE: u32 = 4;
pub const DECIMAL_ONE: i64 = 10_i64.pow(DECIMAL_SCALE);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Value {
    Bool(bool),
    Int(i64),
    /// Scaled by [`DECIMAL_ONE`].
    Decimal(i64),
    Text(String),
    /// Days since 1970-01-01.
    Date(i64),
    Duration {
        months: i64,
        days: i64,
    },
    /// Canonical code (`D` is stored as `DEU`).
    Country(String),
    Enum(EnumId, u32),
    /// Fields in schema order; `Absent` for a missing optional field.
    Record(Vec<Value>),
    List(Vec<Value>),
    Absent,
}

/// Parses a decimal literal (`12.5`, `-0.0001`) into its scaled integer.
/// `Err` says why it cannot be held.
pub fn parse_decimal(text: &str) -> Result<i64, String> {
    let invalid = || format!("`{text}` is not a decimal number");
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    // Digits only: `str::parse` would also take signs and empty parts.
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || (digits.contains('.') && fraction.is_empty())
    {
        return Err(invalid());
    }
    if fraction.len() > DECIMAL_SCALE as usize {
        return Err(format!(
            "`{text}` has {} decimal places; Decimal holds {DECIMAL_SCALE}",
            fraction.len()
        ));
    }
    let too_large = || format!("`{text}` is too large for a Decimal");
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    let mut scaled_fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| invalid())?
    };
    for _ in fraction.len()..DECIMAL_SCALE as usize {
        scaled_fraction *= 10;
    }
    let magnitude = whole
        .checked_mul(DECIMAL_ONE)
        .and_then(|w| w.checked_add(scaled_fraction))
        .ok_or_else(too_large)?;
    Ok(if negative { -magnitude } else { magnitude })
}

pub fn format_decimal(scaled: i64) -> String {
    let sign = if scaled < 0 { "-" } else { "" };
    let magnitude = scaled.unsigned_abs();
    let one = DECIMAL_ONE.unsigned_abs();
    let whole = magnitude / one;
    let fraction = magnitude % one;
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = DECIMAL_SCALE as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// Parses an integer literal (underscores allowed).
pub fn parse_int(text: &str) -> Result<i64, String> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let digits = clean.strip_prefix('-').unwrap_or(&clean);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{text}` is not a whole number"));
    }
    clean
        .parse()
        .map_err(|_| format!("`{text}` does not fit in a 64-bit integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_fixed_point() {
        assert_eq!(parse_decimal("0.75"), Ok(7_500));
        assert_eq!(parse_decimal("-1.0001"), Ok(-10_001));
        assert!(parse_decimal("0.12345").is_err());
        for bad in ["--5", "1.-5", "1.+5", "", "-", ".", "1.", "+1", "1e2"] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
        assert_eq!(format_decimal(7_500), "0.75");
        assert_eq!(format_decimal(-10_001), "-1.0001");
        assert_eq!(format_decimal(20_000), "2");
    }
}
