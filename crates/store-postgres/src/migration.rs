//! Versioned schema: the `hookflow_schema` table records the migrations applied. Opening
//! applies the missing ones while holding a session advisory lock, so several nodes that
//! start at once migrate one after the other (the later ones find nothing to do), and it
//! refuses a database written by a newer hookflow rather than guessing at its schema.

use hookflow_store::{Error, Result};
use tokio_postgres::Client;

use crate::codec::Sql;

/// Each entry is one migration; never edit a released one, append a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/001_schema.sql"),
    include_str!("sql/002_functions.sql"),
    include_str!("sql/003_task_lease.sql"),
    include_str!("sql/004_workflow_notify.sql"),
    include_str!("sql/005_waiting_runs.sql"),
    include_str!("sql/006_fewer_statements.sql"),
    include_str!("sql/007_ledger_outlives_workflow.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock key migrations hold ("hookflow" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x686f_6f6b_666c_6f77;

/// Brings the database (the connection's schema) to [`SCHEMA_VERSION`].
pub(crate) async fn migrate(client: &mut Client, schema: Option<&str>) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .sql()?;
    let result = migrate_locked(client, schema).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .sql();
    result?;
    unlock?;
    Ok(())
}

async fn migrate_locked(client: &mut Client, schema: Option<&str>) -> Result<()> {
    if let Some(schema) = schema {
        client
            // Set the path again: it named a schema that may not have existed until now.
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; SET search_path = \"{schema}\""
            ))
            .await
            .sql()?;
    }
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS hookflow_schema (version bigint NOT NULL)")
        .await
        .sql()?;
    let found: i64 = client
        .query_one(
            "SELECT COALESCE(max(version), 0)::bigint FROM hookflow_schema",
            &[],
        )
        .await
        .sql()?
        .try_get(0)
        .sql()?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let tx = client.transaction().await.sql()?;
        tx.batch_execute(migration).await.sql()?;
        tx.execute(
            "INSERT INTO hookflow_schema (version) VALUES ($1)",
            &[&version],
        )
        .await
        .sql()?;
        tx.commit().await.sql()?;
        tracing::info!(version, "applied PostgreSQL migration");
    }
    Ok(())
}
