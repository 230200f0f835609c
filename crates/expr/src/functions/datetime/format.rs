//! Formats a timestamp with a .NET standard or custom date and time format.

use super::super::culture::Culture;
use super::pattern::{self, Token};
use super::timestamp::{Kind, Timestamp, TICKS_PER_SECOND};
use chrono::{Datelike, Timelike};
use std::fmt::Write;

/// `DateTime.ToString(format, culture)`. The server's local zone is UTC, as on Azure, so
/// `z` offsets are always zero and `U` leaves the value unchanged.
pub(crate) fn format(
    ts: Timestamp,
    format: &str,
    culture: &'static Culture,
) -> Result<String, String> {
    let resolved = pattern::resolve(format, culture)?;
    let ts = if resolved.to_utc {
        ts.with_kind(Kind::Utc)
    } else {
        ts
    };
    let tokens = pattern::tokenize(&resolved.pattern)?;
    Ok(render(ts, &tokens, resolved.culture))
}

/// The default output of the date functions: `o`, `yyyy-MM-ddTHH:mm:ss.fffffffK`.
pub(crate) fn round_trip(ts: Timestamp) -> String {
    let n = ts.naive();
    let mut out = String::with_capacity(28);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}",
        n.year(),
        n.month(),
        n.day(),
        n.hour(),
        n.minute(),
        n.second(),
        ts.sub_second_ticks()
    );
    if ts.kind == Kind::Utc {
        out.push('Z');
    }
    out
}

fn push_padded(out: &mut String, value: i64, width: usize) {
    let _ = write!(out, "{value:0width$}");
}

fn render(ts: Timestamp, tokens: &[Token<'_>], c: &Culture) -> String {
    let n = ts.naive();
    let mut out = String::with_capacity(tokens.len() * 3);
    for (index, token) in tokens.iter().enumerate() {
        match token {
            Token::Year(len) => {
                let year = i64::from(n.year());
                match len {
                    1 => push_padded(&mut out, year % 100, 1),
                    2 => push_padded(&mut out, year % 100, 2),
                    _ => push_padded(&mut out, year, *len),
                }
            }
            Token::Month(len) => {
                let m = n.month0() as usize;
                match len {
                    1 | 2 => push_padded(&mut out, i64::from(n.month()), *len),
                    _ => {
                        let genitive =
                            c.uses_genitive_months() && pattern::day_number_near(tokens, index);
                        let names = match (*len == 3, genitive) {
                            (true, true) => &c.abbreviated_month_genitive_names,
                            (true, false) => &c.abbreviated_month_names,
                            (false, true) => &c.month_genitive_names,
                            (false, false) => &c.month_names,
                        };
                        out.push_str(names.get(m).copied().unwrap_or_default());
                    }
                }
            }
            Token::Day(len) => {
                let weekday = n.weekday().num_days_from_sunday() as usize;
                match len {
                    1 | 2 => push_padded(&mut out, i64::from(n.day()), *len),
                    3 => out.push_str(
                        c.abbreviated_day_names
                            .get(weekday)
                            .copied()
                            .unwrap_or_default(),
                    ),
                    _ => out.push_str(c.day_names.get(weekday).copied().unwrap_or_default()),
                }
            }
            Token::Hour24(len) => push_padded(&mut out, i64::from(n.hour()), (*len).min(2)),
            Token::Hour12(len) => {
                let h = n.hour() % 12;
                push_padded(
                    &mut out,
                    i64::from(if h == 0 { 12 } else { h }),
                    (*len).min(2),
                );
            }
            Token::Minute(len) => push_padded(&mut out, i64::from(n.minute()), (*len).min(2)),
            Token::Second(len) => push_padded(&mut out, i64::from(n.second()), (*len).min(2)),
            Token::Fraction { len, trim } => {
                let scale = 10_i64.pow(7 - *len as u32);
                let digits = ts.sub_second_ticks() / scale;
                let mut text = format!("{digits:0len$}", len = *len);
                if *trim {
                    while text.ends_with('0') {
                        text.pop();
                    }
                    // .NET drops a decimal point left dangling by an all-zero `F` fraction.
                    if text.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                }
                out.push_str(&text);
            }
            Token::AmPm(len) => {
                let designator = if n.hour() < 12 {
                    c.am_designator
                } else {
                    c.pm_designator
                };
                if *len == 1 {
                    if let Some(first) = designator.chars().next() {
                        out.push(first);
                    }
                } else {
                    out.push_str(designator);
                }
            }
            Token::Era => out.push_str(c.era_name),
            Token::Kind => {
                if ts.kind == Kind::Utc {
                    out.push('Z');
                }
            }
            Token::Offset(len) => out.push_str(match len {
                1 => "+0",
                2 => "+00",
                _ => "+00:00",
            }),
            Token::DateSeparator => out.push_str(c.date_separator),
            Token::TimeSeparator => out.push_str(c.time_separator),
            Token::Literal(text) => out.push_str(text),
        }
    }
    out
}

/// `TimeSpan.ToString()` ("c"): `[-][d.]hh:mm:ss[.fffffff]`.
pub(crate) fn time_span(ticks: i64) -> String {
    let negative = ticks < 0;
    let abs = ticks.unsigned_abs();
    let per_second = TICKS_PER_SECOND as u64;
    let fraction = abs % per_second;
    let total_seconds = abs / per_second;
    let (days, rest) = (total_seconds / 86_400, total_seconds % 86_400);
    let mut out = String::with_capacity(26);
    if negative {
        out.push('-');
    }
    if days > 0 {
        let _ = write!(out, "{days}.");
    }
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    );
    if fraction > 0 {
        let _ = write!(out, ".{fraction:07}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_spans_print_like_dotnet() {
        assert_eq!(time_span(0), "00:00:00");
        assert_eq!(time_span(1268 * 86_400 * TICKS_PER_SECOND), "1268.00:00:00");
        assert_eq!(time_span(55_000_000), "00:00:05.5000000");
        assert_eq!(
            time_span(-(3600 * TICKS_PER_SECOND + 1)),
            "-01:00:00.0000001"
        );
        assert_eq!(time_span(i64::MIN), "-10675199.02:48:05.4775808");
    }
}
