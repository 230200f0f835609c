//! Recovery: the outbound effects a run still waits on, derived from its state alone.
//!
//! Effects are executed after their events are stored and at least once. When the process
//! that dispatched an `Http`, `Subscribe` or `Unsubscribe` stopped before the result came
//! back, the journal shows the request as sent and unanswered; [`outstanding_effects`]
//! rebuilds exactly that request (same key and attempt), so the runtime can send it again
//! and the engine accepts its result as the awaited one.

use crate::actions::http::build_request;
use crate::effect::{Effect, OutboundRequest};
use crate::state::{Awaiting, RunState};
use hookflow_definition::model::ActionType;
use hookflow_definition::CheckedDefinition;
use serde_json::Value;

/// The outbound requests the run waits on and has no result for:
///
/// - an Http action that is not terminal and awaits the result of its current attempt
///   (its evaluated inputs, or a `GET` of the poll location while polling a 202);
/// - an HttpWebhook action whose subscribe attempt is unanswered;
/// - an unsubscribe that was journaled (`UnsubscribeRequested`) but has no recorded result,
///   also after the action or the run completed.
///
/// Actions waiting on a timer or a callback are not here: timers and callbacks are
/// durable rows that bring the run back on their own.
pub fn outstanding_effects(state: &RunState, definition: &CheckedDefinition) -> Vec<Effect> {
    let mut effects = Vec::new();
    // A record done with (terminal, no unsubscribe waiting) has nothing outstanding.
    for (key, record) in state.open_actions() {
        let Some(action) = definition.actions.find(key.name()) else {
            continue;
        };
        let subscription = &record.subscription;
        if let (Some(request), None) = (
            &subscription.unsubscribe_request,
            &subscription.unsubscribe_result,
        ) {
            if let Ok(request) = serde_json::from_value::<OutboundRequest>(request.clone()) {
                effects.push(Effect::Unsubscribe {
                    key: key.clone(),
                    request,
                });
            }
        }
        let awaits_result = !state.is_completed()
            && !record.status.is_terminal()
            && record.awaiting == Awaiting::Result;
        if !awaits_result {
            continue;
        }
        match action.action_type {
            ActionType::Http => {
                let request = match &record.poll_location {
                    Some(location) => Ok(OutboundRequest {
                        method: "GET".into(),
                        uri: location.clone(),
                        authentication: record
                            .inputs
                            .get("authentication")
                            .cloned()
                            .filter(|a| !a.is_null()),
                        suppress_workflow_headers: action
                            .has_operation_option("SuppressWorkflowHeaders"),
                        ..OutboundRequest::default()
                    }),
                    None => build_request(&record.inputs, action),
                };
                if let Ok(request) = request {
                    effects.push(Effect::Http {
                        key: key.clone(),
                        attempt: record.attempt,
                        request,
                    });
                }
            }
            ActionType::HttpWebhook if subscription.outputs.is_none() => {
                let subscribe = record
                    .inputs
                    .get("subscribe")
                    .cloned()
                    .unwrap_or(Value::Null);
                if let Ok(request) = build_request(&subscribe, action) {
                    effects.push(Effect::Subscribe {
                        key: key.clone(),
                        attempt: record.attempt,
                        request,
                    });
                }
            }
            _ => {}
        }
    }
    effects
}
