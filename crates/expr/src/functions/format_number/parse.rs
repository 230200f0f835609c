//! Reading numbers like .NET's `double.TryParse(text, NumberStyles.Any, culture)`: leading and
//! trailing white space, a leading or trailing sign, parentheses for negatives, the culture's
//! currency symbol, group separators anywhere in the integer part, one decimal separator and
//! an exponent. This leniency is why Logic Apps reads `float('1234567,8+')` as 12345678.

use super::super::culture::Culture;

/// Where `symbol` starts `text`, the byte length it covers. No-break spaces in the culture's
/// symbols also match a plain space, as in .NET.
fn match_symbol(text: &str, symbol: &str) -> Option<usize> {
    if symbol.is_empty() {
        return None;
    }
    let mut len = 0;
    let mut chars = text.chars();
    for s in symbol.chars() {
        let t = chars.next()?;
        let same = t == s || (t == ' ' && matches!(s, '\u{a0}' | '\u{202f}'));
        if !same {
            return None;
        }
        len += t.len_utf8();
    }
    Some(len)
}

#[derive(Debug, PartialEq)]
pub(super) enum Parsed {
    Number(f64),
    NaN,
    Infinity(bool),
}

/// Parses `text` in `culture`; `None` if it is not a number.
pub(super) fn parse(text: &str, c: &Culture) -> Option<Parsed> {
    if let Some(number) = parse_number(text, c) {
        return Some(Parsed::Number(number));
    }
    let trimmed = text.trim();
    let named = |symbol: &str| !symbol.is_empty() && trimmed.eq_ignore_ascii_case(symbol);
    if named(c.nan_symbol) {
        return Some(Parsed::NaN);
    }
    if named(c.positive_infinity_symbol) {
        return Some(Parsed::Infinity(false));
    }
    if named(c.negative_infinity_symbol) {
        return Some(Parsed::Infinity(true));
    }
    None
}

fn parse_number(text: &str, c: &Culture) -> Option<f64> {
    let mut rest = text;
    let mut negative = false;
    let mut signed = false;
    let mut parens = false;
    let mut currency_seen = false;

    // Leading white space, sign, '(' and currency symbol, in any order.
    loop {
        let ch = rest.chars().next()?;
        // After a sign, white space is allowed only if a currency symbol came first.
        if ch.is_whitespace() && (!signed || currency_seen) {
            rest = &rest[ch.len_utf8()..];
            continue;
        }
        if !signed {
            if let Some(len) = match_symbol(rest, c.positive_sign) {
                signed = true;
                rest = &rest[len..];
                continue;
            }
            if let Some(len) = match_symbol(rest, c.negative_sign) {
                signed = true;
                negative = true;
                rest = &rest[len..];
                continue;
            }
            if ch == '(' {
                signed = true;
                parens = true;
                negative = true;
                rest = &rest[1..];
                continue;
            }
        }
        if !currency_seen {
            if let Some(len) = match_symbol(rest, c.currency_symbol) {
                currency_seen = true;
                rest = &rest[len..];
                continue;
            }
        }
        break;
    }

    // Digits, group separators (only before the decimal point, after a digit) and one
    // decimal separator. Digits are kept as text for an exactly rounded conversion.
    let mut mantissa = String::with_capacity(rest.len().min(64));
    let mut scale: i64 = 0;
    let mut seen_digit = false;
    let mut seen_nonzero = false;
    let mut seen_decimal = false;
    while let Some(ch) = rest.chars().next() {
        if ch.is_ascii_digit() {
            seen_digit = true;
            if ch != '0' || seen_nonzero {
                seen_nonzero = true;
                mantissa.push(ch);
                if !seen_decimal {
                    scale += 1;
                }
            } else if seen_decimal {
                scale -= 1;
            }
            rest = &rest[1..];
        } else if let Some(len) = (!seen_decimal)
            .then(|| match_symbol(rest, c.decimal_separator))
            .flatten()
        {
            seen_decimal = true;
            rest = &rest[len..];
        } else if let Some(len) = (seen_digit && !seen_decimal)
            .then(|| match_symbol(rest, c.group_separator))
            .flatten()
        {
            rest = &rest[len..];
        } else {
            break;
        }
    }
    if !seen_digit {
        return None;
    }

    // Exponent: 'e' or 'E', an optional sign, digits; otherwise the 'e' is not consumed.
    if let Some(after_e) = rest.strip_prefix(['e', 'E']) {
        let (exp_negative, after_sign) = if let Some(len) = match_symbol(after_e, c.positive_sign) {
            (false, &after_e[len..])
        } else if let Some(len) = match_symbol(after_e, c.negative_sign) {
            (true, &after_e[len..])
        } else {
            (false, after_e)
        };
        let digits = after_sign.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let mut exponent: i64 = 0;
            for d in after_sign[..digits].bytes() {
                // Past 1000 the value is infinite or zero anyway.
                exponent = (exponent * 10 + i64::from(d - b'0')).min(9999);
            }
            scale += if exp_negative { -exponent } else { exponent };
            rest = &after_sign[digits..];
        }
    }

    // Trailing white space, sign, ')' and currency symbol.
    while let Some(ch) = rest.chars().next() {
        if ch.is_whitespace() {
            rest = &rest[ch.len_utf8()..];
            continue;
        }
        if !signed {
            if let Some(len) = match_symbol(rest, c.positive_sign) {
                signed = true;
                rest = &rest[len..];
                continue;
            }
            if let Some(len) = match_symbol(rest, c.negative_sign) {
                signed = true;
                negative = true;
                rest = &rest[len..];
                continue;
            }
        }
        if ch == ')' && parens {
            parens = false;
            rest = &rest[1..];
            continue;
        }
        if !currency_seen {
            if let Some(len) = match_symbol(rest, c.currency_symbol) {
                currency_seen = true;
                rest = &rest[len..];
                continue;
            }
        }
        break;
    }
    if parens || !rest.is_empty() {
        return None;
    }
    let magnitude = if mantissa.is_empty() {
        0.0
    } else {
        format!("0.{mantissa}e{scale}").parse::<f64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::culture;

    fn num(text: &str, name: &str) -> Option<f64> {
        match parse(text, culture::find(name).unwrap_or(culture::invariant())) {
            Some(Parsed::Number(n)) => Some(n),
            _ => None,
        }
    }

    #[test]
    fn documented_lenient_inputs() {
        assert_eq!(num("10,000.333", ""), Some(10000.333));
        assert_eq!(num("10.000,333", "de-DE"), Some(10000.333));
        assert_eq!(num("12,3,4,5678", ""), Some(12345678.0));
        assert_eq!(num("1234567,8+", ""), Some(12345678.0));
        assert_eq!(num("12345,6,78,-", ""), Some(-12345678.0));
        assert_eq!(num("-12,345,678,", ""), Some(-12345678.0));
        assert_eq!(num("12345678.-", ""), Some(-12345678.0));
        assert_eq!(num(".12345678", ""), Some(0.12345678));
    }

    #[test]
    fn rejects_and_edge_cases() {
        assert_eq!(num("", ""), None);
        assert_eq!(num("abc", ""), None);
        assert_eq!(num("1.2.3", ""), None);
        assert_eq!(num(",5", ""), None);
        assert_eq!(num("- 5", ""), None);
        assert_eq!(num("(5)", ""), Some(-5.0));
        assert_eq!(num("(5", ""), None);
        assert_eq!(num("1e3", ""), Some(1000.0));
        assert_eq!(num("1e", ""), None);
        assert_eq!(num("  $1,234.50 ", "en-US"), Some(1234.5));
        assert_eq!(num("1 234,5", "fr-FR"), Some(1234.5));
        assert_eq!(num("0.1e-99999", ""), Some(0.0));
        assert_eq!(num("1e99999", ""), Some(f64::INFINITY));
        assert_eq!(parse("NaN", culture::invariant()), Some(Parsed::NaN));
    }
}
