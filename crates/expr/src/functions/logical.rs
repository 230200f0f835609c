//! Logical comparison functions, and the equality and ordering of values that the
//! collection functions share. `if`, `and` and `or` are evaluated lazily by the evaluator
//! (only the branch or operands needed are evaluated).
//!
//! As the docs say, null compares as the empty string. Strings compare case-sensitively
//! and ordinally (by UTF-16 code unit, as .NET's ordinal comparison does); numbers compare
//! by value, integers and floats alike.

use super::{Args, FnError, FunctionSpec, Num, Special};
use crate::value::type_name;
use serde_json::{Number, Value};
use std::cmp::Ordering;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::special("if", 3, Some(3), Special::If),
    FunctionSpec::special("and", 1, None, Special::And),
    FunctionSpec::special("or", 1, None, Special::Or),
    FunctionSpec::pure("equals", 2, Some(2), equals),
    FunctionSpec::pure("greater", 2, Some(2), greater),
    FunctionSpec::pure("greaterOrEquals", 2, Some(2), greater_or_equals),
    FunctionSpec::pure("less", 2, Some(2), less),
    FunctionSpec::pure("lessOrEquals", 2, Some(2), less_or_equals),
    FunctionSpec::pure("not", 1, Some(1), not),
];

fn number_value(n: &Number) -> Num {
    match n.as_i64() {
        Some(i) => Num::Int(i),
        None => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Orders two numbers; integers exactly, otherwise as doubles (as .NET compares a long
/// with a double).
pub(super) fn compare_numbers(a: Num, b: Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        _ => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
    }
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (a.as_u64(), b.as_u64()) {
        (Some(x), Some(y)) => x == y,
        _ => compare_numbers(number_value(a), number_value(b)) == Ordering::Equal,
    }
}

/// Orders two strings as .NET's `string.CompareOrdinal` does (by UTF-16 code unit).
pub(super) fn compare_ordinal(a: &str, b: &str) -> Ordering {
    // UTF-8 byte order equals code point order, which differs from UTF-16 order only
    // between supplementary characters and U+E000..U+FFFF.
    if a.is_ascii() || b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// Deep equality of two values: numbers by value (`1` equals `1.0`), strings
/// case-sensitively, arrays item by item, objects by their properties in any order.
pub(super) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

fn equals(args: &Args<'_>) -> Result<Value, FnError> {
    let (a, b) = (args.get(0), args.get(1));
    let equal = match (a, b) {
        // Null compares as the empty string.
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
        // The docs: `equals(true, 1)` is true; a boolean compares as 1 or 0.
        (Value::Bool(flag), Value::Number(n)) | (Value::Number(n), Value::Bool(flag)) => {
            compare_numbers(number_value(n), Num::Int(i64::from(*flag))) == Ordering::Equal
        }
        _ => values_equal(a, b),
    };
    Ok(Value::Bool(equal))
}

/// A value as `greater()` and its siblings (and `sort()`) compare it.
#[derive(Clone, Copy)]
pub(super) enum Comparable<'a> {
    Number(Num),
    Text(&'a str),
    Bool(bool),
}

impl<'a> Comparable<'a> {
    /// Numbers, strings, booleans and null (as the empty string); `None` for the rest.
    pub(super) fn of(value: &'a Value) -> Option<Self> {
        match value {
            Value::Null => Some(Comparable::Text("")),
            Value::String(s) => Some(Comparable::Text(s)),
            Value::Number(n) => Some(Comparable::Number(number_value(n))),
            Value::Bool(b) => Some(Comparable::Bool(*b)),
            Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// Orders values of the same kind; `None` for different kinds.
    pub(super) fn compare(self, other: Self) -> Option<Ordering> {
        match (self, other) {
            (Comparable::Number(a), Comparable::Number(b)) => Some(compare_numbers(a, b)),
            (Comparable::Text(a), Comparable::Text(b)) => Some(compare_ordinal(a, b)),
            (Comparable::Bool(a), Comparable::Bool(b)) => Some(a.cmp(&b)),
            _ => None,
        }
    }
}

/// Compares the two arguments: integers, floats and strings, as the docs list them.
fn compare_args(args: &Args<'_>) -> Result<Ordering, FnError> {
    let operand = |i: usize| {
        let value = args.get(i);
        match Comparable::of(value) {
            Some(c @ (Comparable::Number(_) | Comparable::Text(_))) => Ok(c),
            _ => Err(FnError::arg(
                i,
                format!(
                    "expected an integer, a float or a string but the value is of type '{}'",
                    type_name(value)
                ),
            )),
        }
    };
    let (a, b) = (operand(0)?, operand(1)?);
    a.compare(b).ok_or_else(|| {
        FnError::call(format!(
            "cannot compare a value of type '{}' with a value of type '{}'",
            type_name(args.get(0)),
            type_name(args.get(1))
        ))
    })
}

fn greater(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(compare_args(args)?.is_gt()))
}

fn greater_or_equals(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(compare_args(args)?.is_ge()))
}

fn less(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(compare_args(args)?.is_lt()))
}

fn less_or_equals(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(compare_args(args)?.is_le()))
}

fn not(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(!args.bool(0)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deep_equality() {
        assert!(values_equal(&json!(1), &json!(1.0)));
        assert!(values_equal(
            &json!({"a": 1, "b": [2]}),
            &json!({"b": [2.0], "a": 1})
        ));
        assert!(!values_equal(&json!("a"), &json!("A")));
        assert!(!values_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!values_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!values_equal(&json!(u64::MAX), &json!(-1)));
    }

    #[test]
    fn ordinal_order_is_utf16_order() {
        assert_eq!(compare_ordinal("B", "a"), Ordering::Less);
        // U+FF61 is one UTF-16 unit (0xFF61); U+10000 starts with the surrogate 0xD800.
        assert_eq!(compare_ordinal("\u{FF61}", "\u{10000}"), Ordering::Greater);
        assert_eq!(compare_ordinal("é", "ê"), Ordering::Less);
    }
}
