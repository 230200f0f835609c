//! The webhook subscription ledger in SQLite.

use hookflow_store::{
    Entity, Error, LedgerChange, LedgerEntry, LedgerId, LedgerTarget, LedgerUpdate, Result,
    SubscriptionLedger, WorkflowName,
};
use rusqlite::{params, Connection, Row};

use crate::codec::{
    collect, execute, exists, insert_new, json_text, micros, opt_json_text, query_optional, Sql,
};
use crate::workflow::require_workflow;
use crate::SqliteStore;

const LEDGER_COLUMNS: &str = "id, workflow, trigger, run, action, repetition, operation, \
     request, response, state, created_at, updated_at, workflow_deleted";

fn ledger_row(row: &Row) -> Result<LedgerEntry> {
    hookflow_store::sql_row::ledger(&crate::codec::Cols(row))
}

fn load(conn: &Connection, id: &LedgerId) -> Result<LedgerEntry> {
    query_optional(
        conn,
        &format!("SELECT {LEDGER_COLUMNS} FROM ledger WHERE id = ?1"),
        [id.as_str()],
        |row| Ok(ledger_row(row)),
    )?
    .ok_or_else(|| Error::not_found(Entity::LedgerEntry, id))?
}

fn entry_exists(conn: &Connection, id: &LedgerId) -> Result<bool> {
    exists(conn, "SELECT 1 FROM ledger WHERE id = ?1", [id.as_str()])
}

/// The checks of a run write's ledger changes, made before the write changes anything:
/// a new entry's id is free and its workflow exists (`run_workflow` does: the run does),
/// an updated entry exists or is new in the same write.
pub(crate) fn check_changes(
    conn: &Connection,
    changes: &[LedgerChange],
    run_workflow: &str,
) -> Result<()> {
    let recorded_before = |index: usize, id: &LedgerId| {
        changes[..index]
            .iter()
            .any(|c| matches!(c, LedgerChange::Record(e) if &e.id == id))
    };
    for (index, change) in changes.iter().enumerate() {
        match change {
            LedgerChange::Record(entry) => {
                if entry.workflow.as_str() != run_workflow {
                    require_workflow(conn, &entry.workflow)?;
                }
                if recorded_before(index, &entry.id) || entry_exists(conn, &entry.id)? {
                    return Err(Error::already_exists(Entity::LedgerEntry, &entry.id));
                }
            }
            LedgerChange::Update(update) => {
                if !recorded_before(index, &update.id) && !entry_exists(conn, &update.id)? {
                    return Err(Error::not_found(Entity::LedgerEntry, &update.id));
                }
            }
        }
    }
    Ok(())
}

/// Inserts a new entry; Conflict if the id exists, NotFound if the workflow does not.
fn record_entry(conn: &Connection, entry: &LedgerEntry) -> Result<()> {
    require_workflow(conn, &entry.workflow)?;
    insert_entry(conn, entry)
}

/// Inserts a new entry of a workflow known to exist ([`record_entry`] or
/// [`check_changes`] looked); Conflict if the id exists.
pub(crate) fn insert_entry(conn: &Connection, entry: &LedgerEntry) -> Result<()> {
    let (trigger, run, action, repetition) = match &entry.target {
        LedgerTarget::Trigger(trigger) => (Some(trigger.as_str()), None, None, None),
        LedgerTarget::Action { run, key } => (
            None,
            Some(run.as_str()),
            Some(key.name.as_str()),
            Some(key.repetition.name()),
        ),
    };
    insert_new(conn,
        "INSERT INTO ledger (id, seq, workflow, trigger, run, action, repetition, operation, \
         request, response, state, created_at, updated_at) VALUES (?1, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            entry.id.as_str(),
            entry.workflow.as_str(),
            trigger,
            run,
            action,
            repetition,
            entry.operation.as_str(),
            json_text(&entry.request),
            opt_json_text(&entry.response),
            entry.state.as_str(),
            micros(entry.created_at),
            micros(entry.updated_at)
        ],
        Entity::LedgerEntry,
        &entry.id,
    )
}

/// Updates an entry's state and response; NotFound if it does not exist.
pub(crate) fn update_entry(conn: &Connection, update: &LedgerUpdate) -> Result<()> {
    let changed = execute(
        conn,
        "UPDATE ledger SET state = ?2, response = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            update.id.as_str(),
            update.state.as_str(),
            opt_json_text(&update.response),
            micros(update.at)
        ],
    )?;
    if changed == 0 {
        return Err(Error::not_found(Entity::LedgerEntry, &update.id));
    }
    Ok(())
}

impl SubscriptionLedger for SqliteStore {
    async fn record_ledger(&self, entry: LedgerEntry) -> Result<()> {
        self.write(move |conn| record_entry(conn, &entry)).await
    }

    async fn update_ledger(&self, update: LedgerUpdate) -> Result<LedgerEntry> {
        // Read back only here: a run's append updates entries without wanting them.
        self.write(move |conn| {
            update_entry(conn, &update)?;
            load(conn, &update.id)
        })
        .await
    }

    async fn get_ledger_entry(&self, id: &LedgerId) -> Result<LedgerEntry> {
        let id = id.clone();
        self.read(move |conn| load(conn, &id)).await
    }

    async fn unsettled_ledger(&self, limit: usize) -> Result<Vec<LedgerEntry>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {LEDGER_COLUMNS} FROM ledger WHERE state IN ('Pending', 'Sent') \
                     ORDER BY seq LIMIT ?1"
                ))
                .sql()?;
            let rows = stmt
                .query_map([limit as i64], |row| Ok(ledger_row(row)))
                .sql()?;
            collect(rows)
        })
        .await
    }

    async fn workflow_ledger(&self, workflow: &WorkflowName) -> Result<Vec<LedgerEntry>> {
        let workflow = workflow.clone();
        self.read(move |conn| {
            require_workflow(conn, &workflow)?;
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {LEDGER_COLUMNS} FROM ledger WHERE workflow = ?1 \
                     AND workflow_deleted = 0 ORDER BY seq"
                ))
                .sql()?;
            let rows = stmt
                .query_map([workflow.as_str()], |row| Ok(ledger_row(row)))
                .sql()?;
            collect(rows)
        })
        .await
    }
}
