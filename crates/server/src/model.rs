//! The resources the management API reads and writes, in the Logic Apps resource shape
//! (`{ "name", "properties": {…} }`). These are what a [`Backend`](crate::Backend) returns;
//! the server only serialises them, so they carry no HTTP knowledge.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use utoipa::ToSchema;

/// A workflow's name as it appears in `/api/workflows/{wf}` and callback URLs.
///
/// Names follow Logic Apps: 1–80 characters of letters, digits, `-`, `_`, `.`, `(`, `)`.
/// Only a PUT creates names, so only a PUT checks them ([`WorkflowName::parse`]); lookups
/// of any other string simply find nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct WorkflowName(String);

impl WorkflowName {
    /// The longest name Logic Apps accepts.
    pub const MAX_LEN: usize = 80;

    pub fn parse(name: &str) -> Result<WorkflowName, String> {
        if name.is_empty() || name.chars().count() > Self::MAX_LEN {
            return Err(format!(
                "The workflow name '{name}' must have 1 to {} characters.",
                Self::MAX_LEN
            ));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')')))
        {
            return Err(format!(
                "The workflow name '{name}' contains '{bad}'; use letters, digits, '-', '_', '.', '(' and ')'."
            ));
        }
        Ok(WorkflowName(name.to_string()))
    }

    /// Wraps a name taken from a request path without checking it (lookups only).
    pub fn from_path(name: String) -> WorkflowName {
        WorkflowName(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkflowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `properties.state` of a workflow (the REST enum's values that hookflow uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WorkflowState {
    Enabled,
    Disabled,
}

impl WorkflowState {
    pub const ALL: [WorkflowState; 2] = [WorkflowState::Enabled, WorkflowState::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowState::Enabled => "Enabled",
            WorkflowState::Disabled => "Disabled",
        }
    }
}

/// The status vocabulary of runs, actions and trigger histories (CONTRACT §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Status {
    Running,
    Waiting,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    Skipped,
    Aborted,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Running,
        Status::Waiting,
        Status::Succeeded,
        Status::Failed,
        Status::Cancelled,
        Status::TimedOut,
        Status::Skipped,
        Status::Aborted,
    ];

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

/// Which of a workflow's two access keys signs or is regenerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub enum KeyType {
    #[default]
    Primary,
    Secondary,
}

/// A workflow parameter's value as PUT and GET carry it: `{"value": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ParameterValue {
    #[schema(value_type = Object)]
    pub value: Value,
}

/// Body of `PUT /api/workflows/{wf}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowPut {
    pub properties: WorkflowPutProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowPutProperties {
    /// The workflow definition document (`$schema`, `triggers`, `actions`, …).
    #[schema(value_type = Object)]
    pub definition: Value,
    #[serde(default)]
    pub parameters: BTreeMap<String, ParameterValue>,
    /// `Enabled` when absent.
    #[serde(default)]
    pub state: Option<WorkflowState>,
}

/// A stored workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Workflow {
    pub name: WorkflowName,
    pub properties: WorkflowProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowProperties {
    pub state: WorkflowState,
    #[schema(value_type = Object)]
    pub definition: Value,
    pub parameters: BTreeMap<String, ParameterValue>,
    pub created_time: DateTime<Utc>,
    pub changed_time: DateTime<Utc>,
    /// Opaque version id; runs record the version they started with. A version resource
    /// (`GET /api/workflows/{wf}/versions/{v}`) has the same shape, named by this id.
    pub version: String,
}

/// What a PUT did: the server answers 201 for a new workflow and 200 for an update.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub created: bool,
    pub workflow: Workflow,
}

/// A list answer: `{ "value": [...], "nextLink"? }`. Backends return a continuation
/// token; the server turns it into the `nextLink` URL (`$skiptoken`), since only it knows
/// the public base URL and the query the caller sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub value: Vec<T>,
    pub continuation: Option<String>,
}

impl<T> Page<T> {
    pub fn complete(value: Vec<T>) -> Page<T> {
        Page {
            value,
            continuation: None,
        }
    }
}

/// A trigger of a workflow, with its webhook subscription state when it is an
/// HttpWebhook trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trigger {
    pub name: String,
    pub properties: TriggerProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerProperties {
    /// The trigger's `type` in the definition (`Request`, `HttpWebhook`, `Recurrence`, …).
    #[serde(rename = "type")]
    pub trigger_type: String,
    pub state: WorkflowState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_execution_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Subscription>,
}

/// The subscription state of an HttpWebhook trigger and the last exchanges with the
/// subscribed service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub state: SubscriptionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_subscribe: Option<SubscriptionExchange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_unsubscribe: Option<SubscriptionExchange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SubscriptionState {
    Subscribed,
    Unsubscribed,
    Failed,
}

/// One subscribe or unsubscribe call as recorded in the subscription ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionExchange {
    pub at: DateTime<Utc>,
    /// The HTTP status the service answered; absent when no answer came (connection error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Body of `POST …/triggers/{t}/listCallbackUrl` (optional).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallbackUrlRequest {
    #[serde(default)]
    pub not_after: Option<DateTime<Utc>>,
    #[serde(default)]
    pub key_type: Option<KeyType>,
}

/// Answer of `listCallbackUrl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallbackUrl {
    pub value: String,
    pub method: String,
    pub base_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_path: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relative_path_parameters: Vec<String>,
    pub queries: CallbackQueries,
}

/// The query parameters of a signed callback URL, raw as they appear in it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct CallbackQueries {
    #[serde(
        rename = "api-version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se: Option<String>,
}

/// Body of `POST /api/workflows/{wf}/regenerateAccessKey`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegenerateKeyRequest {
    pub key_type: KeyType,
}

/// What firing a trigger (by hand or by resubmitting a history) started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Fired {
    /// The run started, when the trigger fired one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunRef {
    pub name: String,
}

/// One trigger evaluation and whether it fired a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TriggerHistory {
    pub name: String,
    pub properties: TriggerHistoryProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerHistoryProperties {
    pub start_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub fired: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
}

/// A run of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Run {
    pub name: String,
    pub properties: RunProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunProperties {
    pub status: Status,
    pub start_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    pub trigger: RunTrigger,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub outputs: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<Correlation>,
    /// The workflow version the run started with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The same version as Logic Apps names it (`properties.workflow.name`), so clients
    /// written for Logic Apps find `GET /api/workflows/{wf}/versions/{name}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<VersionRef>,
}

/// A reference to one saved version of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionRef {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunTrigger {
    pub name: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub outputs: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Correlation {
    pub client_tracking_id: String,
}

/// An action of a run (or one repetition of it inside a loop), inputs and outputs inline
/// and already masked by `secureData`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunAction {
    pub name: String,
    pub properties: RunActionProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunActionProperties {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub outputs: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
    /// For a repetition: the loop indexes that identify it (`[{scopeName, itemIndex}]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repetition_indexes: Vec<RepetitionIndex>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepetitionIndex {
    pub scope_name: String,
    pub item_index: u64,
}

/// `GET /healthz`: overall status plus one entry per component (store, engine, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: HealthStatus,
    #[serde(default)]
    pub components: BTreeMap<String, ComponentHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ComponentHealth {
    pub status: HealthStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `Unhealthy` answers 503 so load balancers stop sending traffic; the others 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

/// Application metrics the backend reports at scrape time (queue depths, waiting runs, …).
/// The server adds its own HTTP metrics and renders both as Prometheus text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsSnapshot {
    pub families: Vec<MetricFamily>,
}

/// One metric name with its samples. Names must be valid Prometheus names; the server
/// skips (and logs) a family it cannot render rather than failing the scrape.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFamily {
    pub name: String,
    pub help: String,
    pub kind: MetricKind,
    pub samples: Vec<MetricSample>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A value that only grows (rendered as a Prometheus counter).
    Counter,
    /// A value that goes up and down.
    Gauge,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricSample {
    pub labels: Vec<(String, String)>,
    pub value: f64,
}
