//! .NET date and time format strings: standard one-letter formats expand to culture or
//! invariant patterns, and custom patterns are split into tokens shared by the formatter and
//! the exact parser.

use super::super::culture::{self, Culture};
use std::borrow::Cow;

/// One element of a custom pattern; counts are the number of repeated pattern letters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token<'a> {
    Year(usize),
    Month(usize),
    /// `d`/`dd` day number, `ddd` abbreviated and `dddd` full day name.
    Day(usize),
    Hour24(usize),
    Hour12(usize),
    Minute(usize),
    Second(usize),
    /// `f…` (`trim == false`) or `F…` (trailing zeros dropped), 1 to 7 digits.
    Fraction {
        len: usize,
        trim: bool,
    },
    AmPm(usize),
    Era,
    /// `K`: `Z` for UTC, nothing when the kind is unspecified.
    Kind,
    /// `z`, `zz`, `zzz`.
    Offset(usize),
    DateSeparator,
    TimeSeparator,
    Literal(Cow<'a, str>),
}

/// A format resolved for one call: the custom pattern to apply, the culture whose names and
/// separators it uses, and whether the value is first converted to UTC (`U`).
#[derive(Debug)]
pub(crate) struct Resolved<'a> {
    pub pattern: Cow<'a, str>,
    pub culture: &'static Culture,
    pub to_utc: bool,
}

pub(crate) const ROUND_TRIP: &str = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK";

/// Expands a standard format (a single letter) or passes a custom pattern through.
pub(crate) fn resolve<'a>(
    format: &'a str,
    culture: &'static Culture,
) -> Result<Resolved<'a>, String> {
    let mut chars = format.chars();
    let (Some(letter), None) = (chars.next(), chars.next()) else {
        if format.is_empty() {
            return Ok(Resolved {
                pattern: Cow::Borrowed(ROUND_TRIP),
                culture,
                to_utc: false,
            });
        }
        return Ok(Resolved {
            pattern: Cow::Borrowed(format),
            culture,
            to_utc: false,
        });
    };
    let c = culture;
    let joined = |a: &str, b: &str| Cow::Owned(format!("{a} {b}"));
    let (pattern, culture, to_utc): (Cow<'a, str>, &'static Culture, bool) = match letter {
        'd' => (Cow::Borrowed(c.short_date_pattern), c, false),
        'D' => (Cow::Borrowed(c.long_date_pattern), c, false),
        'f' => (joined(c.long_date_pattern, c.short_time_pattern), c, false),
        'F' => (joined(c.long_date_pattern, c.long_time_pattern), c, false),
        'g' => (joined(c.short_date_pattern, c.short_time_pattern), c, false),
        'G' => (joined(c.short_date_pattern, c.long_time_pattern), c, false),
        'm' | 'M' => (Cow::Borrowed(c.month_day_pattern), c, false),
        'o' | 'O' => (Cow::Borrowed(ROUND_TRIP), culture::invariant(), false),
        'r' | 'R' => (
            Cow::Borrowed("ddd, dd MMM yyyy HH':'mm':'ss 'GMT'"),
            culture::invariant(),
            false,
        ),
        's' => (Cow::Borrowed("yyyy'-'MM'-'dd'T'HH':'mm':'ss"), culture::invariant(), false),
        't' => (Cow::Borrowed(c.short_time_pattern), c, false),
        'T' => (Cow::Borrowed(c.long_time_pattern), c, false),
        'u' => (Cow::Borrowed("yyyy'-'MM'-'dd HH':'mm':'ss'Z'"), culture::invariant(), false),
        'U' => (joined(c.long_date_pattern, c.long_time_pattern), c, true),
        'y' | 'Y' => (Cow::Borrowed(c.year_month_pattern), c, false),
        other => {
            return Err(format!(
                "'{other}' is not a standard date and time format; use one of d, D, f, F, g, G, M, O, R, s, t, T, u, U, Y or a custom pattern such as 'yyyy-MM-dd'"
            ))
        }
    };
    Ok(Resolved {
        pattern,
        culture,
        to_utc,
    })
}

fn repeat_count(chars: &[char], i: usize) -> usize {
    let rest = chars.get(i..).unwrap_or_default();
    rest.iter()
        .take_while(|&&x| Some(&x) == rest.first())
        .count()
}

/// Splits a custom pattern into tokens, with .NET's rules for quotes, `\` escapes and `%`.
pub(crate) fn tokenize(pattern: &str) -> Result<Vec<Token<'_>>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::with_capacity(chars.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let n = repeat_count(&chars, i);
        let mut step = n;
        let token = match c {
            'y' => Token::Year(n),
            'M' => Token::Month(n),
            'd' => Token::Day(n),
            'H' => Token::Hour24(n),
            'h' => Token::Hour12(n),
            'm' => Token::Minute(n),
            's' => Token::Second(n),
            'f' | 'F' => {
                if n > 7 {
                    return Err(format!(
                        "'{}' asks for more than 7 fraction digits",
                        c.to_string().repeat(n)
                    ));
                }
                Token::Fraction {
                    len: n,
                    trim: c == 'F',
                }
            }
            't' => Token::AmPm(n),
            'g' => Token::Era,
            'K' => {
                step = 1;
                Token::Kind
            }
            'z' => Token::Offset(n),
            ':' => {
                step = 1;
                Token::TimeSeparator
            }
            '/' => {
                step = 1;
                Token::DateSeparator
            }
            '\'' | '"' => {
                let mut text = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(format!(
                                "the quoted text starting at position {} has no closing {c}",
                                i + 1
                            ))
                        }
                        Some(&q) if q == c => break,
                        Some('\\') => {
                            let escaped = chars.get(j + 1).ok_or("the pattern ends with '\\'")?;
                            text.push(*escaped);
                            j += 2;
                        }
                        Some(&other) => {
                            text.push(other);
                            j += 1;
                        }
                    }
                }
                step = j + 1 - i;
                Token::Literal(Cow::Owned(text))
            }
            '\\' => {
                let escaped = chars.get(i + 1).ok_or("the pattern ends with '\\'")?;
                step = 2;
                Token::Literal(Cow::Owned(escaped.to_string()))
            }
            '%' => {
                // `%d` is the custom specifier `d` alone; `%` must be followed by one.
                match chars.get(i + 1) {
                    Some('%') | None => {
                        return Err("'%' must be followed by a format letter".to_string())
                    }
                    Some(_) => {
                        i += 1;
                        continue;
                    }
                }
            }
            other => {
                step = 1;
                Token::Literal(Cow::Owned(other.to_string()))
            }
        };
        tokens.push(token);
        i += step;
    }
    Ok(tokens)
}

/// .NET's rule for genitive month names: a `d` or `dd` day number before or after the month.
pub(crate) fn day_number_near(tokens: &[Token<'_>], index: usize) -> bool {
    let is_day_number = |t: &Token<'_>| matches!(t, Token::Day(n) if *n <= 2);
    let is_day = |t: &Token<'_>| matches!(t, Token::Day(_));
    let before = tokens[..index].iter().rev().find(|t| is_day(t));
    if before.is_some_and(is_day_number) {
        return true;
    }
    tokens[index + 1..]
        .iter()
        .find(|t| is_day(t))
        .is_some_and(is_day_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_quotes_escapes_and_percent() {
        let tokens = tokenize("yyyy'-'MM\\h%d\"x\"").expect("valid");
        assert_eq!(
            tokens,
            vec![
                Token::Year(4),
                Token::Literal(Cow::Owned("-".into())),
                Token::Month(2),
                Token::Literal(Cow::Owned("h".into())),
                Token::Day(1),
                Token::Literal(Cow::Owned("x".into())),
            ]
        );
        assert!(tokenize("'open").is_err());
        assert!(tokenize("ffffffff").is_err());
        assert!(tokenize("dd\\").is_err());
    }

    #[test]
    fn unknown_standard_format_is_an_error() {
        assert!(resolve("Q", culture::en_us()).is_err());
        assert!(resolve("o", culture::en_us()).is_ok());
    }
}
