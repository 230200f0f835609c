//! From the runtime's and the store's errors to [`AppError`]: classified by kind and
//! variant, never by message text. Status codes stay in [`crate::error`]; this only says
//! which application error each failure is.

use crate::error::{AppError, ErrorDetail, Resource};
use hookflow_runtime::driver::{ErrorKind, RuntimeError};
use hookflow_runtime::signing::SignatureError;
use hookflow_store::{Entity, Error as StoreError, ErrorKind as StoreKind};
use std::time::Duration;

/// How long a client should wait before retrying when the store is busy or down.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Which resource a store `NotFound` is about, as the API names it.
fn resource_of(entity: Entity) -> Resource {
    match entity {
        Entity::Run | Entity::Callback | Entity::Timer | Entity::Lease => Resource::Run,
        Entity::Action => Resource::Action,
        Entity::TriggerHistory => Resource::TriggerHistory,
        Entity::TriggerState | Entity::LedgerEntry => Resource::Trigger,
        Entity::WorkflowVersion => Resource::WorkflowVersion,
        _ => Resource::Workflow,
    }
}

pub(crate) fn from_store(error: StoreError) -> AppError {
    if let StoreError::NotFound { entity, id } = &error {
        return AppError::not_found(resource_of(*entity), id.clone());
    }
    match error.kind() {
        StoreKind::NotFound => AppError::not_found(Resource::Workflow, error.to_string()),
        StoreKind::Conflict => AppError::Conflict {
            code: "Conflict".into(),
            message: format!("The resource changed concurrently; retry: {error}"),
        },
        StoreKind::Invalid => AppError::invalid("InvalidRequest", error.to_string()),
        StoreKind::Unavailable => AppError::Unavailable {
            code: "StoreUnavailable".into(),
            message: format!("The store cannot serve the request now: {error}"),
            retry_after: Some(RETRY_AFTER),
        },
        _ => AppError::Internal {
            message: error.to_string(),
        },
    }
}

pub(crate) fn from_runtime(error: RuntimeError) -> AppError {
    match error {
        RuntimeError::InvalidDefinition(errors) => {
            let details: Vec<ErrorDetail> = errors
                .iter()
                .map(|e| ErrorDetail {
                    code: e.code.to_string(),
                    message: e.message.clone(),
                    target: Some(e.pointer.clone()),
                })
                .collect();
            AppError::Invalid {
                code: "InvalidDefinition".into(),
                message: format!(
                    "The workflow definition is invalid ({} errors); the details say where.",
                    details.len()
                ),
                details,
            }
        }
        RuntimeError::TriggerNotFound { trigger, .. } => {
            AppError::not_found(Resource::Trigger, trigger)
        }
        RuntimeError::ActionNotFound { action, .. } | RuntimeError::InvalidActionKey(action) => {
            AppError::not_found(Resource::Action, action)
        }
        RuntimeError::RunNotInWorkflow { run, .. } => AppError::not_found(Resource::Run, run),
        RuntimeError::WorkflowDisabled { workflow } => AppError::Forbidden {
            code: "WorkflowDisabled".into(),
            message: format!("The workflow '{workflow}' is disabled."),
        },
        RuntimeError::Store(store) => from_store(store),
        RuntimeError::SubscribeFailed { response, .. } => AppError::SubscribeFailed {
            response: subscribe_exchange(&response),
        },
        queue_full @ RuntimeError::TriggerQueueFull { .. } => AppError::TooManyRequests {
            message: queue_full.to_string(),
            retry_after: Some(RETRY_AFTER),
        },
        other => match other.kind() {
            ErrorKind::Unavailable => AppError::Unavailable {
                code: "ServiceBusy".into(),
                message: other.to_string(),
                retry_after: Some(RETRY_AFTER),
            },
            ErrorKind::Conflict => AppError::Conflict {
                code: "Conflict".into(),
                message: other.to_string(),
            },
            _ => AppError::Internal {
                message: other.to_string(),
            },
        },
    }
}

/// CONTRACT §4: missing or wrong signature 401; valid but for another operation or
/// expired 403.
pub(crate) fn from_signature(error: SignatureError) -> AppError {
    match error {
        SignatureError::Missing | SignatureError::Invalid => AppError::Unauthorized {
            code: "InvalidSignature".into(),
            message: format!("The callback URL is not valid: {error}."),
        },
        SignatureError::WrongOperation => AppError::Forbidden {
            code: "WrongOperation".into(),
            message: format!("The callback URL is not valid here: {error}."),
        },
        SignatureError::Expired(_) => AppError::Forbidden {
            code: "ExpiredSignature".into(),
            message: format!("The callback URL is no longer valid: {error}."),
        },
        _ => AppError::Unauthorized {
            code: "InvalidSignature".into(),
            message: format!("The callback URL is not valid: {error}."),
        },
    }
}

/// The runtime's `{statusCode, headers, body}` / `{error: {code, message}}` as the API
/// shows a subscription exchange.
fn subscribe_exchange(response: &serde_json::Value) -> crate::model::SubscriptionExchange {
    crate::model::SubscriptionExchange {
        at: chrono::Utc::now(),
        status_code: response
            .get("statusCode")
            .and_then(serde_json::Value::as_u64)
            .and_then(|s| u16::try_from(s).ok()),
        body: response.get("body").cloned().filter(|b| !b.is_null()),
        error: response.get("error").map(|e| {
            e.get("message")
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| e.to_string(), str::to_string)
        }),
    }
}
