//! Calendar dates for policy expiry and `x-sunset`: `YYYY-MM-DD`, compared as days.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A civil date (proleptic Gregorian), stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

impl Date {
    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date(secs.div_euclid(86_400))
    }

    /// From year, month (1–12) and day (1–31); `None` when the day does not exist.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d)
    }

    /// Days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Date) -> i64 {
        other.0 - self.0
    }

    /// The date `n` days later.
    pub fn plus_days(self, n: i64) -> Date {
        Date(self.0 + n)
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl FromStr for Date {
    type Err = String;
    /// Accepts `YYYY-MM-DD`, and RFC 3339 date-times (the date part is used).
    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("`{s}` is not a date; write it as YYYY-MM-DD");
        let date = s.trim().get(..10).ok_or_else(bad)?;
        let mut it = date.split('-');
        let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let y: i64 = y.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        let d: u32 = d.parse().map_err(|_| bad())?;
        Date::from_ymd(y, m, d).ok_or_else(bad)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_formats_and_counts_days() {
        let a: Date = "2026-11-25".parse().unwrap();
        assert_eq!(a.to_string(), "2026-11-25");
        assert_eq!(Date::from_ymd(1970, 1, 1), Some(Date(0)));
        let b: Date = "2027-03-01T00:00:00Z".parse().unwrap();
        assert_eq!(a.days_until(b), 96);
        assert_eq!(a.plus_days(96), b);
        assert!("2026-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("26-1-1".parse::<Date>().is_err());
        assert!("".parse::<Date>().is_err());
        for days in [-800_000i64, -1, 0, 59, 60, 11_016, 20_000_000] {
            let (y, m, d) = Date(days).ymd();
            assert_eq!(Date::from_ymd(y, m, d), Some(Date(days)));
        }
    }
}
