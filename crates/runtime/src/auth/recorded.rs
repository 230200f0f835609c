//! The recorded form of an outbound request: what run history shows as the action's
//! `inputs`, with every secret replaced by [`MASK`].
//!
//! Logic Apps does not show `Authorization` headers or authentication secrets in run
//! history; it writes `*sanitized*` in their place, and so does hookflow.

use crate::outbound::OutboundRequest;
use serde_json::{Map, Value};

/// What a secret is replaced with.
pub const MASK: &str = "*sanitized*";

/// Authentication fields that hold secrets, in every authentication type.
const SECRET_FIELDS: [&str; 5] = ["password", "secret", "pfx", "privateKey", "value"];

/// Headers whose values are credentials.
const SECRET_HEADERS: [&str; 2] = ["authorization", "proxy-authorization"];

/// `{method, uri, headers?, queries?, body?, authentication?}` with secrets masked.
pub fn recorded_request(request: &OutboundRequest) -> Value {
    let mut out = Map::new();
    out.insert("method".into(), Value::String(request.method.clone()));
    out.insert("uri".into(), Value::String(request.uri.clone()));
    if !request.headers.is_empty() {
        out.insert(
            "headers".into(),
            Value::Object(mask_headers(&request.headers)),
        );
    }
    if !request.queries.is_empty() {
        out.insert("queries".into(), Value::Object(request.queries.clone()));
    }
    if let Some(body) = &request.body {
        out.insert("body".into(), body.clone());
    }
    if let Some(auth) = &request.authentication {
        out.insert("authentication".into(), mask_authentication(auth));
    }
    Value::Object(out)
}

/// A copy of an `authentication` object with its secret fields masked. Anything that is
/// not an object is masked whole: it cannot be told apart from a secret.
pub fn mask_authentication(auth: &Value) -> Value {
    match auth {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let secret = SECRET_FIELDS.iter().any(|s| k.eq_ignore_ascii_case(s));
                    let v = if secret && !v.is_null() {
                        Value::String(MASK.into())
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Null => Value::Null,
        _ => Value::String(MASK.into()),
    }
}

fn mask_headers(headers: &Map<String, Value>) -> Map<String, Value> {
    headers
        .iter()
        .map(|(k, v)| {
            let secret = SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s));
            let v = if secret {
                Value::String(MASK.into())
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}
