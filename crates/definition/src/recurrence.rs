//! What times a Recurrence denotes: the plan the runtime turns into durable timers.
//!
//! Logic Apps' rules (the "schedule and run recurring workflows" behaviour):
//! - Without `startTime`, the first occurrence is when the trigger is enabled (the
//!   *anchor* the runtime passes in), then every `interval` × `frequency` after it.
//! - With `startTime`, occurrences are `startTime + k × interval`; none is earlier than it.
//!   A `startTime` with no offset is wall-clock time in `timeZone` (UTC without one); an
//!   offset or `Z` makes it absolute.
//! - `schedule` (Day and Week): on each occurrence day, at every `hours` × `minutes`
//!   (each defaulting to the anchor's hour and minute); Week adds `weekDays`, counting
//!   `interval` weeks from the anchor's week (weeks start on Sunday, as in .NET).
//!   Month may name `monthDays` (1..31, or -1 for the last day).
//! - Day, Week and Month keep wall-clock time across daylight-saving changes; Second,
//!   Minute and Hour are exact durations.

use crate::model::{Recurrence, RecurrenceFrequency};
use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use serde_json::Value;

/// Days looked at, at most, to find the next scheduled day (Week × 71 or Month × 16 fit).
const SEARCH_DAYS: u64 = 600;

/// A Recurrence read and checked, ready to compute occurrences.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrencePlan {
    pub frequency: RecurrenceFrequency,
    pub interval: u32,
    /// The zone wall-clock times are read in (UTC when none is given).
    pub zone: Tz,
    pub start: Option<Start>,
    pub schedule: Schedule,
}

/// The `startTime`: absolute when it carried an offset, else wall-clock in the plan's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Absolute(DateTime<Utc>),
    Local(NaiveDateTime),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    pub hours: Vec<u32>,
    pub minutes: Vec<u32>,
    pub week_days: Vec<Weekday>,
    /// 1..=31, or -1 for the month's last day.
    pub month_days: Vec<i32>,
}

/// What is wrong with a recurrence: the field (relative to `recurrence`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RecurrenceError {
    pub field: String,
    pub message: String,
}

fn error(field: &str, message: impl Into<String>) -> RecurrenceError {
    RecurrenceError {
        field: field.to_string(),
        message: message.into(),
    }
}

impl RecurrencePlan {
    /// Reads a recurrence whose `interval` is a literal (an expression interval cannot be
    /// planned before it is evaluated).
    pub fn from_recurrence(recurrence: &Recurrence) -> Result<RecurrencePlan, RecurrenceError> {
        let frequency = recurrence.frequency().ok_or_else(|| {
            error(
                "frequency",
                format!(
                    "'{}' is not one of Second, Minute, Hour, Day, Week, Month",
                    recurrence.frequency
                ),
            )
        })?;
        let interval = recurrence
            .interval
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| error("interval", "must be a positive integer"))?;
        let zone = match recurrence.time_zone.as_deref() {
            None | Some("") => Tz::UTC,
            Some(name) => hookflow_expr::time_zone(name)
                .ok_or_else(|| error("timeZone", format!("'{name}' is not a known time zone")))?,
        };
        let start = recurrence
            .start_time
            .as_deref()
            .map(parse_start)
            .transpose()?;
        let schedule = match &recurrence.schedule {
            None | Some(Value::Null) => Schedule::default(),
            Some(value) => parse_schedule(value, frequency)?,
        };
        Ok(RecurrencePlan {
            frequency,
            interval,
            zone,
            start,
            schedule,
        })
    }

    /// The first occurrence strictly after `after`. `enabled_at` anchors a plan without
    /// `startTime` (its first occurrence is `enabled_at` itself). `None` only when no
    /// occurrence exists within the search horizon (e.g. `monthDays: [31]` every 12
    /// months starting in a 30-day month).
    pub fn next_after(
        &self,
        after: DateTime<Utc>,
        enabled_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let anchor_local = match self.start {
            Some(Start::Local(local)) => local,
            Some(Start::Absolute(t)) => t.with_timezone(&self.zone).naive_local(),
            None => enabled_at.with_timezone(&self.zone).naive_local(),
        };
        let anchor = match self.start {
            Some(Start::Absolute(t)) => t,
            _ => self.to_utc(anchor_local)?,
        };
        if anchor > after && !self.has_schedule() {
            return Some(anchor);
        }
        match self.frequency {
            RecurrenceFrequency::Second
            | RecurrenceFrequency::Minute
            | RecurrenceFrequency::Hour => {
                let step = self.step_seconds();
                let elapsed = (after - anchor).num_seconds().max(0);
                let k = elapsed / step + 1;
                anchor.checked_add_signed(Duration::seconds(k.checked_mul(step)?))
            }
            RecurrenceFrequency::Day | RecurrenceFrequency::Week | RecurrenceFrequency::Month => {
                self.next_calendar(anchor_local, anchor, after)
            }
        }
    }

    fn has_schedule(&self) -> bool {
        let s = &self.schedule;
        !(s.hours.is_empty()
            && s.minutes.is_empty()
            && s.week_days.is_empty()
            && s.month_days.is_empty())
    }

    fn step_seconds(&self) -> i64 {
        let unit = match self.frequency {
            RecurrenceFrequency::Second => 1,
            RecurrenceFrequency::Minute => 60,
            _ => 3600,
        };
        i64::from(self.interval) * unit
    }

    /// Walks the calendar day by day from the later of the anchor and `after`, keeping
    /// days the frequency and schedule select, and returns the first time on them that is
    /// after both.
    fn next_calendar(
        &self,
        anchor_local: NaiveDateTime,
        anchor: DateTime<Utc>,
        after: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let times = self.times_of_day(anchor_local.time());
        let from = after.max(anchor).with_timezone(&self.zone).date_naive();
        let mut day = from;
        for _ in 0..SEARCH_DAYS {
            if self.day_selected(anchor_local.date(), day) {
                for time in &times {
                    let at = self.to_utc(day.and_time(*time))?;
                    if at > after && at >= anchor {
                        return Some(at);
                    }
                }
            }
            day = day.checked_add_days(Days::new(1))?;
        }
        None
    }

    fn times_of_day(&self, anchor: NaiveTime) -> Vec<NaiveTime> {
        let hours = if self.schedule.hours.is_empty() {
            vec![anchor.hour()]
        } else {
            self.schedule.hours.clone()
        };
        let minutes = if self.schedule.minutes.is_empty() {
            vec![anchor.minute()]
        } else {
            self.schedule.minutes.clone()
        };
        // Without a schedule the anchor's seconds are kept; scheduled times are on the minute.
        let seconds = if self.has_schedule() {
            0
        } else {
            anchor.second()
        };
        let mut times: Vec<NaiveTime> = hours
            .iter()
            .flat_map(|h| {
                minutes
                    .iter()
                    .filter_map(move |m| NaiveTime::from_hms_opt(*h, *m, seconds))
            })
            .collect();
        times.sort();
        times.dedup();
        times
    }

    fn day_selected(&self, anchor: NaiveDate, day: NaiveDate) -> bool {
        let interval = i64::from(self.interval);
        match self.frequency {
            RecurrenceFrequency::Day => (day - anchor).num_days().rem_euclid(interval) == 0,
            RecurrenceFrequency::Week => {
                let week_of =
                    |d: NaiveDate| d - Days::new(u64::from(d.weekday().num_days_from_sunday()));
                let weeks = (week_of(day) - week_of(anchor)).num_days() / 7;
                let week_day_ok = if self.schedule.week_days.is_empty() {
                    day.weekday() == anchor.weekday()
                } else {
                    self.schedule.week_days.contains(&day.weekday())
                };
                weeks.rem_euclid(interval) == 0 && week_day_ok
            }
            RecurrenceFrequency::Month => {
                let months = (i64::from(day.year()) - i64::from(anchor.year())) * 12
                    + i64::from(day.month())
                    - i64::from(anchor.month());
                if months.rem_euclid(interval) != 0 {
                    return false;
                }
                if self.schedule.month_days.is_empty() {
                    // The anchor's day, or the month's last day when the month is shorter
                    // (31 January + 1 month is 28/29 February, as .NET AddMonths does).
                    let target = anchor
                        .checked_add_months(Months::new(months.max(0) as u32))
                        .map(|d| d.day());
                    Some(day.day()) == target
                } else {
                    let last = last_day_of_month(day);
                    self.schedule.month_days.iter().any(|d| {
                        (*d > 0 && u32::try_from(*d) == Ok(day.day()))
                            || (*d == -1 && day.day() == last)
                    })
                }
            }
            _ => true,
        }
    }

    /// Wall-clock time in the plan's zone to UTC: a time skipped by a daylight-saving
    /// change moves forward by the gap; a repeated time takes its first occurrence.
    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
            LocalResult::None => (1..=4).find_map(|half_hours| {
                let shifted = local.checked_add_signed(Duration::minutes(30 * half_hours))?;
                self.zone
                    .from_local_datetime(&shifted)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            }),
        }
    }
}

fn last_day_of_month(day: NaiveDate) -> u32 {
    day.with_day(1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .and_then(|next| next.pred_opt())
        .map_or(31, |d| d.day())
}

fn parse_start(text: &str) -> Result<Start, RecurrenceError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Start::Absolute(t.with_timezone(&Utc)));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Start::Local(local));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Start::Local(date.and_time(NaiveTime::MIN)));
    }
    Err(error(
        "startTime",
        format!("'{text}' is not a date and time such as 2026-01-31T08:00:00"),
    ))
}

fn parse_schedule(
    value: &Value,
    frequency: RecurrenceFrequency,
) -> Result<Schedule, RecurrenceError> {
    let obj = value
        .as_object()
        .ok_or_else(|| error("schedule", "must be an object"))?;
    let numbers =
        |key: &str, range: std::ops::RangeInclusive<i64>| -> Result<Vec<i64>, RecurrenceError> {
            let field = format!("schedule/{key}");
            match obj.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        item.as_i64().filter(|n| range.contains(n)).ok_or_else(|| {
                            error(
                                &field,
                                format!(
                                    "every entry must be an integer from {} to {}",
                                    range.start(),
                                    range.end()
                                ),
                            )
                        })
                    })
                    .collect(),
                Some(single) => single
                    .as_i64()
                    .filter(|n| range.contains(n))
                    .map(|n| vec![n])
                    .ok_or_else(|| error(&field, "must be an array of integers")),
            }
        };
    let to_u32 = |v: Vec<i64>| -> Vec<u32> {
        v.into_iter()
            .filter_map(|n| u32::try_from(n).ok())
            .collect()
    };
    let hours = to_u32(numbers("hours", 0..=23)?);
    let minutes = to_u32(numbers("minutes", 0..=59)?);
    let month_days: Vec<i32> = numbers("monthDays", -1..=31)?
        .into_iter()
        .filter(|n| *n != 0)
        .filter_map(|n| i32::try_from(n).ok())
        .collect();
    let week_days = match obj.get("weekDays") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(days)) => days
            .iter()
            .map(|d| {
                d.as_str().and_then(parse_week_day).ok_or_else(|| {
                    error(
                        "schedule/weekDays",
                        "every entry must be a day name such as Monday",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(error("schedule/weekDays", "must be an array of day names")),
    };
    let allowed = match frequency {
        RecurrenceFrequency::Day => week_days.is_empty() && month_days.is_empty(),
        RecurrenceFrequency::Week => month_days.is_empty(),
        RecurrenceFrequency::Month => week_days.is_empty(),
        RecurrenceFrequency::Second | RecurrenceFrequency::Minute | RecurrenceFrequency::Hour => {
            hours.is_empty() && minutes.is_empty() && week_days.is_empty() && month_days.is_empty()
        }
    };
    if !allowed {
        return Err(error(
            "schedule",
            format!(
                "a {frequency} recurrence cannot have this schedule (hours and minutes go with Day, Week and Month, weekDays with Week, monthDays with Month)"
            ),
        ));
    }
    Ok(Schedule {
        hours,
        minutes,
        week_days,
        month_days,
    })
}

fn parse_week_day(name: &str) -> Option<Weekday> {
    const DAYS: [(&str, Weekday); 7] = [
        ("Monday", Weekday::Mon),
        ("Tuesday", Weekday::Tue),
        ("Wednesday", Weekday::Wed),
        ("Thursday", Weekday::Thu),
        ("Friday", Weekday::Fri),
        ("Saturday", Weekday::Sat),
        ("Sunday", Weekday::Sun),
    ];
    DAYS.iter()
        .find(|(day, _)| day.eq_ignore_ascii_case(name))
        .map(|(_, d)| *d)
}
