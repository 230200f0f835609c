//! `convertFromUtc`, `convertToUtc` and `convertTimeZone`.

use super::super::{Args, FnError};
use super::timestamp::Timestamp;
use super::timezone;
use super::{output, timestamp_arg};
use chrono_tz::Tz;
use serde_json::Value;

fn zone_arg<'a>(args: &'a Args<'_>, i: usize) -> Result<(Tz, &'a str), FnError> {
    let name = args.str(i)?;
    let tz = timezone::find(name).ok_or_else(|| {
        FnError::arg(
            i,
            format!("'{name}' is not a known time zone; use a Windows time zone name such as 'Pacific Standard Time' or 'W. Europe Standard Time'"),
        )
    })?;
    Ok((tz, name))
}

/// The clock reading of argument 0 in the source zone, as a UTC instant. A `Z` or offset on
/// the input is ignored: the time is read as a wall-clock time in the source zone.
fn source_instant(args: &Args<'_>, zone_index: usize) -> Result<Timestamp, FnError> {
    let ts = timestamp_arg(args, 0)?;
    let (tz, name) = zone_arg(args, zone_index)?;
    timezone::to_utc(ts, tz, name).map_err(|why| FnError::arg(0, why))
}

pub(super) fn convert_from_utc(args: &Args<'_>) -> Result<Value, FnError> {
    let ts = timestamp_arg(args, 0)?;
    let (tz, _) = zone_arg(args, 1)?;
    let local = timezone::from_utc(ts, tz).map_err(|why| FnError::arg(0, why))?;
    output(args, local, 2)
}

pub(super) fn convert_to_utc(args: &Args<'_>) -> Result<Value, FnError> {
    let utc = source_instant(args, 1)?;
    output(args, utc, 2)
}

pub(super) fn convert_time_zone(args: &Args<'_>) -> Result<Value, FnError> {
    let utc = source_instant(args, 1)?;
    let (tz, _) = zone_arg(args, 2)?;
    let local = timezone::from_utc(utc, tz).map_err(|why| FnError::arg(0, why))?;
    output(args, local, 3)
}
