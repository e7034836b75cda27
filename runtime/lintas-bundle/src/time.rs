//! Instants as the manifest writes them: whole seconds since the Unix
//! epoch, shown as RFC 3339 in UTC. Building a bundle never reads the clock
//! (the build time is an input, so the same sources give the same bytes);
//! loading one reads it only when the caller does not say what time it is
//! (a [`Clock`]).

use lintas_check::calendar;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A moment, to the second, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix: i64,
}

const DAY: i64 = 86_400;

impl Timestamp {
    pub fn from_unix(unix: i64) -> Timestamp {
        Timestamp { unix }
    }

    /// The system clock: only for the runtime's "is this bundle expired
    /// now" when the operator gave no time.
    pub fn now() -> Timestamp {
        let unix = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        Timestamp { unix }
    }

    /// Parses RFC 3339 (`2026-03-01T08:30:00Z`, `2026-03-01T16:30:00+08:00`,
    /// fractions of a second ignored) or a plain date (`2026-03-01`, meaning
    /// 00:00 UTC that day). `Err` says what is wrong, for a message that
    /// names the flag.
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        let invalid = || {
            format!(
                "`{text}` is not a date (`YYYY-MM-DD`) or an RFC 3339 time (`YYYY-MM-DDTHH:MM:SSZ`)"
            )
        };
        let text = text.trim();
        let (date, rest) = match text.get(..10) {
            Some(date) => (date, text.get(10..).unwrap_or("")),
            None => return Err(invalid()),
        };
        let day = calendar::parse_date(date).ok_or_else(invalid)?;
        if rest.is_empty() {
            return Ok(Timestamp { unix: day * DAY });
        }
        let rest = rest
            .strip_prefix('T')
            .or_else(|| rest.strip_prefix('t'))
            .or_else(|| rest.strip_prefix(' '))
            .ok_or_else(invalid)?;
        let number = |s: Option<&str>, max: i64| -> Result<i64, String> {
            let s = s.ok_or_else(invalid)?;
            if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            let n: i64 = s.parse().map_err(|_| invalid())?;
            if n > max { Err(invalid()) } else { Ok(n) }
        };
        let hour = number(rest.get(0..2), 23)?;
        if rest.get(2..3) != Some(":") || rest.get(5..6) != Some(":") {
            return Err(invalid());
        }
        let minute = number(rest.get(3..5), 59)?;
        // 60 for a leap second, counted as the next second's start.
        let second = number(rest.get(6..8), 60)?;
        let mut zone = rest.get(8..).ok_or_else(invalid)?;
        if let Some(fraction) = zone.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(invalid());
            }
            zone = fraction.get(digits..).ok_or_else(invalid)?;
        }
        let offset = match zone {
            "Z" | "z" => 0,
            _ => {
                let sign = match zone.get(..1) {
                    Some("+") => 1,
                    Some("-") => -1,
                    _ => return Err(invalid()),
                };
                if zone.len() != 6 || zone.get(3..4) != Some(":") {
                    return Err(invalid());
                }
                let hours = number(zone.get(1..3), 23)?;
                let minutes = number(zone.get(4..6), 59)?;
                sign * (hours * 3600 + minutes * 60)
            }
        };
        Ok(Timestamp {
            unix: day * DAY + hour * 3600 + minute * 60 + second - offset,
        })
    }

    /// The day number (days since 1970-01-01) this instant falls on, in UTC.
    pub fn day(self) -> i64 {
        self.unix.div_euclid(DAY)
    }
}

/// Where the runtime reads the time: the system clock, or a fixed time that
/// tests (and `lintas verify --now`) set and move. Clones share the time,
/// so moving a fixed clock moves it for every loader and bundle holding
/// it: a test can age a running checkpoint's data without waiting.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None`: the system clock.
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    pub fn fixed(now: Timestamp) -> Clock {
        Clock {
            fixed: Some(Arc::new(AtomicI64::new(now.unix))),
        }
    }

    pub fn now(&self) -> Timestamp {
        match &self.fixed {
            Some(unix) => Timestamp::from_unix(unix.load(Ordering::Relaxed)),
            None => Timestamp::now(),
        }
    }

    /// Moves a fixed clock (for every clone); the system clock cannot be
    /// moved, and `false` says so.
    pub fn set(&self, now: Timestamp) -> bool {
        match &self.fixed {
            Some(unix) => {
                unix.store(now.unix, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, whole seconds: `2026-03-01T08:30:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.unix.rem_euclid(DAY);
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            calendar::format_date(self.day()),
            seconds / 3600,
            seconds % 3600 / 60,
            seconds % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_in_utc() {
        let t = Timestamp::parse("2026-03-01T16:30:05+08:00").unwrap_or(Timestamp::from_unix(0));
        assert_eq!(t.to_string(), "2026-03-01T08:30:05Z");
        assert_eq!(Timestamp::parse("2026-03-01T08:30:05.250Z"), Ok(t));
        assert_eq!(
            Timestamp::parse("2026-03-01").map(|t| t.to_string()),
            Ok("2026-03-01T00:00:00Z".to_string())
        );
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59Z").map(|t| t.unix),
            Ok(-1)
        );
        assert_eq!(Timestamp::from_unix(-1).to_string(), "1969-12-31T23:59:59Z");
        for bad in [
            "",
            "2026-02-30",
            "2026-03-01T",
            "2026-03-01T25:00:00Z",
            "2026-03-01T08:30:00",
            "2026-03-01T08:30:00+0800",
            "2026-03-01T08:30:00.Z",
            "yesterday",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
