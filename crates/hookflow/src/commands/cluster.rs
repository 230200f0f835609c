//! The nodes behind `GET /api/nodes` and the cluster metrics, for each store `serve` can
//! open: SQLite is one node by construction; on PostgreSQL every node writes a heartbeat
//! row and lists the nodes whose heartbeat is recent.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hookflow_server::model::{MetricFamily, MetricKind, MetricSample};
use hookflow_server::{AppError, Cluster, Node};
use hookflow_store::LeaseOwner;
use hookflow_store_postgres::PostgresStore;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often a node writes its heartbeat.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// A node is listed while its last heartbeat is younger than this.
const LIVE_FOR: Duration = Duration::from_secs(15);

/// What a node says about itself.
#[derive(Debug, Clone)]
pub struct ClusterInfo {
    pub node: LeaseOwner,
    pub listen: String,
    pub public_url: String,
    pub store: &'static str,
}

impl ClusterInfo {
    fn to_value(&self) -> Value {
        json!({
            "listen": self.listen,
            "publicUrl": self.public_url,
            "store": self.store,
            "version": env!("CARGO_PKG_VERSION"),
        })
    }
}

/// The embedded store: this process is the only node.
#[derive(Debug)]
pub struct SingleNode {
    info: ClusterInfo,
    started_at: DateTime<Utc>,
}

impl SingleNode {
    pub fn new(info: ClusterInfo) -> SingleNode {
        SingleNode {
            info,
            started_at: Utc::now(),
        }
    }
}

#[async_trait]
impl Cluster for SingleNode {
    async fn nodes(&self) -> Result<Vec<Node>, AppError> {
        Ok(vec![Node {
            name: self.info.node.to_string(),
            this: true,
            started_at: self.started_at,
            heartbeat_at: Utc::now(),
            info: self.info.to_value(),
        }])
    }

    fn metrics(&self) -> Vec<MetricFamily> {
        Vec::new()
    }
}

/// Nodes sharing one PostgreSQL database. Writes this node's heartbeat in the background
/// until dropped.
#[derive(Debug)]
pub struct PostgresCluster {
    store: PostgresStore,
    info: ClusterInfo,
    heartbeat: JoinHandle<()>,
}

impl PostgresCluster {
    /// Starts the heartbeat task (first beat at once, so the node is listed right away).
    pub fn start(store: PostgresStore, info: ClusterInfo) -> PostgresCluster {
        let started_at = Utc::now();
        let heartbeat = {
            let (store, node, value) = (store.clone(), info.node.clone(), info.to_value());
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(HEARTBEAT_EVERY);
                loop {
                    ticks.tick().await;
                    if let Err(error) = store.heartbeat(&node, started_at, &value, Utc::now()).await
                    {
                        tracing::warn!(%error, "cannot write this node's heartbeat");
                    }
                }
            })
        };
        PostgresCluster {
            store,
            info,
            heartbeat,
        }
    }
}

impl Drop for PostgresCluster {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

fn counter(name: &str, help: &str, value: u64) -> MetricFamily {
    MetricFamily {
        name: name.into(),
        help: help.into(),
        kind: MetricKind::Counter,
        samples: vec![MetricSample {
            labels: Vec::new(),
            value: value as f64,
        }],
    }
}

#[async_trait]
impl Cluster for PostgresCluster {
    async fn nodes(&self) -> Result<Vec<Node>, AppError> {
        let since = Utc::now()
            - chrono::Duration::from_std(LIVE_FOR).unwrap_or(chrono::Duration::seconds(15));
        let nodes = self
            .store
            .live_nodes(since)
            .await
            .map_err(|e| AppError::Unavailable {
                code: "StoreUnavailable".into(),
                message: format!("cannot list the nodes: {e}"),
                retry_after: None,
            })?;
        Ok(nodes
            .into_iter()
            .map(|n| Node {
                this: n.name == self.info.node.as_str(),
                name: n.name,
                started_at: n.started_at,
                heartbeat_at: n.heartbeat_at,
                info: n.info,
            })
            .collect())
    }

    fn metrics(&self) -> Vec<MetricFamily> {
        let claims = self.store.claim_counters();
        let writes = self.store.write_counters();
        vec![
            counter(
                "hookflow_claimed_runs_total",
                "Runs this node claimed from the shared work queue.",
                claims.claimed,
            ),
            counter(
                "hookflow_lease_takeovers_total",
                "Runs this node claimed after another node's lease on them expired.",
                claims.taken_over,
            ),
            counter(
                "hookflow_store_writes_total",
                "Writes this node sent to PostgreSQL.",
                writes.writes,
            ),
            counter(
                "hookflow_store_write_batches_total",
                "Transactions (group-committed batches of writes) this node sent.",
                writes.batches,
            ),
            counter(
                "hookflow_store_round_trips_total",
                "Round trips to PostgreSQL this node waited for (write batches and reads).",
                writes.round_trips + self.store.read_count(),
            ),
            counter(
                "hookflow_store_write_bytes_total",
                "Bytes of write arguments this node sent to PostgreSQL.",
                writes.bytes,
            ),
        ]
    }
}
