//! Date and time functions. Timestamps are strings read like .NET's `DateTime.Parse` (ISO 8601
//! or en-US free form); results are strings in the `o` format unless a .NET date format is
//! given. See [`timestamp`] for the value model and [`format`] for the formats.

mod arith;
mod convert;
mod format;
mod parse;
mod parse_exact;
mod pattern;
mod timestamp;
pub(crate) mod timezone;
mod windows_zones;

use super::culture::{self, Culture};
use super::{Args, FnError, FunctionSpec};
use chrono::NaiveDate;
use serde_json::Value;
use timestamp::Timestamp;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::pure("addDays", 2, Some(3), arith::add_days),
    FunctionSpec::pure("addHours", 2, Some(3), arith::add_hours),
    FunctionSpec::pure("addMinutes", 2, Some(3), arith::add_minutes),
    FunctionSpec::pure("addSeconds", 2, Some(3), arith::add_seconds),
    FunctionSpec::pure("addToTime", 3, Some(4), arith::add_to_time),
    FunctionSpec::pure("subtractFromTime", 3, Some(4), arith::subtract_from_time),
    FunctionSpec::pure("getFutureTime", 2, Some(3), arith::get_future_time),
    FunctionSpec::pure("getPastTime", 2, Some(3), arith::get_past_time),
    FunctionSpec::pure("utcNow", 0, Some(1), arith::utc_now),
    FunctionSpec::pure("convertFromUtc", 2, Some(3), convert::convert_from_utc),
    FunctionSpec::pure("convertToUtc", 2, Some(3), convert::convert_to_utc),
    FunctionSpec::pure("convertTimeZone", 3, Some(4), convert::convert_time_zone),
    FunctionSpec::pure("dateDifference", 2, Some(2), arith::date_difference),
    FunctionSpec::pure("dayOfMonth", 1, Some(1), arith::day_of_month),
    FunctionSpec::pure("dayOfWeek", 1, Some(1), arith::day_of_week),
    FunctionSpec::pure("dayOfYear", 1, Some(1), arith::day_of_year),
    FunctionSpec::pure("formatDateTime", 1, Some(3), format_date_time),
    FunctionSpec::pure("parseDateTime", 1, Some(3), parse_date_time),
    FunctionSpec::pure("startOfDay", 1, Some(2), arith::start_of_day),
    FunctionSpec::pure("startOfHour", 1, Some(2), arith::start_of_hour),
    FunctionSpec::pure("startOfMonth", 1, Some(2), arith::start_of_month),
    FunctionSpec::pure("ticks", 1, Some(1), arith::ticks),
];

/// The run's date, for free-form timestamps that leave out the year or the date.
fn today(args: &Args<'_>) -> Option<NaiveDate> {
    args.ctx.now().map(|now| now.date_naive())
}

/// Argument `i` read as a timestamp.
fn timestamp_arg(args: &Args<'_>, i: usize) -> Result<Timestamp, FnError> {
    let text = args.str(i)?;
    parse::parse(text, culture::en_us(), today(args)).map_err(|why| FnError::arg(i, why))
}

/// The result string: `o` unless argument `format_index` holds a format.
fn output(args: &Args<'_>, ts: Timestamp, format_index: usize) -> Result<Value, FnError> {
    output_in(args, ts, format_index, culture::en_us())
}

fn output_in(
    args: &Args<'_>,
    ts: Timestamp,
    format_index: usize,
    culture: &'static Culture,
) -> Result<Value, FnError> {
    let text = match args.opt_str(format_index)? {
        None | Some("") => format::round_trip(ts),
        Some(f) => format::format(ts, f, culture).map_err(|why| FnError::arg(format_index, why))?,
    };
    Ok(Value::String(text))
}

/// `formatDateTime(timestamp, format?, locale?)`.
fn format_date_time(args: &Args<'_>) -> Result<Value, FnError> {
    let ts = timestamp_arg(args, 0)?;
    let culture = culture::from_arg(args, 2, culture::en_us())?;
    output_in(args, ts, 1, culture)
}

/// `parseDateTime(timestamp, locale?, format?)`: free-form in the locale, or exactly in the
/// format; the result is always `o`.
fn parse_date_time(args: &Args<'_>) -> Result<Value, FnError> {
    let text = args.str(0)?;
    let culture = culture::from_arg(args, 1, culture::en_us())?;
    let ts = match args.opt_str(2)? {
        None | Some("") => {
            parse::parse(text, culture, today(args)).map_err(|why| FnError::arg(0, why))?
        }
        Some(f) => parse_exact::parse_exact(text, f, culture, today(args))
            .map_err(|why| FnError::arg(2, why))?,
    };
    Ok(Value::String(format::round_trip(ts)))
}

#[cfg(test)]
mod tests {
    use crate::{evaluate_str, StaticContext};
    use proptest::prelude::*;

    fn quoted(s: &str) -> String {
        s.replace('\'', "''")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any timestamp text, format and locale gives a value or an error, never a panic.
        #[test]
        fn arbitrary_inputs_do_not_panic(
            text in "[0-9A-Za-z :/.,+\\-TZéä年月日]{0,30}",
            format in "[dfFgGhHKmMstyz:/ '\"\\\\%.0-9A-Za-z]{0,16}",
            locale in prop::sample::select(vec!["en-US", "de-DE", "fr-FR", "ja-JP", "is-IS", "es-ES", "nl-NL", "en-GB"]),
        ) {
            let ctx = StaticContext::default();
            let (t, f) = (quoted(&text), quoted(&format));
            let _ = evaluate_str(&format!("@formatDateTime('{t}', '{f}', '{locale}')"), &ctx);
            let _ = evaluate_str(&format!("@parseDateTime('{t}', '{locale}', '{f}')"), &ctx);
            let _ = evaluate_str(&format!("@parseDateTime('{t}', '{locale}')"), &ctx);
            let _ = evaluate_str(&format!("@formatDateTime('2018-03-05T07:08:09.1234567Z', '{f}', '{locale}')"), &ctx);
        }

        /// Every formatted timestamp in round-trip form reads back unchanged.
        #[test]
        fn round_trip_format_reads_back(ticks in 0i64..3_155_378_975_999_999_999) {
            let ts = super::timestamp::Timestamp::from_ticks(ticks, super::timestamp::Kind::Utc);
            prop_assert!(ts.is_some());
            if let Some(ts) = ts {
                let text = super::format::round_trip(ts);
                let back = super::parse::parse(&text, crate::functions::culture::en_us(), None);
                prop_assert_eq!(back, Ok(ts));
            }
        }
    }
}
