//! Math functions. Two integers give an integer (`div(11, 5)` is `2`); a float on either
//! side gives a float. Integer overflow is an error rather than .NET's silent wrap-around,
//! and results JSON cannot hold (infinities, NaN) are errors too.

use super::logical::compare_numbers;
use super::{Args, FnError, FunctionSpec, Num};
use crate::value::{float_value, type_name};
use serde_json::Value;
use std::cmp::Ordering;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::pure("add", 2, Some(2), add),
    FunctionSpec::pure("sub", 2, Some(2), sub),
    FunctionSpec::pure("mul", 2, Some(2), mul),
    FunctionSpec::pure("div", 2, Some(2), div),
    FunctionSpec::pure("mod", 2, Some(2), modulo),
    FunctionSpec::pure("max", 1, None, max),
    FunctionSpec::pure("min", 1, None, min),
    FunctionSpec::pure("rand", 2, Some(2), rand),
    FunctionSpec::pure("range", 2, Some(2), range),
];

/// The most items `range()` may produce (the docs' limit).
const MAX_RANGE_COUNT: i64 = 100_000;

/// The docs' limit on `range()`'s start plus count (`int.MaxValue`).
const MAX_RANGE_END: i64 = 2_147_483_647;

fn overflow(op: &str) -> FnError {
    FnError::call(format!(
        "the {op} overflows a 64-bit integer; use a float operand (such as 2.0) for a float result"
    ))
}

fn float_result(f: f64) -> Result<Value, FnError> {
    float_value(f).ok_or_else(|| FnError::call("the result is not a finite number"))
}

fn integer_or_float(
    args: &Args<'_>,
    op: &str,
    int_op: fn(i64, i64) -> Option<i64>,
    float_op: fn(f64, f64) -> f64,
) -> Result<Value, FnError> {
    match (args.number(0)?, args.number(1)?) {
        (Num::Int(a), Num::Int(b)) => int_op(a, b).map(Value::from).ok_or_else(|| overflow(op)),
        (a, b) => float_result(float_op(a.as_f64(), b.as_f64())),
    }
}

fn add(args: &Args<'_>) -> Result<Value, FnError> {
    integer_or_float(args, "sum", i64::checked_add, |a, b| a + b)
}

fn sub(args: &Args<'_>) -> Result<Value, FnError> {
    integer_or_float(args, "difference", i64::checked_sub, |a, b| a - b)
}

fn mul(args: &Args<'_>) -> Result<Value, FnError> {
    integer_or_float(args, "product", i64::checked_mul, |a, b| a * b)
}

/// The divisor, refused when zero (the docs: it "can't be zero").
fn divisor(args: &Args<'_>) -> Result<Num, FnError> {
    let divisor = args.number(1)?;
    if divisor.as_f64() == 0.0 {
        return Err(FnError::arg(1, "the divisor must not be zero"));
    }
    Ok(divisor)
}

fn div(args: &Args<'_>) -> Result<Value, FnError> {
    let dividend = args.number(0)?;
    match (dividend, divisor(args)?) {
        // Integer division truncates toward zero, as in .NET.
        (Num::Int(a), Num::Int(b)) => a
            .checked_div(b)
            .map(Value::from)
            .ok_or_else(|| overflow("quotient")),
        (a, b) => float_result(a.as_f64() / b.as_f64()),
    }
}

fn modulo(args: &Args<'_>) -> Result<Value, FnError> {
    let dividend = args.number(0)?;
    // Both the integer and the float remainder take the sign of the dividend, as the docs
    // say (`mod(-5, 2)` is -1).
    match (dividend, divisor(args)?) {
        // i64::MIN % -1 has no overflow in mathematics: the remainder is 0.
        (Num::Int(a), Num::Int(b)) => Ok(Value::from(a.checked_rem(b).unwrap_or(0))),
        (a, b) => float_result(a.as_f64() % b.as_f64()),
    }
}

/// Keeps `value` in `best` when it is further in the `wanted` direction; `false` when
/// it is not a number.
fn consider<'v>(best: &mut Option<(Num, &'v Value)>, value: &'v Value, wanted: Ordering) -> bool {
    let Value::Number(n) = value else {
        return false;
    };
    let num = match n.as_i64() {
        Some(i) => Num::Int(i),
        None => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
    };
    if best.is_none_or(|(b, _)| compare_numbers(num, b) == wanted) {
        *best = Some((num, value));
    }
    true
}

/// The extreme of the numbers given as arguments, or as the items of a single array
/// argument; the first of equal extremes wins, keeping its integer or float type.
fn extreme(args: &Args<'_>, wanted: Ordering) -> Result<Value, FnError> {
    let mut best = None;
    match (args.len(), args.get(0)) {
        (1, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !consider(&mut best, item, wanted) {
                    return Err(FnError::arg(
                        0,
                        format!(
                            "item {i} of the array is of type '{}', not a number",
                            type_name(item)
                        ),
                    ));
                }
            }
        }
        _ => {
            for (i, value) in args.iter().enumerate() {
                if !consider(&mut best, value, wanted) {
                    return Err(FnError::arg(
                        i,
                        format!(
                            "expected a number (or one array of numbers) but the value is of type '{}'",
                            type_name(value)
                        ),
                    ));
                }
            }
        }
    }
    best.map(|(_, value)| value.clone())
        .ok_or_else(|| FnError::arg(0, "the array is empty"))
}

fn max(args: &Args<'_>) -> Result<Value, FnError> {
    extreme(args, Ordering::Greater)
}

fn min(args: &Args<'_>) -> Result<Value, FnError> {
    extreme(args, Ordering::Less)
}

fn rand(args: &Args<'_>) -> Result<Value, FnError> {
    let (min, max) = (args.int(0)?, args.int(1)?);
    if min >= max {
        return Err(FnError::call(format!(
            "the minimum ({min}) must be less than the maximum ({max}), which is excluded from the range"
        )));
    }
    args.ctx
        .random_int(min, max)
        .map(Value::from)
        .ok_or_else(|| FnError::call("no random numbers are available here"))
}

fn range(args: &Args<'_>) -> Result<Value, FnError> {
    let (start, count) = (args.int(0)?, args.int(1)?);
    if !(0..=MAX_RANGE_COUNT).contains(&count) {
        return Err(FnError::arg(
            1,
            format!("the count must be between 0 and {MAX_RANGE_COUNT}, but is {count}"),
        ));
    }
    let end = start.checked_add(count).filter(|end| *end <= MAX_RANGE_END);
    let Some(end) = end else {
        return Err(FnError::call(format!(
            "the start index plus the count must not exceed {MAX_RANGE_END}"
        )));
    };
    Ok(Value::Array((start..end).map(Value::from).collect()))
}

#[cfg(test)]
mod tests {
    use crate::{evaluate_str, EvalContext};
    use serde_json::json;
    use std::cell::Cell;

    /// A context whose random numbers are `min`, then `min + 1`, and so on, and which
    /// records the range it was asked for.
    struct Counter {
        next: Cell<i64>,
        asked: Cell<(i64, i64)>,
    }

    impl EvalContext for Counter {
        fn random_int(&self, min: i64, max: i64) -> Option<i64> {
            self.asked.set((min, max));
            let n = self.next.get();
            self.next.set(n + 1);
            Some(min + n % (max - min))
        }
    }

    #[test]
    fn rand_asks_the_context() {
        let ctx = Counter {
            next: Cell::new(0),
            asked: Cell::new((0, 0)),
        };
        assert_eq!(evaluate_str("@rand(1, 5)", &ctx), Ok(json!(1)));
        assert_eq!(ctx.asked.get(), (1, 5));
        assert_eq!(evaluate_str("@rand(1, 5)", &ctx), Ok(json!(2)));
        let err = evaluate_str("@rand(5, 5)", &ctx)
            .expect_err("an error")
            .to_string();
        assert!(err.contains("must be less than the maximum"), "{err}");
        let err = evaluate_str("@rand(1, 5)", &crate::EmptyContext)
            .expect_err("an error")
            .to_string();
        assert_eq!(
            err,
            "function 'rand': no random numbers are available here (at position 2)"
        );
    }
}
