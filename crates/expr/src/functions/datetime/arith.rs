//! Adding to and taking apart timestamps: the add/subtract functions, the clock functions,
//! `startOf…`, `dayOf…`, `ticks` and `dateDifference`.

use super::super::{Args, FnError, Num};
use super::format::time_span;
use super::timestamp::{
    Kind, Timestamp, Truncate, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND,
};
use super::{output, timestamp_arg};
use chrono::Datelike;
use serde_json::Value;

/// `value` units of `unit` ticks, as .NET 7+ `DateTime.Add…(double)` computes them: the whole
/// part exactly, the fractional part truncated to a tick.
fn scaled_ticks(value: Num, unit: i64) -> Option<i64> {
    match value {
        Num::Int(i) => i.checked_mul(unit),
        Num::Float(f) if f.is_finite() => {
            let whole = f.trunc();
            if whole.abs() >= (i64::MAX / unit) as f64 {
                return None;
            }
            (whole as i64)
                .checked_mul(unit)?
                .checked_add(((f - whole) * unit as f64) as i64)
        }
        Num::Float(_) => None,
    }
}

fn add_scaled(args: &Args<'_>, unit: i64) -> Result<Value, FnError> {
    let ts = timestamp_arg(args, 0)?;
    let delta = scaled_ticks(args.number(1)?, unit)
        .ok_or_else(|| FnError::arg(1, super::timestamp::OUT_OF_RANGE))?;
    let result = ts.add_ticks(delta).map_err(|e| FnError::arg(1, e))?;
    output(args, result, 2)
}

pub(super) fn add_days(args: &Args<'_>) -> Result<Value, FnError> {
    add_scaled(args, TICKS_PER_DAY)
}

pub(super) fn add_hours(args: &Args<'_>) -> Result<Value, FnError> {
    add_scaled(args, TICKS_PER_HOUR)
}

pub(super) fn add_minutes(args: &Args<'_>) -> Result<Value, FnError> {
    add_scaled(args, TICKS_PER_MINUTE)
}

pub(super) fn add_seconds(args: &Args<'_>) -> Result<Value, FnError> {
    add_scaled(args, TICKS_PER_SECOND)
}

#[derive(Clone, Copy)]
enum Unit {
    Ticks(i64),
    Months(i64),
}

fn time_unit(args: &Args<'_>, i: usize) -> Result<Unit, FnError> {
    let name = args.str(i)?;
    const UNITS: [(&str, Unit); 7] = [
        ("Second", Unit::Ticks(TICKS_PER_SECOND)),
        ("Minute", Unit::Ticks(TICKS_PER_MINUTE)),
        ("Hour", Unit::Ticks(TICKS_PER_HOUR)),
        ("Day", Unit::Ticks(TICKS_PER_DAY)),
        ("Week", Unit::Ticks(7 * TICKS_PER_DAY)),
        ("Month", Unit::Months(1)),
        ("Year", Unit::Months(12)),
    ];
    UNITS
        .iter()
        .find(|(unit, _)| unit.eq_ignore_ascii_case(name.trim()))
        .map(|(_, unit)| *unit)
        .ok_or_else(|| {
            FnError::arg(
                i,
                format!("'{name}' is not a time unit; use Second, Minute, Hour, Day, Week, Month or Year"),
            )
        })
}

/// Moves `ts` by `sign × interval` units; months and years must be whole numbers.
fn shift(
    args: &Args<'_>,
    ts: Timestamp,
    interval_index: usize,
    sign: i64,
) -> Result<Timestamp, FnError> {
    let interval = args.number(interval_index)?;
    let unit = time_unit(args, interval_index + 1)?;
    let out_of_range = |e: &str| FnError::arg(interval_index, e.to_string());
    match unit {
        Unit::Ticks(per) => {
            let ticks = scaled_ticks(interval, per)
                .and_then(|t| t.checked_mul(sign))
                .ok_or_else(|| out_of_range(super::timestamp::OUT_OF_RANGE))?;
            ts.add_ticks(ticks).map_err(out_of_range)
        }
        Unit::Months(per) => {
            let Num::Int(n) = interval else {
                return Err(FnError::arg(
                    interval_index,
                    "months and years can only be added in whole numbers",
                ));
            };
            let months = n
                .checked_mul(per)
                .and_then(|m| m.checked_mul(sign))
                .ok_or_else(|| out_of_range(super::timestamp::OUT_OF_RANGE))?;
            ts.add_months(months).map_err(out_of_range)
        }
    }
}

pub(super) fn add_to_time(args: &Args<'_>) -> Result<Value, FnError> {
    let ts = timestamp_arg(args, 0)?;
    let result = shift(args, ts, 1, 1)?;
    output(args, result, 3)
}

pub(super) fn subtract_from_time(args: &Args<'_>) -> Result<Value, FnError> {
    let ts = timestamp_arg(args, 0)?;
    let result = shift(args, ts, 1, -1)?;
    output(args, result, 3)
}

/// The context's clock as a UTC timestamp.
fn now(args: &Args<'_>) -> Result<Timestamp, FnError> {
    let now = args
        .ctx
        .now()
        .ok_or_else(|| FnError::call("the current time is not available here"))?;
    Timestamp::from_naive(now.naive_utc(), Kind::Utc)
        .ok_or_else(|| FnError::call("the current time is out of range"))
}

pub(super) fn utc_now(args: &Args<'_>) -> Result<Value, FnError> {
    let ts = now(args)?;
    output(args, ts, 0)
}

pub(super) fn get_future_time(args: &Args<'_>) -> Result<Value, FnError> {
    let ts = now(args)?;
    let result = shift(args, ts, 0, 1)?;
    output(args, result, 2)
}

pub(super) fn get_past_time(args: &Args<'_>) -> Result<Value, FnError> {
    let ts = now(args)?;
    let result = shift(args, ts, 0, -1)?;
    output(args, result, 2)
}

fn start_of(args: &Args<'_>, unit: Truncate) -> Result<Value, FnError> {
    let ts = timestamp_arg(args, 0)?;
    output(args, ts.truncate(unit), 1)
}

pub(super) fn start_of_day(args: &Args<'_>) -> Result<Value, FnError> {
    start_of(args, Truncate::Day)
}

pub(super) fn start_of_hour(args: &Args<'_>) -> Result<Value, FnError> {
    start_of(args, Truncate::Hour)
}

pub(super) fn start_of_month(args: &Args<'_>) -> Result<Value, FnError> {
    start_of(args, Truncate::Month)
}

pub(super) fn day_of_month(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::from(timestamp_arg(args, 0)?.date().day()))
}

/// Sunday is 0, as .NET's `DayOfWeek`.
pub(super) fn day_of_week(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::from(
        timestamp_arg(args, 0)?
            .date()
            .weekday()
            .num_days_from_sunday(),
    ))
}

pub(super) fn day_of_year(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::from(timestamp_arg(args, 0)?.date().ordinal()))
}

pub(super) fn ticks(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::from(timestamp_arg(args, 0)?.ticks()))
}

/// `endDate - startDate` as a .NET `TimeSpan` string ("1268.00:00:00").
pub(super) fn date_difference(args: &Args<'_>) -> Result<Value, FnError> {
    let start = timestamp_arg(args, 0)?;
    let end = timestamp_arg(args, 1)?;
    // Both are within 0..=MaxTicks, so the difference cannot overflow.
    Ok(Value::String(time_span(end.ticks() - start.ticks())))
}
