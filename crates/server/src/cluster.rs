//! The nodes serving one database, as the binary knows them: `GET /api/nodes` lists the
//! live ones and `/metrics` adds this node's share of the work (claimed runs, lease
//! takeovers). A port like [`Backend`](crate::Backend), so the server never names a
//! database; `hookflow serve` implements it over the store it opened.

use crate::error::AppError;
use crate::model::MetricFamily;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One node with a recent heartbeat.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// The node's name on leases (host, process id, start time).
    pub name: String,
    /// True for the node answering this request.
    #[serde(rename = "self")]
    pub this: bool,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    /// What the node reports about itself (listen address, public URL, version, store).
    #[schema(value_type = Object)]
    pub info: Value,
}

/// What the server asks of the cluster.
#[async_trait]
pub trait Cluster: Send + Sync + 'static {
    /// Live nodes, this one included, by name.
    async fn nodes(&self) -> Result<Vec<Node>, AppError>;
    /// This node's cluster metrics, rendered after the backend's.
    fn metrics(&self) -> Vec<MetricFamily>;
}
