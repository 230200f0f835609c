//! The webhook subscription ledger in PostgreSQL.

use hookflow_store::{
    Entity, Error, LedgerEntry, LedgerId, LedgerTarget, LedgerUpdate, Result, SubscriptionLedger,
    WorkflowName,
};
use serde_json::{json, Value};
use tokio_postgres::Row;

use crate::codec::{json_text, micros, opt_json_text};
use crate::commit::Op;
use crate::PostgresStore;

macro_rules! ledger_select {
    () => {
        "SELECT id, workflow, trigger, run, action, repetition, operation, request, response, \
         state, created_at, updated_at, workflow_deleted FROM ledger "
    };
}

/// A new entry as the write functions read it.
pub(crate) fn ledger_argument(entry: &LedgerEntry) -> Value {
    let (trigger, run, action, repetition) = match &entry.target {
        LedgerTarget::Trigger(trigger) => (Some(trigger.as_str()), None, None, None),
        LedgerTarget::Action { run, key } => (
            None,
            Some(run.as_str()),
            Some(key.name.as_str()),
            Some(key.repetition.name()),
        ),
    };
    json!({
        "id": entry.id.as_str(),
        "workflow": entry.workflow.as_str(),
        "trigger": trigger,
        "run": run,
        "action": action,
        "repetition": repetition,
        "operation": entry.operation.as_str(),
        "request": json_text(&entry.request),
        "response": opt_json_text(&entry.response),
        "state": entry.state.as_str(),
        "created_at": micros(entry.created_at),
        "updated_at": micros(entry.updated_at),
    })
}

fn ledger_row(row: &Row) -> Result<LedgerEntry> {
    hookflow_store::sql_row::ledger(&crate::codec::Cols(row))
}

impl SubscriptionLedger for PostgresStore {
    async fn record_ledger(&self, entry: LedgerEntry) -> Result<()> {
        self.write(
            Op::RecordLedger,
            entry.workflow.as_str(),
            &ledger_argument(&entry),
        )
        .await?;
        Ok(())
    }

    async fn update_ledger(&self, update: LedgerUpdate) -> Result<LedgerEntry> {
        self.write(
            Op::UpdateLedger,
            update.id.as_str(),
            &json!({
                "id": update.id.as_str(),
                "state": update.state.as_str(),
                "response": opt_json_text(&update.response),
                "at": micros(update.at),
            }),
        )
        .await?;
        self.get_ledger_entry(&update.id).await
    }

    async fn get_ledger_entry(&self, id: &LedgerId) -> Result<LedgerEntry> {
        let row = self
            .readers()
            .query_opt(concat!(ledger_select!(), "WHERE id = $1"), &[&id.as_str()])
            .await?
            .ok_or_else(|| Error::not_found(Entity::LedgerEntry, id))?;
        ledger_row(&row)
    }

    async fn unsettled_ledger(&self, limit: usize) -> Result<Vec<LedgerEntry>> {
        let rows = self
            .readers()
            .query(
                concat!(
                    ledger_select!(),
                    "WHERE state IN ('Pending', 'Sent') ORDER BY seq LIMIT $1"
                ),
                &[&(limit as i64)],
            )
            .await?;
        rows.iter().map(ledger_row).collect()
    }

    async fn workflow_ledger(&self, workflow: &WorkflowName) -> Result<Vec<LedgerEntry>> {
        self.require_workflow(workflow).await?;
        let rows = self
            .readers()
            .query(
                concat!(
                    ledger_select!(),
                    "WHERE workflow = $1 AND NOT workflow_deleted ORDER BY seq"
                ),
                &[&workflow.as_str()],
            )
            .await?;
        rows.iter().map(ledger_row).collect()
    }
}
