//! Reading a timestamp that must match a .NET date and time format exactly
//! (`DateTime.ParseExact` with a culture), for `parseDateTime(text, locale, format)`.

use super::super::culture::Culture;
use super::parse::starts_with_name;
use super::pattern::{self, Token};
use super::timestamp::{Kind, Timestamp, TICKS_PER_MINUTE};
use chrono::{Datelike, NaiveDate, NaiveTime};

#[derive(Debug, Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    weekday: Option<u32>,
    hour: Option<u32>,
    hour12: Option<u32>,
    pm: Option<bool>,
    minute: u32,
    second: u32,
    fraction: i64,
    offset: Option<i32>,
}

struct Cursor<'t> {
    rest: &'t str,
}

impl<'t> Cursor<'t> {
    /// Between `min` and `max` ASCII digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let len = self
            .rest
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if len < min {
            return None;
        }
        let value = self.rest[..len].parse().ok()?;
        self.rest = &self.rest[len..];
        Some((value, len))
    }

    fn text(&mut self, expected: &str) -> bool {
        match starts_with_name(self.rest, expected) {
            Some(len) => {
                self.rest = &self.rest[len..];
                true
            }
            None => false,
        }
    }

    /// The index of the longest of `names` at the cursor.
    fn one_of(&mut self, names: &[&[&str]]) -> Option<usize> {
        let best = names
            .iter()
            .flat_map(|list| list.iter().enumerate())
            .filter_map(|(i, name)| starts_with_name(self.rest, name).map(|len| (i, len)))
            .max_by_key(|&(_, len)| len)?;
        self.rest = &self.rest[best.1..];
        Some(best.0)
    }

    fn offset(&mut self) -> Option<i32> {
        let sign = match self.rest.chars().next()? {
            '+' => 1,
            '-' => -1,
            _ => return None,
        };
        self.rest = &self.rest[1..];
        let (h, _) = self.digits(1, 2)?;
        let mut m = 0;
        if let Some(after) = self.rest.strip_prefix(':') {
            self.rest = after;
            m = self.digits(2, 2)?.0;
        } else if self.rest.starts_with(|c: char| c.is_ascii_digit()) {
            m = self.digits(2, 2)?.0;
        }
        (h <= 14 && m < 60).then_some(sign * (h * 60 + m) as i32)
    }
}

fn fail(text: &str, format: &str) -> String {
    format!("'{text}' does not match the format '{format}'")
}

pub(crate) fn parse_exact(
    text: &str,
    format: &str,
    culture: &'static Culture,
    today: Option<NaiveDate>,
) -> Result<Timestamp, String> {
    let resolved = pattern::resolve(format, culture)?;
    let tokens = pattern::tokenize(&resolved.pattern)?;
    let c = resolved.culture;
    let mut cur = Cursor { rest: text };
    let mut f = Fields::default();
    for token in &tokens {
        let ok = read_token(token, &mut cur, &mut f, c);
        if !ok {
            return Err(fail(text, format));
        }
    }
    if !cur.rest.is_empty() {
        return Err(fail(text, format));
    }
    build(&f, today).map_err(|why| format!("'{text}' read with the format '{format}' {why}"))
}

fn read_token(token: &Token<'_>, cur: &mut Cursor<'_>, f: &mut Fields, c: &Culture) -> bool {
    let one_or_two = |cur: &mut Cursor<'_>, n: usize| {
        if n == 1 {
            cur.digits(1, 2)
        } else {
            cur.digits(2, 2)
        }
    };
    match token {
        Token::Year(n) => {
            let Some((value, len)) = (match n {
                1 => cur.digits(1, 2),
                2 => cur.digits(2, 2),
                3 => cur.digits(3, 4),
                n => cur.digits(*n, *n),
            }) else {
                return false;
            };
            let year = if *n <= 2 && len <= 2 {
                // .NET's TwoDigitYearMax is 2049.
                if value <= 49 {
                    2000 + value
                } else {
                    1900 + value
                }
            } else {
                value
            };
            f.year = i32::try_from(year).ok();
            f.year.is_some()
        }
        Token::Month(n) if *n <= 2 => one_or_two(cur, *n)
            .map(|(v, _)| f.month = Some(v))
            .is_some(),
        Token::Month(3) => cur
            .one_of(&[
                &c.abbreviated_month_names,
                &c.abbreviated_month_genitive_names,
            ])
            .map(|i| f.month = Some(i as u32 + 1))
            .is_some(),
        Token::Month(_) => cur
            .one_of(&[&c.month_names, &c.month_genitive_names])
            .map(|i| f.month = Some(i as u32 + 1))
            .is_some(),
        Token::Day(n) if *n <= 2 => one_or_two(cur, *n).map(|(v, _)| f.day = Some(v)).is_some(),
        Token::Day(3) => cur
            .one_of(&[&c.abbreviated_day_names])
            .map(|i| f.weekday = Some(i as u32))
            .is_some(),
        Token::Day(_) => cur
            .one_of(&[&c.day_names])
            .map(|i| f.weekday = Some(i as u32))
            .is_some(),
        Token::Hour24(n) => one_or_two(cur, *n).map(|(v, _)| f.hour = Some(v)).is_some(),
        Token::Hour12(n) => one_or_two(cur, *n)
            .map(|(v, _)| f.hour12 = Some(v))
            .is_some(),
        Token::Minute(n) => one_or_two(cur, *n).map(|(v, _)| f.minute = v).is_some(),
        Token::Second(n) => one_or_two(cur, *n).map(|(v, _)| f.second = v).is_some(),
        Token::Fraction { len, trim } => {
            let min = if *trim { 0 } else { *len };
            match cur.digits(min, *len) {
                Some((value, digits)) => {
                    f.fraction = i64::from(value) * 10_i64.pow(7 - digits as u32);
                    true
                }
                None => min == 0,
            }
        }
        Token::AmPm(n) => {
            let first = |s: &str| s.chars().next().map(|c| c.to_string()).unwrap_or_default();
            let (am, pm) = if *n == 1 {
                (first(c.am_designator), first(c.pm_designator))
            } else {
                (c.am_designator.to_string(), c.pm_designator.to_string())
            };
            if cur.text(&am) {
                f.pm = Some(false);
                true
            } else if cur.text(&pm) {
                f.pm = Some(true);
                true
            } else {
                false
            }
        }
        Token::Era => cur.text(c.era_name),
        Token::Kind => {
            if cur.text("Z") {
                f.offset = Some(0);
            } else if cur.rest.starts_with(['+', '-']) {
                match cur.offset() {
                    Some(o) => f.offset = Some(o),
                    None => return false,
                }
            }
            true
        }
        Token::Offset(_) => {
            if cur.text("Z") {
                f.offset = Some(0);
                return true;
            }
            cur.offset().map(|o| f.offset = Some(o)).is_some()
        }
        Token::DateSeparator => cur.text(c.date_separator),
        Token::TimeSeparator => cur.text(c.time_separator),
        Token::Literal(text) if text.trim().is_empty() => {
            // A space in the format matches any run of white space.
            let trimmed = cur.rest.trim_start();
            let matched = trimmed.len() < cur.rest.len();
            cur.rest = trimmed;
            matched
        }
        Token::Literal(text) => cur.text(text),
    }
}

fn build(f: &Fields, today: Option<NaiveDate>) -> Result<Timestamp, String> {
    let no_date = f.year.is_none() && f.month.is_none() && f.day.is_none();
    let date = if no_date {
        today.ok_or("has no date")?
    } else {
        let year = match f.year {
            Some(y) => y,
            None => today.map(|d| d.year()).ok_or("has no year")?,
        };
        NaiveDate::from_ymd_opt(year, f.month.unwrap_or(1), f.day.unwrap_or(1))
            .ok_or("is not a valid date")?
    };
    if let Some(weekday) = f.weekday {
        if date.weekday().num_days_from_sunday() != weekday {
            return Err("has a day of the week that does not match the date".to_string());
        }
    }
    let hour = match (f.hour, f.hour12, f.pm) {
        (Some(h), _, _) => h,
        (None, Some(h), Some(pm)) if (1..=12).contains(&h) => (h % 12) + if pm { 12 } else { 0 },
        (None, Some(h), None) if h <= 12 => h % 12,
        (None, Some(_), _) => return Err("has an hour outside 1 to 12".to_string()),
        (None, None, Some(true)) => 12,
        (None, None, _) => 0,
    };
    let time = NaiveTime::from_hms_opt(hour, f.minute, f.second).ok_or("is not a valid time")?;
    let kind = if f.offset.is_some() {
        Kind::Utc
    } else {
        Kind::Unspecified
    };
    let ts = Timestamp::from_naive(date.and_time(time), kind).ok_or("is out of range")?;
    ts.add_ticks(f.fraction - i64::from(f.offset.unwrap_or(0)) * TICKS_PER_MINUTE)
        .map_err(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::super::format::round_trip;
    use super::*;
    use crate::functions::culture;

    fn exact(text: &str, name: &str, format: &str) -> String {
        let c = culture::find(name).expect("culture");
        parse_exact(text, format, c, None)
            .map(round_trip)
            .unwrap_or_else(|e| e)
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            exact("21052019", "fr-fr", "ddMMyyyy"),
            "2019-05-21T00:00:00.0000000"
        );
        assert_eq!(
            exact("20190521", "fr-fr", "yyyyMMdd"),
            "2019-05-21T00:00:00.0000000"
        );
        assert_eq!(
            exact("10/20/2014 15h", "en-US", "MM/dd/yyyy HH\\h"),
            "2014-10-20T15:00:00.0000000"
        );
    }

    #[test]
    fn names_designators_and_offsets() {
        assert_eq!(
            exact("15. März 2018", "de-DE", "d. MMMM yyyy"),
            "2018-03-15T00:00:00.0000000"
        );
        assert_eq!(
            exact("3/15/2018 1:05 PM", "en-US", "g"),
            "2018-03-15T13:05:00.0000000"
        );
        assert_eq!(
            exact(
                "2018-03-15T10:00:00+02:00",
                "en-US",
                "yyyy-MM-ddTHH:mm:sszzz"
            ),
            "2018-03-15T08:00:00.0000000Z"
        );
        assert!(exact("2018-03-15x", "en-US", "yyyy-MM-dd").contains("does not match"));
        assert!(exact("31/02/2018", "fr-FR", "dd/MM/yyyy").contains("not a valid date"));
    }
}
