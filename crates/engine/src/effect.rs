//! What `decide` asks the runtime to do, after it has persisted the decision's events.
//! Effects are at-least-once; each carries enough identity (key, attempt, timer id) for
//! the runtime to deduplicate.

use crate::key::{ActionKey, TimerId};
use crate::status::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Duration;

/// An evaluated outbound request (Http action attempt, webhook subscribe/unsubscribe).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundRequest {
    pub method: String,
    pub uri: String,
    #[serde(default)]
    pub headers: Map<String, Value>,
    #[serde(default)]
    pub queries: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// `inputs.authentication` as evaluated (the runtime signs/authenticates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Value>,
    /// Per-request timeout; `None` = the runtime's default outbound timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// `SuppressWorkflowHeaders`: do not add the `x-ms-workflow-*` headers.
    #[serde(default)]
    pub suppress_workflow_headers: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Effect {
    /// Send one attempt; answer with `Input::HttpResult { key, attempt, … }`.
    Http {
        key: ActionKey,
        attempt: u32,
        request: OutboundRequest,
    },
    /// Send one subscribe attempt; answer with `Input::SubscribeResult`.
    Subscribe {
        key: ActionKey,
        attempt: u32,
        request: OutboundRequest,
    },
    /// Send the unsubscribe call; answer with `Input::UnsubscribeResult`.
    Unsubscribe {
        key: ActionKey,
        request: OutboundRequest,
    },
    /// Store a durable timer; answer with `Input::TimerFired { id }` at or after `due`.
    ScheduleTimer { id: TimerId, due: DateTime<Utc> },
    /// Drop a timer that is no longer needed (firing it anyway is harmless).
    CancelTimer { id: TimerId },
    /// Answer the Request trigger's caller (Response action).
    Respond {
        status: u16,
        headers: Map<String, Value>,
        body: Value,
    },
    /// The run is over: free its trigger-concurrency slot; a Request-trigger caller still
    /// waiting for a Response gets 502 (`responded == false`).
    RunFinished { status: Status, responded: bool },
    /// This decision started `EngineConfig::actions_per_step` actions and left the rest
    /// that are ready for the next one: answer with `Input::Continue`.
    Continue,
}

impl Effect {
    /// An outbound HTTP call whose result comes back to the run as an input.
    pub fn is_outbound_call(&self) -> bool {
        matches!(
            self,
            Effect::Http { .. } | Effect::Subscribe { .. } | Effect::Unsubscribe { .. }
        )
    }
}
