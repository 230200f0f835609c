//! The subscription ledger for webhook actions: every subscribe and unsubscribe the engine
//! asks for is recorded (masked request, `Pending`) in the same write as the events that
//! ask for it, and settled (`Succeeded`/`Failed` with the response) in the write that
//! feeds its result back. The run's journal stays the authority for recovery; the ledger
//! is what the API and an operator read to see what was sent and what came back.

use super::error::Result;
use super::projection::store_key;
use crate::auth::recorded_request;
use crate::executor::outbound_request;
use chrono::{DateTime, Utc};
use hookflow_engine::{ActionKey, Effect, HttpOutcome, Input};
use hookflow_store::{
    LedgerChange, LedgerEntry, LedgerId, LedgerOperation, LedgerState, LedgerTarget, LedgerUpdate,
    RunId, WorkflowName,
};
use serde_json::{json, Value};

/// Deterministic, so the write that settles an entry finds it without a lookup.
fn ledger_id(
    run: &RunId,
    key: &ActionKey,
    operation: LedgerOperation,
    attempt: u32,
) -> Result<LedgerId> {
    Ok(LedgerId::new(format!(
        "{run}:{key}:{}:{attempt}",
        operation.as_str()
    ))?)
}

/// New entries for the subscribe/unsubscribe effects of one decision.
pub(crate) fn record(
    effects: &[Effect],
    workflow: &WorkflowName,
    run: &RunId,
    now: DateTime<Utc>,
) -> Result<Vec<LedgerChange>> {
    let mut changes = Vec::new();
    for effect in effects {
        let (key, operation, attempt, request) = match effect {
            Effect::Subscribe {
                key,
                attempt,
                request,
            } => (key, LedgerOperation::Subscribe, *attempt, request),
            Effect::Unsubscribe { key, request } => (key, LedgerOperation::Unsubscribe, 0, request),
            _ => continue,
        };
        let recorded = recorded_request(&outbound_request(request.clone(), Default::default()));
        changes.push(LedgerChange::Record(LedgerEntry {
            id: ledger_id(run, key, operation, attempt)?,
            workflow: workflow.clone(),
            target: LedgerTarget::Action {
                run: run.clone(),
                key: store_key(key),
            },
            operation,
            request: recorded,
            response: None,
            state: LedgerState::Pending,
            created_at: now,
            updated_at: now,
            workflow_deleted: false,
        }));
    }
    Ok(changes)
}

/// Whether `input` is an answer that [`settle`] records in the ledger.
pub(crate) fn is_ledgered(input: &Input) -> bool {
    matches!(
        input,
        Input::SubscribeResult { .. } | Input::UnsubscribeResult { .. }
    )
}

/// The settling update when `input` is a subscribe or unsubscribe result.
pub(crate) fn settle(
    input: &Input,
    run: &RunId,
    now: DateTime<Utc>,
) -> Result<Option<LedgerChange>> {
    let (key, operation, attempt, outcome) = match input {
        Input::SubscribeResult {
            key,
            attempt,
            outcome,
        } => (key, LedgerOperation::Subscribe, *attempt, outcome),
        Input::UnsubscribeResult { key, outcome } => {
            (key, LedgerOperation::Unsubscribe, 0, outcome)
        }
        _ => return Ok(None),
    };
    let (state, response) = match outcome {
        HttpOutcome::Response {
            status,
            headers,
            body,
        } => (
            if (200..=299).contains(status) {
                LedgerState::Succeeded
            } else {
                LedgerState::Failed
            },
            json!({ "statusCode": status, "headers": headers, "body": body }),
        ),
        HttpOutcome::Failure { kind, message } => (
            LedgerState::Failed,
            json!({ "error": { "code": kind.code(), "message": message } }),
        ),
    };
    Ok(Some(LedgerChange::Update(LedgerUpdate {
        id: ledger_id(run, key, operation, attempt)?,
        state,
        response: Some(response).filter(|r: &Value| !r.is_null()),
        at: now,
    })))
}
