//! .NET standard numeric formats (`C`, `D`, `E`, `F`, `G`, `N`, `P`, `R`, `X` with an optional
//! precision), after `Number.Formatting.cs` (`NumberToString` and its helpers).

use super::super::culture::{self, Culture};
use super::digits::Digits;
use super::{Input, MAX_PRECISION};

const POSITIVE_CURRENCY: [&str; 4] = ["$#", "#$", "$ #", "# $"];
const NEGATIVE_CURRENCY: [&str; 17] = [
    "($#)", "-$#", "$-#", "$#-", "(#$)", "-#$", "#-$", "#$-", "-# $", "-$ #", "# $-", "$ #-",
    "$ -#", "#- $", "($ #)", "(# $)", "$- #",
];
const POSITIVE_PERCENT: [&str; 4] = ["# %", "#%", "%#", "% #"];
const NEGATIVE_PERCENT: [&str; 12] = [
    "-# %", "-#%", "-%#", "%-#", "%#-", "#-%", "#%-", "-% #", "# %-", "% #-", "% -#", "#- %",
];
const NEGATIVE_NUMBER: [&str; 5] = ["(#)", "-#", "- #", "#-", "# -"];

/// A standard format: its letter and precision, or `None` if `format` is a custom pattern.
/// As in .NET, a standard format is one ASCII letter followed only by digits.
pub(super) fn parse_specifier(format: &str) -> Option<(char, Option<usize>)> {
    let mut chars = format.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    let rest = chars.as_str();
    if rest.is_empty() {
        return Some((letter, None));
    }
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // .NET rejects more than 999,999,999; the caller reports anything above its limit.
    let significant = rest.trim_start_matches('0');
    let precision = match significant.len() {
        0 => 0,
        1..=9 => significant.parse().unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    Some((letter, Some(precision)))
}

pub(super) fn format(
    input: Input,
    letter: char,
    precision: Option<usize>,
    c: &Culture,
) -> Result<String, String> {
    if precision.is_some_and(|p| p > MAX_PRECISION) {
        return Err(format!(
            "the precision of '{letter}' may be at most {MAX_PRECISION}"
        ));
    }
    match (letter.to_ascii_uppercase(), input) {
        ('D', Input::Int(i)) => Ok(decimal(i, precision.unwrap_or(0), c)),
        ('X', Input::Int(i)) => Ok(hex(i, precision.unwrap_or(0), letter == 'x')),
        ('D' | 'X', Input::Float(_)) => Err(format!(
            "'{letter}' formats integers only; the number is a float"
        )),
        ('C' | 'E' | 'F' | 'G' | 'N' | 'P' | 'R', input) => {
            let mut number = digits_for(input, letter.to_ascii_uppercase(), precision, c);
            Ok(number_to_string(&mut number, letter, precision, c))
        }
        _ => Err(format!(
            "'{letter}' is not a standard numeric format; use C, D, E, F, G, N, P, R or X, optionally followed by a precision, or a custom pattern such as '#,##0.00'"
        )),
    }
}

/// The digits .NET hands to `NumberToString`: exact for integers, and for doubles already
/// rounded where the format will cut them (Dragon4 with the format's precision).
fn digits_for(input: Input, letter: char, precision: Option<usize>, c: &Culture) -> Digits {
    let x = match input {
        Input::Int(i) => return Digits::from_int(i),
        Input::Float(x) => x,
    };
    match letter {
        'C' => Digits::fixed(x, precision.unwrap_or(c.currency_decimal_digits)),
        'F' | 'N' => Digits::fixed(x, precision.unwrap_or(culture::NUMBER_DECIMAL_DIGITS)),
        'P' => Digits::fixed(x, precision.unwrap_or(culture::PERCENT_DECIMAL_DIGITS) + 2),
        'E' => Digits::significant(x, precision.unwrap_or(6) + 1),
        'G' => match precision {
            None | Some(0) => Digits::shortest(x),
            Some(p) => Digits::significant(x, p),
        },
        _ => Digits::shortest(x),
    }
}

fn number_to_string(
    number: &mut Digits,
    letter: char,
    precision: Option<usize>,
    c: &Culture,
) -> String {
    let mut out = String::new();
    let scale = i64::from(number.scale);
    match letter.to_ascii_uppercase() {
        'C' => {
            let places = precision.unwrap_or(c.currency_decimal_digits);
            number.round(scale + places as i64);
            let pattern = if number.negative {
                NEGATIVE_CURRENCY.get(usize::from(c.currency_negative_pattern))
            } else {
                POSITIVE_CURRENCY.get(usize::from(c.currency_positive_pattern))
            };
            apply_pattern(
                &mut out,
                pattern.copied().unwrap_or("-$#"),
                number,
                places,
                c,
                true,
            );
        }
        'F' => {
            let places = precision.unwrap_or(culture::NUMBER_DECIMAL_DIGITS);
            number.round(scale + places as i64);
            if number.negative {
                out.push_str(c.negative_sign);
            }
            format_fixed(&mut out, number, places, None, c.decimal_separator);
        }
        'N' => {
            let places = precision.unwrap_or(culture::NUMBER_DECIMAL_DIGITS);
            number.round(scale + places as i64);
            let pattern = if number.negative {
                NEGATIVE_NUMBER
                    .get(usize::from(c.number_negative_pattern))
                    .copied()
                    .unwrap_or("-#")
            } else {
                "#"
            };
            apply_pattern(&mut out, pattern, number, places, c, true);
        }
        'E' => {
            let significant = precision.unwrap_or(6) + 1;
            number.round(significant as i64);
            if number.negative {
                out.push_str(c.negative_sign);
            }
            format_scientific(
                &mut out,
                number,
                significant,
                c,
                if letter == 'e' { 'e' } else { 'E' },
            );
        }
        'P' => {
            let places = precision.unwrap_or(culture::PERCENT_DECIMAL_DIGITS);
            number.scale += 2;
            number.round(i64::from(number.scale) + places as i64);
            let pattern = if number.negative {
                NEGATIVE_PERCENT.get(usize::from(c.percent_negative_pattern))
            } else {
                POSITIVE_PERCENT.get(usize::from(c.percent_positive_pattern))
            };
            apply_pattern(
                &mut out,
                pattern.copied().unwrap_or("-#%"),
                number,
                places,
                c,
                true,
            );
        }
        _ => {
            // G and R. Without a precision doubles print their shortest digits, switching
            // to scientific notation past 15 integer digits, as `Double.ToString()` does.
            let max_digits = match precision {
                Some(p) if p > 0 && letter.eq_ignore_ascii_case(&'G') => p,
                _ if number.is_float => number.digits.len().max(15),
                _ => number.digits.len(),
            };
            number.round(max_digits as i64);
            if number.negative {
                out.push_str(c.negative_sign);
            }
            let exponent_char = if letter.is_ascii_lowercase() {
                'e'
            } else {
                'E'
            };
            format_general(&mut out, number, max_digits, c, exponent_char);
        }
    }
    out
}

/// Writes a currency, percent or number pattern: `#` is the number, `-` the negative sign,
/// `$` the currency symbol and `%` the percent symbol.
fn apply_pattern(
    out: &mut String,
    pattern: &str,
    number: &Digits,
    places: usize,
    c: &Culture,
    group: bool,
) {
    for ch in pattern.chars() {
        match ch {
            '#' => format_fixed(
                out,
                number,
                places,
                group.then_some(c.group_separator),
                c.decimal_separator,
            ),
            '-' => out.push_str(c.negative_sign),
            '$' => out.push_str(c.currency_symbol),
            '%' => out.push_str(c.percent_symbol),
            other => out.push(other),
        }
    }
}

/// The integer part (grouped by three when `group` is given) and `places` decimals.
pub(super) fn format_fixed(
    out: &mut String,
    number: &Digits,
    places: usize,
    group: Option<&str>,
    decimal: &str,
) {
    let int_digits = usize::try_from(number.scale).unwrap_or(0);
    if int_digits > 0 {
        for i in 0..int_digits {
            out.push(char::from(number.digit(i).unwrap_or(b'0')));
            let remaining = int_digits - i - 1;
            if let Some(sep) = group {
                if remaining > 0 && remaining % culture::GROUP_SIZE == 0 {
                    out.push_str(sep);
                }
            }
        }
    } else {
        out.push('0');
    }
    if places > 0 {
        out.push_str(decimal);
        let leading_zeros = usize::try_from(-i64::from(number.scale))
            .unwrap_or(0)
            .min(places);
        out.extend(std::iter::repeat_n('0', leading_zeros));
        for index in int_digits..int_digits + (places - leading_zeros) {
            out.push(char::from(number.digit(index).unwrap_or(b'0')));
        }
    }
}

fn format_scientific(
    out: &mut String,
    number: &Digits,
    significant: usize,
    c: &Culture,
    exponent_char: char,
) {
    out.push(char::from(number.digit(0).unwrap_or(b'0')));
    if significant != 1 {
        out.push_str(c.decimal_separator);
    }
    for i in 1..significant {
        out.push(char::from(number.digit(i).unwrap_or(b'0')));
    }
    let exponent = if number.is_zero() {
        0
    } else {
        number.scale - 1
    };
    format_exponent(out, exponent, exponent_char, 3, true, c);
}

pub(super) fn format_exponent(
    out: &mut String,
    value: i32,
    exponent_char: char,
    min_digits: usize,
    positive_sign: bool,
    c: &Culture,
) {
    out.push(exponent_char);
    if value < 0 {
        out.push_str(c.negative_sign);
    } else if positive_sign {
        out.push_str(c.positive_sign);
    }
    out.push_str(&format!("{:0min_digits$}", value.unsigned_abs()));
}

fn format_general(
    out: &mut String,
    number: &Digits,
    max_digits: usize,
    c: &Culture,
    exponent_char: char,
) {
    let mut position = i64::from(number.scale);
    let scientific = position > max_digits as i64 || position < -3;
    if scientific {
        position = 1;
    }
    let mut index = 0;
    if position > 0 {
        while position > 0 {
            out.push(char::from(number.digit(index).unwrap_or(b'0')));
            index += 1;
            position -= 1;
        }
    } else {
        out.push('0');
    }
    if number.digit(index).is_some() || position < 0 {
        out.push_str(c.decimal_separator);
        while position < 0 {
            out.push('0');
            position += 1;
        }
        while let Some(d) = number.digit(index) {
            out.push(char::from(d));
            index += 1;
        }
    }
    if scientific {
        format_exponent(out, number.scale - 1, exponent_char, 2, true, c);
    }
}

fn decimal(value: i64, min_digits: usize, c: &Culture) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(min_digits.max(digits.len()) + 1);
    if value < 0 {
        out.push_str(c.negative_sign);
    }
    out.extend(std::iter::repeat_n(
        '0',
        min_digits.saturating_sub(digits.len()),
    ));
    out.push_str(&digits);
    out
}

/// Hexadecimal of the 64-bit two's complement, as `Int64.ToString("X")`.
fn hex(value: i64, min_digits: usize, lower: bool) -> String {
    let bits = value as u64;
    let digits = if lower {
        format!("{bits:x}")
    } else {
        format!("{bits:X}")
    };
    let mut out = String::with_capacity(min_digits.max(digits.len()));
    out.extend(std::iter::repeat_n(
        '0',
        min_digits.saturating_sub(digits.len()),
    ));
    out.push_str(&digits);
    out
}
