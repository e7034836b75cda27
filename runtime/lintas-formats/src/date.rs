//! Calendar dates and the two-digit-year rules both formats need.
//!
//! MRZ and many PAXLST messages write dates as `YYMMDD`. The century is not
//! in the data, so it is inferred relative to a *reference date* that the
//! caller passes in (normally the day of arrival). The parsers never read the
//! clock: the same input and reference give the same answer on every day.
//!
//! * **Birth dates** ([`Century::Past`]) are in the past: the latest year
//!   ending in `YY` whose date is not after the reference date. Someone born
//!   `250301` and read on 2026-03-01 is one year old, read on 2025-01-01 the
//!   same text means 1925.
//! * **Expiry dates** ([`Century::Expiry`]) may lie up to 20 years ahead: the
//!   year ending in `YY` within `[reference year - 79, reference year + 20]`.
//!   Passports are valid for at most 10 years and a few issuers go to 20;
//!   expired documents of any realistic age stay in the past.

use serde::Serialize;
use std::fmt;

/// A valid Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// The date, if it exists in the calendar (month 1-12, day within the month).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        (1..=12)
            .contains(&month)
            .then_some(())
            .filter(|()| day >= 1 && day <= days_in_month(year, month))
            .map(|()| Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (the form the rule engine and the generator use).
    pub fn parse_iso(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        Date::new(
            i32::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Which way a two-digit year is resolved; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Century {
    /// Birth dates: never after the reference date.
    Past,
    /// Expiry dates: within 79 years before to 20 years after the reference year.
    Expiry,
}

/// How far ahead an expiry date may lie (years).
pub const EXPIRY_YEARS_AHEAD: i32 = 20;

/// The full year for a two-digit year `yy`; `month` and `day` refine the
/// [`Century::Past`] rule within the reference year and may be unknown.
pub fn infer_year(
    yy: u8,
    month: Option<u8>,
    day: Option<u8>,
    reference: Date,
    rule: Century,
) -> i32 {
    let yy = i32::from(yy % 100);
    let century = reference.year - reference.year.rem_euclid(100);
    let mut year = century + yy;
    match rule {
        Century::Past => {
            // Unknown month/day count as the earliest possible, so a partial
            // date in the reference year stays in the reference year.
            let candidate = (year, month.unwrap_or(0), day.unwrap_or(0));
            if candidate > (reference.year, reference.month, reference.day) {
                year -= 100;
            }
        }
        Century::Expiry => {
            if year > reference.year + EXPIRY_YEARS_AHEAD {
                year -= 100;
            } else if year < reference.year + EXPIRY_YEARS_AHEAD - 99 {
                year += 100;
            }
        }
    }
    year
}

pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The decimal value of ASCII digits, or `None` if any byte is not a digit.
pub(crate) fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn calendar_validity() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2023, 13, 1).is_none());
        assert!(Date::new(2023, 4, 31).is_none());
        assert!(Date::new(2023, 1, 0).is_none());
        assert_eq!(Date::parse_iso("2026-03-01"), Some(d(2026, 3, 1)));
        assert_eq!(Date::parse_iso("2026-3-01"), None);
    }

    #[test]
    fn birth_dates_are_in_the_past() {
        let r = d(2026, 3, 1);
        assert_eq!(infer_year(74, Some(8), Some(12), r, Century::Past), 1974);
        assert_eq!(infer_year(25, Some(3), Some(1), r, Century::Past), 2025);
        assert_eq!(infer_year(26, Some(3), Some(1), r, Century::Past), 2026);
        // One day after the reference: a century earlier.
        assert_eq!(infer_year(26, Some(3), Some(2), r, Century::Past), 1926);
        assert_eq!(infer_year(26, None, None, r, Century::Past), 2026);
        assert_eq!(infer_year(0, Some(1), Some(1), r, Century::Past), 2000);
    }

    #[test]
    fn expiry_dates_may_be_twenty_years_ahead() {
        let r = d(2026, 3, 1);
        assert_eq!(infer_year(46, None, None, r, Century::Expiry), 2046);
        assert_eq!(infer_year(47, None, None, r, Century::Expiry), 1947);
        assert_eq!(infer_year(12, None, None, r, Century::Expiry), 2012);
        assert_eq!(infer_year(94, None, None, r, Century::Expiry), 1994);
        let r = d(2095, 1, 1);
        assert_eq!(infer_year(10, None, None, r, Century::Expiry), 2110);
        assert_eq!(infer_year(16, None, None, r, Century::Expiry), 2016);
    }
}
