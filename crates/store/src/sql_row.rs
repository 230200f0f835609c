//! Records rebuilt from SQL rows, the same for every SQL backend: each backend selects the
//! columns in the order these functions read them and wraps its driver's row in
//! [`SqlRow`]; the decoding (names, statuses, JSON, times) lives here once.

use serde_json::{json, Value};

use crate::columns::{json, json_text, micros, opt_json, opt_time, stored, time, unsigned};
use crate::error::{Error, Result};
use crate::{
    ActionKey, ActionRecord, Callback, CallbackId, Exchange, HistoryId, LedgerEntry, LedgerId,
    LedgerOperation, LedgerState, LedgerTarget, Repetition, Run, RunId, RunStatus, RunTrigger,
    SubscriptionStatus, Timer, TimerId, TriggerHistory, TriggerName, TriggerState, VersionId,
    Workflow, WorkflowName, WorkflowState, WorkflowVersion,
};

/// One result row, read by column position; driver errors already mapped.
pub trait SqlRow {
    fn text(&self, column: usize) -> Result<String>;
    fn opt_text(&self, column: usize) -> Result<Option<String>>;
    fn int(&self, column: usize) -> Result<i64>;
    fn opt_int(&self, column: usize) -> Result<Option<i64>>;
    fn flag(&self, column: usize) -> Result<bool>;
}

/// Columns: id, workflow, version, status, start_time, end_time, trigger_name,
/// trigger_status, trigger_code, trigger_outputs, trigger_at, outputs, error,
/// client_tracking_id, position.
pub fn run(row: &impl SqlRow) -> Result<Run> {
    Ok(Run {
        id: stored(RunId::parse(&row.text(0)?))?,
        workflow: stored(WorkflowName::new(row.text(1)?))?,
        version: VersionId(unsigned(row.int(2)?)?),
        status: stored(RunStatus::parse(&row.text(3)?))?,
        start_time: time(row.int(4)?)?,
        end_time: opt_time(row.opt_int(5)?)?,
        trigger: RunTrigger {
            name: stored(TriggerName::new(row.text(6)?))?,
            status: stored(RunStatus::parse(&row.text(7)?))?,
            code: row.opt_text(8)?,
            outputs: opt_json(row.opt_text(9)?)?,
            at: time(row.int(10)?)?,
        },
        outputs: opt_json(row.opt_text(11)?)?,
        error: opt_json(row.opt_text(12)?)?,
        client_tracking_id: row.text(13)?,
        position: unsigned(row.int(14)?)?,
    })
}

/// Columns: name, repetition, status, code, start_time, end_time, inputs, outputs, error.
pub fn action(row: &impl SqlRow) -> Result<ActionRecord> {
    Ok(ActionRecord {
        key: ActionKey {
            name: row.text(0)?,
            repetition: stored(Repetition::parse(&row.text(1)?))?,
        },
        status: stored(RunStatus::parse(&row.text(2)?))?,
        code: row.opt_text(3)?,
        start_time: opt_time(row.opt_int(4)?)?,
        end_time: opt_time(row.opt_int(5)?)?,
        inputs: opt_json(row.opt_text(6)?)?,
        outputs: opt_json(row.opt_text(7)?)?,
        error: opt_json(row.opt_text(8)?)?,
    })
}

/// Columns: workflow, trigger, id, start_time, end_time, status, code, fired, run, inputs,
/// outputs, error.
pub fn history(row: &impl SqlRow) -> Result<TriggerHistory> {
    Ok(TriggerHistory {
        workflow: stored(WorkflowName::new(row.text(0)?))?,
        trigger: stored(TriggerName::new(row.text(1)?))?,
        id: stored(HistoryId::new(row.text(2)?))?,
        start_time: time(row.int(3)?)?,
        end_time: opt_time(row.opt_int(4)?)?,
        status: stored(RunStatus::parse(&row.text(5)?))?,
        code: row.opt_text(6)?,
        fired: row.flag(7)?,
        run: row
            .opt_text(8)?
            .map(|id| stored(RunId::parse(&id)))
            .transpose()?,
        inputs: opt_json(row.opt_text(9)?)?,
        outputs: opt_json(row.opt_text(10)?)?,
        error: opt_json(row.opt_text(11)?)?,
    })
}

/// Columns: id, workflow, trigger, run, action, repetition, operation, request, response,
/// state, created_at, updated_at, workflow_deleted.
pub fn ledger(row: &impl SqlRow) -> Result<LedgerEntry> {
    let target = match (row.opt_text(2)?, row.opt_text(3)?, row.opt_text(4)?) {
        (Some(trigger), None, None) => LedgerTarget::Trigger(stored(TriggerName::new(trigger))?),
        (None, Some(run), Some(name)) => LedgerTarget::Action {
            run: stored(RunId::parse(&run))?,
            key: ActionKey {
                name,
                repetition: stored(Repetition::parse(row.opt_text(5)?.as_deref().unwrap_or("")))?,
            },
        },
        _ => {
            return Err(Error::internal(
                "ledger row names neither a trigger nor an action",
            ))
        }
    };
    Ok(LedgerEntry {
        id: stored(LedgerId::new(row.text(0)?))?,
        workflow: stored(WorkflowName::new(row.text(1)?))?,
        target,
        operation: stored(LedgerOperation::parse(&row.text(6)?))?,
        request: json(&row.text(7)?)?,
        response: opt_json(row.opt_text(8)?)?,
        state: stored(LedgerState::parse(&row.text(9)?))?,
        created_at: time(row.int(10)?)?,
        updated_at: time(row.int(11)?)?,
        workflow_deleted: row.flag(12)?,
    })
}

/// Columns: run, id, due, payload.
pub fn timer(row: &impl SqlRow) -> Result<Timer> {
    Ok(Timer {
        run: stored(RunId::parse(&row.text(0)?))?,
        id: stored(TimerId::new(row.text(1)?))?,
        due: time(row.int(2)?)?,
        payload: json(&row.text(3)?)?,
    })
}

/// Columns: id, run, action, repetition, idempotency_key, payload, received_at, consumed.
pub fn callback(row: &impl SqlRow) -> Result<Callback> {
    Ok(Callback {
        id: CallbackId(unsigned(row.int(0)?)?),
        run: stored(RunId::parse(&row.text(1)?))?,
        action: ActionKey {
            name: row.text(2)?,
            repetition: stored(Repetition::parse(&row.text(3)?))?,
        },
        idempotency_key: row.opt_text(4)?,
        payload: json(&row.text(5)?)?,
        received_at: time(row.int(6)?)?,
        consumed: row.flag(7)?,
    })
}

/// Columns: name, version, state, definition, parameters, created_at, changed_at.
pub fn workflow(row: &impl SqlRow) -> Result<Workflow> {
    Ok(Workflow {
        name: stored(WorkflowName::new(row.text(0)?))?,
        version: VersionId(unsigned(row.int(1)?)?),
        state: stored(WorkflowState::parse(&row.text(2)?))?,
        definition: json(&row.text(3)?)?,
        parameters: json(&row.text(4)?)?,
        created_at: time(row.int(5)?)?,
        changed_at: time(row.int(6)?)?,
    })
}

/// Columns: name, version, definition, parameters, created_at.
pub fn version(row: &impl SqlRow) -> Result<WorkflowVersion> {
    Ok(WorkflowVersion {
        name: stored(WorkflowName::new(row.text(0)?))?,
        version: VersionId(unsigned(row.int(1)?)?),
        definition: json(&row.text(2)?)?,
        parameters: json(&row.text(3)?)?,
        created_at: time(row.int(4)?)?,
    })
}

/// Columns: trigger, subscription, last_subscribe, last_unsubscribe, updated_at.
pub fn trigger_state(row: &impl SqlRow) -> Result<TriggerState> {
    Ok(TriggerState {
        trigger: stored(TriggerName::new(row.text(0)?))?,
        subscription: stored(SubscriptionStatus::parse(&row.text(1)?))?,
        last_subscribe: exchange(row.opt_text(2)?)?,
        last_unsubscribe: exchange(row.opt_text(3)?)?,
        updated_at: time(row.int(4)?)?,
    })
}

/// A trigger's last subscribe or unsubscribe exchange as one JSON text column.
pub fn exchange_text(exchange: &Option<Exchange>) -> Option<String> {
    exchange.as_ref().map(|e| {
        json_text(&json!({"request": e.request, "response": e.response, "at": micros(e.at)}))
    })
}

fn exchange(text: Option<String>) -> Result<Option<Exchange>> {
    let Some(text) = text else { return Ok(None) };
    let value = json(&text)?;
    let at = value["at"]
        .as_i64()
        .ok_or_else(|| Error::internal("stored exchange has no time"))?;
    Ok(Some(Exchange {
        request: value["request"].clone(),
        response: match &value["response"] {
            Value::Null => None,
            other => Some(other.clone()),
        },
        at: time(at)?,
    }))
}
