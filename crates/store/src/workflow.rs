//! Workflows: every save is a new version (runs record the version they started on), the
//! enabled/disabled state, the access keys that sign callback URLs, and per-trigger state.

use std::fmt;
use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::id::{TriggerName, VersionId, WorkflowName};
use crate::page::{Page, PageRequest};

/// Whether a workflow's triggers fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkflowState {
    Enabled,
    Disabled,
}

impl WorkflowState {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowState::Enabled => "Enabled",
            WorkflowState::Disabled => "Disabled",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "Enabled" => Ok(WorkflowState::Enabled),
            "Disabled" => Ok(WorkflowState::Disabled),
            _ => Err(Error::invalid("workflow state", format!("'{value}'"))),
        }
    }
}

/// What a save expects to replace, so two concurrent saves cannot silently overwrite each
/// other when the caller cares (e.g. a save that subscribed webhooks for the old version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionPrecondition {
    /// Save whatever is there.
    Any,
    /// Only create; Conflict if the workflow exists.
    Absent,
    /// Only replace this version; Conflict otherwise.
    Current(VersionId),
}

/// Which of the two access keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    Primary,
    Secondary,
}

/// A secret that signs callback URLs. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey(pub String);

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(***)")
    }
}

/// A workflow's two keys; regenerating one invalidates the URLs it signed while the
/// other keeps working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeys {
    pub primary: AccessKey,
    pub secondary: AccessKey,
}

/// A save of a workflow (`PUT /api/workflows/{wf}`).
#[derive(Debug, Clone)]
pub struct WorkflowSave {
    pub name: WorkflowName,
    pub definition: Value,
    pub parameters: Value,
    pub state: WorkflowState,
    pub at: DateTime<Utc>,
    pub expect: VersionPrecondition,
    /// Keys for a workflow saved for the first time. Ignored when the workflow exists:
    /// keys survive saves. The caller supplies the randomness; the store has none.
    pub initial_keys: AccessKeys,
}

/// A workflow as it is now: its current version plus its state.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    pub name: WorkflowName,
    pub version: VersionId,
    pub state: WorkflowState,
    pub definition: Value,
    pub parameters: Value,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// One saved version, kept for as long as the workflow exists.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowVersion {
    pub name: WorkflowName,
    pub version: VersionId,
    pub definition: Value,
    pub parameters: Value,
    pub created_at: DateTime<Utc>,
}

/// What a save did; `created` tells the API to answer 201 rather than 200.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveOutcome {
    pub workflow: Workflow,
    pub created: bool,
}

/// A webhook trigger's subscription as last known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    Unsubscribed,
    Subscribing,
    Subscribed,
    Unsubscribing,
    Failed,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Unsubscribed => "Unsubscribed",
            SubscriptionStatus::Subscribing => "Subscribing",
            SubscriptionStatus::Subscribed => "Subscribed",
            SubscriptionStatus::Unsubscribing => "Unsubscribing",
            SubscriptionStatus::Failed => "Failed",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        Ok(match value {
            "Unsubscribed" => SubscriptionStatus::Unsubscribed,
            "Subscribing" => SubscriptionStatus::Subscribing,
            "Subscribed" => SubscriptionStatus::Subscribed,
            "Unsubscribing" => SubscriptionStatus::Unsubscribing,
            "Failed" => SubscriptionStatus::Failed,
            _ => return Err(Error::invalid("subscription status", format!("'{value}'"))),
        })
    }
}

/// One request sent and the response that came back (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub request: Value,
    pub response: Option<Value>,
    pub at: DateTime<Utc>,
}

/// What the API shows for a trigger (`GET …/triggers/{t}`).
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerState {
    pub trigger: TriggerName,
    pub subscription: SubscriptionStatus,
    pub last_subscribe: Option<Exchange>,
    pub last_unsubscribe: Option<Exchange>,
    pub updated_at: DateTime<Utc>,
}

/// Workflows, their versions, keys and trigger state.
pub trait WorkflowStore {
    /// Saves a new version (the first save creates the workflow with version 1).
    fn put_workflow(&self, save: WorkflowSave) -> impl Future<Output = Result<SaveOutcome>> + Send;

    fn get_workflow(&self, name: &WorkflowName) -> impl Future<Output = Result<Workflow>> + Send;

    /// Workflows ordered by name; only those in `state` when it is given. The filter is
    /// applied before paging, so a page is short only when it is the last one.
    fn list_workflows(
        &self,
        state: Option<WorkflowState>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Workflow>>> + Send;

    /// Removes the workflow with its versions, keys, trigger state, trigger histories and
    /// all its runs (journals, timers, callbacks, actions). Its subscription-ledger entries
    /// are kept, marked `workflow_deleted`: they are the record of every subscribe and
    /// unsubscribe, and an exchange still unsettled must stay visible to reconciliation.
    /// The runtime cancels runs and unsubscribes webhooks first; this is the last step.
    fn delete_workflow(&self, name: &WorkflowName) -> impl Future<Output = Result<()>> + Send;

    /// Enables or disables without a new version.
    fn set_workflow_state(
        &self,
        name: &WorkflowName,
        state: WorkflowState,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Workflow>> + Send;

    fn get_version(
        &self,
        name: &WorkflowName,
        version: VersionId,
    ) -> impl Future<Output = Result<WorkflowVersion>> + Send;

    /// Versions newest first.
    fn list_versions(
        &self,
        name: &WorkflowName,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<WorkflowVersion>>> + Send;

    fn access_keys(&self, name: &WorkflowName) -> impl Future<Output = Result<AccessKeys>> + Send;

    /// Replaces one key with `new_key` (random, from the caller) and returns both keys.
    fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
        new_key: AccessKey,
    ) -> impl Future<Output = Result<AccessKeys>> + Send;

    /// Creates or replaces one trigger's state.
    fn put_trigger_state(
        &self,
        name: &WorkflowName,
        state: TriggerState,
    ) -> impl Future<Output = Result<()>> + Send;

    /// `Ok(None)` when the workflow exists but the trigger has no state yet.
    fn get_trigger_state(
        &self,
        name: &WorkflowName,
        trigger: &TriggerName,
    ) -> impl Future<Output = Result<Option<TriggerState>>> + Send;

    /// Every trigger state of the workflow, ordered by trigger name.
    fn list_trigger_states(
        &self,
        name: &WorkflowName,
    ) -> impl Future<Output = Result<Vec<TriggerState>>> + Send;
}
