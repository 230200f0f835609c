//! Data operations: Compose, Query (Filter array), Select, Join.

use super::{evaluate_inputs, invalid_template, text_of};
use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use crate::source;
use crate::template::Part;
use hookflow_definition::CheckedAction;
use serde_json::{json, Value};

pub(crate) fn compose(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    if let Some(value) = evaluate_inputs(m, action, key) {
        m.complete(action, key, Completion::succeeded(value.clone(), value));
    }
}

/// Evaluates `from` and requires an array.
pub(crate) fn from_array(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Option<Vec<Value>> {
    let part = action
        .inputs
        .as_ref()
        .map(Part::of)
        .and_then(|p| p.field("from"));
    let value = match part {
        None => Ok(Value::Null),
        Some(p) => p.evaluate(&m.ctx(Some(action.id), key.indexes())),
    };
    match value {
        Ok(Value::Array(items)) => Some(items),
        Ok(other) => {
            let message = format!(
                "The 'from' of action '{}' must be an array, not {}",
                action.name,
                super::control::type_name(&other)
            );
            m.complete(
                action,
                key,
                Completion::failed("InvalidTemplate", message, json!({ "from": other })),
            );
            None
        }
        Err(e) => {
            m.complete(action, key, invalid_template(action, &e, Value::Null));
            None
        }
    }
}

/// Evaluates `part` once per item with `item()` bound to it.
pub(crate) fn per_item(
    m: &Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
    part: Part<'_>,
    items: &[Value],
) -> Result<Vec<Value>, String> {
    items
        .iter()
        .map(|item| {
            let mut ctx = m.ctx(Some(action.id), key.indexes());
            ctx.item = Some(item);
            part.evaluate(&ctx).map_err(|e| e.to_string())
        })
        .collect()
}

pub(crate) fn query(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(items) = from_array(m, action, key) else {
        return;
    };
    let inputs = json!({
        "from": items,
        "where": source::raw_input(m.def, action.name.as_str(), "where"),
    });
    let Some(condition) = action
        .inputs
        .as_ref()
        .map(Part::of)
        .and_then(|p| p.field("where"))
    else {
        return m.complete(
            action,
            key,
            Completion::failed("InvalidTemplate", "Query needs 'where'", inputs),
        );
    };
    let verdicts = match per_item(m, action, key, condition, &items) {
        Ok(v) => v,
        Err(e) => return m.complete(action, key, invalid_template(action, &e, inputs)),
    };
    let mut kept = Vec::new();
    for (item, verdict) in items.iter().zip(verdicts) {
        match verdict {
            Value::Bool(true) => kept.push(item.clone()),
            Value::Bool(false) => {}
            other => {
                let message = format!(
                    "The 'where' of action '{}' must be a boolean, not {other}",
                    action.name
                );
                return m.complete(
                    action,
                    key,
                    Completion::failed("InvalidTemplate", message, inputs),
                );
            }
        }
    }
    m.complete(
        action,
        key,
        Completion::succeeded(inputs, json!({ "body": kept })),
    );
}

pub(crate) fn select(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(items) = from_array(m, action, key) else {
        return;
    };
    let inputs = json!({
        "from": items,
        "select": source::raw_input(m.def, action.name.as_str(), "select"),
    });
    let Some(mapping) = action
        .inputs
        .as_ref()
        .map(Part::of)
        .and_then(|p| p.field("select"))
    else {
        return m.complete(
            action,
            key,
            Completion::failed("InvalidTemplate", "Select needs 'select'", inputs),
        );
    };
    match per_item(m, action, key, mapping, &items) {
        Ok(body) => m.complete(
            action,
            key,
            Completion::succeeded(inputs, json!({ "body": body })),
        ),
        Err(e) => m.complete(action, key, invalid_template(action, &e, inputs)),
    }
}

pub(crate) fn join(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(inputs) = evaluate_inputs(m, action, key) else {
        return;
    };
    let Some(items) = inputs.get("from").and_then(Value::as_array) else {
        let message = format!("The 'from' of action '{}' must be an array", action.name);
        return m.complete(
            action,
            key,
            Completion::failed("InvalidTemplate", message, inputs),
        );
    };
    let separator = inputs.get("joinWith").map(text_of).unwrap_or_default();
    let text = items
        .iter()
        .map(text_of)
        .collect::<Vec<_>>()
        .join(&separator);
    m.complete(
        action,
        key,
        Completion::succeeded(inputs.clone(), json!({ "body": text })),
    );
}

/// An object's properties in order (for Table auto columns).
pub(crate) fn object_keys(items: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for item in items {
        if let Value::Object(map) = item {
            for k in map.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys
}
