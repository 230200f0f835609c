//! The nodes serving one database: each writes a heartbeat row; a node is live while its
//! last heartbeat is recent. What `GET /api/nodes` lists.

use chrono::{DateTime, Utc};
use hookflow_store::{LeaseOwner, Result};
use serde_json::{json, Value};

use crate::codec::{json, micros, time, Sql};
use crate::commit::Op;
use crate::PostgresStore;

/// One node as its heartbeat row says.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    /// The node's lease owner name.
    pub name: String,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    /// What the node reported about itself (listen address, public URL, version).
    pub info: Value,
}

impl PostgresStore {
    /// Records that `node` is alive at `now` (creates its row the first time).
    pub async fn heartbeat(
        &self,
        node: &LeaseOwner,
        started_at: DateTime<Utc>,
        info: &Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let argument = json!({
            "name": node.as_str(),
            "started_at": micros(started_at),
            "at": micros(now),
            "info": info.to_string(),
        });
        self.write(Op::Heartbeat, node.as_str(), &argument).await?;
        Ok(())
    }

    /// Takes (or keeps) the cluster-wide chore `task` for `holder` until `now + hold`;
    /// false while another node holds it. For work one node at a time must do.
    pub async fn take_task(
        &self,
        task: &str,
        holder: &LeaseOwner,
        now: DateTime<Utc>,
        hold: chrono::Duration,
    ) -> Result<bool> {
        let argument = json!({
            "name": task,
            "holder": holder.as_str(),
            "now": micros(now),
            "until": micros(now + hold),
        });
        let taken = self.write(Op::TakeTask, task, &argument).await?;
        Ok(taken.as_bool().unwrap_or(false))
    }

    /// Nodes whose last heartbeat is at or after `since`, by name.
    pub async fn live_nodes(&self, since: DateTime<Utc>) -> Result<Vec<NodeInfo>> {
        let rows = self
            .readers()
            .query(
                "SELECT name, started_at, heartbeat_at, info FROM node \
                 WHERE heartbeat_at >= $1 ORDER BY name",
                &[&micros(since)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(NodeInfo {
                    name: row.try_get(0).sql()?,
                    started_at: time(row.try_get(1).sql()?)?,
                    heartbeat_at: time(row.try_get(2).sql()?)?,
                    info: json(&row.try_get::<_, String>(3).sql()?)?,
                })
            })
            .collect()
    }
}
