//! String functions.
//!
//! Strings are indexed by Unicode scalar values (Rust `char`s). .NET indexes UTF-16 code
//! units; the two agree except for characters outside the Basic Multilingual Plane (most
//! emoji), which count as one character here and two in Logic Apps. Counting chars keeps
//! every index on a character boundary, so no function can split a character in half.

mod search;

use super::conversion::append_text;
use super::{Args, FnError, FunctionSpec};
use serde_json::Value;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    // The docs ask for at least two strings; one is accepted too (as Logic Apps does).
    FunctionSpec::pure("concat", 1, None, concat),
    FunctionSpec::pure("endsWith", 2, Some(2), ends_with),
    FunctionSpec::pure("startsWith", 2, Some(2), starts_with),
    FunctionSpec::pure("guid", 0, Some(1), guid),
    FunctionSpec::pure("indexOf", 2, Some(2), index_of),
    FunctionSpec::pure("lastIndexOf", 2, Some(2), last_index_of),
    FunctionSpec::pure("nthIndexOf", 3, Some(3), nth_index_of),
    FunctionSpec::pure("isInt", 1, Some(1), is_int),
    FunctionSpec::pure("replace", 3, Some(3), replace),
    FunctionSpec::pure("slice", 2, Some(3), slice),
    FunctionSpec::pure("split", 2, Some(2), split),
    FunctionSpec::pure("substring", 2, Some(3), substring),
    FunctionSpec::pure("toLower", 1, Some(1), to_lower),
    FunctionSpec::pure("toUpper", 1, Some(1), to_upper),
    FunctionSpec::pure("trim", 1, Some(1), trim),
];

/// The longest text a function may produce: the limit the docs give for `concat` and
/// `join`, applied to every function whose result can grow, so that a hostile expression
/// cannot exhaust memory.
pub(super) const MAX_STRING_CHARS: usize = 104_857_600;

pub(super) fn too_long() -> FnError {
    FnError::call(format!(
        "the result would be longer than {MAX_STRING_CHARS} characters"
    ))
}

/// The number of characters in `s`.
pub(super) fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The byte offset of character `index` in `s`, or `s.len()` when `index` is at or past
/// the end.
pub(super) fn byte_offset(s: &str, index: usize) -> usize {
    if s.is_ascii() {
        return index.min(s.len());
    }
    s.char_indices().nth(index).map_or(s.len(), |(at, _)| at)
}

/// The characters `start..end` of `s` (clamped to its length).
pub(super) fn char_slice(s: &str, start: usize, end: usize) -> &str {
    if s.is_ascii() {
        let end = end.min(s.len());
        return s.get(start.min(end)..end).unwrap_or_default();
    }
    let from = byte_offset(s, start);
    let to = from + byte_offset(&s[from..], end.saturating_sub(start));
    &s[from..to]
}

/// Fails when `text` is over the size limit; counts characters only when the byte
/// length says it might be.
pub(super) fn check_text_len(text: &str) -> Result<(), FnError> {
    if text.len() > MAX_STRING_CHARS && char_len(text) > MAX_STRING_CHARS {
        return Err(too_long());
    }
    Ok(())
}

fn string_value(text: &str) -> Value {
    Value::String(text.to_string())
}

fn concat(args: &Args<'_>) -> Result<Value, FnError> {
    let capacity = args
        .iter()
        .map(|v| v.as_str().map_or(0, str::len))
        .fold(0usize, usize::saturating_add)
        .min(MAX_STRING_CHARS);
    let mut out = String::with_capacity(capacity);
    let mut chars = 0usize;
    for value in args.iter() {
        let before = out.len();
        append_text(&mut out, value);
        chars += char_len(&out[before..]);
        if chars > MAX_STRING_CHARS {
            return Err(too_long());
        }
    }
    Ok(Value::String(out))
}

fn starts_with(args: &Args<'_>) -> Result<Value, FnError> {
    let (text, prefix) = (args.str(0)?, args.str(1)?);
    Ok(Value::Bool(search::starts_with_ignore_case(text, prefix)))
}

fn ends_with(args: &Args<'_>) -> Result<Value, FnError> {
    let (text, suffix) = (args.str(0)?, args.str(1)?);
    Ok(Value::Bool(search::ends_with_ignore_case(text, suffix)))
}

/// An index result: the char index, or -1 when not found.
fn index_value(found: Option<usize>) -> Value {
    found.map_or(Value::from(-1), |i| Value::from(i as u64))
}

fn index_of(args: &Args<'_>) -> Result<Value, FnError> {
    let (text, search) = (args.str(0)?, args.str(1)?);
    Ok(index_value(search::index_of(text, search)))
}

fn last_index_of(args: &Args<'_>) -> Result<Value, FnError> {
    let (text, search) = (args.str(0)?, args.str(1)?);
    // The docs' edge cases: an empty text gives -1 unless the search text is empty too
    // (then 0); an empty search text gives the text's length minus one.
    let found = match (text.is_empty(), search.is_empty()) {
        (true, true) => Some(0),
        (true, false) => None,
        (false, true) => Some(char_len(text) - 1),
        (false, false) => search::last_index_of(text, search),
    };
    Ok(index_value(found))
}

fn nth_index_of(args: &Args<'_>) -> Result<Value, FnError> {
    let (text, search) = (args.str(0)?, args.str(1)?);
    let occurrence = args.int(2)?;
    if occurrence == 0 {
        return Err(FnError::arg(
            2,
            "the occurrence must be a positive number (from the start) or a negative number (from the end), not 0",
        ));
    }
    Ok(index_value(search::nth_index_of(text, search, occurrence)))
}

fn is_int(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Bool(
        super::conversion::parse_int(args.str(0)?).is_some(),
    ))
}

fn replace(args: &Args<'_>) -> Result<Value, FnError> {
    let (text, old, new) = (args.str(0)?, args.str(1)?, args.str(2)?);
    if old.is_empty() {
        return Err(FnError::arg(1, "the text to replace must not be empty"));
    }
    let count = text.matches(old).count();
    if count == 0 {
        return Ok(string_value(text));
    }
    // Size the result before building it, so a replacement cannot blow up memory.
    if new.len() > old.len() {
        let growth = (new.len() - old.len()).saturating_mul(count);
        if text.len().saturating_add(growth) > MAX_STRING_CHARS {
            let chars = (char_len(text) as u128) + (char_len(new) as u128) * (count as u128)
                - (char_len(old) as u128) * (count as u128);
            if chars > MAX_STRING_CHARS as u128 {
                return Err(too_long());
            }
        }
    }
    Ok(Value::String(text.replace(old, new)))
}

fn slice(args: &Args<'_>) -> Result<Value, FnError> {
    let text = args.str(0)?;
    let start = args.int(1)?;
    let end = if args.get(2).is_null() {
        None
    } else {
        Some(args.int(2)?)
    };
    let len = char_len(text) as i64;
    // Negative indexes count from the end; anything outside the text is clamped to it.
    let resolve = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let (start, end) = (resolve(start), end.map_or(len, resolve));
    if start >= end {
        return Ok(Value::String(String::new()));
    }
    Ok(string_value(char_slice(text, start as usize, end as usize)))
}

fn split(args: &Args<'_>) -> Result<Value, FnError> {
    let (text, delimiter) = (args.str(0)?, args.str(1)?);
    // .NET's String.Split ignores an empty separator: the whole text is the one part.
    if delimiter.is_empty() {
        return Ok(Value::Array(vec![string_value(text)]));
    }
    super::collection::check_text_items(text.matches(delimiter).count() + 1, text.len())?;
    Ok(Value::Array(
        text.split(delimiter).map(string_value).collect(),
    ))
}

fn substring(args: &Args<'_>) -> Result<Value, FnError> {
    let text = args.str(0)?;
    let start = args.int(1)?;
    let len = char_len(text) as i64;
    if start < 0 {
        return Err(FnError::arg(
            1,
            format!("the start index must not be negative, but is {start}"),
        ));
    }
    if start > len {
        return Err(FnError::arg(
            1,
            format!("the start index {start} is beyond the end of the text (length {len})"),
        ));
    }
    let count = if args.get(2).is_null() {
        len - start
    } else {
        let count = args.int(2)?;
        if count < 0 {
            return Err(FnError::arg(
                2,
                format!("the length must not be negative, but is {count}"),
            ));
        }
        // Unlike most languages, Logic Apps fails rather than stopping at the end.
        if count > len - start {
            return Err(FnError::arg(
                2,
                format!(
                    "the start index {start} plus the length {count} is beyond the end of the text (length {len})"
                ),
            ));
        }
        count
    };
    Ok(string_value(char_slice(
        text,
        start as usize,
        (start + count) as usize,
    )))
}

/// Lower-cases like .NET's `ToLowerInvariant`: one character at a time (so no
/// context-dependent final sigma), keeping the length in characters.
fn to_lower(args: &Args<'_>) -> Result<Value, FnError> {
    let text = args.str(0)?;
    if text.is_ascii() {
        return Ok(Value::String(text.to_ascii_lowercase()));
    }
    // A multi-character lower case exists only for U+0130 ('İ' → "i̇"), whose simple
    // mapping, the one .NET uses, is its first character.
    Ok(Value::String(
        text.chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect(),
    ))
}

/// Upper-cases like .NET's `ToUpperInvariant`: characters whose upper case is several
/// characters (such as 'ß' → "SS") have no simple mapping and stay as they are.
fn to_upper(args: &Args<'_>) -> Result<Value, FnError> {
    let text = args.str(0)?;
    if text.is_ascii() {
        return Ok(Value::String(text.to_ascii_uppercase()));
    }
    Ok(Value::String(
        text.chars().map(search::simple_upper).collect(),
    ))
}

fn trim(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(string_value(args.str(0)?.trim()))
}

fn guid(args: &Args<'_>) -> Result<Value, FnError> {
    let format = args.opt_str(0)?.unwrap_or("D");
    let format = match format {
        "" => 'D',
        f if f.len() == 1 => f.chars().next().unwrap_or('D').to_ascii_uppercase(),
        _ => 'x', // rejected below
    };
    if !matches!(format, 'N' | 'D' | 'B' | 'P' | 'X') {
        return Err(FnError::arg(
            0,
            "the format must be one of 'N', 'D', 'B', 'P' or 'X'",
        ));
    }
    let id = args
        .ctx
        .new_guid()
        .ok_or_else(|| FnError::call("no GUIDs are available here"))?;
    let text = match format {
        'N' => id.simple().to_string(),
        'B' => id.braced().to_string(),
        'P' => format!("({})", id.hyphenated()),
        'X' => {
            let (a, b, c, d) = id.as_fields();
            let tail: Vec<String> = d.iter().map(|byte| format!("0x{byte:02x}")).collect();
            format!("{{0x{a:08x},0x{b:04x},0x{c:04x},{{{}}}}}", tail.join(","))
        }
        _ => id.hyphenated().to_string(),
    };
    Ok(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EvalContext;

    /// A context whose `guid()` is the docs' example GUID.
    struct FixedGuid;

    impl EvalContext for FixedGuid {
        fn new_guid(&self) -> Option<uuid::Uuid> {
            uuid::Uuid::parse_str("c2ecc88d-88c8-4096-912c-d6f2e2b138ce").ok()
        }
    }

    fn eval(expr: &str) -> Result<Value, crate::Error> {
        crate::evaluate_str(expr, &FixedGuid)
    }

    #[test]
    fn guid_formats() {
        let cases = [
            ("@guid()", "c2ecc88d-88c8-4096-912c-d6f2e2b138ce"),
            ("@guid('D')", "c2ecc88d-88c8-4096-912c-d6f2e2b138ce"),
            ("@guid('')", "c2ecc88d-88c8-4096-912c-d6f2e2b138ce"),
            ("@guid('N')", "c2ecc88d88c84096912cd6f2e2b138ce"),
            ("@guid('n')", "c2ecc88d88c84096912cd6f2e2b138ce"),
            ("@guid('B')", "{c2ecc88d-88c8-4096-912c-d6f2e2b138ce}"),
            ("@guid('P')", "(c2ecc88d-88c8-4096-912c-d6f2e2b138ce)"),
            (
                "@guid('X')",
                "{0xc2ecc88d,0x88c8,0x4096,{0x91,0x2c,0xd6,0xf2,0xe2,0xb1,0x38,0xce}}",
            ),
        ];
        for (expr, expected) in cases {
            assert_eq!(
                eval(expr),
                Ok(Value::String(expected.to_string())),
                "{expr}"
            );
        }
    }

    #[test]
    fn guid_errors() {
        let err = eval("@guid('Q')").expect_err("an error").to_string();
        assert!(err.contains("must be one of"), "{err}");
        let err = eval("@guid('DD')").expect_err("an error").to_string();
        assert!(err.contains("must be one of"), "{err}");
        let err = crate::evaluate_str("@guid()", &crate::EmptyContext)
            .expect_err("an error")
            .to_string();
        assert_eq!(
            err,
            "function 'guid': no GUIDs are available here (at position 2)"
        );
    }

    #[test]
    fn char_helpers() {
        assert_eq!(char_slice("héllo", 1, 3), "él");
        assert_eq!(char_slice("héllo", 4, 10), "o");
        assert_eq!(char_slice("hello", 4, 10), "o");
        assert_eq!(char_slice("hello", 7, 10), "");
        assert_eq!(byte_offset("aé", 2), 3);
        assert_eq!(char_len("aé😀"), 3);
    }

    #[test]
    fn size_limit() {
        assert!(check_text_len(&"a".repeat(MAX_STRING_CHARS)).is_ok());
        assert!(check_text_len(&"a".repeat(MAX_STRING_CHARS + 1)).is_err());
    }
}
