//! Request and response headers: which headers Logic Apps drops from outgoing requests,
//! the `x-ms-workflow-*` headers, and response headers as a JSON object.

use super::{FailureKind, OutboundFailure, WorkflowHeaders};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

pub const WORKFLOW_NAME: &str = "x-ms-workflow-name";
pub const WORKFLOW_RUN_ID: &str = "x-ms-workflow-run-id";
pub const CLIENT_TRACKING_ID: &str = "x-ms-client-tracking-id";
pub const WORKFLOW_OPERATION_NAME: &str = "x-ms-workflow-operation-name";

/// Whether Logic Apps removes this header from the request it sends ("omitted HTTP
/// headers" of the HTTP action's docs): `Accept-*` but `Accept-version`; `Allow`;
/// `Content-*` but `Content-Disposition`, `Content-Encoding` and `Content-Type` (the
/// latter only with a body); `Cookie`; `Expires`; `Host`; `Last-Modified`; `Origin`;
/// `Set-Cookie`; `Transfer-Encoding`. Dropping them silently is what Logic Apps does;
/// they describe the transport, which the client owns. A plain `Accept` is not in the
/// `Accept-*` family and is sent (APIs negotiate content with it).
pub fn is_dropped(name: &str, has_body: bool) -> bool {
    let lower = name.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("accept-") {
        return rest != "version";
    }
    if let Some(rest) = lower.strip_prefix("content-") {
        return match rest {
            "disposition" | "encoding" => false,
            "type" => !has_body,
            _ => true,
        };
    }
    matches!(
        lower.as_str(),
        "allow"
            | "cookie"
            | "expires"
            | "host"
            | "last-modified"
            | "origin"
            | "set-cookie"
            | "transfer-encoding"
    )
}

/// A header value from a JSON value: strings as they are, `null` skipped, anything else
/// as its JSON text.
pub fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The case-insensitive lookup of a header in a definition's `headers` object.
pub fn find<'a>(headers: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

pub(crate) fn insert(map: &mut HeaderMap, name: &str, value: &str) -> Result<(), OutboundFailure> {
    let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        OutboundFailure::new(
            FailureKind::InvalidRequest,
            format!("'{name}' is not a valid header name"),
        )
    })?;
    // from_bytes accepts UTF-8 (obs-text); only control characters are refused.
    let header_value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
        OutboundFailure::new(
            FailureKind::InvalidRequest,
            format!("the value of header '{name}' contains control characters"),
        )
    })?;
    map.insert(header_name, header_value);
    Ok(())
}

/// The definition's headers, minus the dropped ones.
pub(crate) fn request_headers(
    headers: &Map<String, Value>,
    has_body: bool,
) -> Result<HeaderMap, OutboundFailure> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if is_dropped(name, has_body) {
            continue;
        }
        if let Some(text) = value_text(value) {
            insert(&mut map, name, &text)?;
        }
    }
    Ok(map)
}

pub(crate) fn add_workflow_headers(
    map: &mut HeaderMap,
    headers: &WorkflowHeaders,
) -> Result<(), OutboundFailure> {
    for (name, value) in [
        (WORKFLOW_NAME, &headers.workflow_name),
        (WORKFLOW_RUN_ID, &headers.run_id),
        (CLIENT_TRACKING_ID, &headers.client_tracking_id),
        (WORKFLOW_OPERATION_NAME, &headers.operation_name),
    ] {
        if !value.is_empty() {
            insert(map, name, value)?;
        }
    }
    Ok(())
}

/// Response headers as the `headers` output: lower-case names, repeated values joined.
pub(crate) fn response_headers(map: &HeaderMap) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in map {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&text);
            }
            _ => {
                out.insert(name.as_str().to_owned(), Value::String(text));
            }
        }
    }
    out
}
