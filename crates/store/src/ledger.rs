//! The webhook subscription ledger: every subscribe and unsubscribe request recorded
//! before it is sent and updated with what came back, so after a crash the runtime
//! reconciles (looks at `Pending`/`Sent` entries) instead of blindly repeating.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::id::{ActionKey, LedgerId, RunId, TriggerName, WorkflowName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerOperation {
    Subscribe,
    Unsubscribe,
}

impl LedgerOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerOperation::Subscribe => "Subscribe",
            LedgerOperation::Unsubscribe => "Unsubscribe",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "Subscribe" => Ok(LedgerOperation::Subscribe),
            "Unsubscribe" => Ok(LedgerOperation::Unsubscribe),
            _ => Err(Error::invalid("ledger operation", format!("'{value}'"))),
        }
    }
}

/// Where a request is in its life. `Pending`: recorded, maybe not sent; `Sent`: sent, and
/// either no answer recorded yet or (a trigger's exchange) the answer is in `response` but
/// what it leads to (the trigger's state) may not be written yet; `Succeeded`/`Failed`:
/// the answer is recorded and acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerState {
    Pending,
    Sent,
    Succeeded,
    Failed,
}

impl LedgerState {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerState::Pending => "Pending",
            LedgerState::Sent => "Sent",
            LedgerState::Succeeded => "Succeeded",
            LedgerState::Failed => "Failed",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        Ok(match value {
            "Pending" => LedgerState::Pending,
            "Sent" => LedgerState::Sent,
            "Succeeded" => LedgerState::Succeeded,
            "Failed" => LedgerState::Failed,
            _ => return Err(Error::invalid("ledger state", format!("'{value}'"))),
        })
    }

    /// Whether the answer is known.
    pub fn is_settled(self) -> bool {
        matches!(self, LedgerState::Succeeded | LedgerState::Failed)
    }
}

/// Whose subscription: a workflow's trigger, or an action of a run.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LedgerTarget {
    Trigger(TriggerName),
    Action { run: RunId, key: ActionKey },
}

/// One subscribe or unsubscribe request.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub id: LedgerId,
    pub workflow: WorkflowName,
    pub target: LedgerTarget,
    pub operation: LedgerOperation,
    /// The request as sent (method, uri, headers, body).
    pub request: Value,
    pub response: Option<Value>,
    pub state: LedgerState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set by the store when `workflow` is deleted. The entry stays as the record of what
    /// was sent (and, if unsettled, so a restart still sees the exchange in flight), but
    /// it belongs to the deleted workflow: a workflow created later under the same name
    /// does not see it in [`SubscriptionLedger::workflow_ledger`], and reconciliation must
    /// not act on the new workflow for it. Ignored when an entry is recorded (new entries
    /// belong to the live workflow).
    pub workflow_deleted: bool,
}

/// A change to an entry's state and response.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerUpdate {
    pub id: LedgerId,
    pub state: LedgerState,
    pub response: Option<Value>,
    pub at: DateTime<Utc>,
}

/// A ledger write made with a journal append.
#[derive(Debug, Clone, PartialEq)]
pub enum LedgerChange {
    /// Records a new entry; Conflict if the id exists.
    Record(LedgerEntry),
    /// Updates an entry; NotFound if it does not exist.
    Update(LedgerUpdate),
}

/// Ledger writes outside runs (trigger subscriptions) and reconciliation queries.
pub trait SubscriptionLedger {
    /// Records a new entry; Conflict if the id exists, NotFound if the workflow does not.
    fn record_ledger(&self, entry: LedgerEntry) -> impl Future<Output = Result<()>> + Send;

    /// Sets an entry's state and response; returns the entry as it now is. Works on
    /// entries of deleted workflows too, so an exchange that finishes after the delete is
    /// still recorded.
    fn update_ledger(
        &self,
        update: LedgerUpdate,
    ) -> impl Future<Output = Result<LedgerEntry>> + Send;

    fn get_ledger_entry(&self, id: &LedgerId) -> impl Future<Output = Result<LedgerEntry>> + Send;

    /// Entries without a known answer (`Pending`, `Sent`), oldest first: what a restarted
    /// node reconciles. Includes entries of deleted workflows (`workflow_deleted`).
    fn unsettled_ledger(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<LedgerEntry>>> + Send;

    /// The live workflow's entries (triggers and runs), oldest first; entries kept from an
    /// earlier, deleted workflow of the same name are not among them.
    fn workflow_ledger(
        &self,
        workflow: &WorkflowName,
    ) -> impl Future<Output = Result<Vec<LedgerEntry>>> + Send;
}
