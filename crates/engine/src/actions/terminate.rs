//! Terminate: ends the run with the given status; running actions are cancelled, actions
//! not yet started never run (they get no record).

use super::evaluate_inputs;
use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use crate::status::Status;
use hookflow_definition::CheckedAction;
use serde_json::{json, Value};

pub(crate) fn run(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(inputs) = evaluate_inputs(m, action, key) else {
        return;
    };
    let status = match inputs.get("runStatus").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("Failed") => Status::Failed,
        Some(s) if s.eq_ignore_ascii_case("Cancelled") => Status::Cancelled,
        Some(s) if s.eq_ignore_ascii_case("Succeeded") => Status::Succeeded,
        other => {
            let message =
                format!("'runStatus' must be Failed, Cancelled or Succeeded, not {other:?}");
            return m.complete(
                action,
                key,
                Completion::failed("InvalidTemplate", message, inputs),
            );
        }
    };
    let (code, error) = match status {
        Status::Failed => {
            let run_error = inputs.get("runError");
            let code = run_error
                .and_then(|e| e.get("code"))
                .map(super::text_of)
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "Terminated".into());
            let message = run_error
                .and_then(|e| e.get("message"))
                .map(super::text_of)
                .unwrap_or_else(|| format!("The run was terminated by action '{}'.", action.name));
            (code.clone(), json!({ "code": code, "message": message }))
        }
        Status::Cancelled => ("Cancelled".to_string(), Value::Null),
        _ => ("OK".to_string(), Value::Null),
    };
    m.complete(action, key, Completion::succeeded(inputs, Value::Null));
    m.finish_run(status, code, error, Status::Cancelled);
}
