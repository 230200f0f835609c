//! Unauthenticated operational endpoints: `/healthz`, `/metrics` and the OpenAPI document.

use crate::model::{Health, HealthStatus};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Liveness and readiness: 200 unless the backend reports `Unhealthy` (503).
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Healthy or degraded", body = Health),
        (status = 503, description = "Unhealthy", body = Health),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let health = state.backend().health().await;
    let status = match health.status {
        HealthStatus::Healthy | HealthStatus::Degraded => StatusCode::OK,
        HealthStatus::Unhealthy => StatusCode::SERVICE_UNAVAILABLE,
    };
    (status, Json(health)).into_response()
}

/// Prometheus text exposition: HTTP metrics plus the backend's.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut snapshot = state.backend().metrics().await;
    if let Some(cluster) = state.cluster() {
        snapshot.families.extend(cluster.metrics());
    }
    let text = crate::metrics::render(&state, &snapshot);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// This API's OpenAPI 3.1 document, generated from the handlers and types. Public: it
/// holds no data, and tools fetch it before they have a key.
#[utoipa::path(
    get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi() -> Response {
    Json(crate::openapi::document()).into_response()
}
