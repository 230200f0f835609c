//! Versioned schema: `PRAGMA user_version` counts the migrations applied. Opening applies
//! the missing ones, each in its own transaction, and refuses a database written by a
//! newer hookflow rather than guessing at its schema.

use hookflow_store::{Error, Result};
use rusqlite::Connection;

use crate::codec::Sql;

/// Each entry is one migration; never edit a released one, append a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE workflow (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    primary_key TEXT NOT NULL,
    secondary_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE workflow_version (
    workflow TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    parameters TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workflow, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE trigger_state (
    workflow TEXT NOT NULL,
    trigger TEXT NOT NULL,
    subscription TEXT NOT NULL,
    last_subscribe TEXT,
    last_unsubscribe TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workflow, trigger)
) STRICT, WITHOUT ROWID;

CREATE TABLE run (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    trigger_name TEXT NOT NULL,
    trigger_status TEXT NOT NULL,
    trigger_code TEXT,
    trigger_outputs TEXT,
    trigger_at INTEGER NOT NULL,
    outputs TEXT,
    error TEXT,
    client_tracking_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    idempotency_key TEXT,
    runnable_at INTEGER,
    lease_owner TEXT,
    lease_epoch INTEGER NOT NULL DEFAULT 0,
    lease_expires INTEGER
) STRICT;
CREATE INDEX run_by_workflow ON run (workflow, id);
CREATE INDEX run_by_status ON run (workflow, status, id);
CREATE INDEX run_runnable ON run (runnable_at) WHERE runnable_at IS NOT NULL;
CREATE UNIQUE INDEX run_trigger_key ON run (workflow, trigger_name, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE journal (
    run TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (run, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE timer (
    run TEXT NOT NULL,
    id TEXT NOT NULL,
    due INTEGER NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX timer_due ON timer (due);

CREATE TABLE callback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run TEXT NOT NULL,
    action TEXT NOT NULL,
    repetition TEXT NOT NULL,
    idempotency_key TEXT,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    consumed INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX callback_key ON callback (run, action, repetition, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX callback_by_run ON callback (run, consumed, id);

CREATE TABLE action (
    run TEXT NOT NULL,
    name TEXT NOT NULL,
    repetition TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    code TEXT,
    start_time INTEGER,
    end_time INTEGER,
    inputs TEXT,
    outputs TEXT,
    error TEXT,
    PRIMARY KEY (run, name, repetition)
) STRICT, WITHOUT ROWID;

CREATE TABLE trigger_history (
    workflow TEXT NOT NULL,
    trigger TEXT NOT NULL,
    id TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    status TEXT NOT NULL,
    code TEXT,
    fired INTEGER NOT NULL,
    run TEXT,
    inputs TEXT,
    outputs TEXT,
    error TEXT,
    PRIMARY KEY (workflow, trigger, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    workflow TEXT NOT NULL,
    trigger TEXT,
    run TEXT,
    action TEXT,
    repetition TEXT,
    operation TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_unsettled ON ledger (seq) WHERE state IN ('Pending', 'Sent');
CREATE INDEX ledger_by_workflow ON ledger (workflow, seq);
CREATE INDEX ledger_by_run ON ledger (run) WHERE run IS NOT NULL;
"#,
    // 2: leases still held are found without scanning every run (released at open).
    r#"
CREATE INDEX run_leased ON run (id) WHERE lease_owner IS NOT NULL;
"#,
    // 3: the waiting-run gauges on /metrics count only waiting rows, scrape after scrape,
    // however many finished runs and actions are kept.
    r#"
CREATE INDEX action_waiting ON action (run) WHERE status = 'Waiting';
CREATE INDEX run_queued ON run (id) WHERE status = 'Waiting';
"#,
    // 4: deleting a workflow keeps its ledger entries (the record of every subscribe and
    // unsubscribe, and what a restart reconciles), marked so a workflow created again
    // under the same name does not take them for its own.
    r#"
ALTER TABLE ledger ADD COLUMN workflow_deleted INTEGER NOT NULL DEFAULT 0;
"#,
    // 5: a run that records its firing in the trigger history is that history entry (its
    // trigger columns are the entry's), rather than writing a copy to `trigger_history`.
    // Runs created before keep their copies there, with this flag 0.
    r#"
ALTER TABLE run ADD COLUMN fired_history INTEGER NOT NULL DEFAULT 0;
"#,
    // 6: most runs succeed, and a status index entry for each cost every run's write an
    // index more. Listing succeeded runs reads `run_by_workflow`, where most rows are
    // succeeded ones; the other statuses, the ones searched for among many, keep theirs.
    r#"
DROP INDEX run_by_status;
CREATE INDEX run_by_status ON run (workflow, status, id) WHERE status <> 'Succeeded';
"#,
    // 7: the journal keeps one row per write (see `journal.rs`): its entries as one JSON
    // array of [kind, at, payload], found by the run and its first entry's position.
    // Entries written before become rows of one entry each. A rowid table, unlike the
    // one it replaces: a WITHOUT ROWID row of more than about 1,000 bytes (4 KiB pages)
    // takes an overflow page of its own, and a write's entries are often more.
    r#"
CREATE TABLE journal_by_write (
    run TEXT NOT NULL,
    position INTEGER NOT NULL,
    entries TEXT NOT NULL
) STRICT;
INSERT INTO journal_by_write (run, position, entries)
    SELECT run, position, json_array(json_array(kind, at, json(payload))) FROM journal
    ORDER BY run, position;
DROP TABLE journal;
ALTER TABLE journal_by_write RENAME TO journal;
CREATE UNIQUE INDEX journal_position ON journal (run, position);
"#,
    // 8: action records are a rowid table too, for the same reason as the journal (an
    // action's inputs and outputs together often pass 1,000 bytes). A write replaces an
    // action's row, so the rowid orders a run's records by when they were last written,
    // which `seq` did at the cost of a `MAX(seq)` lookup per record; rows are copied in
    // that order.
    r#"
CREATE TABLE action_by_rowid (
    run TEXT NOT NULL,
    name TEXT NOT NULL,
    repetition TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT,
    start_time INTEGER,
    end_time INTEGER,
    inputs TEXT,
    outputs TEXT,
    error TEXT
) STRICT;
INSERT INTO action_by_rowid (run, name, repetition, status, code, start_time, end_time,
    inputs, outputs, error)
    SELECT run, name, repetition, status, code, start_time, end_time, inputs, outputs, error
    FROM action ORDER BY run, seq;
DROP TABLE action;
ALTER TABLE action_by_rowid RENAME TO action;
CREATE UNIQUE INDEX action_key ON action (run, name, repetition);
CREATE INDEX action_waiting ON action (run) WHERE status = 'Waiting';
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .sql()?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .sql()?;
        // Another process may have migrated since we looked; the immediate transaction
        // holds the write lock, so this second look is authoritative.
        let now: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .sql()?;
        if now > index as i64 {
            continue;
        }
        tx.execute_batch(migration).sql()?;
        // PRAGMA takes no bound parameters; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))
            .sql()?;
        tx.commit().sql()?;
        tracing::info!(version = index + 1, "applied SQLite migration");
    }
    Ok(())
}
