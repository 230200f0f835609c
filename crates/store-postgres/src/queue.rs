//! Timers, the callback inbox and the leased work queue in PostgreSQL. Claims take due
//! runs `FOR UPDATE SKIP LOCKED` (see `hf_claim`), so nodes claiming at once get disjoint
//! runs without waiting for each other; each claim bumps the run's lease epoch, the fence
//! of every later write.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use hookflow_store::{
    Acceptance, Callback, CallbackId, CallbackInbox, Error, Lease, LeaseOwner, NewCallback, Result,
    RunId, Timer, TimerStore, WorkQueue,
};
use serde_json::{json, Value};
use tokio_postgres::Row;

use crate::codec::{json_text, micros, stored, Sql};
use crate::commit::Op;
use crate::PostgresStore;

/// Claims made through this store handle (this node).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimCounters {
    /// Runs claimed.
    pub claimed: u64,
    /// Claims of runs whose previous lease belonged to another owner and had expired:
    /// work taken over from a node that stopped renewing.
    pub taken_over: u64,
}

#[derive(Debug, Default)]
pub(crate) struct ClaimStats {
    claimed: AtomicU64,
    taken_over: AtomicU64,
}

fn timer_row(row: &Row) -> Result<Timer> {
    hookflow_store::sql_row::timer(&crate::codec::Cols(row))
}

fn callback_row(row: &Row) -> Result<Callback> {
    hookflow_store::sql_row::callback(&crate::codec::Cols(row))
}

fn lease_argument(lease: &Lease) -> Value {
    json!({"run": lease.run.as_str(), "owner": lease.owner.as_str(), "epoch": lease.epoch})
}

impl PostgresStore {
    /// Runs claimed and taken over by this store handle since it was opened.
    pub fn claim_counters(&self) -> ClaimCounters {
        let stats = &self.inner.claims;
        ClaimCounters {
            claimed: stats.claimed.load(Ordering::Relaxed),
            taken_over: stats.taken_over.load(Ordering::Relaxed),
        }
    }

    async fn require_run_row(&self, run: &RunId) -> Result<()> {
        self.readers()
            .query_opt("SELECT 1 FROM run WHERE id = $1", &[&run.as_str()])
            .await?
            .map(|_| ())
            .ok_or_else(|| Error::not_found(hookflow_store::Entity::Run, run))
    }
}

impl TimerStore for PostgresStore {
    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Timer>> {
        let rows = self
            .readers()
            .query(
                "SELECT run, id, due, payload FROM timer WHERE due <= $1 \
                 ORDER BY due, run, id LIMIT $2",
                &[&micros(now), &(limit as i64)],
            )
            .await?;
        rows.iter().map(timer_row).collect()
    }

    async fn run_timers(&self, run: &RunId) -> Result<Vec<Timer>> {
        self.require_run_row(run).await?;
        let rows = self
            .readers()
            .query(
                "SELECT run, id, due, payload FROM timer WHERE run = $1 ORDER BY due, id",
                &[&run.as_str()],
            )
            .await?;
        rows.iter().map(timer_row).collect()
    }
}

impl CallbackInbox for PostgresStore {
    async fn accept_callback(&self, callback: NewCallback) -> Result<Acceptance> {
        let argument = json!({
            "run": callback.run.as_str(),
            "action": callback.action.name,
            "repetition": callback.action.repetition.name(),
            "idempotency_key": callback.idempotency_key,
            "payload": json_text(&callback.payload),
            "received_at": micros(callback.received_at),
        });
        let done = self
            .write(Op::AcceptCallback, callback.run.as_str(), &argument)
            .await?;
        if let Some(original) = done.get("duplicate").and_then(Value::as_u64) {
            return Ok(Acceptance::Duplicate {
                original: CallbackId(original),
            });
        }
        let id = done
            .as_u64()
            .ok_or_else(|| Error::internal("accepting a callback answered no id"))?;
        Ok(Acceptance::Accepted { id: CallbackId(id) })
    }

    async fn pending_callbacks(&self, run: &RunId) -> Result<Vec<Callback>> {
        // One round trip: the run row tells "no such run" apart from "nothing pending".
        let rows = self
            .readers()
            .query(
                "SELECT c.id, c.run, c.action, c.repetition, c.idempotency_key, c.payload, \
                 c.received_at, c.consumed FROM run r \
                 LEFT JOIN callback c ON c.run = r.id AND NOT c.consumed \
                 WHERE r.id = $1 ORDER BY c.id",
                &[&run.as_str()],
            )
            .await?;
        if rows.is_empty() {
            return Err(Error::not_found(hookflow_store::Entity::Run, run));
        }
        let mut pending = Vec::new();
        for row in &rows {
            if row.try_get::<_, Option<i64>>(0).sql()?.is_none() {
                continue;
            }
            pending.push(callback_row(row)?);
        }
        Ok(pending)
    }
}

impl WorkQueue for PostgresStore {
    async fn claim_runnable(
        &self,
        owner: &LeaseOwner,
        limit: usize,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Lease>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let expires_at = hookflow_store::timestamp::truncate(now + lease_duration);
        let argument = json!({
            "owner": owner.as_str(),
            "limit": limit as i64,
            "now": micros(now),
            "expires": micros(expires_at),
        });
        // Claims lock no run up front (SKIP LOCKED): an empty key sorts them first.
        let claimed = self.write(Op::Claim, "", &argument).await?;
        let Value::Array(items) = claimed else {
            return Err(Error::internal("claim answered no list"));
        };
        let mut leases = Vec::with_capacity(items.len());
        let mut taken_over = 0;
        for item in items {
            let run = item["run"]
                .as_str()
                .ok_or_else(|| Error::internal("claim answered a lease without a run"))?;
            if item["previous"]
                .as_str()
                .is_some_and(|previous| previous != owner.as_str())
            {
                taken_over += 1;
            }
            leases.push(Lease {
                run: stored(RunId::parse(run))?,
                owner: owner.clone(),
                epoch: item["epoch"]
                    .as_u64()
                    .ok_or_else(|| Error::internal("claim answered a lease without an epoch"))?,
                expires_at,
            });
        }
        let stats = &self.inner.claims;
        stats
            .claimed
            .fetch_add(leases.len() as u64, Ordering::Relaxed);
        stats.taken_over.fetch_add(taken_over, Ordering::Relaxed);
        if taken_over > 0 {
            tracing::info!(runs = taken_over, "took over runs whose lease had expired");
        }
        Ok(leases)
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Lease> {
        let expires_at = hookflow_store::timestamp::truncate(now + lease_duration);
        let mut argument = lease_argument(lease);
        argument["expires"] = json!(micros(expires_at));
        self.write(Op::Renew, lease.run.as_str(), &argument).await?;
        Ok(Lease {
            expires_at,
            ..lease.clone()
        })
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        self.write(Op::Release, lease.run.as_str(), &lease_argument(lease))
            .await?;
        Ok(())
    }
}
