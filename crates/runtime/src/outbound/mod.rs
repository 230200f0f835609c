//! One outbound HTTP request: the shell's half of the engine's `Http`, `Subscribe` and
//! `Unsubscribe` effects, and of a webhook trigger's subscribe on save.
//!
//! [`OutboundClient::execute`] makes exactly one attempt. Whether a response is a failure,
//! and whether to try again, is decided elsewhere: the engine for actions (durably, with
//! timers; see [`crate::retry::next_delay`]) and [`crate::retry::execute_with_retries`] for
//! the in-process subscribe on save.
//!
//! Bodies are encoded and decoded the way Logic Apps does ([`body`]); headers Logic Apps
//! drops are dropped and the `x-ms-workflow-*` headers added ([`headers`]).

pub mod body;
mod client;
pub mod headers;

pub use client::{ClientConfig, ClientError, OutboundClient};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Duration;

/// The identifying headers an outbound request carries (contract §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowHeaders {
    /// `x-ms-workflow-name`
    pub workflow_name: String,
    /// `x-ms-workflow-run-id`
    pub run_id: String,
    /// `x-ms-client-tracking-id` (the run id unless the trigger set one)
    pub client_tracking_id: String,
    /// `x-ms-workflow-operation-name`: the action or trigger making the call.
    pub operation_name: String,
}

/// An evaluated outbound request, as the definition describes it (`inputs` of Http, or
/// `subscribe`/`unsubscribe` of HttpWebhook) after expressions were evaluated.
#[derive(Clone, Default, PartialEq)]
pub struct OutboundRequest {
    pub method: String,
    pub uri: String,
    pub headers: Map<String, Value>,
    /// Appended to the URI's query as `name=value` (values that are not strings are
    /// written as JSON).
    pub queries: Map<String, Value>,
    pub body: Option<Value>,
    /// The evaluated `authentication` object, as in the definition. `{}` means none.
    pub authentication: Option<Value>,
    /// Per-request timeout; [`ClientConfig::default_timeout`] when absent.
    pub timeout: Option<Duration>,
    /// `operationOptions: SuppressWorkflowHeaders`
    pub suppress_workflow_headers: bool,
    pub workflow_headers: WorkflowHeaders,
}

impl std::fmt::Debug for OutboundRequest {
    // The derived form would print passwords and secrets; print the recorded, masked form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OutboundRequest({})",
            crate::auth::recorded_request(self)
        )
    }
}

/// The answer of the remote side, whatever its status code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundResponse {
    pub status_code: u16,
    /// Header names (lower case) to values; repeated headers joined with `, `.
    pub headers: Map<String, Value>,
    /// JSON, text, or a `$content-type`/`$content` envelope; `None` when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl OutboundResponse {
    /// `{statusCode, headers, body}`: the outputs of an Http action.
    pub fn to_outputs(&self) -> Value {
        let mut out = Map::new();
        out.insert("statusCode".into(), Value::from(self.status_code));
        out.insert("headers".into(), Value::Object(self.headers.clone()));
        if let Some(body) = &self.body {
            out.insert("body".into(), body.clone());
        }
        Value::Object(out)
    }

    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    }
}

/// Why no response was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FailureKind {
    /// DNS, refused or reset connection, broken stream. Retried by retry policies.
    Connection,
    /// No complete answer within the timeout. Retried by retry policies.
    Timeout,
    /// TLS handshake or certificate failure (either side's).
    Tls,
    /// The request cannot be sent as described (bad URI, method, header, body envelope).
    InvalidRequest,
    /// The `authentication` could not be applied (bad certificate, token request failed).
    Authentication,
    /// The answer was larger than [`ClientConfig::max_response_bytes`].
    ResponseTooLarge,
}

impl FailureKind {
    /// Whether retry policies retry this failure ("connectivity exceptions").
    pub fn is_transient(self) -> bool {
        matches!(self, FailureKind::Connection | FailureKind::Timeout)
    }
}

/// An attempt that produced no response. The message never contains secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{kind:?}: {message}")]
pub struct OutboundFailure {
    pub kind: FailureKind,
    pub message: String,
}

impl OutboundFailure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> OutboundFailure {
        OutboundFailure {
            kind,
            message: message.into(),
        }
    }
}
