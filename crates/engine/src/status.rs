//! Status vocabulary of runs, actions and loop iterations.

use hookflow_definition::model::RunAfterStatus;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The status of a run, an action or an iteration (the contract's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Status {
    Running,
    /// An asynchronous action parked on a callback, a timer or an outbound call.
    Waiting,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    Skipped,
    Aborted,
}

impl Status {
    /// Whether nothing more will happen to it.
    pub fn is_terminal(self) -> bool {
        !matches!(self, Status::Running | Status::Waiting)
    }

    /// Counts as an unhandled failure when it ends a branch.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Status::Failed | Status::TimedOut | Status::Cancelled | Status::Aborted
        )
    }

    /// The `runAfter` status this one is matched as (`Aborted`/`Cancelled` count as
    /// `Failed`: neither can be named in `runAfter`, and a handler for failures is the
    /// nearest intent).
    pub fn as_run_after(self) -> Option<RunAfterStatus> {
        Some(match self {
            Status::Succeeded => RunAfterStatus::Succeeded,
            Status::Failed | Status::Aborted | Status::Cancelled => RunAfterStatus::Failed,
            Status::Skipped => RunAfterStatus::Skipped,
            Status::TimedOut => RunAfterStatus::TimedOut,
            Status::Running | Status::Waiting => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "Running",
            Status::Waiting => "Waiting",
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::Cancelled => "Cancelled",
            Status::TimedOut => "TimedOut",
            Status::Skipped => "Skipped",
            Status::Aborted => "Aborted",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
