//! Workflow functions: what a run exposes to its expressions. Those that return run state
//! are evaluated by the evaluator with borrowing (see `Special`); the rest live here.

use super::{Args, FnError, FunctionSpec, Special};
use base64::Engine as _;
use serde_json::Value;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::special("trigger", 0, Some(0), Special::Trigger),
    // Seen in trigger conditions of real definitions; an alias of trigger().
    FunctionSpec::special("triggers", 0, Some(0), Special::Trigger),
    FunctionSpec::special("triggerOutputs", 0, Some(0), Special::TriggerOutputs),
    FunctionSpec::special("triggerBody", 0, Some(0), Special::TriggerBody),
    FunctionSpec::special("actions", 1, Some(1), Special::Actions),
    FunctionSpec::special("action", 0, Some(0), Special::CurrentAction),
    FunctionSpec::special("outputs", 1, Some(1), Special::Outputs),
    FunctionSpec::special("body", 1, Some(1), Special::Body),
    FunctionSpec::special("variables", 1, Some(1), Special::Variables),
    FunctionSpec::special("parameters", 1, Some(1), Special::Parameters),
    FunctionSpec::special("item", 0, Some(0), Special::Item),
    FunctionSpec::special("items", 1, Some(1), Special::Items),
    FunctionSpec::special("result", 1, Some(1), Special::Result),
    FunctionSpec::special("workflow", 0, Some(0), Special::Workflow),
    FunctionSpec::pure("listCallbackUrl", 0, Some(0), list_callback_url),
    FunctionSpec::pure("iterationIndexes", 1, Some(1), iteration_indexes),
    FunctionSpec::pure("triggerFormDataValue", 1, Some(1), trigger_form_data_value),
    FunctionSpec::pure(
        "triggerFormDataMultiValues",
        1,
        Some(1),
        trigger_form_data_multi_values,
    ),
    FunctionSpec::pure("triggerMultipartBody", 1, Some(1), trigger_multipart_body),
    FunctionSpec::pure("formDataValue", 2, Some(2), form_data_value),
    FunctionSpec::pure("formDataMultiValues", 2, Some(2), form_data_multi_values),
    FunctionSpec::pure("multipartBody", 2, Some(2), multipart_body),
];

fn list_callback_url(args: &Args<'_>) -> Result<Value, FnError> {
    args.ctx.callback_url().map(Value::String).ok_or_else(|| {
        FnError::call(
            "a callback URL exists only in the subscribe and unsubscribe inputs of an HttpWebhook trigger or action",
        )
    })
}

fn iteration_indexes(args: &Args<'_>) -> Result<Value, FnError> {
    let name = args.str(0)?;
    args.ctx
        .iteration_index(name)
        .map(Value::from)
        .ok_or_else(|| FnError::arg(0, format!("'{name}' is not an Until loop running here")))
}

fn trigger_body(args: &Args<'_>) -> Result<Value, FnError> {
    let trigger = args
        .ctx
        .trigger()
        .ok_or_else(|| FnError::call("the trigger's outputs are not available here"))?;
    Ok(trigger
        .get("outputs")
        .and_then(|o| o.get("body"))
        .cloned()
        .unwrap_or(Value::Null))
}

fn action_body(args: &Args<'_>) -> Result<Value, FnError> {
    let name = args.str(0)?;
    let action = args.ctx.action(name).ok_or_else(|| {
        FnError::arg(
            0,
            format!("the action '{name}' has no outputs (it does not exist or has not run)"),
        )
    })?;
    Ok(action
        .get("outputs")
        .and_then(|o| o.get("body"))
        .cloned()
        .unwrap_or(Value::Null))
}

/// The values of a form field in a body: either the `$formdata` list the runtime keeps
/// for form posts, or a `$content` envelope / text holding `application/x-www-form-urlencoded`.
fn form_values(body: &Value, key: &str) -> Result<Vec<Value>, String> {
    if let Some(fields) = body.get("$formdata").and_then(Value::as_array) {
        return Ok(fields
            .iter()
            .filter(|f| f.get("key").and_then(Value::as_str) == Some(key))
            .map(|f| f.get("value").cloned().unwrap_or(Value::Null))
            .collect());
    }
    let text = match body {
        Value::String(s) => s.clone(),
        Value::Object(map) => match map.get("$content").and_then(Value::as_str) {
            Some(content) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(content)
                    .map_err(|_| "the body's $content is not valid base64".to_string())?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            None => return Err("the body is not form data".to_string()),
        },
        _ => return Err("the body is not form data".to_string()),
    };
    Ok(text
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k) == key).then(|| Value::String(decode(v)))
        })
        .collect())
}

fn single_form_value(body: &Value, key: &str) -> Result<Value, FnError> {
    let mut values = form_values(body, key).map_err(FnError::call)?;
    match values.len() {
        0 => Ok(Value::Null),
        1 => Ok(values.remove(0)),
        n => Err(FnError::call(format!(
            "the form data holds {n} values for '{key}'; use the MultiValues function"
        ))),
    }
}

fn trigger_form_data_value(args: &Args<'_>) -> Result<Value, FnError> {
    single_form_value(&trigger_body(args)?, args.str(0)?)
}

fn trigger_form_data_multi_values(args: &Args<'_>) -> Result<Value, FnError> {
    let values = form_values(&trigger_body(args)?, args.str(0)?).map_err(FnError::call)?;
    Ok(Value::Array(values))
}

fn form_data_value(args: &Args<'_>) -> Result<Value, FnError> {
    single_form_value(&action_body(args)?, args.str(1)?)
}

fn form_data_multi_values(args: &Args<'_>) -> Result<Value, FnError> {
    let values = form_values(&action_body(args)?, args.str(1)?).map_err(FnError::call)?;
    Ok(Value::Array(values))
}

fn multipart_part(body: &Value, index: i64, arg: usize) -> Result<Value, FnError> {
    let parts = body
        .get("$multipart")
        .and_then(Value::as_array)
        .ok_or_else(|| FnError::call("the body is not multipart content"))?;
    let part = usize::try_from(index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            FnError::arg(
                arg,
                format!(
                    "index {index} is outside the {} parts of the body",
                    parts.len()
                ),
            )
        })?;
    Ok(part.get("body").cloned().unwrap_or(Value::Null))
}

fn trigger_multipart_body(args: &Args<'_>) -> Result<Value, FnError> {
    multipart_part(&trigger_body(args)?, args.int(0)?, 0)
}

fn multipart_body(args: &Args<'_>) -> Result<Value, FnError> {
    multipart_part(&action_body(args)?, args.int(1)?, 1)
}
