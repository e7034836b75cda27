//! Calendar arithmetic on the proleptic Gregorian calendar, years 1 to 9999.
//! Dates are day numbers (days since 1970-01-01) so that every backend can
//! hold them in one integer; months and years are added by the clamping rule
//! documented in docs/language.md (31 January + 1 month = end of February).

pub const MIN_YEAR: i64 = 1;
pub const MAX_YEAR: i64 = 9999;

pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Day number of a civil date (Howard Hinnant's algorithm), or `None` when
/// the date does not exist or is outside years 1 to 9999.
pub fn day_number(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
    {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The day number of a date known to exist.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses `YYYY-MM-DD` into a day number.
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    // Digits only: `str::parse` would also take a sign.
    let digit_positions = [0, 1, 2, 3, 5, 6, 8, 9];
    if !digit_positions
        .iter()
        .all(|i| bytes.get(*i).is_some_and(u8::is_ascii_digit))
    {
        return None;
    }
    let year = text.get(0..4)?.parse().ok()?;
    let month = text.get(5..7)?.parse().ok()?;
    let day = text.get(8..10)?.parse().ok()?;
    day_number(year, month, day)
}

pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Adds whole months, clamping the day to the end of the target month.
/// `None` when the result leaves years 1 to 9999.
pub fn add_months(days: i64, months: i64) -> Option<i64> {
    let (year, month, day) = civil(days);
    let index = year
        .checked_mul(12)?
        .checked_add(i64::from(month) - 1)?
        .checked_add(months)?;
    let new_year = index.div_euclid(12);
    let new_month = u32::try_from(index.rem_euclid(12) + 1).ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&new_year) {
        return None;
    }
    let new_day = day.min(days_in_month(new_year, new_month));
    Some(days_from_civil(new_year, new_month, new_day))
}

/// Day numbers of 0001-01-01 and 9999-12-31.
pub const FIRST_DAY: i64 = -719_162;
pub const LAST_DAY: i64 = 2_932_896;

/// Adds days, `None` when the result leaves years 1 to 9999.
pub fn add_days(days: i64, delta: i64) -> Option<i64> {
    let result = days.checked_add(delta)?;
    (FIRST_DAY..=LAST_DAY).contains(&result).then_some(result)
}

/// Whole months from `from` to `to`: the largest n with
/// `from + n months <= to` (negative when `to` is earlier).
pub fn months_between(from: i64, to: i64) -> i64 {
    let (fy, fm, _) = civil(from);
    let (ty, tm, _) = civil(to);
    let mut n = (ty - fy) * 12 + i64::from(tm) - i64::from(fm);
    // The estimate is off by at most one; a month that leaves the calendar
    // counts as past `to` going forwards and before it going backwards.
    let reached = |k: i64| add_months(from, k).map_or(k < 0, |d| d <= to);
    while !reached(n) {
        n -= 1;
    }
    while reached(n + 1) {
        n += 1;
    }
    n
}

/// Whole years from `from` to `to`, as an age is counted: the largest n
/// with `from + n years <= to`, so a 29 February birthday is reached on
/// 28 February in common years.
pub fn years_between(from: i64, to: i64) -> i64 {
    // `from + n years` is (fy + n, fm, fd clamped to that month). In the
    // year of `to` it is reached when its month and day are not after
    // `to`'s; otherwise the year before is (that year always exists:
    // when it would be year 0, n is negative and leaving the calendar
    // backwards counts as reached). Equal to
    // `months_between(from, to).div_euclid(12)`, with two conversions.
    let (fy, fm, fd) = civil(from);
    let (ty, tm, td) = civil(to);
    let clamped = fd.min(days_in_month(ty, fm));
    if (fm, clamped) <= (tm, td) {
        ty - fy
    } else {
        ty - fy - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_between_is_whole_months_between_divided_by_twelve() {
        // Around leap days, month ends and both ends of the calendar.
        let mut days: Vec<i64> = vec![FIRST_DAY, FIRST_DAY + 1, LAST_DAY, LAST_DAY - 1];
        for text in [
            "2024-02-29",
            "2023-02-28",
            "2024-03-01",
            "2000-02-29",
            "1900-02-28",
            "2026-01-31",
            "2026-12-31",
        ] {
            let d = d(text);
            days.extend([d - 1, d, d + 1]);
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            days.push(FIRST_DAY + (x % (LAST_DAY - FIRST_DAY + 1) as u64) as i64);
        }
        for pair in days.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            for (from, to) in [(a, b), (b, a), (a, a + 365), (a, a + 366)] {
                if to > LAST_DAY {
                    continue;
                }
                assert_eq!(
                    years_between(from, to),
                    months_between(from, to).div_euclid(12),
                    "{from} {to}"
                );
            }
        }
    }

    fn d(text: &str) -> i64 {
        parse_date(text).unwrap_or(i64::MIN)
    }

    #[test]
    fn day_numbers_round_trip() {
        for days in [-719_162, -1, 0, 1, 11_016, 20_000, 2_932_896] {
            let (y, m, dd) = civil(days);
            assert_eq!(day_number(y, m, dd), Some(days));
        }
        assert_eq!(d("1970-01-01"), 0);
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("0000-01-01"), None);
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(add_months(d("2025-01-31"), 1), Some(d("2025-02-28")));
        assert_eq!(add_months(d("2024-01-31"), 1), Some(d("2024-02-29")));
        assert_eq!(add_months(d("2024-02-29"), 12), Some(d("2025-02-28")));
        assert_eq!(add_months(d("2025-03-31"), -1), Some(d("2025-02-28")));
        assert_eq!(add_months(d("9999-12-01"), 1), None);
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(years_between(d("2008-02-29"), d("2026-02-28")), 18);
        assert_eq!(years_between(d("2008-02-29"), d("2026-02-27")), 17);
        assert_eq!(years_between(d("2008-03-01"), d("2026-02-28")), 17);
        assert_eq!(years_between(d("2000-06-15"), d("2018-06-15")), 18);
        assert_eq!(years_between(d("2000-06-15"), d("2018-06-14")), 17);
        assert_eq!(years_between(d("2018-06-15"), d("2000-06-15")), -18);
        assert_eq!(years_between(d("2018-06-15"), d("2000-06-16")), -18);
        assert_eq!(months_between(d("2025-01-31"), d("2025-01-01")), -1);
        assert_eq!(months_between(d("2025-03-15"), d("2025-01-20")), -2);
        assert_eq!(months_between(d("2025-02-28"), d("2025-01-31")), -1);
        assert_eq!(months_between(d("2025-01-31"), d("2025-02-28")), 1);
        assert_eq!(parse_date("2025-+1-+1"), None);
        assert_eq!(parse_date("+025-01-31"), None);
        assert_eq!(add_days(0, i64::MAX / 2), None);
    }
}
