//! Bodies as Logic Apps encodes and decodes them.
//!
//! Request (`inputs.body`):
//!
//! | body | sent as | default `Content-Type` |
//! |---|---|---|
//! | `null` / absent | nothing | — |
//! | a string | its UTF-8 text | `text/plain; charset=utf-8` |
//! | `{"$content-type", "$content": base64}` | the decoded bytes | `$content-type` |
//! | `{"$content-type": "multipart/form-data", "$multipart": [{headers, body}]}` | multipart/form-data | always ours (it carries the boundary) |
//! | `{"$formdata": [{key, value}]}` | `application/x-www-form-urlencoded` | that |
//! | an object, with a `Content-Type: application/x-www-form-urlencoded` header | its members form-encoded | — |
//! | any other JSON | JSON text | `application/json` |
//!
//! A `Content-Type` header in the definition wins over the defaults (except for
//! multipart, whose boundary must match).
//!
//! Response: JSON when the content type is JSON (`application/json`, `…+json`) and the
//! body parses (text otherwise), text for `text/*` in UTF-8, and otherwise — or when text
//! is not UTF-8 — the `{"$content-type", "$content": base64}` envelope.

use super::{FailureKind, OutboundFailure};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

pub const CONTENT_TYPE_KEY: &str = "$content-type";
pub const CONTENT_KEY: &str = "$content";
pub const MULTIPART_KEY: &str = "$multipart";
pub const FORMDATA_KEY: &str = "$formdata";

const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// The bytes to send and the content type they go with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBody {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn invalid(message: impl Into<String>) -> OutboundFailure {
    OutboundFailure::new(FailureKind::InvalidRequest, message)
}

/// The media type without parameters, lower case: `Application/JSON; charset=x` →
/// `application/json`.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// Encodes a request body. `header` is the definition's `Content-Type` header, if any.
/// `None` when there is nothing to send.
pub fn encode(
    body: Option<&Value>,
    header: Option<&str>,
) -> Result<Option<EncodedBody>, OutboundFailure> {
    let Some(body) = body else { return Ok(None) };
    let chosen = |default: &str| header.unwrap_or(default).to_owned();
    let encoded = match body {
        Value::Null => return Ok(None),
        Value::String(text) => EncodedBody {
            content_type: chosen("text/plain; charset=utf-8"),
            bytes: text.as_bytes().to_vec(),
        },
        Value::Object(object) => {
            if let Some(envelope) = content_envelope(object)? {
                EncodedBody {
                    content_type: chosen(&envelope.content_type),
                    bytes: envelope.bytes,
                }
            } else if let Some(parts) = object.get(MULTIPART_KEY) {
                multipart(parts)?
            } else if let Some(fields) = object.get(FORMDATA_KEY) {
                EncodedBody {
                    content_type: chosen(FORM_URLENCODED),
                    bytes: formdata(fields)?.into_bytes(),
                }
            } else if header.is_some_and(|h| media_type(h) == FORM_URLENCODED) {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for (key, value) in object {
                    form.append_pair(key, &form_value(value));
                }
                EncodedBody {
                    content_type: chosen(FORM_URLENCODED),
                    bytes: form.finish().into_bytes(),
                }
            } else {
                json(body, header)
            }
        }
        _ => json(body, header),
    };
    Ok(Some(encoded))
}

fn json(body: &Value, header: Option<&str>) -> EncodedBody {
    EncodedBody {
        content_type: header.unwrap_or("application/json").to_owned(),
        bytes: body.to_string().into_bytes(),
    }
}

/// `{"$content-type": …, "$content": base64}` → bytes. Objects with other members
/// besides these two (and no `$content`) are not envelopes.
fn content_envelope(object: &Map<String, Value>) -> Result<Option<EncodedBody>, OutboundFailure> {
    let Some(content) = object.get(CONTENT_KEY) else {
        return Ok(None);
    };
    let content_type = object
        .get(CONTENT_TYPE_KEY)
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream");
    let bytes = match content {
        Value::String(b64) => STANDARD
            .decode(b64.trim())
            .map_err(|e| invalid(format!("'$content' is not valid base64: {e}")))?,
        other => invalid_content(other)?,
    };
    Ok(Some(EncodedBody {
        content_type: content_type.to_owned(),
        bytes,
    }))
}

fn invalid_content(value: &Value) -> Result<Vec<u8>, OutboundFailure> {
    Err(invalid(format!(
        "'$content' must be a base64 string, not {}",
        match value {
            Value::Object(_) => "an object",
            Value::Array(_) => "an array",
            _ => "a scalar",
        }
    )))
}

fn form_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `$formdata`: `[{"key": …, "value": …}, …]`, order kept, keys may repeat.
fn formdata(fields: &Value) -> Result<String, OutboundFailure> {
    let Value::Array(items) = fields else {
        return Err(invalid("'$formdata' must be an array of {key, value}"));
    };
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for item in items {
        let key = item
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("every '$formdata' item needs a string 'key'"))?;
        let value = item.get("value").map(form_value).unwrap_or_default();
        form.append_pair(key, &value);
    }
    Ok(form.finish())
}

/// `$multipart`: `[{"headers": {…}, "body": …}, …]`. Each part's body is encoded like a
/// request body (text, envelope, JSON); its `Content-Type` is written unless the part's
/// headers name one.
fn multipart(parts: &Value) -> Result<EncodedBody, OutboundFailure> {
    let Value::Array(parts) = parts else {
        return Err(invalid("'$multipart' must be an array of {headers, body}"));
    };
    // A random boundary cannot be guessed by content that might contain it.
    let boundary = format!("hookflow-{}", uuid::Uuid::new_v4().simple());
    let mut out = Vec::new();
    for part in parts {
        let Value::Object(part) = part else {
            return Err(invalid("every '$multipart' item must be an object"));
        };
        let part_headers = match part.get("headers") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(h)) => h.clone(),
            Some(_) => return Err(invalid("'$multipart' part 'headers' must be an object")),
        };
        let has_type = super::headers::find(&part_headers, "content-type").is_some();
        let encoded = match part.get("body") {
            // A bare string part is a form field: no Content-Type, as browsers send it.
            Some(Value::String(text)) => Some(EncodedBody {
                content_type: String::new(),
                bytes: text.as_bytes().to_vec(),
            }),
            other => encode(other, None)?,
        };
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        for (name, value) in &part_headers {
            if let Some(text) = super::headers::value_text(value) {
                if name.contains(['\r', '\n', ':']) || text.contains(['\r', '\n']) {
                    return Err(invalid(format!("multipart header '{name}' is malformed")));
                }
                out.extend_from_slice(format!("{name}: {text}\r\n").as_bytes());
            }
        }
        if let Some(body) = &encoded {
            if !has_type && !body.content_type.is_empty() {
                out.extend_from_slice(
                    format!("Content-Type: {}\r\n", body.content_type).as_bytes(),
                );
            }
        }
        out.extend_from_slice(b"\r\n");
        if let Some(body) = encoded {
            out.extend_from_slice(&body.bytes);
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(EncodedBody {
        content_type: format!("{MULTIPART}; boundary={boundary}"),
        bytes: out,
    })
}

/// Decodes a response (or callback) body by its content type. `None` when empty.
pub fn decode(content_type: Option<&str>, bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    let media = content_type.map(media_type).unwrap_or_default();
    if is_json(&media) {
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            return Some(value);
        }
        // Logic Apps shows an unparsable "JSON" answer as the text it was.
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Some(Value::String(text.to_owned()));
        }
    } else if media.starts_with("text/") {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Some(Value::String(text.to_owned()));
        }
    }
    Some(envelope(
        content_type.unwrap_or("application/octet-stream"),
        bytes,
    ))
}

/// The `{"$content-type", "$content"}` envelope of binary content.
pub fn envelope(content_type: &str, bytes: &[u8]) -> Value {
    let mut map = Map::new();
    map.insert(
        CONTENT_TYPE_KEY.into(),
        Value::String(content_type.to_owned()),
    );
    map.insert(CONTENT_KEY.into(), Value::String(STANDARD.encode(bytes)));
    Value::Object(map)
}
