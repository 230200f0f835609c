//! Runs, journals, action records and trigger histories in PostgreSQL, and the encoding of
//! `RunChanges` that `create_run` and `append` hand to the write functions.

use hookflow_store::{
    timestamp, ActionRecord, Append, Creation, Entity, Error, HistoryId, JournalEntry,
    LedgerChange, NewRun, Page, PageRequest, Result, Run, RunChanges, RunId, RunQuery, RunStatus,
    RunStore, RunTrigger, Runnable, StoredEntry, TimerChange, TriggerHistory, TriggerName,
    WaitingRuns, WorkflowName,
};
use serde_json::{json, Map, Value};
use tokio_postgres::Row;

use crate::codec::{
    json_text, micros, opt_json_text, opt_micros, signed, stored, time, unsigned, Sql,
};
use crate::commit::Op;
use crate::ledger::ledger_argument;
use crate::PostgresStore;

macro_rules! run_columns {
    () => {
        "id, workflow, version, status, start_time, end_time, trigger_name, trigger_status, \
         trigger_code, trigger_outputs, trigger_at, outputs, error, client_tracking_id, position"
    };
}

macro_rules! history_columns {
    () => {
        "workflow, trigger, id, start_time, end_time, status, code, fired, run, inputs, \
         outputs, error"
    };
}

macro_rules! action_columns {
    () => {
        "name, repetition, status, code, start_time, end_time, inputs, outputs, error"
    };
}

/// The record shown for each action name: outside loops if there is one, else the latest
/// written repetition.
macro_rules! shown_actions {
    () => {
        concat!(
            "SELECT ",
            action_columns!(),
            " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY name \
               ORDER BY repetition = '' DESC, seq DESC) AS pick FROM action WHERE run = $1 \
             ) AS a WHERE pick = 1"
        )
    };
}

fn run_row(row: &Row) -> Result<Run> {
    hookflow_store::sql_row::run(&crate::codec::Cols(row))
}

fn action_row(row: &Row) -> Result<ActionRecord> {
    hookflow_store::sql_row::action(&crate::codec::Cols(row))
}

fn history_row(row: &Row) -> Result<TriggerHistory> {
    hookflow_store::sql_row::history(&crate::codec::Cols(row))
}

fn entries_argument(entries: &[JournalEntry]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|e| json!({"kind": e.kind, "payload": e.payload, "at": micros(e.at)}))
            .collect(),
    )
}

pub(crate) fn history_argument(history: &TriggerHistory) -> Value {
    json!({
        "workflow": history.workflow.as_str(),
        "trigger": history.trigger.as_str(),
        "id": history.id.as_str(),
        "start_time": micros(history.start_time),
        "end_time": opt_micros(history.end_time),
        "status": history.status.as_str(),
        "code": history.code,
        "fired": history.fired,
        "run": history.run.as_ref().map(RunId::as_str),
        "inputs": opt_json_text(&history.inputs),
        "outputs": opt_json_text(&history.outputs),
        "error": opt_json_text(&history.error),
    })
}

/// `RunChanges` as the write functions read them; empty parts are left out.
fn changes_argument(changes: &RunChanges) -> Result<Value> {
    let mut out = Map::new();
    if let Some(summary) = &changes.summary {
        out.insert(
            "summary".into(),
            json!({
                "status": summary.status.as_str(),
                "end_time": opt_micros(summary.end_time),
                "outputs": opt_json_text(&summary.outputs),
                "error": opt_json_text(&summary.error),
            }),
        );
    }
    if !changes.timers.is_empty() {
        let timers = changes
            .timers
            .iter()
            .map(|change| match change {
                TimerChange::Schedule { id, due, payload } => json!({
                    "op": "schedule", "id": id.as_str(), "due": micros(*due),
                    "payload": json_text(payload),
                }),
                TimerChange::Cancel { id } => json!({"op": "cancel", "id": id.as_str()}),
            })
            .collect();
        out.insert("timers".into(), Value::Array(timers));
    }
    if let Some(runnable) = changes.runnable {
        let at = match runnable {
            Runnable::At(at) => Some(micros(at)),
            Runnable::Idle => None,
        };
        out.insert("runnable".into(), json!({ "at": at }));
    }
    if !changes.consume_callbacks.is_empty() {
        let ids = changes
            .consume_callbacks
            .iter()
            .map(|id| signed(id.0).map(Value::from))
            .collect::<Result<Vec<_>>>()?;
        out.insert("consume".into(), Value::Array(ids));
    }
    if !changes.ledger.is_empty() {
        let ledger = changes
            .ledger
            .iter()
            .map(|change| match change {
                LedgerChange::Record(entry) => {
                    let mut value = ledger_argument(entry);
                    value["op"] = json!("record");
                    value
                }
                LedgerChange::Update(update) => json!({
                    "op": "update",
                    "id": update.id.as_str(),
                    "state": update.state.as_str(),
                    "response": opt_json_text(&update.response),
                    "at": micros(update.at),
                }),
            })
            .collect();
        out.insert("ledger".into(), Value::Array(ledger));
    }
    if !changes.actions.is_empty() {
        let actions = changes
            .actions
            .iter()
            .map(|record| {
                json!({
                    "name": record.key.name,
                    "repetition": record.key.repetition.name(),
                    "status": record.status.as_str(),
                    "code": record.code,
                    "start_time": opt_micros(record.start_time),
                    "end_time": opt_micros(record.end_time),
                    "inputs": opt_json_text(&record.inputs),
                    "outputs": opt_json_text(&record.outputs),
                    "error": opt_json_text(&record.error),
                })
            })
            .collect();
        out.insert("actions".into(), Value::Array(actions));
    }
    Ok(Value::Object(out))
}

/// The record a successful creation wrote, built from the request rather than read back
/// (one round trip less on the hottest write); times truncated as the database keeps them.
fn created_record(new: &NewRun) -> Run {
    let summary = new.changes.summary.as_ref();
    Run {
        id: new.id.clone(),
        workflow: new.workflow.clone(),
        version: new.version,
        status: summary.map_or(new.status, |s| s.status),
        start_time: timestamp::truncate(new.start_time),
        end_time: summary.and_then(|s| s.end_time).map(timestamp::truncate),
        trigger: RunTrigger {
            at: timestamp::truncate(new.trigger.at),
            ..new.trigger.clone()
        },
        outputs: summary.and_then(|s| s.outputs.clone()),
        error: summary.and_then(|s| s.error.clone()),
        client_tracking_id: new.client_tracking_id.clone(),
        position: new.entries.len() as u64,
    }
}

impl PostgresStore {
    async fn require_run(&self, run: &RunId) -> Result<()> {
        self.readers()
            .query_opt("SELECT 1 FROM run WHERE id = $1", &[&run.as_str()])
            .await?
            .map(|_| ())
            .ok_or_else(|| Error::not_found(Entity::Run, run))
    }
}

impl RunStore for PostgresStore {
    async fn create_run(&self, new: NewRun) -> Result<Creation> {
        let argument = json!({
            "id": new.id.as_str(),
            "workflow": new.workflow.as_str(),
            "version": signed(new.version.0)?,
            "status": new.status.as_str(),
            "start_time": micros(new.start_time),
            "trigger_name": new.trigger.name.as_str(),
            "trigger_status": new.trigger.status.as_str(),
            "trigger_code": new.trigger.code,
            "trigger_outputs": opt_json_text(&new.trigger.outputs),
            "trigger_at": micros(new.trigger.at),
            "client_tracking_id": new.client_tracking_id,
            "idempotency_key": new.idempotency_key,
            "entries": entries_argument(&new.entries),
            "history": new.records_history.then(|| history_argument(&new.fired_history())),
            "changes": changes_argument(&new.changes)?,
        });
        let done = self
            .write(Op::CreateRun, new.id.as_str(), &argument)
            .await?;
        if let Some(original) = done.get("duplicate").and_then(Value::as_str) {
            return Ok(Creation::Duplicate {
                original: stored(RunId::parse(original))?,
            });
        }
        Ok(Creation::Created(Box::new(created_record(&new))))
    }

    async fn append(&self, append: Append) -> Result<u64> {
        let argument = json!({
            "run": append.run.as_str(),
            "expected": signed(append.expected_position)?,
            "lease": append.lease.as_ref().map(|l| json!({
                "owner": l.owner.as_str(),
                "epoch": l.epoch,
            })),
            "entries": entries_argument(&append.entries),
            "changes": changes_argument(&append.changes)?,
        });
        let position = self
            .write(Op::Append, append.run.as_str(), &argument)
            .await?;
        position
            .as_u64()
            .ok_or_else(|| Error::internal("append answered no position"))
    }

    async fn load_journal(&self, run: &RunId, from: u64) -> Result<Vec<StoredEntry>> {
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        // One round trip: the run's existence rides along as a row with no entry.
        let rows = self
            .readers()
            .query(
                "SELECT j.position, j.kind, j.payload, j.at FROM run r \
                 LEFT JOIN journal j ON j.run = r.id AND j.position >= $2 \
                 WHERE r.id = $1 ORDER BY j.position",
                &[&run.as_str(), &from],
            )
            .await?;
        if rows.is_empty() {
            return Err(Error::not_found(Entity::Run, run));
        }
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(position) = row.try_get::<_, Option<i64>>(0).sql()? else {
                continue;
            };
            entries.push(StoredEntry {
                position: unsigned(position)?,
                entry: JournalEntry {
                    kind: row.try_get(1).sql()?,
                    payload: row.try_get(2).sql()?,
                    at: time(row.try_get(3).sql()?)?,
                },
            });
        }
        Ok(entries)
    }

    async fn get_run(&self, run: &RunId) -> Result<Run> {
        let row = self
            .readers()
            .query_opt(
                concat!("SELECT ", run_columns!(), " FROM run WHERE id = $1"),
                &[&run.as_str()],
            )
            .await?
            .ok_or_else(|| Error::not_found(Entity::Run, run))?;
        run_row(&row)
    }

    async fn list_runs(&self, query: RunQuery) -> Result<Page<Run>> {
        let top = query.page.checked_top()?;
        let before = query.page.continuation.map(|c| c.0);
        self.require_workflow(&query.workflow).await?;
        let rows = self
            .readers()
            .query(
                concat!(
                    "SELECT ",
                    run_columns!(),
                    " FROM run WHERE workflow = $1 AND ($2::text IS NULL OR status = $2) \
                     AND ($3::text IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
                ),
                &[
                    &query.workflow.as_str(),
                    &query.status.map(RunStatus::as_str),
                    &before,
                    &((top + 1) as i64),
                ],
            )
            .await?;
        let items = rows.iter().map(run_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, top, |r| r.id.to_string()))
    }

    async fn list_actions(&self, run: &RunId) -> Result<Vec<ActionRecord>> {
        self.require_run(run).await?;
        let rows = self
            .readers()
            .query(
                concat!(shown_actions!(), " ORDER BY name"),
                &[&run.as_str()],
            )
            .await?;
        rows.iter().map(action_row).collect()
    }

    async fn get_action(&self, run: &RunId, name: &str) -> Result<ActionRecord> {
        self.require_run(run).await?;
        let row = self
            .readers()
            .query_opt(
                concat!(shown_actions!(), " AND name = $2"),
                &[&run.as_str(), &name],
            )
            .await?
            .ok_or_else(|| Error::not_found(Entity::Action, format!("{run}/{name}")))?;
        action_row(&row)
    }

    async fn list_repetitions(
        &self,
        run: &RunId,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<ActionRecord>> {
        let top = page.checked_top()?;
        let after = page.continuation.map(|c| c.0);
        self.require_run(run).await?;
        let rows = self
            .readers()
            .query(
                concat!(
                    "SELECT ",
                    action_columns!(),
                    " FROM action WHERE run = $1 AND name = $2 AND repetition <> '' \
                     AND ($3::text IS NULL OR repetition > $3) ORDER BY repetition LIMIT $4"
                ),
                &[&run.as_str(), &name, &after, &((top + 1) as i64)],
            )
            .await?;
        let items = rows.iter().map(action_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, top, |a| {
            a.key.repetition.name()
        }))
    }

    async fn record_trigger_history(&self, history: TriggerHistory) -> Result<()> {
        self.write(
            Op::RecordHistory,
            history.workflow.as_str(),
            &history_argument(&history),
        )
        .await?;
        Ok(())
    }

    async fn get_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        id: &HistoryId,
    ) -> Result<TriggerHistory> {
        let row = self
            .readers()
            .query_opt(
                concat!(
                    "SELECT ",
                    history_columns!(),
                    " FROM trigger_history WHERE workflow = $1 AND trigger = $2 AND id = $3"
                ),
                &[&workflow.as_str(), &trigger.as_str(), &id.as_str()],
            )
            .await?
            .ok_or_else(|| Error::not_found(Entity::TriggerHistory, id))?;
        history_row(&row)
    }

    async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        status: Option<RunStatus>,
        page: PageRequest,
    ) -> Result<Page<TriggerHistory>> {
        let top = page.checked_top()?;
        let before = page.continuation.map(|c| c.0);
        self.require_workflow(workflow).await?;
        let rows = self
            .readers()
            .query(
                concat!(
                    "SELECT ",
                    history_columns!(),
                    " FROM trigger_history WHERE workflow = $1 AND trigger = $2 \
                     AND ($3::text IS NULL OR status = $3) \
                     AND ($4::text IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
                ),
                &[
                    &workflow.as_str(),
                    &trigger.as_str(),
                    &status.map(RunStatus::as_str),
                    &before,
                    &((top + 1) as i64),
                ],
            )
            .await?;
        let items = rows.iter().map(history_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, top, |h| h.id.to_string()))
    }

    async fn waiting_runs(&self) -> Result<WaitingRuns> {
        // One statement, so both counts come from one snapshot. Each side reads a partial
        // index of migration 5 holding only waiting rows: parked runs from
        // `action_waiting` (the semi-join counts a run waiting in several actions once,
        // and drops finished runs: 'Running' and 'Waiting' are the statuses that are not
        // terminal); queued runs from `run_queued`.
        let row = self
            .readers()
            .query_opt(
                "SELECT \
                   (SELECT count(*) FROM run WHERE status IN ('Running', 'Waiting') \
                      AND id IN (SELECT run FROM action WHERE status = 'Waiting')), \
                   (SELECT count(*) FROM run WHERE status = 'Waiting')",
                &[],
            )
            .await?
            .ok_or_else(|| Error::internal("the waiting-run counts returned no row"))?;
        Ok(WaitingRuns {
            callback: unsigned(row.try_get(0).sql()?)?,
            queued: unsigned(row.try_get(1).sql()?)?,
        })
    }
}
