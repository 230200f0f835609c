//! Collection functions: strings, arrays and (for some) objects. String items are
//! characters (see `string.rs` for why chars rather than UTF-16 units).

mod set;

use super::conversion::append_text;
use super::logical::{values_equal, Comparable};
use super::string::{char_len, char_slice, too_long, MAX_STRING_CHARS};
use super::{Args, FnError, FunctionSpec};
use crate::value::{append_display, type_name};
use serde_json::Value;
use std::cmp::Ordering;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::pure("chunk", 2, Some(2), chunk),
    FunctionSpec::pure("contains", 2, Some(2), contains),
    FunctionSpec::pure("empty", 1, Some(1), empty),
    FunctionSpec::pure("first", 1, Some(1), first),
    FunctionSpec::pure("intersection", 2, None, set::intersection),
    FunctionSpec::pure("join", 2, Some(2), join),
    FunctionSpec::pure("last", 1, Some(1), last),
    FunctionSpec::pure("length", 1, Some(1), length),
    FunctionSpec::pure("reverse", 1, Some(1), reverse),
    FunctionSpec::pure("skip", 2, Some(2), skip),
    FunctionSpec::pure("sort", 1, Some(2), sort),
    FunctionSpec::pure("take", 2, Some(2), take),
    FunctionSpec::pure("union", 2, None, set::union),
];

/// The most memory (estimated) an array a function builds may take. The character limit
/// bounds text results, but an array of many small items costs far more than its text
/// (`split()` of a long text on every character, `createArray()` repeating a large
/// variable), so array results are bounded too: by four times the longest text, room for
/// that text in the widest UTF-8 plus the items' own overhead.
pub(super) const MAX_RESULT_BYTES: usize = 4 * MAX_STRING_CHARS;

/// What one JSON value takes before its strings' and collections' contents.
const VALUE_BYTES: usize = std::mem::size_of::<Value>();

pub(super) fn too_large() -> FnError {
    FnError::call(format!(
        "the result would take more than {} MiB of memory",
        MAX_RESULT_BYTES >> 20
    ))
}

/// The memory `value` takes, estimated; the walk stops as soon as the total passes
/// `limit`, so measuring a huge value is cheap.
pub(super) fn value_bytes(value: &Value, limit: usize) -> usize {
    let mut total = VALUE_BYTES;
    match value {
        Value::String(s) => total += s.len(),
        Value::Array(items) => {
            for item in items {
                if total > limit {
                    break;
                }
                total += value_bytes(item, limit - total);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if total > limit {
                    break;
                }
                total += VALUE_BYTES + key.len() + value_bytes(item, limit - total);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    total
}

/// Refuses an array of `count` text items holding `text_bytes` bytes in all when it would
/// be over the memory bound.
pub(super) fn check_text_items(count: usize, text_bytes: usize) -> Result<(), FnError> {
    let bytes = count.saturating_mul(VALUE_BYTES).saturating_add(text_bytes);
    if bytes > MAX_RESULT_BYTES {
        return Err(too_large());
    }
    Ok(())
}

/// A string or an array argument, which most collection functions take alike.
enum Collection<'a> {
    Text(&'a str),
    Items(&'a [Value]),
}

fn collection<'a>(args: &'a Args<'_>, i: usize) -> Result<Collection<'a>, FnError> {
    match args.get(i) {
        Value::String(s) => Ok(Collection::Text(s)),
        Value::Array(items) => Ok(Collection::Items(items)),
        other => Err(FnError::arg(
            i,
            format!(
                "expected a string or an array but the value is of type '{}'",
                type_name(other)
            ),
        )),
    }
}

fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

fn length(args: &Args<'_>) -> Result<Value, FnError> {
    let len = match collection(args, 0)? {
        Collection::Text(s) => char_len(s),
        Collection::Items(items) => items.len(),
    };
    Ok(Value::from(len as u64))
}

fn chunk(args: &Args<'_>) -> Result<Value, FnError> {
    let coll = collection(args, 0)?;
    let size = args.int(1)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|size| *size > 0)
        .ok_or_else(|| FnError::arg(1, format!("the length must be positive, but is {size}")))?;
    if let Collection::Text(s) = coll {
        // Chunks of an array share out its items; chunks of a text are new strings.
        check_text_items(char_len(s).div_ceil(size), s.len())?;
    }
    let chunks = match coll {
        Collection::Items(items) => items
            .chunks(size)
            .map(|chunk| Value::Array(chunk.to_vec()))
            .collect(),
        Collection::Text(s) if s.is_ascii() => s
            .as_bytes()
            .chunks(size)
            .map(|chunk| Value::String(String::from_utf8_lossy(chunk).into_owned()))
            .collect(),
        Collection::Text(s) => {
            let mut chunks = Vec::new();
            let mut rest = s;
            while !rest.is_empty() {
                let at = rest
                    .char_indices()
                    .nth(size)
                    .map_or(rest.len(), |(at, _)| at);
                chunks.push(text(&rest[..at]));
                rest = &rest[at..];
            }
            chunks
        }
    };
    Ok(Value::Array(chunks))
}

fn contains(args: &Args<'_>) -> Result<Value, FnError> {
    let wanted = args.get(1);
    let found = match args.get(0) {
        // Case-sensitive, as the docs say.
        Value::String(s) => match wanted {
            Value::String(part) => s.contains(part.as_str()),
            Value::Number(_) | Value::Bool(_) => {
                let mut part = String::new();
                append_display(&mut part, wanted);
                s.contains(&part)
            }
            other => {
                return Err(FnError::arg(
                    1,
                    format!(
                        "expected the text to find (a string) but the value is of type '{}'",
                        type_name(other)
                    ),
                ))
            }
        },
        Value::Array(items) => items.iter().any(|item| values_equal(item, wanted)),
        Value::Object(map) => map.contains_key(args.str(1).map_err(|_| {
            FnError::arg(
                1,
                format!(
                    "expected a property name (a string) to find in the object but the value is of type '{}'",
                    type_name(wanted)
                ),
            )
        })?),
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "expected a string, an array or an object but the value is of type '{}'",
                    type_name(other)
                ),
            ))
        }
    };
    Ok(Value::Bool(found))
}

fn empty(args: &Args<'_>) -> Result<Value, FnError> {
    let is_empty = match args.get(0) {
        // Null counts as empty, so `empty(triggerBody()?['x'])` tests for a missing value.
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "expected a string, an array or an object but the value is of type '{}'",
                    type_name(other)
                ),
            ))
        }
    };
    Ok(Value::Bool(is_empty))
}

/// The first or last character of a string ("" when it is empty) or item of an array
/// (null when it is empty).
fn end_item(args: &Args<'_>, from_end: bool) -> Result<Value, FnError> {
    Ok(match collection(args, 0)? {
        Collection::Text(s) => {
            let c = if from_end {
                s.chars().next_back()
            } else {
                s.chars().next()
            };
            Value::String(c.map(String::from).unwrap_or_default())
        }
        Collection::Items(items) => {
            let item = if from_end {
                items.last()
            } else {
                items.first()
            };
            item.cloned().unwrap_or(Value::Null)
        }
    })
}

fn first(args: &Args<'_>) -> Result<Value, FnError> {
    end_item(args, false)
}

fn last(args: &Args<'_>) -> Result<Value, FnError> {
    end_item(args, true)
}

fn join(args: &Args<'_>) -> Result<Value, FnError> {
    let items = args.array(0)?;
    let delimiter = args.str(1)?;
    let mut out = String::new();
    let mut chars = 0usize;
    let delimiter_chars = char_len(delimiter);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(delimiter);
            chars += delimiter_chars;
        }
        let before = out.len();
        append_text(&mut out, item);
        chars += char_len(&out[before..]);
        if chars > MAX_STRING_CHARS {
            return Err(too_long());
        }
    }
    Ok(Value::String(out))
}

fn reverse(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Array(args.array(0)?.iter().rev().cloned().collect()))
}

/// The part of a collection before (`take`) or after (`skip`) its first `count` items.
fn split_collection(args: &Args<'_>, keep_front: bool) -> Result<Value, FnError> {
    let coll = collection(args, 0)?;
    // A count of 0 or less takes nothing and skips nothing.
    let count = usize::try_from(args.int(1)?.max(0)).unwrap_or(usize::MAX);
    Ok(match coll {
        Collection::Text(s) => {
            let (front, back) = if s.is_ascii() {
                s.split_at(count.min(s.len()))
            } else {
                let len = char_len(s);
                (char_slice(s, 0, count), char_slice(s, count, len))
            };
            text(if keep_front { front } else { back })
        }
        Collection::Items(items) => {
            let (front, back) = items.split_at(count.min(items.len()));
            Value::Array(if keep_front { front } else { back }.to_vec())
        }
    })
}

fn skip(args: &Args<'_>) -> Result<Value, FnError> {
    split_collection(args, false)
}

fn take(args: &Args<'_>) -> Result<Value, FnError> {
    split_collection(args, true)
}

/// Sorts numbers, strings or booleans (all of one kind; null sorts as ""), or objects by
/// the `sortBy` property. The sort is stable: equal items keep their order.
fn sort(args: &Args<'_>) -> Result<Value, FnError> {
    let items = args.array(0)?;
    let sort_by = args.opt_str(1)?;
    let keys = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let key = match (sort_by, item) {
                (None, _) => item,
                (Some(name), Value::Object(map)) => map.get(name).unwrap_or(&Value::Null),
                (Some(name), other) => {
                    return Err(FnError::arg(
                        0,
                        format!(
                            "item {i} is of type '{}', so it has no property '{name}' to sort by",
                            type_name(other)
                        ),
                    ))
                }
            };
            Comparable::of(key).ok_or_else(|| {
                let what = match sort_by {
                    Some(name) => format!("the property '{name}' of item {i}"),
                    None => format!("item {i}"),
                };
                let hint = if sort_by.is_none() && item.is_object() {
                    "; give the property to sort by as the second argument"
                } else {
                    ""
                };
                FnError::arg(
                    0,
                    format!(
                        "{what} is of type '{}', which cannot be sorted{hint}",
                        type_name(key)
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(first) = keys.first() {
        if let Some(i) = keys.iter().position(|k| first.compare(*k).is_none()) {
            return Err(FnError::arg(
                0,
                format!(
                    "cannot sort a value of type '{}' (item {i}) together with a value of type '{}' (item 0)",
                    kind_name(keys[i]),
                    kind_name(*first)
                ),
            ));
        }
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| keys[a].compare(keys[b]).unwrap_or(Ordering::Equal));
    Ok(Value::Array(
        order.into_iter().map(|i| items[i].clone()).collect(),
    ))
}

fn kind_name(key: Comparable<'_>) -> &'static str {
    match key {
        Comparable::Number(_) => "Number",
        Comparable::Text(_) => "String",
        Comparable::Bool(_) => "Boolean",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string literal holding `text`.
    fn literal(text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }

    proptest::proptest! {
        /// Whatever the text and numbers, these functions return a value or an error and
        /// never panic (indexes land on char boundaries, arithmetic does not overflow).
        #[test]
        fn text_functions_never_panic(
            text in "\\PC{0,12}",
            search in "\\PC{0,3}",
            a in proptest::prop_oneof![-20i64..20, proptest::num::i64::ANY],
            b in proptest::prop_oneof![-20i64..20, proptest::num::i64::ANY],
        ) {
            let (t, s) = (literal(&text), literal(&search));
            let exprs = [
                format!("@substring({t}, {a}, {b})"),
                format!("@substring({t}, {a})"),
                format!("@slice({t}, {a}, {b})"),
                format!("@slice({t}, {a})"),
                format!("@nthIndexOf({t}, {s}, {a})"),
                format!("@indexOf({t}, {s})"),
                format!("@lastIndexOf({t}, {s})"),
                format!("@startsWith({t}, {s})"),
                format!("@endsWith({t}, {s})"),
                format!("@replace({t}, {s}, {t})"),
                format!("@split({t}, {s})"),
                format!("@chunk({t}, {a})"),
                format!("@take({t}, {a})"),
                format!("@skip({t}, {b})"),
                format!("@first({t})"),
                format!("@last({t})"),
                format!("@toUpper({t})"),
                format!("@toLower({t})"),
                format!("@range({a}, {b})"),
                format!("@add({a}, {b})"),
                format!("@mul({a}, {b})"),
                format!("@div({a}, {b})"),
                format!("@mod({a}, {b})"),
                format!("@int({t})"),
                format!("@decimal({t})"),
                format!("@base64ToString({t})"),
                format!("@dataUriToString(concat('data:', {t}, ',', {s}))"),
            ];
            for expr in &exprs {
                let _ = crate::evaluate_str(expr, &crate::EmptyContext);
            }
            // Character counts agree with what the functions index by.
            let len = char_len(&text) as i64;
            let taken = crate::evaluate_str(&format!("@length(take({t}, {a}))"), &crate::EmptyContext);
            proptest::prop_assert_eq!(taken, Ok(Value::from(a.clamp(0, len))));
        }
    }
}
