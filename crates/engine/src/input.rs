//! What the runtime hands to `decide`: the trigger that starts a run, results of effects,
//! callbacks, timers and cancellation.

use crate::event::{TriggerRecord, WorkflowRef};
use crate::key::{ActionKey, TimerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Input {
    /// Start the run with the trigger's outputs.
    Start {
        workflow: WorkflowRef,
        trigger: TriggerRecord,
    },
    /// The result of one `Effect::Http` attempt.
    HttpResult {
        key: ActionKey,
        attempt: u32,
        outcome: HttpOutcome,
    },
    /// The result of one `Effect::Subscribe` attempt.
    SubscribeResult {
        key: ActionKey,
        attempt: u32,
        outcome: HttpOutcome,
    },
    /// The result of `Effect::Unsubscribe`; recorded, never changes a status.
    UnsubscribeResult {
        key: ActionKey,
        outcome: HttpOutcome,
    },
    /// A webhook action's callback URL was called.
    Callback {
        key: ActionKey,
        headers: Value,
        body: Value,
        at: DateTime<Utc>,
    },
    TimerFired {
        id: TimerId,
    },
    /// Cancel the run (management API, workflow deleted).
    Cancel,
    /// Start the actions that are ready: the answer to [`crate::Effect::Continue`], and
    /// what recovery asks of a run that may have stopped between two parts of its work.
    Continue,
}

/// What came back from an outbound request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all_fields = "camelCase")]
pub enum HttpOutcome {
    Response {
        status: u16,
        #[serde(default)]
        headers: Map<String, Value>,
        #[serde(default)]
        body: Value,
    },
    Failure {
        kind: FailureKind,
        message: String,
    },
}

/// Why no response came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FailureKind {
    /// Could not connect, or the connection broke (retried).
    Connection,
    /// No answer within the request timeout (retried).
    Timeout,
    /// TLS handshake or certificate failure (not retried).
    Tls,
    /// The request could not be built or sent: bad URI, bad authentication (not retried).
    InvalidRequest,
    /// The response could not be read (e.g. declared JSON that is not JSON; not retried).
    InvalidResponse,
}

impl FailureKind {
    pub fn is_retryable(self) -> bool {
        matches!(self, FailureKind::Connection | FailureKind::Timeout)
    }

    /// The action's `code` when this failure is final.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Connection => "ConnectionFailure",
            FailureKind::Timeout => "RequestTimeout",
            FailureKind::Tls => "TlsFailure",
            FailureKind::InvalidRequest => "InvalidRequest",
            FailureKind::InvalidResponse => "BadRequest",
        }
    }
}
