//! Trigger histories: each time a trigger fired (with the run it started) or was skipped.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::id::{HistoryId, RunId, TriggerName, WorkflowName};
use crate::run::RunStatus;

#[derive(Debug, Clone, PartialEq)]
pub struct TriggerHistory {
    pub workflow: WorkflowName,
    pub trigger: TriggerName,
    /// Equal to the run id when the trigger fired a run; time-ordered in any case.
    pub id: HistoryId,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    /// `Succeeded`, `Skipped` or `Failed`.
    pub status: RunStatus,
    pub code: Option<String>,
    pub fired: bool,
    pub run: Option<RunId>,
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    pub error: Option<Value>,
}
