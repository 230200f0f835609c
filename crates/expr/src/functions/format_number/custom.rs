//! .NET custom numeric formats (`#,##0.00`, `0.###E+0`, `#,##0;(#,##0);zero`, `0%`, `'text'`),
//! after `NumberToStringFormat` in `Number.Formatting.cs`, including its quirks (scaling
//! commas, section fallback when a value rounds to zero, sign placement).

use super::super::culture::{self, Culture};
use super::digits::Digits;
use super::standard::format_exponent;

/// Start of section `section` (0 positive, 1 negative, 2 zero), or 0 when it is absent or
/// empty, as .NET's `FindSection`.
fn find_section(format: &[char], section: usize) -> usize {
    if section == 0 {
        return 0;
    }
    let mut remaining = section;
    let mut src = 0;
    while let Some(&ch) = format.get(src) {
        src += 1;
        match ch {
            '\'' | '"' => {
                while let Some(&c) = format.get(src) {
                    src += 1;
                    if c == ch {
                        break;
                    }
                }
            }
            '\\' if src < format.len() => src += 1,
            ';' => {
                remaining -= 1;
                if remaining == 0 {
                    return match format.get(src) {
                        Some(&c) if c != ';' => src,
                        _ => 0,
                    };
                }
            }
            _ => {}
        }
    }
    0
}

/// What the first pass learns about a section.
struct Section {
    digit_count: i64,
    decimal_pos: i64,
    first_digit: i64,
    last_digit: i64,
    scientific: bool,
    thousand_seps: bool,
    scale_adjust: i64,
}

fn scan_section(format: &[char], start: usize) -> Section {
    let mut s = Section {
        digit_count: 0,
        decimal_pos: -1,
        first_digit: i64::MAX,
        last_digit: 0,
        scientific: false,
        thousand_seps: false,
        scale_adjust: 0,
    };
    let mut thousand_pos = -1;
    let mut thousand_count = 0;
    let mut src = start;
    while let Some(&ch) = format.get(src) {
        src += 1;
        match ch {
            ';' => break,
            '#' => s.digit_count += 1,
            '0' => {
                if s.first_digit == i64::MAX {
                    s.first_digit = s.digit_count;
                }
                s.digit_count += 1;
                s.last_digit = s.digit_count;
            }
            '.' if s.decimal_pos < 0 => s.decimal_pos = s.digit_count,
            ',' if s.digit_count > 0 && s.decimal_pos < 0 => {
                if thousand_pos >= 0 {
                    if thousand_pos == s.digit_count {
                        thousand_count += 1;
                        continue;
                    }
                    s.thousand_seps = true;
                }
                thousand_pos = s.digit_count;
                thousand_count = 1;
            }
            '%' => s.scale_adjust += 2,
            '\u{2030}' => s.scale_adjust += 3,
            '\'' | '"' => {
                while let Some(&c) = format.get(src) {
                    src += 1;
                    if c == ch {
                        break;
                    }
                }
            }
            '\\' if src < format.len() => src += 1,
            'E' | 'e' => {
                let next = format.get(src).copied();
                let after = format.get(src + 1).copied();
                if next == Some('0') || (matches!(next, Some('+' | '-')) && after == Some('0')) {
                    src += 1;
                    while format.get(src) == Some(&'0') {
                        src += 1;
                    }
                    s.scientific = true;
                }
            }
            _ => {}
        }
    }
    if s.decimal_pos < 0 {
        s.decimal_pos = s.digit_count;
    }
    if thousand_pos >= 0 {
        if thousand_pos == s.decimal_pos {
            // Commas right before the decimal point divide by 1000 each.
            s.scale_adjust -= thousand_count * 3;
        } else {
            s.thousand_seps = true;
        }
    }
    s
}

pub(super) fn format(mut number: Digits, pattern: &str, c: &Culture) -> String {
    let format: Vec<char> = pattern.chars().collect();
    let mut section = find_section(
        &format,
        if number.is_zero() {
            2
        } else if number.negative {
            1
        } else {
            0
        },
    );
    let info = loop {
        let info = scan_section(&format, section);
        if number.is_zero() {
            if !number.is_float {
                number.negative = false;
            }
            number.scale = 0;
            break info;
        }
        number.scale = number
            .scale
            .saturating_add(i32::try_from(info.scale_adjust).unwrap_or(0));
        let pos = if info.scientific {
            info.digit_count
        } else {
            i64::from(number.scale) + info.digit_count - info.decimal_pos
        };
        number.round(pos);
        if number.is_zero() {
            let zero_section = find_section(&format, 2);
            if zero_section != section {
                section = zero_section;
                continue;
            }
        }
        break info;
    };
    render(&format, section, &number, &info, c)
}

fn render(format: &[char], section: usize, number: &Digits, info: &Section, c: &Culture) -> String {
    let decimal_pos = info.decimal_pos;
    let first_digit = if info.first_digit < decimal_pos {
        decimal_pos - info.first_digit
    } else {
        0
    };
    let last_digit = if info.last_digit > decimal_pos {
        decimal_pos - info.last_digit
    } else {
        0
    };
    let scale = i64::from(number.scale);
    let (mut dig_pos, mut adjust) = if info.scientific {
        (decimal_pos, 0)
    } else {
        (scale.max(decimal_pos), scale - decimal_pos)
    };
    // Positions (counted from the decimal point) after which a group separator is written.
    let mut separators: Vec<i64> = Vec::new();
    if info.thousand_seps && !c.group_separator.is_empty() {
        let total_digits = dig_pos + adjust.min(0);
        let num_digits = first_digit.max(total_digits);
        let group = culture::GROUP_SIZE as i64;
        let mut total = group;
        while num_digits > total {
            separators.push(total);
            total += group;
        }
    }
    let mut out = String::with_capacity(format.len() + number.digits.len() + 8);
    if number.negative && section == 0 && number.scale != 0 {
        out.push_str(c.negative_sign);
    }
    let mut cursor = 0usize;
    let mut decimal_written = false;
    let mut scientific = info.scientific;
    let push_digit = |out: &mut String, d: char, dig_pos: i64, separators: &mut Vec<i64>| {
        out.push(d);
        if dig_pos > 1 && separators.last().is_some_and(|&p| dig_pos == p + 1) {
            out.push_str(c.group_separator);
            separators.pop();
        }
    };
    let mut src = section;
    while let Some(&ch) = format.get(src) {
        src += 1;
        if ch == ';' {
            break;
        }
        if adjust > 0 && matches!(ch, '#' | '0' | '.') {
            // More integer digits than placeholders: write the extra ones first.
            while adjust > 0 {
                let d = number.digit(cursor).map_or('0', char::from);
                if number.digit(cursor).is_some() {
                    cursor += 1;
                }
                push_digit(&mut out, d, dig_pos, &mut separators);
                dig_pos -= 1;
                adjust -= 1;
            }
        }
        match ch {
            '#' | '0' => {
                let d = if adjust < 0 {
                    adjust += 1;
                    (dig_pos <= first_digit).then_some('0')
                } else if let Some(d) = number.digit(cursor) {
                    cursor += 1;
                    Some(char::from(d))
                } else {
                    (dig_pos > last_digit).then_some('0')
                };
                if let Some(d) = d {
                    push_digit(&mut out, d, dig_pos, &mut separators);
                }
                dig_pos -= 1;
            }
            '.' => {
                if dig_pos != 0 || decimal_written {
                    continue;
                }
                if last_digit < 0
                    || (decimal_pos < info.digit_count && number.digit(cursor).is_some())
                {
                    out.push_str(c.decimal_separator);
                    decimal_written = true;
                }
            }
            '\u{2030}' => out.push_str(c.per_mille_symbol),
            '%' => out.push_str(c.percent_symbol),
            ',' => {}
            '\'' | '"' => {
                while let Some(&q) = format.get(src) {
                    src += 1;
                    if q == ch {
                        break;
                    }
                    out.push(q);
                }
            }
            '\\' => {
                if let Some(&escaped) = format.get(src) {
                    out.push(escaped);
                    src += 1;
                }
            }
            'E' | 'e' => {
                let next = format.get(src).copied();
                let after = format.get(src + 1).copied();
                if scientific {
                    let (mut min_digits, positive_sign) = match (next, after) {
                        (Some('0'), _) => (1, false),
                        (Some('+'), Some('0')) => (0, true),
                        (Some('-'), Some('0')) => (0, false),
                        _ => {
                            out.push(ch);
                            continue;
                        }
                    };
                    src += 1;
                    while format.get(src) == Some(&'0') {
                        min_digits += 1;
                        src += 1;
                    }
                    let exponent = if number.is_zero() {
                        0
                    } else {
                        scale - decimal_pos
                    };
                    let exponent = i32::try_from(exponent).unwrap_or(i32::MAX);
                    format_exponent(&mut out, exponent, ch, min_digits.min(10), positive_sign, c);
                    scientific = false;
                } else {
                    out.push(ch);
                    if let Some(sign @ ('+' | '-')) = next {
                        out.push(sign);
                        src += 1;
                    }
                    while format.get(src) == Some(&'0') {
                        out.push('0');
                        src += 1;
                    }
                }
            }
            other => out.push(other),
        }
    }
    if number.negative && section == 0 && number.scale == 0 && !out.is_empty() {
        out.insert_str(0, c.negative_sign);
    }
    out
}
