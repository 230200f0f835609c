//! The public callback endpoints over the runtime: verify the signed URL with the
//! workflow's keys, turn the HTTP request into trigger outputs or a callback, and turn
//! the run's answer into the HTTP answer (CONTRACT §4).

use super::{convert, definition, errors, RuntimeBackend};
use crate::backend::{
    ActionCallback, CallbackReply, CallbackSignature, InboundRequest, TriggerCallback,
};
use crate::error::{AppError, ErrorDetail};
use crate::model::WorkflowName;
use axum::body::Bytes;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hookflow_runtime::driver::WorkflowSnapshot;
use hookflow_runtime::driver::{
    CallbackAnswer, CallbackRequest, RunResponse, TriggerOutcome, TriggerOutputs,
};
use hookflow_runtime::signing::{self, Operation, SignedQuery};
use hookflow_store::Store;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The query parameters that belong to the signed URL, not to the caller's data.
const SIGNATURE_PARAMS: [&str; 5] = ["api-version", "sp", "sv", "sig", "se"];

impl<S: Store> RuntimeBackend<S> {
    /// The workflow as the runtime keeps it for calls (state, definition, keys); a
    /// workflow that does not exist is 404 before any signature check (there is nothing to
    /// check against).
    async fn snapshot(&self, workflow: &WorkflowName) -> Result<Arc<WorkflowSnapshot>, AppError> {
        let name = convert::workflow_name(workflow)?;
        self.runtime
            .workflow_snapshot(&name)
            .await
            .map_err(errors::from_runtime)
    }

    /// Checks the signed URL before anything else happens to the request; returns the
    /// workflow it was checked against.
    async fn verify(
        &self,
        workflow: &WorkflowName,
        operation: &Operation<'_>,
        signature: &CallbackSignature,
    ) -> Result<Arc<WorkflowSnapshot>, AppError> {
        let snapshot = self.snapshot(workflow).await?;
        let keys = &snapshot.keys;
        let query = SignedQuery {
            sp: signature.sp.clone(),
            sv: signature.sv.clone(),
            sig: signature.sig.clone(),
            se: signature.se.clone(),
        };
        signing::verify(keys, operation, &query, chrono::Utc::now())
            .map_err(errors::from_signature)?;
        Ok(snapshot)
    }

    pub(super) async fn handle_trigger_callback(
        &self,
        mut call: TriggerCallback,
    ) -> Result<CallbackReply, AppError> {
        let operation = Operation::TriggerRun {
            trigger: &call.trigger,
        };
        let snapshot = self
            .verify(&call.workflow, &operation, &call.signature)
            .await?;
        let stored = &snapshot.workflow;
        let trigger = definition::trigger(&stored.definition, &call.trigger);
        let template = trigger
            .and_then(|t| definition::trigger_input(t, "relativePath"))
            .unwrap_or("");
        let relative = match &call.relative_path {
            Some(actual) => definition::match_relative_path(template, actual),
            None => Map::new(),
        };
        // The Request trigger's own checks come before anything is stored, so a refused
        // call leaves no run and no trigger history.
        if let Some(trigger) = trigger {
            check_method(trigger, &call.trigger, &call.request.method)?;
        }
        let outputs = trigger_outputs(&mut call.request, relative);
        if let Some(trigger) = trigger {
            check_schema(trigger, &call.trigger, &outputs.body)?;
        }
        let outcome = self
            .runtime
            .fire_trigger(
                call.workflow.as_str(),
                &call.trigger,
                outputs,
                call.request.idempotency_key.clone(),
            )
            .await
            .map_err(errors::from_runtime)?;
        let mut runs = match outcome {
            TriggerOutcome::Fired(runs) => runs,
            TriggerOutcome::Duplicate { original } => {
                return Ok(CallbackReply::Accepted {
                    run: Some(original.to_string()),
                })
            }
            TriggerOutcome::Failed { code, message } => {
                return Err(AppError::invalid(code, message))
            }
            // Conditions false: Logic Apps accepts the call and starts nothing.
            _ => return Ok(CallbackReply::Accepted { run: None }),
        };
        // Only a single run of a definition with a Response action answers synchronously;
        // splitOn fans out to several runs, which cannot share one HTTP answer.
        if runs.len() != 1 || !definition::has_response_action(&stored.definition) {
            return Ok(CallbackReply::Accepted {
                run: runs.first().map(|(run, _)| run.to_string()),
            });
        }
        let (run, handle) = runs.remove(0);
        match tokio::time::timeout(call.response_timeout, handle.response()).await {
            Ok(RunResponse::Responded {
                status,
                headers,
                body,
            }) => Ok(response_reply(status, headers, body)),
            Ok(RunResponse::NoResponse { .. }) => Err(AppError::ResponseSkipped {
                message: format!("The run '{run}' ended without answering: every Response action was skipped."),
            }),
            Ok(_) => Err(AppError::Unavailable {
                code: "ShuttingDown".into(),
                message: format!(
                    "hookflow is stopping; the run '{run}' is stored and continues at the next start."
                ),
                retry_after: None,
            }),
            Err(_) => Err(AppError::ResponseTimedOut {
                message: format!(
                    "The run '{run}' did not answer within {} seconds; it keeps running.",
                    call.response_timeout.as_secs()
                ),
            }),
        }
    }

    pub(super) async fn handle_action_callback(
        &self,
        mut call: ActionCallback,
    ) -> Result<CallbackReply, AppError> {
        let operation = Operation::ActionRun {
            run: &call.run,
            action: &call.action,
        };
        self.verify(&call.workflow, &operation, &call.signature)
            .await?;
        // A run id that cannot exist is simply not found (the runtime would call it
        // invalid input).
        convert::run_id(&call.run)?;
        let request = CallbackRequest {
            workflow: call.workflow.as_str().to_string(),
            run: call.run.clone(),
            action: call.action.clone(),
            idempotency_key: call.request.idempotency_key.clone(),
            headers: Value::Object(headers(&call.request)),
            body: body(&mut call.request),
        };
        let answer = self
            .runtime
            .accept_callback(request)
            .await
            .map_err(errors::from_runtime)?;
        match answer {
            CallbackAnswer::Accepted { .. } | CallbackAnswer::Duplicate { .. } => {
                Ok(CallbackReply::Accepted {
                    run: Some(call.run),
                })
            }
            _ => Err(AppError::Conflict {
                code: "ActionNotWaiting".into(),
                message: format!(
                    "The action '{}' of run '{}' is no longer waiting for a callback.",
                    call.action, call.run
                ),
            }),
        }
    }
}

/// At most this many schema violations are reported in one 400.
const MAX_SCHEMA_ERRORS: usize = 20;

fn is_request_trigger(trigger: &Value) -> bool {
    definition::trigger_type(trigger).eq_ignore_ascii_case("Request")
}

/// A Request trigger with `inputs.method` accepts only that method (compared without
/// regard to case, as Logic Apps writes `POST` or `Post`); without `method` any method
/// is accepted. A different method is a malformed call: 400 `TriggerRequestMethodNotValid`
/// (the code and wording Logic Apps answers with; CONTRACT §4 has no 405).
fn check_method(trigger: &Value, name: &str, method: &axum::http::Method) -> Result<(), AppError> {
    if !is_request_trigger(trigger) {
        return Ok(());
    }
    let Some(expected) = definition::trigger_input(trigger, "method") else {
        return Ok(());
    };
    if expected.trim().eq_ignore_ascii_case(method.as_str()) {
        return Ok(());
    }
    Err(AppError::invalid(
        "TriggerRequestMethodNotValid",
        format!(
            "The HTTP method for this request is not valid: the trigger '{name}' expects \
             '{}' and the request is '{method}'.",
            expected.trim()
        ),
    ))
}

/// Schema validation is on when the trigger's comma-separated `operationOptions` holds
/// `EnableSchemaValidation` (what the Logic Apps designer's "Schema Validation" setting
/// writes).
fn schema_validation_on(trigger: &Value) -> bool {
    trigger
        .get("operationOptions")
        .and_then(Value::as_str)
        .is_some_and(|options| {
            options
                .split(',')
                .any(|o| o.trim().eq_ignore_ascii_case("EnableSchemaValidation"))
        })
}

/// With schema validation on, the body as the run would see it (`triggerBody()`) must
/// conform to `inputs.schema`; otherwise 400 `TriggerInputSchemaMismatch` with one detail
/// per violation (`target`: its JSON pointer in the body). A trigger without a schema has
/// nothing to check against.
pub(super) fn check_schema(trigger: &Value, name: &str, body: &Value) -> Result<(), AppError> {
    if !is_request_trigger(trigger) || !schema_validation_on(trigger) {
        return Ok(());
    }
    let Some(schema) = trigger.get("inputs").and_then(|i| i.get("schema")) else {
        return Ok(());
    };
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        AppError::invalid(
            "InvalidTriggerSchema",
            format!(
                "Schema validation is on for the trigger '{name}', but its 'schema' is not a \
                 valid JSON schema: {e}"
            ),
        )
    })?;
    let details: Vec<ErrorDetail> = validator
        .iter_errors(body)
        .take(MAX_SCHEMA_ERRORS)
        .map(|e| {
            let pointer = e.instance_path.to_string();
            ErrorDetail {
                code: "SchemaValidationFailed".into(),
                message: e.to_string(),
                target: Some(if pointer.is_empty() {
                    "/".into()
                } else {
                    pointer
                }),
            }
        })
        .collect();
    if details.is_empty() {
        return Ok(());
    }
    let summary: Vec<&str> = details.iter().map(|d| d.message.as_str()).collect();
    Err(AppError::Invalid {
        code: "TriggerInputSchemaMismatch".into(),
        message: format!(
            "The input body for trigger '{name}' of type 'Request' did not match its schema \
             definition: {}",
            summary.join("; ")
        ),
        details,
    })
}

/// CONTRACT §5: `{headers, body, queries, relativePathParameters}` of the request.
pub(super) fn trigger_outputs(
    request: &mut InboundRequest,
    relative_path_parameters: Map<String, Value>,
) -> TriggerOutputs {
    let mut queries = Map::new();
    for (key, value) in &request.queries {
        if !SIGNATURE_PARAMS.contains(&key.as_str()) && !queries.contains_key(key) {
            queries.insert(key.clone(), Value::String(value.clone()));
        }
    }
    TriggerOutputs {
        headers: headers(request),
        body: body(request),
        queries,
        relative_path_parameters,
    }
}

/// Header values as strings; a repeated header's values joined with `, ` (RFC 9110).
fn headers(request: &InboundRequest) -> Map<String, Value> {
    let mut out: Map<String, Value> = Map::new();
    for (name, value) in &request.headers {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&text);
            }
            _ => {
                out.insert(name.as_str().to_string(), Value::String(text));
            }
        }
    }
    out
}

/// The body as the run sees it: JSON when the request says JSON (the document parsed when
/// the request was read, moved out of it), text for `text/*` (and untyped UTF-8), otherwise
/// the `$content-type` + base64 `$content` envelope, so binary bodies survive the journal.
fn body(request: &mut InboundRequest) -> Value {
    if request.body.is_empty() {
        return Value::Null;
    }
    if let Some(json) = request.json.take() {
        return json;
    }
    let content_type = request.content_type.as_deref().unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence.is_empty() || essence.starts_with("text/") {
        if let Ok(text) = std::str::from_utf8(&request.body) {
            return Value::String(text.to_string());
        }
    }
    let mut envelope = Map::new();
    let declared = if content_type.is_empty() {
        "application/octet-stream"
    } else {
        content_type
    };
    envelope.insert("$content-type".into(), Value::String(declared.to_string()));
    envelope.insert(
        "$content".into(),
        Value::String(STANDARD.encode(&request.body)),
    );
    Value::Object(envelope)
}

/// A Response action's answer as HTTP: strings as text, `$content` envelopes decoded,
/// anything else as JSON; a Content-Type the action did not set follows the body.
/// Headers Logic Apps silently leaves out of a Response action's answer: the server owns
/// them (framing, caching, cookies). `Content-Type` stays (Logic Apps drops it on GET
/// only; hookflow keeps it, so a GET endpoint can still say what it returns).
fn is_dropped_response_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    const DROPPED: &[&str] = &[
        "allow",
        "cookie",
        "expires",
        "last-modified",
        "set-cookie",
        "transfer-encoding",
    ];
    const KEPT_CONTENT: &[&str] = &["content-disposition", "content-encoding", "content-type"];
    DROPPED.contains(&name.as_str())
        || (name.starts_with("content-") && !KEPT_CONTENT.contains(&name.as_str()))
}

fn response_reply(status: u16, headers: Map<String, Value>, body: Value) -> CallbackReply {
    let mut out: Vec<(String, String)> = headers
        .into_iter()
        .filter(|(k, _)| !is_dropped_response_header(k))
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    let has_type = out
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let (bytes, default_type) = match body {
        Value::Null => (Bytes::new(), None),
        Value::String(text) => (Bytes::from(text), Some("text/plain; charset=utf-8")),
        Value::Object(ref map) if map.contains_key("$content") => {
            let content = map.get("$content").and_then(Value::as_str).unwrap_or("");
            let declared = map.get("$content-type").and_then(Value::as_str);
            match STANDARD.decode(content) {
                Ok(raw) => {
                    if let (false, Some(declared)) = (has_type, declared) {
                        out.push(("Content-Type".into(), declared.to_string()));
                    }
                    (Bytes::from(raw), None)
                }
                Err(_) => (Bytes::from(body.to_string()), Some("application/json")),
            }
        }
        other => (
            Bytes::from(other.to_string()),
            Some("application/json; charset=utf-8"),
        ),
    };
    if let (false, Some(default_type)) = (has_type, default_type) {
        out.push(("Content-Type".into(), default_type.to_string()));
    }
    CallbackReply::Response {
        status,
        headers: out,
        body: bytes,
    }
}
