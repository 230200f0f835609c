//! Extractors that turn bad input into `{"error":…}` 4xx answers.
//!
//! axum's own `Json` rejects with plain text and uses 415/422; the contract wants a JSON
//! error body and a 400 for anything malformed, so bodies are read as bytes here and
//! parsed with `serde_path_to_error`, which also says *where* a shape is wrong.

use crate::backend::InboundRequest;
use crate::error::{AppError, ErrorDetail};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

/// A JSON request body (the Content-Type is not checked: `curl -d @file.json` sends
/// `application/x-www-form-urlencoded`, and refusing it would help nobody).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// A JSON body that may be empty (`listCallbackUrl`); empty means `None`.
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        let bytes = read_body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(AppError::invalid(
                "InvalidRequestContent",
                "The request body is empty; a JSON document is required.",
            ));
        }
        parse_json(&bytes).map(JsonBody)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for OptionalJsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        let bytes = read_body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(None));
        }
        parse_json(&bytes).map(|value| OptionalJsonBody(Some(value)))
    }
}

/// Two steps, so that any syntax error is `InvalidJson` even when the shape is wrong
/// too, and shape errors point at the offending value.
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|error| body_shape_error(error, None))?;
    serde_path_to_error::deserialize(value).map_err(|error| {
        let pointer = json_pointer(error.path());
        body_shape_error(error.into_inner(), pointer)
    })
}

fn body_shape_error(error: serde_json::Error, pointer: Option<String>) -> AppError {
    let (code, what) = if error.is_data() {
        ("InvalidRequestContent", "does not have the expected shape")
    } else {
        ("InvalidJson", "is not valid JSON")
    };
    let message = match &pointer {
        Some(at) => format!("The request body {what} at '{at}': {error}"),
        None => format!("The request body {what}: {error}"),
    };
    AppError::Invalid {
        code: code.into(),
        message: message.clone(),
        details: vec![ErrorDetail {
            code: code.into(),
            message,
            target: pointer,
        }],
    }
}

/// `serde_path_to_error` paths (`properties.state`, `list[2]`) as JSON pointers.
fn json_pointer(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Reads the whole body under the configured limit (`DefaultBodyLimit` on the router).
async fn read_body(request: Request, state: &AppState) -> Result<Bytes, AppError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| body_error(rejection, state))
}

fn body_error(rejection: BytesRejection, state: &AppState) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge {
            limit: state.settings().max_body_size as u64,
        }
    } else {
        AppError::invalid(
            "InvalidRequestContent",
            format!(
                "The request body could not be read: {}",
                rejection.body_text()
            ),
        )
    }
}

/// Any request, passed through to the backend as it came (callbacks, manual trigger runs).
#[derive(Debug)]
pub struct Inbound(pub InboundRequest);

impl FromRequest<AppState> for Inbound {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        let method = request.method().clone();
        let headers = request.headers().clone();
        let queries = url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let body = read_body(request, state).await?;
        let content_type = header_text(&headers, header::CONTENT_TYPE.as_str());
        let json = if content_type.as_deref().is_some_and(is_json) && !body.is_empty() {
            // CONTRACT §4: a body that claims to be JSON and is not is the caller's
            // mistake (400), found here before anything is stored. The document is kept:
            // it becomes the trigger's or the callback's body.
            Some(serde_json::from_slice(&body).map_err(|error| {
                AppError::invalid(
                    "InvalidJson",
                    format!("The body is sent as JSON but is not valid JSON: {error}"),
                )
            })?)
        } else {
            None
        };
        Ok(Inbound(InboundRequest {
            json,
            content_type,
            idempotency_key: header_text(&headers, "idempotency-key")
                .or_else(|| header_text(&headers, "webhook-id")),
            method,
            headers,
            queries,
            body,
        }))
    }
}

/// `application/json`, `application/cloudevents+json`, … with any parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_string)
}

/// Path parameters whose rejection (e.g. invalid percent-encoding) is a JSON 400 too.
#[derive(Debug)]
pub struct PathParams<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathParams(value))
            .map_err(|rejection| AppError::invalid("InvalidPath", rejection.body_text()))
    }
}
