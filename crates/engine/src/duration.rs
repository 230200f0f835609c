//! Adding ISO 8601 durations to timestamps: months and years by the calendar, the rest
//! exactly (Wait `interval`, `limit.timeout`).

use chrono::{DateTime, Months, TimeDelta, Utc};
use hookflow_definition::duration::IsoDuration;

pub(crate) fn add_iso(at: DateTime<Utc>, d: &IsoDuration) -> DateTime<Utc> {
    let months = d.years.saturating_mul(12).saturating_add(d.months);
    let base = at
        .checked_add_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let seconds = f64::from(d.weeks) * 604_800.0
        + f64::from(d.days) * 86_400.0
        + f64::from(d.hours) * 3600.0
        + f64::from(d.minutes) * 60.0
        + d.seconds;
    add_std(base, std::time::Duration::from_secs_f64(seconds.max(0.0)))
}

pub(crate) fn add_std(at: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|delta| at.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
