//! ParseJson: reads `content` (JSON text or a value) and validates it against `schema`.

use super::evaluate_inputs;
use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use hookflow_definition::CheckedAction;
use serde_json::{json, Value};

/// How many schema violations the error message lists.
const MAX_REPORTED: usize = 10;

pub(crate) fn run(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(inputs) = evaluate_inputs(m, action, key) else {
        return;
    };
    let content = match inputs.get("content") {
        // Text is parsed; a value that is already JSON is taken as it is.
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(v) => v,
            Err(e) => {
                let message = format!(
                    "The 'content' of action '{}' is not valid JSON: {e}",
                    action.name
                );
                return m.complete(
                    action,
                    key,
                    Completion::failed("InvalidJSON", message, inputs),
                );
            }
        },
        Some(v) => v.clone(),
        None => Value::Null,
    };
    let schema = inputs.get("schema").cloned().unwrap_or_else(|| json!({}));
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(e) => {
            let message = format!(
                "The 'schema' of action '{}' is not a valid JSON schema: {e}",
                action.name
            );
            return m.complete(
                action,
                key,
                Completion::failed("InvalidTemplate", message, inputs),
            );
        }
    };
    let problems: Vec<Value> = validator
        .iter_errors(&content)
        .take(MAX_REPORTED)
        .map(|e| json!({ "message": e.to_string(), "path": e.instance_path.to_string() }))
        .collect();
    if !problems.is_empty() {
        let mut c = Completion::failed("ValidationFailed", "The schema validation failed.", inputs);
        c.outputs = json!({ "body": content, "errors": problems });
        if let Value::Object(error) = &mut c.error {
            error.insert("details".into(), Value::Array(problems));
        }
        return m.complete(action, key, c);
    }
    m.complete(
        action,
        key,
        Completion::succeeded(inputs, json!({ "body": content })),
    );
}
