//! Reading timestamps without a format, like .NET's `DateTime.Parse` with a culture: ISO 8601
//! (with or without offset, fraction and time), numeric dates in the culture's day/month
//! order (`03/15/2018 12:00:00`), and dates with month and day names (`20 octobre 2010`,
//! `Monday, January 1, 2018 5:18 PM`). An offset or `Z` makes the value UTC (converted);
//! without one the value has no zone, as Logic Apps prints such values without `Z`.

use super::super::culture::{Culture, DateOrder};
use super::timestamp::{Kind, Timestamp, TICKS_PER_MINUTE};
use chrono::{Datelike, NaiveDate, NaiveTime};

/// Longest digit run accepted for one number; longer runs are not dates.
const MAX_DIGITS: usize = 9;

pub(crate) fn parse(
    text: &str,
    culture: &Culture,
    today: Option<NaiveDate>,
) -> Result<Timestamp, String> {
    if let Some(ts) = parse_iso(text.trim()) {
        return Ok(ts);
    }
    parse_free(text, culture, today)
        .map_err(|why| format!("'{text}' is not a valid timestamp: {why}"))
}

/// The common case, `yyyy-MM-dd[THH:mm[:ss[.fffffff]]][Z|±hh:mm]`, without the general scanner.
fn parse_iso(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
    let mut i = 10;
    let mut time_ticks = 0i64;
    if i < b.len() && (b[i] == b'T' || b[i] == b't' || b[i] == b' ') {
        let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        i += 6;
        let mut sec = 0;
        if b.get(i) == Some(&b':') {
            sec = num(i + 1, 2)?;
            i += 3;
        }
        NaiveTime::from_hms_opt(h, m, sec)?;
        time_ticks = (i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(sec)) * 10_000_000;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let end = start + b[start..].iter().take_while(|d| d.is_ascii_digit()).count();
            if end == start {
                return None;
            }
            time_ticks += fraction_ticks(&s[start..end]);
            i = end;
        }
    }
    let (kind, offset) = match b.get(i..) {
        Some([]) => (Kind::Unspecified, 0),
        Some([b'Z' | b'z']) => (Kind::Utc, 0),
        Some([sign @ (b'+' | b'-'), ..]) => {
            let minutes = offset_minutes(&s[i + 1..])?;
            (Kind::Utc, if *sign == b'-' { -minutes } else { minutes })
        }
        _ => return None,
    };
    let midnight = Timestamp::from_naive(date.and_hms_opt(0, 0, 0)?, kind)?;
    midnight
        .add_ticks(time_ticks - i64::from(offset) * TICKS_PER_MINUTE)
        .ok()
}

/// `hh:mm`, `hhmm` or `hh` after the offset sign, at most 14 hours as .NET allows.
fn offset_minutes(s: &str) -> Option<i32> {
    let digits: Vec<u32> = s
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    let colon_ok = match s.find(':') {
        None => true,
        Some(pos) => pos == 2 && s.len() == 5,
    };
    let (h, m) = match digits.as_slice() {
        [h1, h2] => (h1 * 10 + h2, 0),
        [h1, h2, m1, m2] => (h1 * 10 + h2, m1 * 10 + m2),
        _ => return None,
    };
    (colon_ok && m < 60 && h * 60 + m <= 14 * 60).then(|| (h * 60 + m) as i32)
}

/// Digits after the decimal point as ticks; digits past the seventh are ignored.
fn fraction_ticks(digits: &str) -> i64 {
    let mut ticks = 0i64;
    for (i, d) in digits.bytes().take(7).enumerate() {
        ticks += i64::from(d - b'0') * 10_i64.pow(6 - i as u32);
    }
    ticks
}

/// Whether `input` starts with `name`, ignoring case and treating no-break spaces as spaces;
/// returns the byte length matched in `input`.
pub(crate) fn starts_with_name(input: &str, name: &str) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let fold = |c: char| match c {
        '\u{a0}' | '\u{202f}' => ' ',
        c => c,
    };
    let mut len = 0;
    let mut input_chars = input.chars();
    for n in name.chars() {
        let i = input_chars.next()?;
        if !fold(i).to_lowercase().eq(fold(n).to_lowercase()) {
            return None;
        }
        len += i.len_utf8();
    }
    Some(len)
}

#[derive(Debug, Default)]
struct Fields {
    numbers: Vec<(u32, usize)>,
    month: Option<u32>,
    weekday: Option<u32>,
    time: Option<(u32, u32, u32, i64)>,
    pm: Option<bool>,
    utc: bool,
    offset: i32,
}

#[derive(Clone, Copy)]
enum Word {
    Month(u32),
    Weekday(u32),
    Am,
    Pm,
    Utc,
    Skip,
}

/// The longest culture word at the start of `rest`.
fn match_word(rest: &str, c: &Culture) -> Option<(Word, usize)> {
    let mut best: Option<(Word, usize)> = None;
    let mut consider = |word: Word, name: &str| {
        if let Some(len) = starts_with_name(rest, name) {
            // A name ending in a letter must not run into more letters ("may" in "mayo").
            let ends_word = name.chars().last().is_some_and(char::is_alphabetic)
                && rest[len..].chars().next().is_some_and(char::is_alphabetic);
            if !ends_word && best.is_none_or(|(_, l)| len > l) {
                best = Some((word, len));
            }
        }
    };
    for (i, names) in [
        &c.month_names,
        &c.month_genitive_names,
        &c.abbreviated_month_names,
        &c.abbreviated_month_genitive_names,
    ]
    .into_iter()
    .enumerate()
    {
        let _ = i;
        for (m, name) in names.iter().enumerate() {
            consider(Word::Month(m as u32 + 1), name);
            // Abbreviations are also written without their final dot ("janv").
            if let Some(bare) = name.strip_suffix('.') {
                consider(Word::Month(m as u32 + 1), bare);
            }
        }
    }
    for names in [&c.day_names, &c.abbreviated_day_names] {
        for (d, name) in names.iter().enumerate() {
            consider(Word::Weekday(d as u32), name);
            if let Some(bare) = name.strip_suffix('.') {
                consider(Word::Weekday(d as u32), bare);
            }
        }
    }
    for (word, name) in [
        (Word::Am, c.am_designator),
        (Word::Pm, c.pm_designator),
        (Word::Am, "AM"),
        (Word::Pm, "PM"),
        (Word::Utc, "GMT"),
        (Word::Utc, "UTC"),
        (Word::Utc, "Z"),
    ] {
        consider(word, name);
    }
    for name in c.date_words {
        consider(Word::Skip, name);
    }
    best
}

fn read_number(rest: &str) -> Result<(u32, usize, &str), String> {
    let len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if len > MAX_DIGITS {
        return Err("a number in it is too long".to_string());
    }
    let value = rest[..len]
        .parse::<u32>()
        .map_err(|_| "a number in it is not valid".to_string())?;
    Ok((value, len, &rest[len..]))
}

fn scan(text: &str, c: &Culture) -> Result<Fields, String> {
    let mut f = Fields::default();
    let mut rest = text.trim();
    let mut after_digit = false;
    while let Some(ch) = rest.chars().next() {
        if ch.is_ascii_digit() {
            let (value, len, tail) = read_number(rest)?;
            rest = tail;
            let time_sep = rest.starts_with(':') || rest.starts_with(c.time_separator);
            if f.time.is_none() && time_sep {
                rest = scan_time(value, rest, c, &mut f)?;
            } else {
                f.numbers.push((value, len));
            }
            after_digit = true;
            continue;
        }
        if (ch == '+' || ch == '-')
            && f.time.is_some()
            && rest[1..].starts_with(|d: char| d.is_ascii_digit())
        {
            let body_len = rest[1..]
                .find(|x: char| !(x.is_ascii_digit() || x == ':'))
                .unwrap_or(rest.len() - 1);
            let minutes =
                offset_minutes(&rest[1..1 + body_len]).ok_or("its offset is not valid")?;
            f.offset = if ch == '-' { -minutes } else { minutes };
            f.utc = true;
            rest = &rest[1 + body_len..];
            after_digit = false;
            continue;
        }
        // Japanese dates mark their parts with 年, 月, 日 after the number.
        if after_digit && matches!(ch, '年' | '月' | '日' | '時' | '分' | '秒') {
            rest = &rest[ch.len_utf8()..];
            after_digit = false;
            continue;
        }
        if ch.is_whitespace() || matches!(ch, ',' | '/' | '-' | '.') {
            rest = &rest[ch.len_utf8()..];
            after_digit = false;
            continue;
        }
        if ch == 'T' && after_digit && rest[1..].starts_with(|d: char| d.is_ascii_digit()) {
            rest = &rest[1..];
            after_digit = false;
            continue;
        }
        let Some((word, len)) = match_word(rest, c) else {
            return Err(format!(
                "'{}' is not a recognized word",
                rest.split_whitespace().next().unwrap_or(rest)
            ));
        };
        match word {
            Word::Month(m) if f.month.is_none() => f.month = Some(m),
            Word::Weekday(d) if f.weekday.is_none() => f.weekday = Some(d),
            Word::Am if f.pm.is_none() => f.pm = Some(false),
            Word::Pm if f.pm.is_none() => f.pm = Some(true),
            Word::Utc => f.utc = true,
            Word::Skip => {}
            _ => return Err("a part of the date appears twice".to_string()),
        }
        rest = &rest[len..];
        after_digit = false;
    }
    Ok(f)
}

fn scan_time<'a>(
    hour: u32,
    mut rest: &'a str,
    c: &Culture,
    f: &mut Fields,
) -> Result<&'a str, String> {
    let mut parts = [hour, 0, 0];
    for part in parts.iter_mut().skip(1) {
        let sep = if rest.starts_with(':') {
            1
        } else if rest.starts_with(c.time_separator) {
            c.time_separator.len()
        } else {
            break;
        };
        let after = &rest[sep..];
        if !after.starts_with(|d: char| d.is_ascii_digit()) {
            break;
        }
        let (value, len, tail) = read_number(after)?;
        if len > 2 {
            return Err("its time is not valid".to_string());
        }
        *part = value;
        rest = tail;
    }
    let mut fraction = 0;
    if let Some(after) = rest
        .strip_prefix('.')
        .or_else(|| rest.strip_prefix(c.decimal_separator))
    {
        let len = after.bytes().take_while(u8::is_ascii_digit).count();
        if len > 0 {
            fraction = fraction_ticks(&after[..len]);
            rest = &after[len..];
        }
    }
    f.time = Some((parts[0], parts[1], parts[2], fraction));
    Ok(rest)
}

fn full_year(value: u32, digits: usize) -> i32 {
    // .NET's TwoDigitYearMax is 2049.
    match (digits, value) {
        (0..=2, 0..=49) => 2000 + value as i32,
        (0..=2, _) => 1900 + value as i32,
        _ => value as i32,
    }
}

fn resolve_date(
    f: &Fields,
    c: &Culture,
    today: Option<NaiveDate>,
) -> Result<(i32, u32, u32), String> {
    let is_year = |(v, len): (u32, usize)| len >= 3 || v > 31;
    let this_year = || {
        today
            .map(|d| d.year())
            .ok_or_else(|| "it has no year".to_string())
    };
    match (f.month, f.numbers.as_slice()) {
        (Some(month), [a, b]) => {
            let (day, year) = if is_year(*a) && !is_year(*b) {
                (*b, *a)
            } else {
                (*a, *b)
            };
            Ok((full_year(year.0, year.1), month, day.0))
        }
        (Some(month), [a]) if is_year(*a) => Ok((full_year(a.0, a.1), month, 1)),
        (Some(month), [a]) => Ok((this_year()?, month, a.0)),
        (None, [a, b, d]) => {
            let order = if a.1 >= 3 {
                DateOrder::YearMonthDay
            } else if c.date_order == DateOrder::YearMonthDay && d.1 >= 3 {
                DateOrder::MonthDayYear
            } else {
                c.date_order
            };
            Ok(match order {
                DateOrder::YearMonthDay => (full_year(a.0, a.1), b.0, d.0),
                DateOrder::MonthDayYear => (full_year(d.0, d.1), a.0, b.0),
                DateOrder::DayMonthYear => (full_year(d.0, d.1), b.0, a.0),
            })
        }
        (None, [a, b]) if a.1 >= 3 => Ok((full_year(a.0, a.1), b.0, 1)),
        (None, [a, b]) => match c.date_order {
            DateOrder::DayMonthYear => Ok((this_year()?, b.0, a.0)),
            _ => Ok((this_year()?, a.0, b.0)),
        },
        (None, []) if f.time.is_some() => {
            let d = today.ok_or("it has no date")?;
            Ok((d.year(), d.month(), d.day()))
        }
        _ => Err("its date parts cannot be told apart".to_string()),
    }
}

fn parse_free(text: &str, c: &Culture, today: Option<NaiveDate>) -> Result<Timestamp, String> {
    let f = scan(text, c)?;
    let (year, month, day) = resolve_date(&f, c, today)?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or("its date does not exist")?;
    if let Some(weekday) = f.weekday {
        if date.weekday().num_days_from_sunday() != weekday {
            return Err("its day of the week does not match the date".to_string());
        }
    }
    let (mut hour, minute, second, fraction) = f.time.unwrap_or((0, 0, 0, 0));
    if let Some(pm) = f.pm {
        if hour > 12 {
            return Err("an hour above 12 cannot have an AM/PM designator".to_string());
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, h) if h < 12 => h + 12,
            (_, h) => h,
        };
    }
    let time = NaiveTime::from_hms_opt(hour, minute, second).ok_or("its time is not valid")?;
    let kind = if f.utc { Kind::Utc } else { Kind::Unspecified };
    let ts = Timestamp::from_naive(date.and_time(time), kind).ok_or("it is out of range")?;
    ts.add_ticks(fraction - i64::from(f.offset) * TICKS_PER_MINUTE)
        .map_err(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::super::format::round_trip;
    use super::*;
    use crate::functions::culture;

    fn iso(text: &str, name: &str) -> String {
        let c = culture::find(name).expect("culture");
        parse(text, c, None).map(round_trip).unwrap_or_else(|e| e)
    }

    #[test]
    fn iso_forms() {
        assert_eq!(
            iso("2018-03-15T13:27:36Z", "en-US"),
            "2018-03-15T13:27:36.0000000Z"
        );
        assert_eq!(iso("2018-03-15", "en-US"), "2018-03-15T00:00:00.0000000");
        assert_eq!(
            iso("2018-03-15T13:27:36.123456789+02:00", "en-US"),
            "2018-03-15T11:27:36.1234567Z"
        );
        assert_eq!(
            iso("2018-03-15T13:27", "en-US"),
            "2018-03-15T13:27:00.0000000"
        );
    }

    #[test]
    fn free_forms() {
        assert_eq!(
            iso("03/15/2018 12:00:00", "en-US"),
            "2018-03-15T12:00:00.0000000"
        );
        assert_eq!(iso("20/10/2014", "fr-FR"), "2014-10-20T00:00:00.0000000");
        assert_eq!(
            iso("20 octobre 2010", "fr-FR"),
            "2010-10-20T00:00:00.0000000"
        );
        assert_eq!(
            iso("martes 20 octubre 2020", "es-ES"),
            "2020-10-20T00:00:00.0000000"
        );
        assert_eq!(
            iso("Monday, January 1, 2018 5:18 PM", "en-US"),
            "2018-01-01T17:18:00.0000000"
        );
        assert_eq!(
            iso("Thu, 25 Sep 2025 05:18:31 GMT", "en-US"),
            "2025-09-25T05:18:31.0000000Z"
        );
        assert_eq!(iso("2018年1月15日", "ja-JP"), "2018-01-15T00:00:00.0000000");
        assert!(iso("Tuesday, January 1, 2018", "en-US").contains("day of the week"));
        assert!(iso("hello", "en-US").contains("not a valid timestamp"));
        assert!(iso("13/13/2018", "en-US").contains("not a valid"));
    }
}
