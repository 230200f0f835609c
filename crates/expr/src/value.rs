//! How the language turns JSON values into text and names their types, shared by the
//! evaluator (interpolation) and the functions (`string()`, `concat()`, error messages).

use serde_json::{Number, Value};

/// The type name used in error messages, as Logic Apps reports them.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "Float",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// The text of a value as `string()` and `@{…}` produce it: null is empty, booleans are
/// `True`/`False` (.NET), numbers as .NET prints them, arrays and objects as compact JSON.
pub fn to_display_string(value: &Value) -> String {
    let mut out = String::new();
    append_display(&mut out, value);
    out
}

pub fn append_display(out: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => append_number(out, n),
        Value::String(s) => out.push_str(s),
        Value::Array(_) | Value::Object(_) => out.push_str(&value.to_string()),
    }
}

fn append_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        out.push_str(itoa_like(i).as_str());
    } else if let Some(u) = n.as_u64() {
        out.push_str(&u.to_string());
    } else if let Some(f) = n.as_f64() {
        out.push_str(&format_float(f));
    }
}

fn itoa_like(i: i64) -> String {
    i.to_string()
}

/// Formats a double the way .NET's `Double.ToString()` does (shortest round-trip digits;
/// scientific notation when the exponent is below -4 or at least 15, as `1E+15`, `1E-05`).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "∞" } else { "-∞" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // `{:e}` gives the shortest round-trip digits: "1.2345e-7".
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..15).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}E{exp_sign}{:02}", exponent.abs());
    }
    let point = exponent + 1; // digits before the decimal point
    let body = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// A JSON number from a float; integral results stay floats (`1.0`), as .NET doubles do.
/// Returns `None` for NaN and infinities, which JSON cannot hold.
pub fn float_value(f: f64) -> Option<Value> {
    Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_dotnet() {
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(-0.25), "-0.25");
        assert_eq!(format_float(1e15), "1E+15");
        assert_eq!(format_float(123456789012345.0), "123456789012345");
        assert_eq!(format_float(0.0001), "0.0001");
        assert_eq!(format_float(0.00001), "1E-05");
        assert_eq!(format_float(1.2345e-7), "1.2345E-07");
        assert_eq!(format_float(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn display_strings() {
        assert_eq!(to_display_string(&Value::Null), "");
        assert_eq!(to_display_string(&Value::Bool(true)), "True");
        assert_eq!(to_display_string(&serde_json::json!({"a": 1})), "{\"a\":1}");
        assert_eq!(to_display_string(&serde_json::json!(2.0)), "2");
    }
}
