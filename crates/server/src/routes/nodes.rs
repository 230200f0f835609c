//! `GET /api/nodes`: the live nodes serving this database (admin key required).

use crate::cluster::Node;
use crate::error::AppError;
use crate::routes::ListResponse;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;

/// Live nodes (a recent heartbeat), by name; without a cluster (tests of the edge alone)
/// the list is empty.
#[utoipa::path(
    get, path = "/api/nodes", tag = "operations",
    responses((status = 200, description = "Live nodes", body = ListResponse<Node>)),
    security(("admin_key" = []))
)]
pub async fn list(State(state): State<AppState>) -> Result<Json<ListResponse<Node>>, AppError> {
    let value = match state.cluster() {
        Some(cluster) => cluster.nodes().await?,
        None => Vec::new(),
    };
    Ok(Json(ListResponse {
        value,
        next_link: None,
    }))
}
