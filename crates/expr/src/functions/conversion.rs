//! Conversion functions.
//!
//! Binary content is the Logic Apps content envelope
//! `{"$content-type": "application/octet-stream", "$content": "<base64>"}`. Logic Apps
//! converts such content implicitly where text is expected, so `string()`, `concat()`,
//! `base64()`, `base64ToString()` and `dataUri()` read an envelope as its decoded bytes.

use super::collection::{too_large, value_bytes, MAX_RESULT_BYTES};
use super::string::{check_text_len, too_long, MAX_STRING_CHARS};
use super::{Args, FnError, FunctionSpec, Num};
use crate::value::{append_display, float_value, type_name};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use serde_json::{Map, Value};
use std::borrow::Cow;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::pure("array", 1, Some(1), array),
    // The docs ask for at least two items; fewer are accepted (`createArray()` is `[]`).
    FunctionSpec::pure("createArray", 0, None, create_array),
    FunctionSpec::pure("base64", 1, Some(1), base64),
    FunctionSpec::pure("base64ToBinary", 1, Some(1), base64_to_binary),
    FunctionSpec::pure("base64ToString", 1, Some(1), base64_to_string),
    FunctionSpec::pure("binary", 1, Some(1), binary),
    FunctionSpec::pure("bool", 1, Some(1), bool),
    FunctionSpec::pure("dataUri", 1, Some(1), data_uri),
    FunctionSpec::pure("dataUriToBinary", 1, Some(1), data_uri_to_binary),
    FunctionSpec::pure("dataUriToString", 1, Some(1), data_uri_to_string),
    FunctionSpec::pure("decimal", 1, Some(1), decimal),
    // Deprecated by the docs in favour of base64ToString, which it equals.
    FunctionSpec::pure("decodeBase64", 1, Some(1), base64_to_string),
    // The docs prefer dataUriToBinary, which it equals.
    FunctionSpec::pure("decodeDataUri", 1, Some(1), data_uri_to_binary),
    FunctionSpec::pure("int", 1, Some(1), int),
    FunctionSpec::pure("string", 1, Some(1), string),
];

const OCTET_STREAM: &str = "application/octet-stream";

/// What a data URI without a media type means (RFC 2397).
const DEFAULT_DATA_URI_TYPE: &str = "text/plain;charset=US-ASCII";

/// Decodes base64 as .NET's `Convert.FromBase64String` accepts it (whitespace ignored),
/// and also without padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        Cow::Owned(text.split_ascii_whitespace().collect::<String>())
    } else {
        Cow::Borrowed(text)
    };
    LENIENT_BASE64.decode(text.as_bytes()).ok()
}

/// Base64 text for `bytes`, unless it would be over the size limit.
fn encode_base64(bytes: &[u8]) -> Result<String, FnError> {
    if bytes.len().div_ceil(3).saturating_mul(4) > MAX_STRING_CHARS {
        return Err(too_long());
    }
    Ok(STANDARD.encode(bytes))
}

/// The `$content` of a content envelope.
fn envelope_content(value: &Value) -> Option<&str> {
    value.as_object()?.get("$content")?.as_str()
}

/// The decoded bytes of a content envelope; `None` for anything else (including an object
/// whose `$content` is not base64, which is then treated as plain JSON).
fn envelope_bytes(value: &Value) -> Option<Vec<u8>> {
    decode_base64(envelope_content(value)?)
}

fn envelope(content_type: &str, content: String) -> Value {
    let mut map = Map::with_capacity(2);
    map.insert(
        "$content-type".to_string(),
        Value::String(content_type.to_string()),
    );
    map.insert("$content".to_string(), Value::String(content));
    Value::Object(map)
}

/// Appends `value` as text: an envelope as its content read as UTF-8, anything else as
/// `string()` renders it (null as nothing, `True`/`False`, compact JSON).
pub(crate) fn append_text(out: &mut String, value: &Value) {
    match envelope_bytes(value) {
        Some(bytes) => out.push_str(&String::from_utf8_lossy(&bytes)),
        None => append_display(out, value),
    }
}

/// The bytes of a value used as text.
fn text_bytes(value: &Value) -> Cow<'_, [u8]> {
    match value {
        Value::String(s) => Cow::Borrowed(s.as_bytes()),
        other => match envelope_bytes(other) {
            Some(bytes) => Cow::Owned(bytes),
            None => {
                let mut text = String::new();
                append_display(&mut text, other);
                Cow::Owned(text.into_bytes())
            }
        },
    }
}

/// .NET's white space for number parsing (`NumberStyles.AllowLeadingWhite` and
/// `AllowTrailingWhite`).
fn is_number_white(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Parses an integer as .NET's `long.Parse` does with `NumberStyles.Integer`: surrounding
/// white space and a leading sign are allowed, nothing else.
pub(super) fn parse_int(text: &str) -> Option<i64> {
    text.trim_matches(is_number_white).parse::<i64>().ok()
}

/// The largest .NET decimal: 2^96 - 1.
const DECIMAL_MAX_DIGITS: &str = "79228162514264337593543950335";

/// Parses a decimal as .NET's `decimal.Parse` does with `NumberStyles.Number` and the
/// invariant culture: white space, a leading sign, `,` group separators in the integer
/// part, a `.` decimal point, no exponent; at most ±79,228,162,514,264,337,593,543,950,335.
fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim_matches(is_number_white);
    let (sign, body) = match text.as_bytes().first() {
        Some(b'-') => ("-", &text[1..]),
        Some(b'+') => ("", &text[1..]),
        _ => ("", text),
    };
    let (int_part, fraction) = body.split_once('.').unwrap_or((body, ""));
    let int_ok = int_part.is_empty()
        || (int_part.starts_with(|c: char| c.is_ascii_digit())
            && int_part.bytes().all(|b| b.is_ascii_digit() || b == b','));
    if !int_ok || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() && fraction.is_empty() {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > DECIMAL_MAX_DIGITS.len()
        || (significant.len() == DECIMAL_MAX_DIGITS.len() && significant > DECIMAL_MAX_DIGITS)
    {
        return None;
    }
    format!(
        "{sign}{}.{fraction}0",
        if digits.is_empty() { "0" } else { &digits }
    )
    .parse()
    .ok()
}

fn array(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(Value::Array(vec![args.get(0).clone()]))
}

fn create_array(args: &Args<'_>) -> Result<Value, FnError> {
    // Each argument is copied, so repeating a large variable multiplies its size.
    let mut bytes = 0usize;
    for value in args.iter() {
        bytes += value_bytes(value, MAX_RESULT_BYTES - bytes);
        if bytes > MAX_RESULT_BYTES {
            return Err(too_large());
        }
    }
    Ok(Value::Array(args.iter().cloned().collect()))
}

fn base64(args: &Args<'_>) -> Result<Value, FnError> {
    encode_base64(&text_bytes(args.get(0))).map(Value::String)
}

fn base64_argument(args: &Args<'_>) -> Result<Vec<u8>, FnError> {
    let value = args.get(0);
    if let Some(bytes) = envelope_bytes(value) {
        return Ok(bytes);
    }
    decode_base64(args.str(0)?).ok_or_else(|| FnError::arg(0, "the value is not valid base64"))
}

fn base64_to_binary(args: &Args<'_>) -> Result<Value, FnError> {
    let bytes = base64_argument(args)?;
    Ok(envelope(OCTET_STREAM, encode_base64(&bytes)?))
}

fn base64_to_string(args: &Args<'_>) -> Result<Value, FnError> {
    let bytes = base64_argument(args)?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

fn binary(args: &Args<'_>) -> Result<Value, FnError> {
    let value = args.get(0);
    if envelope_bytes(value).is_some() {
        return Ok(value.clone());
    }
    Ok(envelope(OCTET_STREAM, encode_base64(&text_bytes(value))?))
}

fn bool(args: &Args<'_>) -> Result<Value, FnError> {
    let value = args.get(0);
    let result = match value {
        Value::Bool(b) => *b,
        Value::Number(n) => match n.as_i64() {
            Some(i) => i != 0,
            None => n.as_f64().is_some_and(|f| f != 0.0),
        },
        // .NET's bool.Parse: either word in any case, surrounding white space ignored.
        Value::String(s) => match s.trim() {
            t if t.eq_ignore_ascii_case("true") => true,
            t if t.eq_ignore_ascii_case("false") => false,
            _ => {
                return Err(FnError::arg(
                    0,
                    format!("'{s}' is not a boolean; expected 'true' or 'false'"),
                ))
            }
        },
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "expected a boolean, a number or a string but the value is of type '{}'",
                    type_name(other)
                ),
            ))
        }
    };
    Ok(Value::Bool(result))
}

/// A data URI's media type and content.
struct DataUri<'a> {
    media_type: &'a str,
    bytes: Vec<u8>,
}

fn parse_data_uri(uri: &str) -> Result<DataUri<'_>, String> {
    let rest = uri
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .map(|_| &uri[5..])
        .ok_or("the value is not a data URI (it must start with 'data:')")?;
    let (header, data) = rest
        .split_once(',')
        .ok_or("the data URI has no ',' before its data")?;
    let (media_type, is_base64) = match header.len().checked_sub(7) {
        Some(at)
            if header
                .get(at..)
                .is_some_and(|s| s.eq_ignore_ascii_case(";base64")) =>
        {
            (&header[..at], true)
        }
        _ => (header, false),
    };
    let percent_decoded = percent_encoding::percent_decode_str(data);
    let bytes = if is_base64 {
        let text: Cow<'_, str> = percent_decoded.decode_utf8_lossy();
        decode_base64(&text).ok_or("the data URI's data is not valid base64")?
    } else {
        percent_decoded.collect()
    };
    let media_type = if media_type.is_empty() {
        DEFAULT_DATA_URI_TYPE
    } else {
        media_type
    };
    Ok(DataUri { media_type, bytes })
}

fn data_uri(args: &Args<'_>) -> Result<Value, FnError> {
    let value = args.get(0);
    let (content_type, bytes) = match envelope_bytes(value) {
        Some(bytes) => {
            let content_type = value
                .get("$content-type")
                .and_then(Value::as_str)
                .unwrap_or(OCTET_STREAM);
            (content_type, Cow::Owned(bytes))
        }
        None => ("text/plain;charset=utf-8", text_bytes(value)),
    };
    let encoded = encode_base64(&bytes)?;
    let uri = format!("data:{content_type};base64,{encoded}");
    check_text_len(&uri)?;
    Ok(Value::String(uri))
}

fn data_uri_to_binary(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = parse_data_uri(args.str(0)?).map_err(|e| FnError::arg(0, e))?;
    Ok(envelope(uri.media_type, encode_base64(&uri.bytes)?))
}

fn data_uri_to_string(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = parse_data_uri(args.str(0)?).map_err(|e| FnError::arg(0, e))?;
    Ok(Value::String(
        String::from_utf8_lossy(&uri.bytes).into_owned(),
    ))
}

/// A .NET decimal has 28-29 significant digits, more than a JSON number here can hold: the
/// value is kept as a float (so `string(decimal('1.2345678912312131'))` is
/// `"1.234567891231213"`, not the docs' `"1.2345678912312131"`).
fn decimal(args: &Args<'_>) -> Result<Value, FnError> {
    let result = match args.get(0) {
        Value::String(s) => parse_decimal(s).ok_or_else(|| {
            FnError::arg(
                0,
                format!("'{s}' is not a decimal number (or is outside the range of a decimal)"),
            )
        })?,
        Value::Number(_) => args.number(0)?.as_f64(),
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "expected a string or a number but the value is of type '{}'",
                    type_name(other)
                ),
            ))
        }
    };
    float_value(result).ok_or_else(|| FnError::arg(0, "the value is not a finite number"))
}

fn int(args: &Args<'_>) -> Result<Value, FnError> {
    match args.get(0) {
        Value::String(s) => parse_int(s).map(Value::from).ok_or_else(|| {
            FnError::arg(
                0,
                format!("'{s}' is not an integer (or is outside the range of a 64-bit integer)"),
            )
        }),
        Value::Number(_) => match args.number(0)? {
            Num::Int(i) => Ok(Value::from(i)),
            // An integral float converts; a fraction is refused rather than rounded.
            Num::Float(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => {
                Ok(Value::from(f as i64))
            }
            Num::Float(f) => Err(FnError::arg(
                0,
                format!("{f} is not an integer (or is outside the range of a 64-bit integer)"),
            )),
        },
        other => Err(FnError::arg(
            0,
            format!(
                "expected a string or a number but the value is of type '{}'",
                type_name(other)
            ),
        )),
    }
}

fn string(args: &Args<'_>) -> Result<Value, FnError> {
    let value = args.get(0);
    if let Value::String(s) = value {
        return Ok(Value::String(s.clone()));
    }
    let mut text = String::new();
    append_text(&mut text, value);
    check_text_len(&text)?;
    Ok(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_like_dotnet() {
        assert_eq!(parse_int(" 10 "), Some(10));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_int("1.0"), None);
        assert_eq!(parse_int("1,000"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("- 1"), None);
    }

    #[test]
    fn decimals_parse_like_dotnet() {
        assert_eq!(parse_decimal("1.5"), Some(1.5));
        assert_eq!(parse_decimal(" -1,000.25 "), Some(-1000.25));
        assert_eq!(parse_decimal(".5"), Some(0.5));
        assert_eq!(parse_decimal("5."), Some(5.0));
        assert_eq!(
            parse_decimal("79228162514264337593543950335"),
            Some(7.922816251426434e28)
        );
        assert_eq!(parse_decimal("79228162514264337593543950336"), None);
        assert_eq!(parse_decimal("1e5"), None);
        assert_eq!(parse_decimal(",1"), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal("-"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn data_uris() {
        let uri = parse_data_uri("data:,Hello%2C%20World").expect("plain data URI");
        assert_eq!(uri.media_type, DEFAULT_DATA_URI_TYPE);
        assert_eq!(uri.bytes, b"Hello, World");
        let uri = parse_data_uri("DATA:image/png;BASE64,aGk=").expect("base64 data URI");
        assert_eq!(
            (uri.media_type, uri.bytes.as_slice()),
            ("image/png", &b"hi"[..])
        );
        assert!(parse_data_uri("http://x").is_err());
        assert!(parse_data_uri("data:text/plain").is_err());
        assert!(parse_data_uri("data:;base64,!!!").is_err());
        assert!(parse_data_uri("dat").is_err());
        assert!(parse_data_uri("daté:,x").is_err());
    }

    #[test]
    fn create_array_refuses_to_multiply_a_large_value() {
        let ctx = crate::StaticContext::from_json(&serde_json::json!({
            "variables": {"big": "x".repeat(2 << 20)}
        }))
        .expect("context");
        let call = |n: usize| {
            let args = vec!["variables('big')"; n].join(", ");
            crate::evaluate_str(&format!("@length(createArray({args}))"), &ctx)
        };
        assert_eq!(call(3), Ok(Value::from(3)));
        let err = call(250).expect_err("too large").to_string();
        assert!(
            err.starts_with("function 'createArray': the result would take more than 400 MiB"),
            "{err}"
        );
    }

    #[test]
    fn base64_is_lenient_like_dotnet() {
        assert_eq!(decode_base64("aGVs bG8=\r\n"), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("a"), None);
        assert_eq!(decode_base64("aGVsbG8-"), None);
    }
}
