//! HttpWebhook action: subscribe, wait, callback, unsubscribe; early callbacks; timeout;
//! cancel; late callbacks.

use crate::scenario::Scenario;
use hookflow_engine::{Effect, Outcome, StaleReason, Status};
use serde_json::json;

fn webhook(limit: serde_json::Value) -> Scenario {
    Scenario::actions(json!({
        "Hook": { "type": "HttpWebhook", "limit": limit, "inputs": {
            "subscribe": { "method": "POST", "uri": "https://svc.test/subscribe", "body": { "callback": "@{listCallbackUrl()}" },
                           "retryPolicy": { "type": "fixed", "count": 1, "interval": "PT5S" } },
            "unsubscribe": { "method": "POST", "uri": "https://svc.test/unsubscribe",
                             "body": { "id": "@{action().outputs.body?['id']}", "callback": "@{listCallbackUrl()}" } } } },
        "Done": { "type": "Compose", "inputs": "@body('Hook')", "runAfter": { "Hook": ["Succeeded"] } },
        "Late": { "type": "Compose", "inputs": "timed out", "runAfter": { "Hook": ["TimedOut"] } }
    }))
}

fn unsubscribe_body(s: &Scenario) -> Option<serde_json::Value> {
    s.effects().iter().find_map(|e| match e {
        Effect::Unsubscribe { request, .. } => request.body.clone(),
        _ => None,
    })
}

#[test]
fn subscribe_wait_callback_unsubscribe() {
    let mut s = webhook(json!({}));
    s.start(json!({}));
    let Some(Effect::Subscribe {
        request,
        attempt: 1,
        ..
    }) = s.effects().first()
    else {
        panic!("{:?}", s.effects())
    };
    assert_eq!(
        request.body,
        Some(json!({ "callback": "https://hookflow.test/runs/r1/actions/Hook/run?sig=x" }))
    );
    s.subscribe_result("Hook", 1, 200, json!({ "id": "sub-1" }));
    assert_eq!(s.status("Hook"), Some(Status::Waiting));
    assert_eq!(s.run_status(), Some(Status::Running));
    s.callback("Hook", json!({ "result": 42 }));
    assert_eq!(s.status("Hook"), Some(Status::Succeeded));
    assert_eq!(s.outputs("Hook")["statusCode"], json!(202));
    assert_eq!(s.outputs("Done"), json!({ "result": 42 }));
    assert_eq!(
        unsubscribe_body(&s),
        Some(
            json!({ "id": "sub-1", "callback": "https://hookflow.test/runs/r1/actions/Hook/run?sig=x" })
        )
    );
    s.unsubscribe_result("Hook", 500);
    assert_eq!(
        s.status("Hook"),
        Some(Status::Succeeded),
        "unsubscribe failures never change the status"
    );
    s.save_journal("webhook_callback");
    assert_eq!(
        s.record("Hook")
            .subscription
            .unsubscribe_result
            .as_ref()
            .and_then(|r| r.status_code),
        Some(500)
    );
    // A second callback: the action no longer waits (HTTP 409).
    s.callback("Hook", json!({}));
    assert_eq!(s.last().outcome, Outcome::Stale(StaleReason::RunCompleted));
}

#[test]
fn a_callback_before_the_subscribe_result_completes_on_subscription() {
    let mut s = webhook(json!({}));
    s.start(json!({}));
    s.callback("Hook", json!("early"));
    assert_eq!(s.last().outcome, Outcome::Applied);
    assert_eq!(s.status("Hook"), Some(Status::Running));
    s.callback("Hook", json!("second"));
    assert!(matches!(
        s.last().outcome,
        Outcome::Stale(StaleReason::NotWaiting { .. })
    ));
    s.subscribe_result("Hook", 1, 201, json!({ "id": "s" }));
    assert_eq!(s.status("Hook"), Some(Status::Succeeded));
    assert_eq!(s.outputs("Done"), json!("early"));
    assert!(unsubscribe_body(&s).is_some());
}

#[test]
fn subscribe_failure_after_retries_fails_the_action() {
    let mut s = webhook(json!({}));
    s.start(json!({}));
    s.subscribe_result("Hook", 1, 503, json!("busy"));
    s.fire_timer("retry:Hook:1");
    assert!(matches!(
        s.effects().first(),
        Some(Effect::Subscribe { attempt: 2, .. })
    ));
    s.subscribe_result("Hook", 2, 503, json!("still busy"));
    assert_eq!(s.status("Hook"), Some(Status::Failed));
    assert_eq!(s.outputs("Hook")["body"], json!("still busy"));
    assert_eq!(s.run_status(), Some(Status::Failed));
    assert!(
        unsubscribe_body(&s).is_none(),
        "never subscribed, nothing to unsubscribe"
    );
}

#[test]
fn timeout_unsubscribes_then_times_out() {
    let mut s = webhook(json!({ "timeout": "PT1H" }));
    s.start(json!({}));
    s.subscribe_result("Hook", 1, 200, json!({ "id": "sub-9" }));
    s.fire_timer("timeout:Hook");
    assert_eq!(s.status("Hook"), Some(Status::TimedOut));
    assert_eq!(s.record("Hook").code.as_deref(), Some("ActionTimedOut"));
    assert!(
        matches!(s.effects().first(), Some(Effect::Unsubscribe { .. })),
        "unsubscribe goes out first"
    );
    assert_eq!(s.status("Late"), Some(Status::Succeeded));
    assert_eq!(s.status("Done"), Some(Status::Skipped));
    s.callback("Hook", json!({}));
    assert!(s.last().is_stale());
}

/// `limit.timeout` may be an expression (a parameter, the trigger body): evaluated when
/// the action starts.
#[test]
fn an_expression_timeout_is_evaluated_when_the_action_starts() {
    let mut s = webhook(json!({ "timeout": "@triggerBody()?['wait']" }));
    s.start(json!({ "wait": "PT2H" }));
    assert!(s.timer_ids().contains(&"timeout:Hook".to_string()));
    s.subscribe_result("Hook", 1, 200, json!({}));
    s.fire_timer("timeout:Hook");
    assert_eq!(s.status("Hook"), Some(Status::TimedOut));
    assert_eq!(s.status("Late"), Some(Status::Succeeded));
}

#[test]
fn an_expression_timeout_that_is_no_duration_fails_the_action_before_subscribing() {
    let mut s = webhook(json!({ "timeout": "@triggerBody()?['wait']" }));
    s.start(json!({ "wait": "soon" }));
    assert_eq!(s.status("Hook"), Some(Status::Failed));
    let record = s.record("Hook");
    assert_eq!(record.code.as_deref(), Some("InvalidTemplate"));
    assert!(
        !s.effects()
            .iter()
            .any(|e| matches!(e, Effect::Subscribe { .. })),
        "nothing is subscribed"
    );
    assert!(!s.timer_ids().contains(&"timeout:Hook".to_string()));
}

#[test]
fn cancel_while_waiting_unsubscribes() {
    let mut s = webhook(json!({}));
    s.start(json!({}));
    s.subscribe_result("Hook", 1, 200, json!({ "id": "x" }));
    s.cancel();
    assert_eq!(s.status("Hook"), Some(Status::Cancelled));
    assert_eq!(
        unsubscribe_body(&s).map(|b| b["id"].clone()),
        Some(json!("x"))
    );
    // The unsubscribe result arrives after the run ended and is still recorded.
    s.unsubscribe_result("Hook", 200);
    assert_eq!(s.last().outcome, Outcome::Applied);
}

#[test]
fn webhooks_in_a_loop_are_keyed_per_iteration() {
    let mut s = Scenario::actions(json!({
        "Loop": { "type": "Foreach", "foreach": "@createArray(1,2)", "actions": {
            "Hook": { "type": "HttpWebhook", "inputs": { "subscribe": { "method": "POST", "uri": "https://svc.test/s", "body": "@listCallbackUrl()" } } } } }
    }));
    s.start(json!({}));
    s.subscribe_result("Hook[0]", 1, 200, json!(null));
    s.subscribe_result("Hook[1]", 1, 200, json!(null));
    s.callback("Hook[1]", json!("one"));
    assert_eq!(s.status("Hook[1]"), Some(Status::Succeeded));
    assert_eq!(s.status("Loop"), Some(Status::Running));
    s.callback("Hook[0]", json!("zero"));
    assert_eq!(s.run_status(), Some(Status::Succeeded));
}
