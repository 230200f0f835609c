//! One module per action type or family. `start` runs an action whose `runAfter` is
//! satisfied: synchronous actions complete at once, the others emit `ActionStarted` and
//! ask for effects.

pub(crate) mod control;
pub(crate) mod data;
pub(crate) mod http;
pub(crate) mod parse_json;
pub(crate) mod response;
pub(crate) mod table;
pub(crate) mod terminate;
pub(crate) mod variables;
pub(crate) mod wait;
pub(crate) mod webhook;

use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use crate::EngineError;
use hookflow_definition::model::ActionType;
use hookflow_definition::CheckedAction;
use serde_json::Value;

pub(crate) fn start(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Result<(), EngineError> {
    match action.action_type {
        ActionType::If
        | ActionType::Switch
        | ActionType::Scope
        | ActionType::Foreach
        | ActionType::Until => control::start(m, action, key),
        ActionType::Compose => data::compose(m, action, key),
        ActionType::Query => data::query(m, action, key),
        ActionType::Select => data::select(m, action, key),
        ActionType::Join => data::join(m, action, key),
        ActionType::Table => table::run(m, action, key),
        ActionType::ParseJson => parse_json::run(m, action, key),
        ActionType::InitializeVariable
        | ActionType::SetVariable
        | ActionType::IncrementVariable
        | ActionType::DecrementVariable
        | ActionType::AppendToArrayVariable
        | ActionType::AppendToStringVariable => variables::run(m, action, key),
        ActionType::Terminate => terminate::run(m, action, key),
        ActionType::Response => response::run(m, action, key),
        ActionType::Wait => wait::start(m, action, key),
        ActionType::Http => http::start(m, action, key),
        ActionType::HttpWebhook => webhook::start(m, action, key),
    }
    Ok(())
}

/// Evaluates the action's whole `inputs`; on an expression error the action fails with
/// `InvalidTemplate` and `None` comes back.
pub(crate) fn evaluate_inputs(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Option<Value> {
    let result = match &action.inputs {
        None => Ok(Value::Null),
        Some(t) => t.evaluate(&m.ctx(Some(action.id), key.indexes())),
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            m.complete(action, key, invalid_template(action, &e, Value::Null));
            None
        }
    }
}

/// A `limit` field given as an expression (`limit.timeout`, `limit.count`), evaluated in
/// the action's context; the error message names the field.
pub(crate) fn evaluate_limit(
    m: &Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
    template: &hookflow_definition::ValueTemplate,
    field: &str,
) -> Result<Value, String> {
    template
        .evaluate(&m.ctx(Some(action.id), key.indexes()))
        .map_err(|e| {
            format!(
                "Unable to process template language expressions in action '{}' limit.{field}: {e}",
                action.name
            )
        })
}

pub(crate) fn invalid_template(
    action: &CheckedAction,
    error: &dyn std::fmt::Display,
    inputs: Value,
) -> Completion {
    Completion::failed(
        "InvalidTemplate",
        format!(
            "Unable to process template language expressions in action '{}' inputs: {error}",
            action.name
        ),
        inputs,
    )
}

/// A value as text: strings as they are, null as empty, the rest as JSON.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
