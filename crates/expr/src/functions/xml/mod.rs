//! XML functions: `xml()`, `json()` (JSON text and XML to JSON) and `xpath()`.
//!
//! An XML value is a content envelope, as Logic Apps passes XML between actions:
//! `{"$content-type": "application/xml;charset=utf-8", "$content": "<base64 of the text>"}`.
//! Everything that reads XML (`json()`, `xpath()`, `xml()` itself) takes such an envelope
//! (any content type whose text is XML, e.g. a request body sent as `text/xml`) or the XML
//! text as a string.
//!
//! Parsing is done by `roxmltree` with DTDs refused and no entity resolver, so documents
//! cannot reach external entities or expand entity bombs. JSON↔XML conversion follows
//! Newtonsoft.Json's `XmlNodeConverter` (what Logic Apps uses): `@attr`, `#text`, `?xml`,
//! repeated elements ↔ arrays.

mod from_json;
mod to_json;
mod writer;
mod xpath;

use super::{Args, FnError, FunctionSpec};
use base64::Engine as _;
use serde_json::{json, Value};
use std::borrow::Cow;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::pure("json", 1, Some(1), json_fn),
    FunctionSpec::pure("xml", 1, Some(1), xml_fn),
    FunctionSpec::pure("xpath", 2, Some(2), xpath_fn),
];

/// The content type of the values `xml()` returns.
pub(crate) const XML_CONTENT_TYPE: &str = "application/xml;charset=utf-8";

/// How deep elements (or JSON objects converted to elements) may nest. The converters
/// recurse per level; the limit keeps them far from the end of a worker thread's stack.
const MAX_DEPTH: usize = 256;

/// Results are capped like strings elsewhere in the language (`concat`, `join`).
const MAX_OUTPUT_CHARS: usize = 104_857_600;

/// The decoded text of a content envelope, with its declared content type.
struct Content<'v> {
    content_type: &'v str,
    text: Cow<'v, str>,
}

/// Reads `{"$content-type", "$content"}`; `None` when the value is not an envelope.
fn envelope(value: &Value) -> Option<Result<Content<'_>, String>> {
    let map = value.as_object()?;
    let content_type = map.get("$content-type")?.as_str()?;
    let content = map.get("$content")?;
    Some(decode_content(content_type, content))
}

fn decode_content<'v>(content_type: &'v str, content: &'v Value) -> Result<Content<'v>, String> {
    let text = match content {
        Value::String(encoded) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| "the value's $content is not valid base64".to_string())?;
            let text = String::from_utf8(bytes)
                .map_err(|_| "the value's $content is not UTF-8 text".to_string())?;
            Cow::Owned(text)
        }
        _ => return Err("the value's $content is not a base64 string".to_string()),
    };
    Ok(Content { content_type, text })
}

/// `application/xml`, `text/xml` and any `+xml` type.
fn is_xml_type(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/xml" || media == "text/xml" || media.ends_with("+xml")
}

/// Text that can only be XML: JSON never starts with `<`.
fn looks_like_xml(text: &str) -> bool {
    strip_bom(text).trim_start().starts_with('<')
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The XML text of an argument: a string, or an envelope's decoded content.
fn xml_text<'v>(args: &'v Args<'_>, i: usize) -> Result<Cow<'v, str>, FnError> {
    match args.get(i) {
        Value::String(text) => Ok(Cow::Borrowed(text.as_str())),
        value => match envelope(value) {
            Some(content) => content.map(|c| c.text).map_err(|e| FnError::arg(i, e)),
            None => Err(FnError::arg(
                i,
                format!(
                    "expected XML (text or the result of xml()) but the value is of type '{}'",
                    crate::value::type_name(value)
                ),
            )),
        },
    }
}

/// Parses XML text safely: no DTD (hence no entities beyond the predefined ones) and no
/// external resolution.
fn parse(text: &str) -> Result<roxmltree::Document<'_>, String> {
    roxmltree::Document::parse(strip_bom(text))
        .map_err(|e| format!("the value is not valid XML: {e}"))
}

fn xml_envelope(text: &str) -> Value {
    json!({
        "$content-type": XML_CONTENT_TYPE,
        "$content": base64::engine::general_purpose::STANDARD.encode(text),
    })
}

/// `xml(value)`: XML text (checked), an envelope holding XML, or a single-root JSON
/// object (also as JSON text), returned as an XML envelope.
fn xml_fn(args: &Args<'_>) -> Result<Value, FnError> {
    let value = args.get(0);
    match value {
        Value::String(text) => xml_from_text(text),
        Value::Object(object) => match envelope(value) {
            Some(content) => {
                let content = content.map_err(|e| FnError::arg(0, e))?;
                xml_from_text(&content.text)
            }
            None => json_object_to_xml(object),
        },
        Value::Array(_) => Err(FnError::arg(
            0,
            "expected XML text or a JSON object with a single root property, not an array",
        )),
        _ => Err(FnError::arg(
            0,
            format!(
                "expected XML text or a JSON object but the value is of type '{}'",
                crate::value::type_name(value)
            ),
        )),
    }
}

/// XML text is checked and kept as written; JSON text must hold a single-root object.
fn xml_from_text(text: &str) -> Result<Value, FnError> {
    if looks_like_xml(text) {
        return checked_xml(text);
    }
    match serde_json::from_str::<Value>(strip_bom(text)) {
        Ok(Value::Object(object)) => json_object_to_xml(&object),
        _ => Err(FnError::arg(
            0,
            "expected XML text or a JSON object, but the text is neither",
        )),
    }
}

fn checked_xml(text: &str) -> Result<Value, FnError> {
    parse(text).map_err(|e| FnError::arg(0, e))?;
    Ok(xml_envelope(strip_bom(text)))
}

fn json_object_to_xml(object: &serde_json::Map<String, Value>) -> Result<Value, FnError> {
    let text = from_json::to_xml(object).map_err(|e| FnError::arg(0, e))?;
    Ok(xml_envelope(&text))
}

/// `json(value)`: JSON text → value; XML (text or envelope) → JSON as Newtonsoft's
/// `SerializeXmlNode` writes it; null → `{}` (as documented).
fn json_fn(args: &Args<'_>) -> Result<Value, FnError> {
    let value = args.get(0);
    match value {
        Value::Null => Ok(Value::Object(serde_json::Map::new())),
        Value::String(text) => text_to_json(text, false),
        Value::Object(_) => match envelope(value) {
            Some(content) => {
                let content = content.map_err(|e| FnError::arg(0, e))?;
                text_to_json(&content.text, is_xml_type(content.content_type))
            }
            None => Err(not_json_input(value)),
        },
        _ => Err(not_json_input(value)),
    }
}

fn not_json_input(value: &Value) -> FnError {
    FnError::arg(
        0,
        format!(
            "expected a string or XML but the value is of type '{}'",
            crate::value::type_name(value)
        ),
    )
}

fn text_to_json(text: &str, xml: bool) -> Result<Value, FnError> {
    if xml || looks_like_xml(text) {
        let doc = parse(text).map_err(|e| FnError::arg(0, e))?;
        return to_json::document(strip_bom(text), &doc).map_err(|e| FnError::arg(0, e));
    }
    serde_json::from_str(strip_bom(text))
        .map_err(|e| FnError::arg(0, format!("the value is not valid JSON: {e}")))
}

/// `xpath(xml, expression)`: a node set becomes an array (elements as XML text, other
/// nodes as their values); `count()`, `sum()`, `string()`, booleans give that value.
fn xpath_fn(args: &Args<'_>) -> Result<Value, FnError> {
    let text = xml_text(args, 0)?;
    let expression = args.str(1)?;
    // The expression is checked before the document is parsed, so a typo is reported as
    // such even when the XML is large.
    let compiled = xpath::compile(expression).map_err(|e| FnError::arg(1, e))?;
    let doc = parse(&text).map_err(|e| FnError::arg(0, e))?;
    xpath::evaluate(&compiled, strip_bom(&text), &doc).map_err(|e| FnError::arg(1, e))
}
