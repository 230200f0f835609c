//! Store records to the API's resources (`{name, properties:{…}}`), and the API's names
//! and queries to the store's. Pure functions: no I/O, no errors beyond "not found".

use crate::error::{AppError, Resource};
use crate::model::{
    self, Correlation, KeyType, ParameterValue, RepetitionIndex, RunActionProperties,
    RunProperties, RunRef, Status, Subscription, SubscriptionExchange, SubscriptionState,
    TriggerHistoryProperties, VersionRef, WorkflowProperties, WorkflowState,
};
use crate::query::{Filter, ListQuery};
use hookflow_store as store;
use serde_json::Value;
use std::collections::BTreeMap;

/// Page size when the caller sends no `$top`.
pub(crate) const DEFAULT_TOP: usize = 100;

/// A store name for a name taken from a request path. Names the store cannot hold cannot
/// exist, so they are simply not found.
pub(crate) fn workflow_name(name: &model::WorkflowName) -> Result<store::WorkflowName, AppError> {
    store::WorkflowName::new(name.as_str())
        .map_err(|_| AppError::not_found(Resource::Workflow, name.as_str()))
}

pub(crate) fn run_id(run: &str) -> Result<store::RunId, AppError> {
    store::RunId::parse(run).map_err(|_| AppError::not_found(Resource::Run, run))
}

/// A version id from a request path. Like run ids, one that cannot be a version names
/// nothing, so it is not found rather than a bad request.
pub(crate) fn version_id(version: &str) -> Result<store::VersionId, AppError> {
    store::VersionId::parse(version)
        .map_err(|_| AppError::not_found(Resource::WorkflowVersion, version))
}

pub(crate) fn trigger_name(trigger: &str) -> Result<store::TriggerName, AppError> {
    store::TriggerName::new(trigger).map_err(|_| AppError::not_found(Resource::Trigger, trigger))
}

pub(crate) fn page_request(query: &ListQuery) -> store::PageRequest {
    let top = query.top.map_or(DEFAULT_TOP, |t| t as usize);
    match &query.skip_token {
        Some(token) => store::PageRequest::after(top, store::Continuation(token.clone())),
        None => store::PageRequest::first(top),
    }
}

pub(crate) fn page<T, U>(page: store::Page<T>, convert: impl Fn(T) -> U) -> model::Page<U> {
    model::Page {
        value: page.items.into_iter().map(convert).collect(),
        continuation: page.continuation.map(|c| c.0),
    }
}

pub(crate) fn status_filter(query: &ListQuery) -> Option<store::RunStatus> {
    match query.filter {
        Some(Filter::Status(status)) => Some(store_status(status)),
        _ => None,
    }
}

pub(crate) fn state_filter(query: &ListQuery) -> Option<store::WorkflowState> {
    match query.filter {
        Some(Filter::State(state)) => Some(store_workflow_state(state)),
        _ => None,
    }
}

pub(crate) fn status(status: store::RunStatus) -> Status {
    match status {
        store::RunStatus::Running => Status::Running,
        store::RunStatus::Waiting => Status::Waiting,
        store::RunStatus::Succeeded => Status::Succeeded,
        store::RunStatus::Failed => Status::Failed,
        store::RunStatus::Cancelled => Status::Cancelled,
        store::RunStatus::TimedOut => Status::TimedOut,
        store::RunStatus::Skipped => Status::Skipped,
        store::RunStatus::Aborted => Status::Aborted,
    }
}

fn store_status(status: Status) -> store::RunStatus {
    match status {
        Status::Running => store::RunStatus::Running,
        Status::Waiting => store::RunStatus::Waiting,
        Status::Succeeded => store::RunStatus::Succeeded,
        Status::Failed => store::RunStatus::Failed,
        Status::Cancelled => store::RunStatus::Cancelled,
        Status::TimedOut => store::RunStatus::TimedOut,
        Status::Skipped => store::RunStatus::Skipped,
        Status::Aborted => store::RunStatus::Aborted,
    }
}

pub(crate) fn workflow_state(state: store::WorkflowState) -> WorkflowState {
    match state {
        store::WorkflowState::Enabled => WorkflowState::Enabled,
        store::WorkflowState::Disabled => WorkflowState::Disabled,
    }
}

pub(crate) fn store_workflow_state(state: WorkflowState) -> store::WorkflowState {
    match state {
        WorkflowState::Enabled => store::WorkflowState::Enabled,
        WorkflowState::Disabled => store::WorkflowState::Disabled,
    }
}

pub(crate) fn store_key_type(key_type: KeyType) -> store::KeyType {
    match key_type {
        KeyType::Primary => store::KeyType::Primary,
        KeyType::Secondary => store::KeyType::Secondary,
    }
}

/// Stored parameter values are `{name: {value}}`, as PUT sent them; anything else (an
/// older shape) shows as no parameters rather than failing the read.
fn parameters(stored: &Value) -> BTreeMap<String, ParameterValue> {
    serde_json::from_value(stored.clone()).unwrap_or_default()
}

pub(crate) fn workflow(stored: store::Workflow) -> model::Workflow {
    model::Workflow {
        name: model::WorkflowName::from_path(stored.name.as_str().to_string()),
        properties: WorkflowProperties {
            state: workflow_state(stored.state),
            parameters: parameters(&stored.parameters),
            definition: stored.definition,
            created_time: stored.created_at,
            changed_time: stored.changed_at,
            version: stored.version.to_string(),
        },
    }
}

/// One saved version in the workflow's resource shape, named by its version id. State
/// and `createdTime` are the workflow's (the store keeps them per workflow, not per
/// version); `changedTime` is when this version was saved.
pub(crate) fn version(
    workflow: &store::Workflow,
    stored: store::WorkflowVersion,
) -> model::Workflow {
    let version = stored.version.to_string();
    model::Workflow {
        name: model::WorkflowName::from_path(version.clone()),
        properties: WorkflowProperties {
            state: workflow_state(workflow.state),
            parameters: parameters(&stored.parameters),
            definition: stored.definition,
            created_time: workflow.created_at,
            changed_time: stored.created_at,
            version,
        },
    }
}

pub(crate) fn run(stored: store::Run) -> model::Run {
    model::Run {
        name: stored.id.to_string(),
        properties: RunProperties {
            status: status(stored.status),
            start_time: stored.start_time,
            end_time: stored.end_time,
            trigger: model::RunTrigger {
                name: stored.trigger.name.to_string(),
                status: status(stored.trigger.status),
                outputs: stored.trigger.outputs,
            },
            outputs: stored.outputs,
            error: stored.error,
            correlation: Some(Correlation {
                client_tracking_id: stored.client_tracking_id,
            }),
            version: Some(stored.version.to_string()),
            workflow: Some(VersionRef {
                name: stored.version.to_string(),
            }),
        },
    }
}

/// An action record; `loops` are the names of the Foreach/Until actions around it,
/// outermost first, so a repetition can say which loop each index belongs to.
pub(crate) fn action(record: store::ActionRecord, loops: &[String]) -> model::RunAction {
    let repetition_indexes = record
        .key
        .repetition
        .0
        .iter()
        .enumerate()
        .map(|(depth, index)| RepetitionIndex {
            scope_name: loops.get(depth).cloned().unwrap_or_default(),
            item_index: u64::from(*index),
        })
        .collect();
    model::RunAction {
        name: record.key.name,
        properties: RunActionProperties {
            status: status(record.status),
            code: record.code,
            start_time: record.start_time,
            end_time: record.end_time,
            inputs: record.inputs,
            outputs: record.outputs,
            error: record.error,
            repetition_indexes,
        },
    }
}

pub(crate) fn history(stored: store::TriggerHistory) -> model::TriggerHistory {
    model::TriggerHistory {
        name: stored.id.to_string(),
        properties: TriggerHistoryProperties {
            start_time: stored.start_time,
            end_time: stored.end_time,
            status: status(stored.status),
            code: stored.code,
            fired: stored.fired,
            run: stored.run.map(|r| RunRef {
                name: r.to_string(),
            }),
            error: stored.error,
        },
    }
}

pub(crate) fn subscription(state: &store::TriggerState) -> Subscription {
    let exchange = |e: &store::Exchange| SubscriptionExchange {
        at: e.at,
        status_code: e
            .response
            .as_ref()
            .and_then(|r| r.get("statusCode"))
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok()),
        body: e.response.as_ref().and_then(|r| r.get("body")).cloned(),
        error: e
            .response
            .as_ref()
            .and_then(|r| r.get("error"))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)),
    };
    Subscription {
        state: match state.subscription {
            store::SubscriptionStatus::Subscribed | store::SubscriptionStatus::Unsubscribing => {
                SubscriptionState::Subscribed
            }
            store::SubscriptionStatus::Failed => SubscriptionState::Failed,
            _ => SubscriptionState::Unsubscribed,
        },
        last_subscribe: state.last_subscribe.as_ref().map(exchange),
        last_unsubscribe: state.last_unsubscribe.as_ref().map(exchange),
    }
}
