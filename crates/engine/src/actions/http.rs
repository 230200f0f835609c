//! Http: one outbound attempt per effect; the retry policy and the asynchronous 202
//! pattern are decided here, their waits are durable timers.

use super::evaluate_inputs;
use crate::duration::{add_iso, add_std};
use crate::effect::{Effect, OutboundRequest};
use crate::event::{Event, TimerPurpose};
use crate::input::HttpOutcome;
use crate::key::{ActionKey, TimerId};
use crate::retry::{header, is_retryable_status, retry_after, status_code_name, RetryStrategy};
use crate::schedule::{Completion, Machine};
use crate::state::Awaiting;
use crate::status::Status;
use crate::{Outcome, StaleReason};
use hookflow_definition::duration::IsoDuration;
use hookflow_definition::model::inputs::HttpRequestInputs;
use hookflow_definition::CheckedAction;
use serde_json::{json, Value};

/// Reads evaluated request inputs into an outbound request.
pub(crate) fn build_request(
    inputs: &Value,
    action: &CheckedAction,
) -> Result<OutboundRequest, String> {
    let parsed: HttpRequestInputs = serde_json::from_value(inputs.clone())
        .map_err(|e| format!("the request inputs are not valid: {e}"))?;
    if parsed.uri.trim().is_empty() {
        return Err("the request needs a 'uri'".into());
    }
    Ok(OutboundRequest {
        method: parsed.method.to_ascii_uppercase(),
        uri: parsed.uri,
        headers: parsed.headers.unwrap_or_default(),
        queries: parsed.queries.unwrap_or_default(),
        body: parsed.body,
        authentication: inputs
            .get("authentication")
            .cloned()
            .filter(|a| !a.is_null()),
        timeout: None,
        suppress_workflow_headers: action.has_operation_option("SuppressWorkflowHeaders"),
    })
}

pub(crate) fn start(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(inputs) = evaluate_inputs(m, action, key) else {
        return;
    };
    let request = build_request(&inputs, action)
        .and_then(|r| RetryStrategy::from_inputs(inputs.get("retryPolicy")).map(|_| r));
    let request = match request {
        Ok(r) => r,
        Err(message) => {
            return m.complete(
                action,
                key,
                Completion::failed("InvalidTemplate", message, inputs),
            )
        }
    };
    if !begin(m, action, key, inputs) {
        return;
    }
    m.effect(Effect::Http {
        key: key.clone(),
        attempt: 1,
        request,
    });
}

/// The action's `limit.timeout`: the literal one, or its expression evaluated now.
pub(crate) fn action_timeout(
    m: &Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Result<Option<IsoDuration>, String> {
    let Some(template) = &action.timeout_expression else {
        return Ok(action.timeout);
    };
    let value = super::evaluate_limit(m, action, key, template, "timeout")?;
    value
        .as_str()
        .and_then(|text| IsoDuration::parse(text).ok())
        .map(Some)
        .ok_or_else(|| {
            format!(
                "The limit.timeout of action '{}' evaluated to {value}, which is not an ISO 8601 \
                 duration like \"PT30S\".",
                action.name
            )
        })
}

/// Journals the start of an outbound action and its `limit.timeout` timer. False when the
/// timeout expression gave no duration: the action is then failed and must not send.
pub(crate) fn begin(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
    inputs: Value,
) -> bool {
    let timeout = match action_timeout(m, action, key) {
        Ok(t) => t,
        Err(message) => {
            m.complete(
                action,
                key,
                Completion::failed("InvalidTemplate", message, inputs),
            );
            return false;
        }
    };
    let secure = action.secure;
    m.emit(Event::ActionStarted {
        key: key.clone(),
        inputs,
        secure,
        at: m.now,
    });
    if let Some(timeout) = &timeout {
        let due = add_iso(m.now, timeout);
        m.schedule_timer(
            timeout_id(key),
            due,
            TimerPurpose::ActionTimeout { key: key.clone() },
        );
    }
    true
}

pub(crate) fn timeout_id(key: &ActionKey) -> TimerId {
    TimerId(format!("timeout:{key}"))
}

/// Whether an outbound result is the one the action waits for.
pub(crate) fn check_awaited(m: &Machine<'_>, key: &ActionKey, attempt: u32) -> Result<(), Outcome> {
    match m.work.action(key) {
        Some(r)
            if !r.status.is_terminal()
                && r.awaiting == Awaiting::Result
                && r.attempt == attempt =>
        {
            Ok(())
        }
        _ => Err(Outcome::Stale(StaleReason::NotWaiting { key: key.clone() })),
    }
}

/// What to do with an outbound result.
pub(crate) enum Next {
    Retry(std::time::Duration),
    Poll {
        location: String,
        delay: std::time::Duration,
    },
    Final,
}

pub(crate) fn classify(
    m: &Machine<'_>,
    key: &ActionKey,
    outcome: &HttpOutcome,
    strategy: &RetryStrategy,
    async_pattern: bool,
) -> Next {
    let retries = m.work.action(key).map_or(0, |r| r.retries);
    let can_retry = retries < strategy.count();
    match outcome {
        HttpOutcome::Response {
            status, headers, ..
        } => {
            if *status == 202 && async_pattern {
                if let Some(location) = header(headers, "location") {
                    let delay =
                        retry_after(headers, m.now).unwrap_or(m.config.default_poll_interval);
                    return Next::Poll {
                        location: location.to_string(),
                        delay,
                    };
                }
            }
            if is_retryable_status(*status) && can_retry {
                let delay = retry_after(headers, m.now)
                    .unwrap_or_else(|| strategy.delay(retries + 1, m.env));
                return Next::Retry(delay);
            }
            Next::Final
        }
        HttpOutcome::Failure { kind, .. } if kind.is_retryable() && can_retry => {
            Next::Retry(strategy.delay(retries + 1, m.env))
        }
        HttpOutcome::Failure { .. } => Next::Final,
    }
}

/// The completion for a final outbound result (Http action, failed subscribe).
pub(crate) fn final_completion(outcome: &HttpOutcome) -> Completion {
    match outcome {
        HttpOutcome::Response {
            status,
            headers,
            body,
        } => {
            let outputs = json!({ "statusCode": status, "headers": headers, "body": body });
            let code = status_code_name(*status);
            if (200..=299).contains(status) {
                Completion {
                    status: Some(Status::Succeeded),
                    code: Some(code),
                    outputs,
                    ..Completion::default()
                }
            } else {
                let mut c = Completion::failed(
                    &code,
                    format!("The request failed with status code {status}."),
                    Value::Null,
                );
                c.outputs = outputs;
                c
            }
        }
        HttpOutcome::Failure { kind, message } => {
            Completion::failed(kind.code(), message.clone(), Value::Null)
        }
    }
}

pub(crate) fn schedule_retry(m: &mut Machine<'_>, key: &ActionKey, delay: std::time::Duration) {
    let attempt = m.work.action(key).map_or(1, |r| r.attempt);
    let id = TimerId(format!("retry:{key}:{attempt}"));
    let due = add_std(m.now, delay);
    m.schedule_timer(id, due, TimerPurpose::Retry { key: key.clone() });
}

fn strategy_of(m: &Machine<'_>, key: &ActionKey) -> RetryStrategy {
    m.work
        .action(key)
        .and_then(|r| RetryStrategy::from_inputs(r.inputs.get("retryPolicy")).ok())
        .unwrap_or_else(RetryStrategy::default_policy)
}

pub(crate) fn on_result(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
    attempt: u32,
    outcome: &HttpOutcome,
) -> Outcome {
    if let Err(stale) = check_awaited(m, key, attempt) {
        return stale;
    }
    let strategy = strategy_of(m, key);
    let async_pattern = !action.has_operation_option("DisableAsyncPattern");
    match classify(m, key, outcome, &strategy, async_pattern) {
        Next::Retry(delay) => schedule_retry(m, key, delay),
        Next::Poll { location, delay } => {
            let id = TimerId(format!("poll:{key}:{attempt}"));
            let due = add_std(m.now, delay);
            m.schedule_timer(
                id,
                due,
                TimerPurpose::Poll {
                    key: key.clone(),
                    location,
                },
            );
        }
        Next::Final => m.complete(action, key, final_completion(outcome)),
    }
    Outcome::Applied
}

/// A retry or poll timer fired (the state already counts the new attempt).
pub(crate) fn resend(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(record) = m.work.action(key) else {
        return;
    };
    let attempt = record.attempt;
    let request = match &record.poll_location {
        Some(location) => OutboundRequest {
            method: "GET".into(),
            uri: location.clone(),
            authentication: record
                .inputs
                .get("authentication")
                .cloned()
                .filter(|a| !a.is_null()),
            suppress_workflow_headers: action.has_operation_option("SuppressWorkflowHeaders"),
            ..OutboundRequest::default()
        },
        None => match build_request(&record.inputs, action) {
            Ok(r) => r,
            Err(message) => {
                return m.complete(
                    action,
                    key,
                    Completion::failed("InvalidTemplate", message, Value::Null),
                );
            }
        },
    };
    m.effect(Effect::Http {
        key: key.clone(),
        attempt,
        request,
    });
}

pub(crate) fn on_timeout(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    if m.work.action(key).is_some_and(|r| !r.status.is_terminal()) {
        m.complete(action, key, timed_out(action));
    }
}

pub(crate) fn timed_out(action: &CheckedAction) -> Completion {
    Completion::failed(
        "ActionTimedOut",
        format!(
            "The action '{}' did not complete within its timeout.",
            action.name
        ),
        Value::Null,
    )
    .with_status(Status::TimedOut)
}
