//! `/api/workflows/{wf}/versions[/{version}]`: the definitions a workflow had. Every save
//! keeps one and every run records the one it started on (`properties.version`), so a
//! run can be shown with the steps it really ran.

use super::{list_response, ListResponse};
use crate::error::{AppError, ErrorResponse};
use crate::model::{Workflow, WorkflowName};
use crate::query::ListQuery;
use crate::request::PathParams;
use crate::state::AppState;
use axum::extract::{OriginalUri, State};
use axum::Json;

/// List a workflow's versions, newest first (`$top`, `nextLink`).
#[utoipa::path(
    get, path = "/api/workflows/{wf}/versions", tag = "workflows",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("$top" = Option<u32>, Query, description = "Page size, 1 to 1000"),
        ("$skiptoken" = Option<String>, Query, description = "Continuation from nextLink"),
    ),
    responses(
        (status = 200, description = "Each version in the workflow's shape, named by its version id", body = ListResponse<Workflow>),
        (status = 400, description = "InvalidFilter / InvalidQueryParameter", body = ErrorResponse),
        (status = 404, description = "WorkflowNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    PathParams(wf): PathParams<String>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<ListResponse<Workflow>>, AppError> {
    let query = ListQuery::parse_unfiltered(uri.query())?;
    let name = WorkflowName::from_path(wf);
    let page = state.backend().list_versions(&name, &query).await?;
    Ok(Json(list_response(page, &query, &uri, &state)))
}

/// Read one version: its definition and parameters as that save stored them.
#[utoipa::path(
    get, path = "/api/workflows/{wf}/versions/{version}", tag = "workflows",
    params(
        ("wf" = String, Path, description = "Workflow name"),
        ("version" = String, Path, description = "Version id, as a run's properties.version shows it"),
    ),
    responses(
        (status = 200, body = Workflow),
        (status = 404, description = "WorkflowNotFound / WorkflowVersionNotFound", body = ErrorResponse),
    ),
    security(("admin_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    PathParams((wf, version)): PathParams<(String, String)>,
) -> Result<Json<Workflow>, AppError> {
    let name = WorkflowName::from_path(wf);
    Ok(Json(state.backend().get_version(&name, &version).await?))
}
