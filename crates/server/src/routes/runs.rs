//! `/api/workflows/{wf}/runs…`: runs, cancellation, actions and their repetitions.

use super::{list_response, ListResponse};
use crate::error::{AppError, ErrorResponse};
use crate::model::{Run, RunAction, WorkflowName};
use crate::query::{FilterField, ListQuery};
use crate::request::PathParams;
use crate::state::AppState;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;

/// List a workflow's runs (`$top`, `$filter=status eq 'Running'`).
#[utoipa::path(
    get, path = "/api/workflows/{wf}/runs", tag = "runs",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("$top" = Option<u32>, Query, description = "Page size, 1 to 1000"),
        ("$filter" = Option<String>, Query, description = "status eq '<Status>'"),
        ("$skiptoken" = Option<String>, Query, description = "Continuation from nextLink"),
    ),
    responses(
        (status = 200, body = ListResponse<Run>),
        (status = 400, description = "InvalidFilter / InvalidQueryParameter", body = ErrorResponse),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<ListResponse<Run>>, AppError> {
    let query = ListQuery::parse(uri.query(), FilterField::Status)?;
    let name = WorkflowName::from_path(wf);
    let page = state.backend().list_runs(&name, &query).await?;
    Ok(Json(list_response(page, &query, &uri, &state)))
}

/// Read a run: status, times, trigger, outputs, error.
#[utoipa::path(
    get, path = "/api/workflows/{wf}/runs/{run}", tag = "runs",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("run" = String, Path, description = "Run name"),
    ),
    responses(
        (status = 200, body = Run),
        (status = 404, description = "WorkflowNotFound / RunNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    PathParams((wf, run)): PathParams<(String, String)>,
) -> Result<Json<Run>, AppError> {
    let name = WorkflowName::from_path(wf);
    Ok(Json(state.backend().get_run(&name, &run).await?))
}

/// Cancel a run; its waiting webhook actions are unsubscribed.
#[utoipa::path(
    post, path = "/api/workflows/{wf}/runs/{run}/cancel", tag = "runs",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("run" = String, Path, description = "Run name"),
    ),
    responses(
        (status = 200, description = "Cancelled"),
        (status = 404, description = "WorkflowNotFound / RunNotFound", body = ErrorResponse),
        (status = 409, description = "The run has already finished", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    PathParams((wf, run)): PathParams<(String, String)>,
) -> Result<StatusCode, AppError> {
    let name = WorkflowName::from_path(wf);
    state.backend().cancel_run(&name, &run).await?;
    Ok(StatusCode::OK)
}

/// List a run's actions (`$filter=status eq '…'`), inputs and outputs inline.
#[utoipa::path(
    get, path = "/api/workflows/{wf}/runs/{run}/actions", tag = "runs",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("run" = String, Path, description = "Run name"),
        ("$top" = Option<u32>, Query, description = "Page size, 1 to 1000"),
        ("$filter" = Option<String>, Query, description = "status eq '<Status>'"),
        ("$skiptoken" = Option<String>, Query, description = "Continuation from nextLink"),
    ),
    responses(
        (status = 200, body = ListResponse<RunAction>),
        (status = 400, description = "InvalidFilter", body = ErrorResponse),
        (status = 404, description = "WorkflowNotFound / RunNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn list_actions(
    State(state): State<AppState>,
    PathParams((wf, run)): PathParams<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<ListResponse<RunAction>>, AppError> {
    let query = ListQuery::parse(uri.query(), FilterField::Status)?;
    let name = WorkflowName::from_path(wf);
    let page = state.backend().list_actions(&name, &run, &query).await?;
    Ok(Json(list_response(page, &query, &uri, &state)))
}

/// Read one action of a run.
#[utoipa::path(
    get, path = "/api/workflows/{wf}/runs/{run}/actions/{a}", tag = "runs",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("run" = String, Path, description = "Run name"),
        ("a" = String, Path, description = "Action name"),
    ),
    responses(
        (status = 200, body = RunAction),
        (status = 404, description = "WorkflowNotFound / RunNotFound / ActionNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn get_action(
    State(state): State<AppState>,
    PathParams((wf, run, action)): PathParams<(String, String, String)>,
) -> Result<Json<RunAction>, AppError> {
    let name = WorkflowName::from_path(wf);
    Ok(Json(
        state.backend().get_action(&name, &run, &action).await?,
    ))
}

/// The repetitions (loop iterations) of an action.
#[utoipa::path(
    get, path = "/api/workflows/{wf}/runs/{run}/actions/{a}/repetitions", tag = "runs",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("run" = String, Path, description = "Run name"),
        ("a" = String, Path, description = "Action name"),
    ),
    responses(
        (status = 200, body = ListResponse<RunAction>),
        (status = 404, description = "WorkflowNotFound / RunNotFound / ActionNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn repetitions(
    State(state): State<AppState>,
    PathParams((wf, run, action)): PathParams<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<ListResponse<RunAction>>, AppError> {
    let name = WorkflowName::from_path(wf);
    let page = state
        .backend()
        .list_repetitions(&name, &run, &action)
        .await?;
    Ok(Json(list_response(
        page,
        &ListQuery::default(),
        &uri,
        &state,
    )))
}
