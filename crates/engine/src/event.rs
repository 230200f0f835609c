//! The journal: what happened to a run, in order. Events are stored, so their names and
//! fields are a stable format (`"type"` tag, camelCase fields); add fields with
//! `#[serde(default)]`, never rename.
//!
//! Every value `decide` computed (evaluated inputs and outputs, chosen branches, loop
//! items, timer due times) is in an event, so replaying with `apply` never evaluates an
//! expression, reads a clock or draws a random number.

use crate::key::{ActionKey, TimerId};
use crate::status::Status;
use chrono::{DateTime, Utc};
use hookflow_definition::Secured;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What identifies the workflow and the run to expressions (`workflow()`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRef {
    pub name: String,
    pub id: String,
    pub run_id: String,
}

/// The trigger's record: its name and outputs (`headers`, `body`, `queries`,
/// `relativePathParameters`, and `statusCode` for webhook/polling triggers).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerRecord {
    pub name: String,
    pub outputs: Value,
    /// When the trigger fired (the accepted request), which may precede the run start.
    pub at: DateTime<Utc>,
}

/// Which branch an If or Switch took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name")]
pub enum ChosenBranch {
    /// If true (`actions`).
    Actions,
    /// If false (`else`).
    Else,
    /// Switch case by its key in `cases`.
    Case(String),
    /// Switch `default` (also when the default branch is absent: nothing runs).
    Default,
}

/// What a timer is for; decides what its firing does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TimerPurpose {
    /// Send the next attempt of an action's outbound request (retry policy).
    Retry { key: ActionKey },
    /// Poll an asynchronous (202) operation at `location`.
    Poll { key: ActionKey, location: String },
    /// The action's `limit.timeout` lapses.
    ActionTimeout { key: ActionKey },
    /// A Wait action is done.
    Wait { key: ActionKey },
    /// The run-duration limit lapses.
    RunTimeout,
}

impl TimerPurpose {
    /// The action the timer belongs to (none for the run's own timer).
    pub fn key(&self) -> Option<&ActionKey> {
        match self {
            TimerPurpose::Retry { key }
            | TimerPurpose::Poll { key, .. }
            | TimerPurpose::ActionTimeout { key }
            | TimerPurpose::Wait { key } => Some(key),
            TimerPurpose::RunTimeout => None,
        }
    }
}

/// A change to run-wide state that an action's completion carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RunChange {
    /// InitializeVariable: declares the variable with its type.
    DeclareVariable {
        name: String,
        #[serde(rename = "variableType")]
        variable_type: String,
        value: Value,
    },
    /// Set/Increment/Decrement (and Append in journals written before `AppendToArray`):
    /// the variable's new value.
    SetVariable { name: String, value: Value },
    /// AppendToArrayVariable: the item appended. Only the item, so each append in a loop
    /// journals its own item rather than the whole array so far.
    AppendToArray { name: String, item: Value },
    /// AppendToStringVariable: the text appended.
    AppendToString { name: String, text: String },
    /// A Response action answered the trigger's request.
    Responded,
}

/// The outcome of an unsubscribe call, recorded on the action; it never changes the
/// action's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeRecord {
    /// `None` when no response came (connection failure, or the request could not be built).
    pub status_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Event {
    RunStarted {
        workflow: WorkflowRef,
        trigger: TriggerRecord,
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        parameters: Map<String, Value>,
        at: DateTime<Utc>,
    },
    /// An action that does not complete within one `decide` began (asynchronous actions,
    /// Scope, Until). Its evaluated inputs are here.
    ActionStarted {
        key: ActionKey,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        inputs: Value,
        #[serde(default, skip_serializing_if = "Secured::is_plain")]
        secure: Secured,
        at: DateTime<Utc>,
    },
    /// An If or Switch evaluated its expression (`value`) and took a branch.
    BranchChosen {
        key: ActionKey,
        branch: ChosenBranch,
        value: Value,
        at: DateTime<Utc>,
    },
    /// A Foreach evaluated its items (iterations are started in index order as the
    /// concurrency window allows, so their starts need no events).
    LoopStarted {
        key: ActionKey,
        items: Vec<Value>,
        at: DateTime<Utc>,
    },
    /// One iteration of a Foreach or Until finished with its aggregate status.
    IterationCompleted {
        key: ActionKey,
        index: usize,
        status: Status,
        at: DateTime<Utc>,
    },
    ActionCompleted {
        key: ActionKey,
        status: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        inputs: Value,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        outputs: Value,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        error: Value,
        #[serde(default, skip_serializing_if = "Secured::is_plain")]
        secure: Secured,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        change: Option<RunChange>,
        at: DateTime<Utc>,
    },
    TimerScheduled {
        id: TimerId,
        due: DateTime<Utc>,
        purpose: TimerPurpose,
    },
    /// A timer fired and was consumed (a duplicate firing finds it gone).
    TimerFired { id: TimerId, at: DateTime<Utc> },
    /// An HttpWebhook action's subscribe call succeeded; it now waits for its callback.
    WebhookSubscribed {
        key: ActionKey,
        outputs: Value,
        at: DateTime<Utc>,
    },
    /// A callback arrived while the subscribe call was still outstanding; it completes the
    /// action once the subscription is confirmed.
    CallbackReceived {
        key: ActionKey,
        headers: Value,
        body: Value,
        at: DateTime<Utc>,
    },
    /// The evaluated unsubscribe request sent for a webhook action.
    UnsubscribeRequested {
        key: ActionKey,
        request: Value,
        at: DateTime<Utc>,
    },
    UnsubscribeRecorded {
        key: ActionKey,
        result: UnsubscribeRecord,
        at: DateTime<Utc>,
    },
    RunCompleted {
        status: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        error: Value,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        outputs: Value,
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The event's type name: the `type` tag it is serialised with.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::RunStarted { .. } => "RunStarted",
            Event::ActionStarted { .. } => "ActionStarted",
            Event::BranchChosen { .. } => "BranchChosen",
            Event::LoopStarted { .. } => "LoopStarted",
            Event::IterationCompleted { .. } => "IterationCompleted",
            Event::ActionCompleted { .. } => "ActionCompleted",
            Event::TimerScheduled { .. } => "TimerScheduled",
            Event::TimerFired { .. } => "TimerFired",
            Event::WebhookSubscribed { .. } => "WebhookSubscribed",
            Event::CallbackReceived { .. } => "CallbackReceived",
            Event::UnsubscribeRequested { .. } => "UnsubscribeRequested",
            Event::UnsubscribeRecorded { .. } => "UnsubscribeRecorded",
            Event::RunCompleted { .. } => "RunCompleted",
        }
    }
}
