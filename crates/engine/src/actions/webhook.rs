//! HttpWebhook action: subscribe (with retries), wait for the callback without holding
//! anything but state, complete on the callback, unsubscribe after completion, on cancel
//! and before a timeout.

use super::http::{
    begin, build_request, check_awaited, classify, final_completion, schedule_retry, timed_out,
    Next,
};
use super::invalid_template;
use crate::effect::Effect;
use crate::event::{Event, UnsubscribeRecord};
use crate::input::HttpOutcome;
use crate::key::ActionKey;
use crate::retry::RetryStrategy;
use crate::schedule::{Completion, Machine};
use crate::state::Awaiting;
use crate::status::Status;
use crate::template::Part;
use crate::{Outcome, StaleReason};
use chrono::{DateTime, Utc};
use hookflow_definition::CheckedAction;
use serde_json::{json, Value};

pub(crate) fn start(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(subscribe) = action
        .inputs
        .as_ref()
        .map(Part::of)
        .and_then(|p| p.field("subscribe"))
    else {
        return m.complete(
            action,
            key,
            Completion::failed(
                "InvalidTemplate",
                "HttpWebhook needs 'subscribe'",
                Value::Null,
            ),
        );
    };
    let evaluated = {
        let mut ctx = m.ctx(Some(action.id), key.indexes());
        ctx.callback_url = Some(m.env.callback_url(key));
        subscribe.evaluate(&ctx)
    };
    let subscribe = match evaluated {
        Ok(v) => v,
        Err(e) => return m.complete(action, key, invalid_template(action, &e, Value::Null)),
    };
    let inputs = json!({ "subscribe": subscribe });
    let request = build_request(&subscribe, action)
        .and_then(|r| RetryStrategy::from_inputs(subscribe.get("retryPolicy")).map(|_| r));
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
    m.effect(Effect::Subscribe {
        key: key.clone(),
        attempt: 1,
        request,
    });
}

fn strategy_of(m: &Machine<'_>, key: &ActionKey) -> RetryStrategy {
    m.work
        .action(key)
        .and_then(|r| r.inputs.get("subscribe"))
        .and_then(|s| RetryStrategy::from_inputs(s.get("retryPolicy")).ok())
        .unwrap_or_else(RetryStrategy::default_policy)
}

pub(crate) fn on_subscribe_result(
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
    match classify(m, key, outcome, &strategy, false) {
        Next::Retry(delay) => schedule_retry(m, key, delay),
        Next::Poll { .. } => {}
        Next::Final => match outcome {
            HttpOutcome::Response {
                status,
                headers,
                body,
            } if (200..=299).contains(status) => {
                let outputs = json!({ "statusCode": status, "headers": headers, "body": body });
                m.emit(Event::WebhookSubscribed {
                    key: key.clone(),
                    outputs,
                    at: m.now,
                });
                let early = m
                    .work
                    .action(key)
                    .and_then(|r| r.subscription.early_callback.clone());
                if let Some((headers, body, _)) = early {
                    complete_with_callback(m, action, key, headers, body);
                }
            }
            _ => m.complete(action, key, final_completion(outcome)),
        },
    }
    Outcome::Applied
}

/// A retry timer fired: send the next subscribe attempt.
pub(crate) fn resend(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(record) = m.work.action(key) else {
        return;
    };
    let attempt = record.attempt;
    let subscribe = record
        .inputs
        .get("subscribe")
        .cloned()
        .unwrap_or(Value::Null);
    match build_request(&subscribe, action) {
        Ok(request) => m.effect(Effect::Subscribe {
            key: key.clone(),
            attempt,
            request,
        }),
        Err(message) => m.complete(
            action,
            key,
            Completion::failed("InvalidTemplate", message, Value::Null),
        ),
    }
}

pub(crate) fn on_callback(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
    headers: &Value,
    body: &Value,
    at: DateTime<Utc>,
) -> Outcome {
    let not_waiting = Outcome::Stale(StaleReason::NotWaiting { key: key.clone() });
    let Some(record) = m.work.action(key) else {
        return not_waiting;
    };
    if record.status.is_terminal() || record.subscription.early_callback.is_some() {
        return not_waiting;
    }
    if record.awaiting == Awaiting::Callback {
        complete_with_callback(m, action, key, headers.clone(), body.clone());
    } else {
        // The subscribe call is still out: keep the callback until it is confirmed.
        m.emit(Event::CallbackReceived {
            key: key.clone(),
            headers: headers.clone(),
            body: body.clone(),
            at,
        });
    }
    Outcome::Applied
}

fn complete_with_callback(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
    headers: Value,
    body: Value,
) {
    let outputs = json!({ "headers": headers, "body": body, "statusCode": 202 });
    m.complete(
        action,
        key,
        Completion {
            status: Some(Status::Succeeded),
            code: Some("OK".into()),
            outputs,
            ..Completion::default()
        },
    );
    unsubscribe(m, action, key);
}

/// Sends the unsubscribe call if the action subscribed and has `unsubscribe`; `action()`
/// is the action with its subscribe outputs.
pub(crate) fn unsubscribe(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(record) = m.work.action(key) else {
        return;
    };
    let Some(subscribe_outputs) = record.subscription.outputs.clone() else {
        return;
    };
    if record.subscription.unsubscribe_request.is_some() {
        return;
    }
    let Some(part) = action
        .inputs
        .as_ref()
        .map(Part::of)
        .and_then(|p| p.field("unsubscribe"))
    else {
        return;
    };
    let mut current = record.view(key).clone();
    if let Value::Object(fields) = &mut current {
        fields.insert("outputs".into(), subscribe_outputs);
    }
    let evaluated = {
        let mut ctx = m.ctx(Some(action.id), key.indexes());
        ctx.callback_url = Some(m.env.callback_url(key));
        ctx.current_action = Some(current);
        part.evaluate(&ctx).map_err(|e| e.to_string())
    };
    match evaluated.and_then(|v| build_request(&v, action)) {
        Ok(request) => {
            let journaled = serde_json::to_value(&request).unwrap_or(Value::Null);
            m.emit(Event::UnsubscribeRequested {
                key: key.clone(),
                request: journaled,
                at: m.now,
            });
            m.effect(Effect::Unsubscribe {
                key: key.clone(),
                request,
            });
        }
        Err(message) => m.emit(Event::UnsubscribeRecorded {
            key: key.clone(),
            result: UnsubscribeRecord {
                status_code: None,
                error: Some(message),
            },
            at: m.now,
        }),
    }
}

pub(crate) fn on_unsubscribe_result(
    m: &mut Machine<'_>,
    key: &ActionKey,
    outcome: &HttpOutcome,
) -> Outcome {
    let pending = m
        .work
        .action(key)
        .is_some_and(|r| r.subscription.unsubscribe_pending());
    if !pending {
        return Outcome::Stale(StaleReason::NotWaiting { key: key.clone() });
    }
    let result = match outcome {
        HttpOutcome::Response { status, .. } => UnsubscribeRecord {
            status_code: Some(*status),
            error: (!(200..=299).contains(status))
                .then(|| format!("the unsubscribe call answered {status}")),
        },
        HttpOutcome::Failure { message, .. } => UnsubscribeRecord {
            status_code: None,
            error: Some(message.clone()),
        },
    };
    m.emit(Event::UnsubscribeRecorded {
        key: key.clone(),
        result,
        at: m.now,
    });
    Outcome::Applied
}

/// `limit.timeout` lapsed: unsubscribe first, then TimedOut (runAfter `TimedOut` runs).
pub(crate) fn on_timeout(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    if m.work.action(key).is_some_and(|r| !r.status.is_terminal()) {
        unsubscribe(m, action, key);
        m.complete(action, key, timed_out(action));
    }
}
