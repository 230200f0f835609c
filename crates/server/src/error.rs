//! The application's error vocabulary and its one mapping to HTTP.
//!
//! Backends say *what* went wrong ([`AppError`]); only this module decides the status code
//! (CONTRACT §3 and §4). Every error answer has the body
//! `{"error":{"code","message"[,"details"]}}`.

use crate::model::SubscriptionExchange;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;
use utoipa::ToSchema;

/// The kinds of resource a lookup can miss; the error code is `<Resource>NotFound`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resource {
    Workflow,
    WorkflowVersion,
    Trigger,
    TriggerHistory,
    Run,
    Action,
    Repetition,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::Workflow => "Workflow",
            Resource::WorkflowVersion => "WorkflowVersion",
            Resource::Trigger => "Trigger",
            Resource::TriggerHistory => "TriggerHistory",
            Resource::Run => "Run",
            Resource::Action => "Action",
            Resource::Repetition => "Repetition",
        })
    }
}

/// Why an operation failed, as the application sees it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// HTTP 404: No such workflow, trigger, run, action, … (`name` is what was asked for).
    #[error("The {resource} '{name}' could not be found.")]
    NotFound { resource: Resource, name: String },
    /// HTTP 400: The caller's input is wrong; `details` lists every problem (validation errors
    /// with their JSON pointer in `target`).
    #[error("{message}")]
    Invalid {
        code: String,
        message: String,
        details: Vec<ErrorDetail>,
    },
    /// HTTP 409: The resource is not in a state that allows the operation (e.g. a webhook
    /// action that is no longer waiting).
    #[error("{message}")]
    Conflict { code: String, message: String },
    /// HTTP 403: Authenticated, but not allowed: a signature for another operation, an expired
    /// `se`, a disabled workflow.
    #[error("{message}")]
    Forbidden { code: String, message: String },
    /// HTTP 401: Missing or wrong credentials (callback signature, admin key).
    #[error("{message}")]
    Unauthorized { code: String, message: String },
    /// HTTP 413: The body is over the configured limit (bytes).
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge { limit: u64 },
    /// HTTP 429: The trigger's concurrency queue is full.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after: Option<Duration>,
    },
    /// HTTP 502 `WebhookSubscribeFailed`. Saving or enabling a workflow needed a webhook
    /// subscription that still failed after its retries; `response` is what came back.
    #[error("The webhook subscribe request failed after its retries: {}", describe_exchange(.response))]
    SubscribeFailed { response: SubscriptionExchange },
    /// HTTP 502: A Request-trigger run skipped every Response action.
    #[error("{message}")]
    ResponseSkipped { message: String },
    /// HTTP 504: A Request-trigger run produced no Response within the inbound timeout.
    #[error("{message}")]
    ResponseTimedOut { message: String },
    /// HTTP 503: The service cannot take the request now (store down, shutting down, or a part
    /// not wired yet); `code` says which.
    #[error("{message}")]
    Unavailable {
        code: String,
        message: String,
        retry_after: Option<Duration>,
    },
    /// HTTP 500: A fault of hookflow itself; the message is logged, not sent.
    #[error("{message}")]
    Internal { message: String },
}

/// One problem inside an [`AppError::Invalid`], e.g. one validation error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// The JSON pointer of the offending value in the request body, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
}

/// The subscribe response is echoed into the message, bounded so a huge error page of the
/// subscribed service does not become a huge API answer.
const MAX_ECHOED_BODY: usize = 2048;

fn describe_exchange(response: &SubscriptionExchange) -> String {
    let mut parts = Vec::new();
    if let Some(status) = response.status_code {
        parts.push(format!("status {status}"));
    }
    if let Some(error) = &response.error {
        parts.push(format!("error {error}"));
    }
    if let Some(body) = &response.body {
        let text = match body {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut cut: String = text.chars().take(MAX_ECHOED_BODY).collect();
        if cut.len() < text.len() {
            cut.push('…');
        }
        parts.push(format!("body {cut}"));
    }
    if parts.is_empty() {
        "no response".to_string()
    } else {
        parts.join(", ")
    }
}

impl AppError {
    /// Shorthand for a 400 without details.
    pub fn invalid(code: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            code: code.into(),
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn not_found(resource: Resource, name: impl Into<String>) -> AppError {
        AppError::NotFound {
            resource,
            name: name.into(),
        }
    }

    /// The HTTP status of this error: the contract's tables in one match.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::SubscribeFailed { .. } | AppError::ResponseSkipped { .. } => {
                StatusCode::BAD_GATEWAY
            }
            AppError::ResponseTimedOut { .. } => StatusCode::GATEWAY_TIMEOUT,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code in the body.
    pub fn code(&self) -> String {
        match self {
            AppError::NotFound { resource, .. } => format!("{resource}NotFound"),
            AppError::Invalid { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Unauthorized { code, .. }
            | AppError::Unavailable { code, .. } => code.clone(),
            AppError::PayloadTooLarge { .. } => "RequestEntityTooLarge".into(),
            AppError::TooManyRequests { .. } => "TooManyRequests".into(),
            AppError::SubscribeFailed { .. } => "WebhookSubscribeFailed".into(),
            AppError::ResponseSkipped { .. } => "ActionResponseSkipped".into(),
            AppError::ResponseTimedOut { .. } => "ActionResponseTimedOut".into(),
            AppError::Internal { .. } => "InternalServerError".into(),
        }
    }

    /// The body this error is answered with.
    pub fn to_body(&self) -> ErrorResponse {
        let message = match self {
            // Internal messages may name files, SQL or addresses: they go to the log only.
            AppError::Internal { .. } => {
                "hookflow failed to handle the request; the server log has the details.".to_string()
            }
            other => other.to_string(),
        };
        let details = match self {
            AppError::Invalid { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        ErrorResponse {
            error: ErrorInfo {
                code: self.code(),
                message,
                details,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if matches!(self, AppError::Internal { .. }) {
            tracing::error!(code = %self.code(), error = %self, "request failed");
        } else if status.is_server_error() {
            // Upstream failures and unavailability are conditions, not hookflow faults.
            tracing::warn!(code = %self.code(), error = %self, "request failed");
        } else {
            tracing::debug!(code = %self.code(), error = %self, "request refused");
        }
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after, .. }
            | AppError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        };
        let mut response = (status, axum::Json(self.to_body())).into_response();
        if let Some(after) = retry_after {
            // Retry-After takes whole seconds; round up so a client never retries early.
            let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
