//! The date-time value the functions work on: a .NET `DateTime`, i.e. a count of 100 ns
//! ticks since 0001-01-01T00:00:00 (up to 9999-12-31T23:59:59.9999999) and a kind saying
//! whether it is UTC or unspecified (no offset was given).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

pub(crate) const TICKS_PER_SECOND: i64 = 10_000_000;
pub(crate) const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub(crate) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub(crate) const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// `DateTime.MaxValue.Ticks`.
const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

pub(crate) const OUT_OF_RANGE: &str =
    "the result is outside the range of dates and times (0001-01-01 to 9999-12-31)";

/// .NET's `DateTimeKind`, minus `Local`: timestamps with an offset are converted to UTC when
/// they are read, so a value is either UTC (printed with `Z`) or has no zone at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Utc,
    Unspecified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp {
    ticks: i64,
    pub kind: Kind,
}

impl Timestamp {
    pub(crate) fn from_ticks(ticks: i64, kind: Kind) -> Option<Timestamp> {
        (0..=MAX_TICKS)
            .contains(&ticks)
            .then_some(Timestamp { ticks, kind })
    }

    /// From a calendar date and time; sub-tick nanoseconds are dropped, as .NET keeps ticks.
    pub(crate) fn from_naive(value: NaiveDateTime, kind: Kind) -> Option<Timestamp> {
        let days = i64::from(value.date().num_days_from_ce()) - 1;
        let seconds = i64::from(value.num_seconds_from_midnight());
        let sub = i64::from(value.nanosecond() % 1_000_000_000) / 100;
        let ticks = days
            .checked_mul(TICKS_PER_DAY)?
            .checked_add(seconds * TICKS_PER_SECOND + sub)?;
        Timestamp::from_ticks(ticks, kind)
    }

    pub(crate) fn ticks(self) -> i64 {
        self.ticks
    }

    pub(crate) fn naive(self) -> NaiveDateTime {
        let days = self.ticks.div_euclid(TICKS_PER_DAY);
        let rest = self.ticks.rem_euclid(TICKS_PER_DAY);
        // Ticks are range-checked on construction, so these conversions cannot fail; the
        // fallbacks only keep the code free of panics.
        let date = i32::try_from(days + 1)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or(NaiveDate::MIN);
        let secs = u32::try_from(rest / TICKS_PER_SECOND).unwrap_or(0);
        let nanos = u32::try_from((rest % TICKS_PER_SECOND) * 100).unwrap_or(0);
        date.and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .checked_add_signed(chrono::TimeDelta::seconds(i64::from(secs)))
            .and_then(|d| d.with_nanosecond(nanos))
            .unwrap_or_default()
    }

    pub(crate) fn date(self) -> NaiveDate {
        self.naive().date()
    }

    /// The fraction of the second in ticks (0..=9_999_999).
    pub(crate) fn sub_second_ticks(self) -> i64 {
        self.ticks % TICKS_PER_SECOND
    }

    pub(crate) fn with_kind(self, kind: Kind) -> Timestamp {
        Timestamp { kind, ..self }
    }

    pub(crate) fn add_ticks(self, delta: i64) -> Result<Timestamp, &'static str> {
        self.ticks
            .checked_add(delta)
            .and_then(|t| Timestamp::from_ticks(t, self.kind))
            .ok_or(OUT_OF_RANGE)
    }

    /// `DateTime.AddMonths`: the day is clamped to the end of the target month.
    pub(crate) fn add_months(self, months: i64) -> Result<Timestamp, &'static str> {
        let naive = self.naive();
        let month0 = i64::from(naive.year()) * 12 + i64::from(naive.month0());
        let target = month0.checked_add(months).ok_or(OUT_OF_RANGE)?;
        let year = i32::try_from(target.div_euclid(12)).map_err(|_| OUT_OF_RANGE)?;
        if !(1..=9999).contains(&year) {
            return Err(OUT_OF_RANGE);
        }
        let month = u32::try_from(target.rem_euclid(12) + 1).map_err(|_| OUT_OF_RANGE)?;
        let day = naive.day().min(days_in_month(year, month));
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(OUT_OF_RANGE)?;
        Timestamp::from_naive(date.and_time(naive.time()), self.kind).ok_or(OUT_OF_RANGE)
    }

    /// Keeps the calendar fields up to `keep`, zeroing the smaller ones.
    pub(crate) fn truncate(self, unit: Truncate) -> Timestamp {
        let ticks = match unit {
            Truncate::Hour => self.ticks - self.ticks % TICKS_PER_HOUR,
            Truncate::Day => self.ticks - self.ticks % TICKS_PER_DAY,
            Truncate::Month => {
                let date = self.date();
                let first = date.with_day(1).unwrap_or(date);
                return Timestamp::from_naive(
                    first.and_hms_opt(0, 0, 0).unwrap_or_default(),
                    self.kind,
                )
                .unwrap_or(self);
            }
        };
        Timestamp { ticks, ..self }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Truncate {
    Hour,
    Day,
    Month,
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        let value = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").expect("test date");
        Timestamp::from_naive(value, Kind::Utc).expect("in range")
    }

    #[test]
    fn ticks_match_dotnet() {
        assert_eq!(ts("0001-01-01T00:00:00").ticks(), 0);
        assert_eq!(ts("2018-03-15T00:00:00").ticks(), 636_566_688_000_000_000);
        assert_eq!(ts("9999-12-31T23:59:59.9999999").ticks(), MAX_TICKS);
        let t = ts("2018-03-15T13:27:36.1234567");
        assert_eq!(
            Timestamp::from_ticks(t.ticks(), Kind::Utc).map(|t| t.naive()),
            Some(t.naive())
        );
    }

    #[test]
    fn months_clamp_and_range_is_checked() {
        let t = ts("2018-01-31T10:00:00").add_months(1).expect("in range");
        assert_eq!(t.naive(), ts("2018-02-28T10:00:00").naive());
        assert!(ts("9999-12-01T00:00:00").add_months(1).is_err());
        assert!(ts("0001-01-01T00:00:00").add_ticks(-1).is_err());
        assert!(ts("2000-01-01T00:00:00").add_ticks(i64::MAX).is_err());
    }
}
