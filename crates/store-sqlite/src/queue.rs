//! Timers, the callback inbox and the leased work queue in SQLite. Claims are writes, so
//! they go through the single writer: two claimers in this process never see the same
//! free run. (Across processes SQLite's write lock serialises them the same way.)

use chrono::{DateTime, Duration, Utc};
use hookflow_store::{
    Acceptance, Callback, CallbackId, CallbackInbox, Entity, Error, Lease, LeaseOwner, NewCallback,
    Result, RunId, Timer, TimerStore, WorkQueue,
};
use rusqlite::{params, Connection, Row};

use crate::codec::{collect, execute, json_text, micros, query_optional, stored, unsigned, Sql};
use crate::run::require_run;
use crate::SqliteStore;

fn timer_row(row: &Row) -> Result<Timer> {
    hookflow_store::sql_row::timer(&crate::codec::Cols(row))
}

fn callback_row(row: &Row) -> Result<Callback> {
    hookflow_store::sql_row::callback(&crate::codec::Cols(row))
}

/// `payload` is the callback's payload as JSON text, written by the caller's task so the
/// writer thread only runs SQL.
fn accept(conn: &Connection, new: NewCallback, payload: String) -> Result<Acceptance> {
    let repetition = new.action.repetition.name();
    if let Some(key) = &new.idempotency_key {
        let original: Option<i64> = query_optional(
            conn,
            "SELECT id FROM callback WHERE run = ?1 AND action = ?2 AND repetition = ?3 \
                 AND idempotency_key = ?4",
            params![new.run.as_str(), new.action.name, repetition, key],
            |row| row.get(0),
        )?;
        if let Some(original) = original {
            return Ok(Acceptance::Duplicate {
                original: CallbackId(unsigned(original)?),
            });
        }
    }
    let received = micros(new.received_at);
    // The run's update is also the check that it exists.
    let updated = execute(
        conn,
        "UPDATE run SET runnable_at = MIN(COALESCE(runnable_at, ?2), ?2) WHERE id = ?1",
        params![new.run.as_str(), received],
    )?;
    if updated == 0 {
        return Err(Error::not_found(Entity::Run, &new.run));
    }
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO callback (run, action, repetition, idempotency_key, payload, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )
        .sql()?
        .query_row(
            params![
                new.run.as_str(),
                new.action.name,
                repetition,
                new.idempotency_key,
                payload,
                received
            ],
            |row| row.get(0),
        )
        .sql()?;
    Ok(Acceptance::Accepted {
        id: CallbackId(unsigned(id)?),
    })
}

/// Clears every lease: called at open, under the process lock, when no live holder can
/// exist. Epochs stay, so a fence taken before the crash still fails.
pub(crate) fn release_dead_leases(conn: &Connection) -> Result<()> {
    conn.execute(
        "UPDATE run SET lease_owner = NULL, lease_expires = NULL WHERE lease_owner IS NOT NULL",
        [],
    )
    .sql()?;
    Ok(())
}

fn claim(
    conn: &Connection,
    owner: &LeaseOwner,
    limit: usize,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Lease>> {
    let now = micros(now);
    // A run is due by its runnable time or its earliest due timer; both indexed.
    let candidates: Vec<String> = {
        let mut stmt = conn
            .prepare_cached(
                "SELECT d.run FROM ( \
                   SELECT id AS run, runnable_at AS at FROM run \
                     WHERE runnable_at IS NOT NULL AND runnable_at <= ?1 \
                   UNION ALL \
                   SELECT run, MIN(due) AS at FROM timer WHERE due <= ?1 GROUP BY run \
                 ) AS d JOIN run r ON r.id = d.run \
                 WHERE r.lease_owner IS NULL OR r.lease_expires <= ?1 \
                 GROUP BY d.run ORDER BY MIN(d.at), d.run LIMIT ?2",
            )
            .sql()?;
        let rows = stmt
            .query_map(params![now, limit as i64], |row| row.get(0))
            .sql()?;
        rows.collect::<rusqlite::Result<_>>().sql()?
    };
    let mut leases = Vec::with_capacity(candidates.len());
    for run in candidates {
        let epoch: i64 = conn
            .query_row(
                "UPDATE run SET lease_owner = ?2, lease_epoch = lease_epoch + 1, \
                 lease_expires = ?3 WHERE id = ?1 RETURNING lease_epoch",
                params![run, owner.as_str(), micros(expires_at)],
                |row| row.get(0),
            )
            .sql()?;
        leases.push(Lease {
            run: stored(RunId::parse(&run))?,
            owner: owner.clone(),
            epoch: unsigned(epoch)?,
            expires_at,
        });
    }
    Ok(leases)
}

/// Checks that `lease` is still the run's current one.
fn check_lease(conn: &Connection, lease: &Lease) -> Result<()> {
    let found: Option<(Option<String>, i64)> = query_optional(
        conn,
        "SELECT lease_owner, lease_epoch FROM run WHERE id = ?1",
        [lease.run.as_str()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let (owner, epoch) = found.ok_or_else(|| Error::not_found(Entity::Run, &lease.run))?;
    let epoch = unsigned(epoch)?;
    if epoch != lease.epoch || owner.as_deref() != Some(lease.owner.as_str()) {
        return Err(Error::LeaseLost {
            run: lease.run.to_string(),
            epoch: lease.epoch,
            current: epoch,
        });
    }
    Ok(())
}

impl TimerStore for SqliteStore {
    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Timer>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT run, id, due, payload FROM timer WHERE due <= ?1 \
                     ORDER BY due, run, id LIMIT ?2",
                )
                .sql()?;
            let rows = stmt
                .query_map(params![micros(now), limit as i64], |row| Ok(timer_row(row)))
                .sql()?;
            collect(rows)
        })
        .await
    }

    async fn run_timers(&self, run: &RunId) -> Result<Vec<Timer>> {
        let run = run.clone();
        self.read(move |conn| {
            require_run(conn, &run)?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT run, id, due, payload FROM timer WHERE run = ?1 ORDER BY due, id",
                )
                .sql()?;
            let rows = stmt
                .query_map([run.as_str()], |row| Ok(timer_row(row)))
                .sql()?;
            collect(rows)
        })
        .await
    }
}

impl CallbackInbox for SqliteStore {
    async fn accept_callback(&self, callback: NewCallback) -> Result<Acceptance> {
        let payload = json_text(&callback.payload);
        self.write(move |conn| accept(conn, callback, payload))
            .await
    }

    async fn pending_callbacks(&self, run: &RunId) -> Result<Vec<Callback>> {
        let run = run.clone();
        self.read(move |conn| {
            require_run(conn, &run)?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, run, action, repetition, idempotency_key, payload, received_at, \
                     consumed FROM callback WHERE run = ?1 AND consumed = 0 ORDER BY id",
                )
                .sql()?;
            let rows = stmt
                .query_map([run.as_str()], |row| Ok(callback_row(row)))
                .sql()?;
            collect(rows)
        })
        .await
    }
}

impl WorkQueue for SqliteStore {
    async fn claim_runnable(
        &self,
        owner: &LeaseOwner,
        limit: usize,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Lease>> {
        let owner = owner.clone();
        let expires_at = now + lease_duration;
        self.write(move |conn| claim(conn, &owner, limit, expires_at, now))
            .await
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Lease> {
        let lease = lease.clone();
        self.write(move |conn| {
            check_lease(conn, &lease)?;
            let expires_at = now + lease_duration;
            execute(
                conn,
                "UPDATE run SET lease_expires = ?2 WHERE id = ?1",
                params![lease.run.as_str(), micros(expires_at)],
            )?;
            Ok(Lease {
                expires_at,
                ..lease
            })
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        let lease = lease.clone();
        self.write(move |conn| {
            check_lease(conn, &lease)?;
            execute(
                conn,
                "UPDATE run SET lease_owner = NULL, lease_expires = NULL WHERE id = ?1",
                [lease.run.as_str()],
            )?;
            Ok(())
        })
        .await
    }
}
