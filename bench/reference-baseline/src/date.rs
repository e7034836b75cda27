//! Dates as the policy needs them: a day number for comparisons and day
//! arithmetic, and the civil date beside it so that ages and `+ 6 months`
//! need no conversion back from day numbers. Same calendar as
//! `lintas_check::calendar` (proleptic Gregorian, years 1 to 9999); the
//! tests hold the two to each other.

/// Day numbers of 0001-01-01 and 9999-12-31.
pub const FIRST_DAY: i32 = -719_162;
pub const LAST_DAY: i32 = 2_932_896;

/// A date between 0001-01-01 and 9999-12-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    pub days: i32,
    // INVARIANT: `year << 9 | month << 5 | day` of the same date, which
    // orders exactly as the dates do.
    civil: u32,
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

const fn pack(year: u32, month: u32, day: u32) -> u32 {
    year << 9 | month << 5 | day
}

impl Date {
    /// A valid civil date, or `None`.
    pub fn new(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return None;
        }
        // Howard Hinnant's days_from_civil; every step is non-negative in
        // years 1 to 9999, so unsigned arithmetic needs no floor division.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y / 400;
        let yoe = y - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = i32::try_from(era * 146_097 + doe).ok()? - 719_468;
        Some(Date {
            days,
            civil: pack(year, month, day),
        })
    }

    /// `YYYY-MM-DD`, exactly what `calendar::parse_date` accepts.
    #[inline]
    pub fn parse(text: &str) -> Option<Date> {
        let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = text.as_bytes() else {
            return None;
        };
        let digit = |b: u8| {
            let d = b.wrapping_sub(b'0');
            (d < 10).then_some(u32::from(d))
        };
        let year = ((digit(y0)? * 10 + digit(y1)?) * 10 + digit(y2)?) * 10 + digit(y3)?;
        let month = digit(m0)? * 10 + digit(m1)?;
        let day = digit(d0)? * 10 + digit(d1)?;
        Date::new(year, month, day)
    }

    pub fn year(self) -> u32 {
        self.civil >> 9
    }

    pub fn month(self) -> u32 {
        self.civil >> 5 & 15
    }

    pub fn day(self) -> u32 {
        self.civil & 31
    }

    /// `self - n days` as a day number, `None` before 0001-01-01.
    #[inline]
    pub fn minus_days(self, n: i32) -> Option<i32> {
        let d = self.days - n;
        (d >= FIRST_DAY).then_some(d)
    }

    /// Whether `self < other + 6 months` (month-end clamping, as
    /// `calendar::add_months`), or `None` when `other + 6 months` is after
    /// year 9999.
    #[inline]
    pub fn before_six_months_after(self, other: Date) -> Option<bool> {
        let (year, month) = match other.month() {
            m @ 1..=6 => (other.year(), m + 6),
            m => (other.year() + 1, m - 6),
        };
        if year > 9999 {
            return None;
        }
        let day = other.day().min(days_in_month(year, month));
        Some(self.civil < pack(year, month, day))
    }

    /// Whole years from `self` to `to`, as `calendar::years_between` counts
    /// them: the largest n with `self + n years <= to`, so that a 29
    /// February birthday is reached on 28 February in common years.
    #[inline]
    pub fn years_until(self, to: Date) -> i64 {
        let whole = i64::from(to.year()) - i64::from(self.year());
        // `self + whole years` falls in `to`'s year; only 29 February moves.
        let day = if self.civil & 0x1ff == pack(0, 2, 29) && !is_leap(to.year()) {
            28
        } else {
            self.day()
        };
        let anniversary = pack(0, self.month(), day);
        whole - i64::from(to.civil & 0x1ff < anniversary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lintas_check::calendar;

    /// A small SplitMix64, so the sweep is the same on every run.
    fn stream(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    fn date(days: i64) -> Date {
        Date::parse(&calendar::format_date(days)).unwrap()
    }

    /// Days near the ends of the calendar, around leap days and month ends,
    /// and anywhere.
    fn interesting(next: &mut impl FnMut() -> u64) -> i64 {
        let span = i64::from(LAST_DAY - FIRST_DAY) + 1;
        let anchors = [
            i64::from(FIRST_DAY),
            i64::from(LAST_DAY),
            calendar::parse_date("2024-02-29").unwrap(),
            calendar::parse_date("2000-02-29").unwrap(),
            calendar::parse_date("2100-02-28").unwrap(),
            calendar::parse_date("9999-06-30").unwrap(),
            calendar::parse_date("2026-08-31").unwrap(),
        ];
        let r = next();
        let base = if r.is_multiple_of(3) {
            i64::from(FIRST_DAY) + (next() % span as u64) as i64
        } else {
            anchors[(next() % anchors.len() as u64) as usize]
        };
        (base + (next() % 801) as i64 - 400).clamp(i64::from(FIRST_DAY), i64::from(LAST_DAY))
    }

    #[test]
    fn parsing_agrees_with_the_calendar() {
        let mut next = stream(1);
        let alphabet = b"0123456789-+ 9012x";
        for _ in 0..200_000 {
            let days = interesting(&mut next);
            let mut text = calendar::format_date(days).into_bytes();
            if next().is_multiple_of(2) {
                let i = (next() % 10) as usize;
                text[i] = alphabet[(next() % alphabet.len() as u64) as usize];
            }
            let text = String::from_utf8(text).unwrap();
            assert_eq!(
                Date::parse(&text).map(|d| i64::from(d.days)),
                calendar::parse_date(&text),
                "{text}"
            );
        }
        for text in [
            "",
            "2026-3-01",
            "02026-03-01",
            "2026-03-011",
            "0000-01-01",
            "2026/03/01",
        ] {
            assert_eq!(Date::parse(text), None, "{text}");
        }
    }

    #[test]
    fn arithmetic_agrees_with_the_calendar() {
        let mut next = stream(2);
        for _ in 0..300_000 {
            let (a, b) = (interesting(&mut next), interesting(&mut next));
            let (da, db) = (date(a), date(b));
            assert_eq!(
                da.years_until(db),
                calendar::years_between(a, b),
                "{}..{}",
                calendar::format_date(a),
                calendar::format_date(b)
            );
            assert_eq!(
                da.before_six_months_after(db),
                calendar::add_months(b, 6).map(|limit| a < limit),
                "{} < {} + 6 months",
                calendar::format_date(a),
                calendar::format_date(b)
            );
            assert_eq!(da.minus_days(6).map(i64::from), calendar::add_days(a, -6));
        }
    }
}
