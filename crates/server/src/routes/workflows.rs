//! `/api/workflows[/{wf}]`: create or replace, read, list, delete, enable, disable,
//! regenerate an access key.

use super::{list_response, ListResponse};
use crate::error::{AppError, ErrorResponse};
use crate::model::{RegenerateKeyRequest, Workflow, WorkflowName, WorkflowPut};
use crate::query::{FilterField, ListQuery};
use crate::request::JsonBody;
use crate::request::PathParams;
use crate::state::AppState;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Create or replace a workflow.
///
/// Saving an enabled workflow subscribes new or changed HttpWebhook triggers before it
/// answers; if that fails the save is refused (502) and the previous version stays.
#[utoipa::path(
    put, path = "/api/workflows/{wf}", tag = "workflows",
    params(("wf" = String, Path, description = "Workflow name")),
    request_body = WorkflowPut,
    responses(
        (status = 200, description = "Updated", body = Workflow),
        (status = 201, description = "Created", body = Workflow),
        (status = 400, description = "Invalid definition: every error with its JSON pointer", body = ErrorResponse),
        (status = 502, description = "WebhookSubscribeFailed", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn put(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
    JsonBody(body): JsonBody<WorkflowPut>,
) -> Result<Response, AppError> {
    let name = WorkflowName::parse(&wf)
        .map_err(|message| AppError::invalid("InvalidResourceName", message))?;
    let saved = state.backend().put_workflow(name, body).await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved.workflow)).into_response())
}

/// Read a workflow.
#[utoipa::path(
    get, path = "/api/workflows/{wf}", tag = "workflows",
    params(("wf" = String, Path, description = "Workflow name")),
    responses(
        (status = 200, body = Workflow),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
) -> Result<Json<Workflow>, AppError> {
    let name = WorkflowName::from_path(wf);
    Ok(Json(state.backend().get_workflow(&name).await?))
}

/// List workflows (`$top`, `$filter=state eq 'Enabled'`).
#[utoipa::path(
    get, path = "/api/workflows", tag = "workflows",
    params(
        ("$top" = Option<u32>, Query, description = "Page size, 1 to 1000"),
        ("$filter" = Option<String>, Query, description = "state eq 'Enabled' | 'Disabled'"),
        ("$skiptoken" = Option<String>, Query, description = "Continuation from nextLink"),
    ),
    responses(
        (status = 200, body = ListResponse<Workflow>),
        (status = 400, description = "InvalidFilter / InvalidQueryParameter", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<ListResponse<Workflow>>, AppError> {
    let query = ListQuery::parse(uri.query(), FilterField::State)?;
    let page = state.backend().list_workflows(&query).await?;
    Ok(Json(list_response(page, &query, &uri, &state)))
}

/// Delete a workflow: unsubscribes its webhook triggers and cancels its running runs.
#[utoipa::path(
    delete, path = "/api/workflows/{wf}", tag = "workflows",
    params(("wf" = String, Path, description = "Workflow name")),
    responses(
        (status = 200, description = "Deleted"),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
) -> Result<StatusCode, AppError> {
    let name = WorkflowName::from_path(wf);
    state.backend().delete_workflow(&name).await?;
    Ok(StatusCode::OK)
}

/// Enable a workflow: subscribes its webhook triggers.
#[utoipa::path(
    post, path = "/api/workflows/{wf}/enable", tag = "workflows",
    params(("wf" = String, Path, description = "Workflow name")),
    responses(
        (status = 200, description = "Enabled"),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
        (status = 502, description = "WebhookSubscribeFailed", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn enable(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
) -> Result<StatusCode, AppError> {
    let name = WorkflowName::from_path(wf);
    state.backend().enable_workflow(&name).await?;
    Ok(StatusCode::OK)
}

/// Disable a workflow: unsubscribes its webhook triggers.
#[utoipa::path(
    post, path = "/api/workflows/{wf}/disable", tag = "workflows",
    params(("wf" = String, Path, description = "Workflow name")),
    responses(
        (status = 200, description = "Disabled"),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn disable(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
) -> Result<StatusCode, AppError> {
    let name = WorkflowName::from_path(wf);
    state.backend().disable_workflow(&name).await?;
    Ok(StatusCode::OK)
}

/// Regenerate the primary or secondary access key; URLs signed with the old key stop
/// working.
#[utoipa::path(
    post, path = "/api/workflows/{wf}/regenerateAccessKey", tag = "workflows",
    params(("wf" = String, Path, description = "Workflow name")),
    request_body = RegenerateKeyRequest,
    responses(
        (status = 200, description = "Regenerated"),
        (status = 400, description = "Malformed body", body = ErrorResponse),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn regenerate_access_key(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
    JsonBody(body): JsonBody<RegenerateKeyRequest>,
) -> Result<StatusCode, AppError> {
    let name = WorkflowName::from_path(wf);
    state
        .backend()
        .regenerate_access_key(&name, body.key_type)
        .await?;
    Ok(StatusCode::OK)
}
