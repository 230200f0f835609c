//! `formatNumber` with .NET standard and custom numeric formats, and the locale-aware number
//! parsing of `isFloat` and `float`. Culture data comes from [`super::culture`].

mod custom;
mod digits;
mod parse;
mod standard;

use super::culture;
use super::{Args, FnError, FunctionSpec, Num};
use digits::Digits;
use serde_json::Value;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::pure("formatNumber", 2, Some(3), format_number),
    FunctionSpec::pure("isFloat", 1, Some(2), is_float),
    FunctionSpec::pure("float", 1, Some(2), float),
];

/// Largest precision accepted in a standard format (`F1000`); .NET allows up to 999,999,999,
/// which would let one expression build a gigabyte string.
const MAX_PRECISION: usize = 1000;

/// .NET formats doubles for custom patterns from their first 15 significant digits.
const CUSTOM_FORMAT_DIGITS: usize = 15;

/// The number being formatted: JSON integers format as .NET `Int64`, others as `Double`.
#[derive(Debug, Clone, Copy)]
enum Input {
    Int(i64),
    Float(f64),
}

/// `formatNumber(number, format, locale?)`, as `number.ToString(format, locale)`.
fn format_number(args: &Args<'_>) -> Result<Value, FnError> {
    let input = match args.number(0)? {
        Num::Int(i) => Input::Int(i),
        Num::Float(f) => Input::Float(f),
    };
    let format = args.str(1)?;
    let culture = culture::from_arg(args, 2, culture::en_us())?;
    let text = match standard::parse_specifier(format) {
        _ if format.is_empty() => standard::format(input, 'G', None, culture),
        Some((letter, precision)) => standard::format(input, letter, precision, culture),
        None => {
            let digits = match input {
                Input::Int(i) => Digits::from_int(i),
                Input::Float(f) => Digits::significant(f, CUSTOM_FORMAT_DIGITS),
            };
            Ok(custom::format(digits, format, culture))
        }
    }
    .map_err(|why| FnError::arg(1, why))?;
    Ok(Value::String(text))
}

/// `isFloat(text, locale?)`: whether .NET reads the text as a double (invariant culture by
/// default).
fn is_float(args: &Args<'_>) -> Result<Value, FnError> {
    let text = args.str(0)?;
    let culture = culture::from_arg(args, 1, culture::invariant())?;
    Ok(Value::Bool(parse::parse(text, culture).is_some()))
}

/// `float(text, locale?)`: the double .NET reads from the text.
fn float(args: &Args<'_>) -> Result<Value, FnError> {
    let value = match args.get(0) {
        // A number passes through, as converting it to text and back would.
        Value::Number(n) => {
            return Ok(n
                .as_f64()
                .and_then(crate::value::float_value)
                .unwrap_or(Value::Null))
        }
        _ => args.str(0)?,
    };
    let culture = culture::from_arg(args, 1, culture::invariant())?;
    match parse::parse(value, culture) {
        Some(parse::Parsed::Number(n)) if n.is_finite() => crate::value::float_value(n)
            .ok_or_else(|| FnError::arg(0, format!("'{value}' is not a finite number"))),
        Some(_) => Err(FnError::arg(
            0,
            format!("'{value}' is not a finite number, which JSON cannot hold"),
        )),
        None => Err(FnError::arg(
            0,
            format!(
                "'{value}' is not a valid floating-point number{}",
                if culture.name.is_empty() {
                    String::new()
                } else {
                    format!(" in the locale '{}'", culture.name)
                }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::{evaluate_str, StaticContext};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any number, format and locale gives a string or an error, never a panic.
        #[test]
        fn arbitrary_formats_do_not_panic(
            int in any::<i64>(),
            float in any::<f64>().prop_filter("finite", |f| f.is_finite()),
            format in "[0#.,;%‰Ee+\\-'\"\\\\CDEFGNPRXcdefgnprx0-9 ]{0,14}",
            locale in prop::sample::select(vec!["en-US", "de-DE", "fr-FR", "ja-JP", "is-IS", "nl-NL"]),
        ) {
            let ctx = StaticContext::default();
            let f = format.replace('\'', "''");
            let float_text = format!("{float:e}");
            let _ = evaluate_str(&format!("@formatNumber({int}, '{f}', '{locale}')"), &ctx);
            let _ = evaluate_str(&format!("@formatNumber({float_text}, '{f}', '{locale}')"), &ctx);
        }

        /// Text made by the `R` format parses back to the same double.
        #[test]
        fn round_trip_numbers(x in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let ctx = StaticContext::default();
            let text = evaluate_str(&format!("@formatNumber({x:e}, 'R')"), &ctx);
            prop_assert!(text.is_ok());
            if let Ok(serde_json::Value::String(text)) = text {
                let back = evaluate_str(&format!("@float('{text}')"), &ctx);
                prop_assert_eq!(back.ok().and_then(|v| v.as_f64()), Some(x));
            }
        }
    }
}
