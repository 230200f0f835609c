//! Action records: what the API shows per action instance (`…/runs/{run}/actions/{a}` and
//! its repetitions).
//!
//! A projection written by the runtime with the journal append that changes it, not
//! derived from the journal: the store cannot read the engine's opaque events, and the
//! API must list a run's actions without replaying it. Writing both in one transaction
//! keeps them consistent.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::id::ActionKey;
use crate::run::RunStatus;

/// The latest state of one action instance. An upsert replaces the whole record.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    pub key: ActionKey,
    pub status: RunStatus,
    /// e.g. `OK`, `BadRequest`, `ActionTimedOut`.
    pub code: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    pub error: Option<Value>,
}
