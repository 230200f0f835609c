//! `/api/workflows/{wf}/triggers…`: triggers with their subscription state, callback URLs,
//! manual runs, histories and resubmission.

use super::{list_response, ListResponse};
use crate::error::{AppError, ErrorResponse};
use crate::model::{CallbackUrl, CallbackUrlRequest, Fired, Trigger, TriggerHistory, WorkflowName};
use crate::query::{FilterField, ListQuery};
use crate::request::{Inbound, OptionalJsonBody, PathParams};
use crate::state::AppState;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// List a workflow's triggers.
#[utoipa::path(
    get, path = "/api/workflows/{wf}/triggers", tag = "triggers",
    params(("wf" = String, Path, description = "Workflow name")),
    responses(
        (status = 200, body = ListResponse<Trigger>),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<ListResponse<Trigger>>, AppError> {
    let name = WorkflowName::from_path(wf);
    let page = state.backend().list_triggers(&name).await?;
    Ok(Json(list_response(
        page,
        &ListQuery::default(),
        &uri,
        &state,
    )))
}

/// Read a trigger; webhook triggers show their subscription state and the last
/// subscribe/unsubscribe result.
#[utoipa::path(
    get, path = "/api/workflows/{wf}/triggers/{t}", tag = "triggers",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("t" = String, Path, description = "Trigger name"),
    ),
    responses(
        (status = 200, body = Trigger),
        (status = 404, description = "WorkflowNotFound / TriggerNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    PathParams((wf, t)): PathParams<(String, String)>,
) -> Result<Json<Trigger>, AppError> {
    let name = WorkflowName::from_path(wf);
    Ok(Json(state.backend().get_trigger(&name, &t).await?))
}

/// The signed callback URL of a trigger (body optional: `notAfter`, `keyType`).
#[utoipa::path(
    post, path = "/api/workflows/{wf}/triggers/{t}/listCallbackUrl", tag = "triggers",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("t" = String, Path, description = "Trigger name"),
    ),
    request_body(content = Option<CallbackUrlRequest>, description = "Optional"),
    responses(
        (status = 200, body = CallbackUrl),
        (status = 400, description = "Malformed body, or a trigger without a callback URL", body = ErrorResponse),
        (status = 404, description = "WorkflowNotFound / TriggerNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn list_callback_url(
    State(state): State<AppState>,
    PathParams((wf, t)): PathParams<(String, String)>,
    OptionalJsonBody(body): OptionalJsonBody<CallbackUrlRequest>,
) -> Result<Json<CallbackUrl>, AppError> {
    let name = WorkflowName::from_path(wf);
    let url = state
        .backend()
        .list_callback_url(&name, &t, body.unwrap_or_default())
        .await?;
    Ok(Json(url))
}

/// Fire a trigger by hand with this request's body.
#[utoipa::path(
    post, path = "/api/workflows/{wf}/triggers/{t}/run", tag = "triggers",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("t" = String, Path, description = "Trigger name"),
    ),
    request_body(content = Object, description = "Passed to the trigger as its body (any content type)"),
    responses(
        (status = 202, description = "Fired", body = Fired),
        (status = 404, description = "WorkflowNotFound / TriggerNotFound", body = ErrorResponse),
        (status = 413, description = "RequestEntityTooLarge", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn run(
    State(state): State<AppState>,
    PathParams((wf, t)): PathParams<(String, String)>,
    Inbound(request): Inbound,
) -> Result<Response, AppError> {
    let name = WorkflowName::from_path(wf);
    let fired = state.backend().run_trigger(&name, &t, request).await?;
    Ok(fired_response(fired))
}

/// A trigger's histories (`$top`, `$filter=status eq '…'`).
#[utoipa::path(
    get, path = "/api/workflows/{wf}/triggers/{t}/histories", tag = "triggers",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("t" = String, Path, description = "Trigger name"),
        ("$top" = Option<u32>, Query, description = "Page size, 1 to 1000"),
        ("$filter" = Option<String>, Query, description = "status eq '<Status>'"),
        ("$skiptoken" = Option<String>, Query, description = "Continuation from nextLink"),
    ),
    responses(
        (status = 200, body = ListResponse<TriggerHistory>),
        (status = 400, description = "InvalidFilter", body = ErrorResponse),
        (status = 404, description = "WorkflowNotFound / TriggerNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn histories(
    State(state): State<AppState>,
    PathParams((wf, t)): PathParams<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<ListResponse<TriggerHistory>>, AppError> {
    let query = ListQuery::parse(uri.query(), FilterField::Status)?;
    let name = WorkflowName::from_path(wf);
    let page = state
        .backend()
        .list_trigger_histories(&name, &t, &query)
        .await?;
    Ok(Json(list_response(page, &query, &uri, &state)))
}

/// Start a new run from a recorded trigger history.
#[utoipa::path(
    post, path = "/api/workflows/{wf}/triggers/{t}/histories/{h}/resubmit", tag = "triggers",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("t" = String, Path, description = "Trigger name"),
        ("h" = String, Path, description = "History name (the original run's name)"),
    ),
    responses(
        (status = 202, description = "Resubmitted", body = Fired),
        (status = 404, description = "WorkflowNotFound / TriggerNotFound / TriggerHistoryNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn resubmit(
    State(state): State<AppState>,
    PathParams((wf, t, h)): PathParams<(String, String, String)>,
) -> Result<Response, AppError> {
    let name = WorkflowName::from_path(wf);
    let fired = state
        .backend()
        .resubmit_trigger_history(&name, &t, &h)
        .await?;
    Ok(fired_response(fired))
}

/// 202 with the started run, also as `x-ms-workflow-run-id` as Logic Apps sends it.
fn fired_response(fired: Fired) -> Response {
    let run_header = fired
        .run
        .as_ref()
        .and_then(|run| HeaderValue::from_str(&run.name).ok());
    let mut response = (StatusCode::ACCEPTED, Json(fired)).into_response();
    if let Some(value) = run_header {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-ms-workflow-run-id"), value);
    }
    response
}
