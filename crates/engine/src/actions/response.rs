//! Response: answers the Request trigger's caller (once).

use super::evaluate_inputs;
use crate::effect::Effect;
use crate::event::RunChange;
use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use hookflow_definition::model::TriggerType;
use hookflow_definition::CheckedAction;
use serde_json::{json, Map, Value};

pub(crate) fn run(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(inputs) = evaluate_inputs(m, action, key) else {
        return;
    };
    let is_request = m
        .work
        .run()
        .and_then(|r| m.def.triggers.iter().find(|t| t.name == r.trigger_name))
        .is_some_and(|t| t.trigger_type == TriggerType::Request);
    if !is_request {
        let message = "A Response action can only answer a run started by a Request trigger.";
        return m.complete(
            action,
            key,
            Completion::failed("InvalidResponse", message, inputs),
        );
    }
    if m.work.responded() {
        let message = "The request was already answered by an earlier Response action.";
        return m.complete(
            action,
            key,
            Completion::failed("ActionResponseAlreadySent", message, inputs),
        );
    }
    let status = match inputs.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    let status = match status.and_then(|s| u16::try_from(s).ok()) {
        Some(s) if (200..=299).contains(&s) || (400..=599).contains(&s) => s,
        _ => {
            let message = format!(
                "The 'statusCode' must be a 2xx, 4xx or 5xx HTTP status, not {}",
                inputs.get("statusCode").unwrap_or(&Value::Null)
            );
            return m.complete(
                action,
                key,
                Completion::failed("InvalidResponse", message, inputs),
            );
        }
    };
    let headers = match inputs.get("headers") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(h)) => h.clone(),
        Some(_) => {
            return m.complete(
                action,
                key,
                Completion::failed("InvalidResponse", "The 'headers' must be an object", inputs),
            );
        }
    };
    let body = inputs.get("body").cloned().unwrap_or(Value::Null);
    let outputs = json!({ "statusCode": status, "headers": headers, "body": body });
    m.complete(
        action,
        key,
        Completion::succeeded(inputs, outputs).with_change(RunChange::Responded),
    );
    m.effect(Effect::Respond {
        status,
        headers,
        body,
    });
}
