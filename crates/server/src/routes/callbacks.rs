//! The public callback endpoints, authorised only by their signed URL (CONTRACT §4).
//!
//! The server does not check signatures: it passes the signature query parameters raw to
//! the backend, which holds the workflow keys. What it does is carry the request through
//! unchanged (method, headers, every query parameter, relative path, raw body, content
//! type, idempotency key) and map the backend's answer to HTTP.

use crate::backend::{ActionCallback, CallbackReply, CallbackSignature, TriggerCallback};
use crate::error::{AppError, ErrorResponse};
use crate::model::WorkflowName;
use crate::request::{Inbound, PathParams};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Call a trigger's callback URL (Request or HttpWebhook trigger).
#[utoipa::path(
    method(get, post, put, patch, delete),
    path = "/workflows/{wf}/triggers/{t}/paths/invoke", tag = "callbacks",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("t" = String, Path, description = "Trigger name"),
        ("api-version" = Option<String>, Query, description = "2016-10-01"),
        ("sp" = Option<String>, Query, description = "Permission, e.g. /triggers/{t}/run"),
        ("sv" = Option<String>, Query, description = "Signature version, 1.0"),
        ("sig" = Option<String>, Query, description = "HMAC-SHA256 signature"),
        ("se" = Option<String>, Query, description = "Expiry, when the URL expires"),
    ),
    responses(
        (status = 202, description = "Accepted: stored durably; the run starts"),
        (status = 200, description = "A Response action's answer (any status it chose)"),
        (status = 400, description = "Malformed request", body = ErrorResponse),
        (status = 401, description = "Missing or wrong signature", body = ErrorResponse),
        (status = 403, description = "Signature for another operation, expired, or workflow disabled", body = ErrorResponse),
        (status = 404, description = "No such workflow or trigger", body = ErrorResponse),
        (status = 413, description = "Body over the limit", body = ErrorResponse),
        (status = 429, description = "Trigger concurrency queue full", body = ErrorResponse),
        (status = 502, description = "Every Response action was skipped", body = ErrorResponse),
        (status = 504, description = "No Response in time", body = ErrorResponse),
    )
)]
pub async fn trigger(
    State(state): State<AppState>,
    PathParams((wf, t)): PathParams<(String, String)>,
    inbound: Inbound,
) -> Result<Response, AppError> {
    invoke_trigger(state, wf, t, None, inbound).await
}

/// Call a trigger's callback URL with a relative path (`relativePath` of a Request trigger).
#[utoipa::path(
    method(get, post, put, patch, delete),
    path = "/workflows/{wf}/triggers/{t}/paths/invoke/{relativePath}", tag = "callbacks",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("t" = String, Path, description = "Trigger name"),
        ("relativePath" = String, Path, description = "The rest of the path, any depth"),
    ),
    responses(
        (status = 202, description = "Accepted: stored durably; the run starts"),
        (status = 200, description = "A Response action's answer (any status it chose)"),
        (status = 401, description = "Missing or wrong signature", body = ErrorResponse),
        (status = 404, description = "No such workflow or trigger", body = ErrorResponse),
    )
)]
pub async fn trigger_relative(
    State(state): State<AppState>,
    PathParams((wf, t, relative)): PathParams<(String, String, String)>,
    inbound: Inbound,
) -> Result<Response, AppError> {
    invoke_trigger(state, wf, t, Some(relative), inbound).await
}

async fn invoke_trigger(
    state: AppState,
    wf: String,
    trigger: String,
    relative_path: Option<String>,
    Inbound(request): Inbound,
) -> Result<Response, AppError> {
    let call = TriggerCallback {
        workflow: WorkflowName::from_path(wf),
        trigger,
        relative_path,
        signature: signature(&request.queries),
        request,
        response_timeout: state.settings().response_timeout,
    };
    let reply = state.backend().trigger_callback(call).await?;
    reply_response(reply)
}

/// Call a waiting HttpWebhook action's callback URL.
#[utoipa::path(
    method(get, post, put, patch, delete),
    path = "/workflows/{wf}/runs/{run}/actions/{a}/run", tag = "callbacks",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("run" = String, Path, description = "Run name"),
        ("a" = String, Path, description = "Action name"),
        ("sp" = Option<String>, Query, description = "Permission"),
        ("sv" = Option<String>, Query, description = "Signature version, 1.0"),
        ("sig" = Option<String>, Query, description = "HMAC-SHA256 signature"),
    ),
    responses(
        (status = 202, description = "Accepted: stored durably; the action completes"),
        (status = 401, description = "Missing or wrong signature", body = ErrorResponse),
        (status = 403, description = "Signature for another operation or expired", body = ErrorResponse),
        (status = 404, description = "No such workflow, run or action", body = ErrorResponse),
        (status = 409, description = "The action is no longer waiting", body = ErrorResponse),
        (status = 413, description = "Body over the limit", body = ErrorResponse),
    )
)]
pub async fn action(
    State(state): State<AppState>,
    PathParams((wf, run, action)): PathParams<(String, String, String)>,
    Inbound(request): Inbound,
) -> Result<Response, AppError> {
    let call = ActionCallback {
        workflow: WorkflowName::from_path(wf),
        run,
        action,
        signature: signature(&request.queries),
        request,
    };
    let reply = state.backend().action_callback(call).await?;
    reply_response(reply)
}

/// The first occurrence of each signature parameter, raw.
fn signature(queries: &[(String, String)]) -> CallbackSignature {
    let get = |name: &str| {
        queries
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    CallbackSignature {
        api_version: get("api-version"),
        sp: get("sp"),
        sv: get("sv"),
        sig: get("sig"),
        se: get("se"),
    }
}

fn reply_response(reply: CallbackReply) -> Result<Response, AppError> {
    match reply {
        CallbackReply::Accepted { run } => {
            let mut response = StatusCode::ACCEPTED.into_response();
            if let Some(value) = run.and_then(|run| HeaderValue::from_str(&run).ok()) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("x-ms-workflow-run-id"), value);
            }
            Ok(response)
        }
        CallbackReply::Response {
            status,
            headers,
            body,
        } => {
            let status = StatusCode::from_u16(status).map_err(|_| AppError::Internal {
                message: format!("the Response action chose the invalid status code {status}"),
            })?;
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            for (name, value) in headers {
                // The engine filters headers by the Response rules; one that still is not
                // valid HTTP is dropped rather than failing the whole answer.
                match (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&value),
                ) {
                    (Ok(name), Ok(value)) => {
                        response.headers_mut().append(name, value);
                    }
                    _ => tracing::warn!(header = %name, "invalid Response header dropped"),
                }
            }
            Ok(response)
        }
    }
}
