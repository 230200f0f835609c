//! `outstanding_effects`: what a restarted runtime re-sends, derived from state alone.

use crate::scenario::Scenario;
use hookflow_engine::{outstanding_effects, Effect};
use serde_json::json;

fn kinds(s: &Scenario) -> Vec<String> {
    outstanding_effects(&s.state, &s.def)
        .iter()
        .map(|e| match e {
            Effect::Http { key, attempt, .. } => format!("http {key} {attempt}"),
            Effect::Subscribe { key, attempt, .. } => format!("subscribe {key} {attempt}"),
            Effect::Unsubscribe { key, .. } => format!("unsubscribe {key}"),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn http_attempt_is_outstanding_until_its_result() {
    let mut s = Scenario::actions(json!({
        "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "https://svc.test/a",
                  "retryPolicy": { "type": "fixed", "count": 2, "interval": "PT5S" } } }
    }));
    s.start(json!({}));
    assert_eq!(kinds(&s), ["http Call 1"]);
    s.http_result("Call", 1, 500, json!({}));
    assert!(kinds(&s).is_empty(), "a retry timer is durable on its own");
    let timer = s.timer_ids()[0].clone();
    s.fire_timer(&timer);
    assert_eq!(kinds(&s), ["http Call 2"]);
    s.http_result("Call", 2, 200, json!({}));
    assert!(kinds(&s).is_empty());
}

#[test]
fn subscribe_then_unsubscribe_are_outstanding_until_answered() {
    let mut s = Scenario::actions(json!({
        "Hook": { "type": "HttpWebhook", "inputs": {
            "subscribe": { "method": "POST", "uri": "https://svc.test/subscribe", "body": { "callback": "@{listCallbackUrl()}" } },
            "unsubscribe": { "method": "POST", "uri": "https://svc.test/unsubscribe" } } }
    }));
    s.start(json!({}));
    assert_eq!(kinds(&s), ["subscribe Hook 1"]);
    s.subscribe_result("Hook", 1, 200, json!({ "id": "sub-1" }));
    assert!(
        kinds(&s).is_empty(),
        "a waiting webhook needs its callback, not a resend"
    );
    s.callback("Hook", json!({ "done": true }));
    assert_eq!(kinds(&s), ["unsubscribe Hook"]);
    s.unsubscribe_result("Hook", 200);
    assert!(kinds(&s).is_empty());
}

/// In a loop, only the repetitions still in flight are outstanding: each finished one
/// leaves the run's open records, whatever order the results come in.
#[test]
fn finished_loop_repetitions_are_not_outstanding() {
    let mut s = Scenario::actions(json!({
        "Each": { "type": "Foreach", "foreach": "@createArray(1, 2, 3)",
                  "runtimeConfiguration": { "concurrency": { "repetitions": 2 } },
                  "actions": { "Call": { "type": "Http",
                      "inputs": { "method": "GET", "uri": "https://svc.test/@{items('Each')}" } } } }
    }));
    s.start(json!({}));
    assert_eq!(kinds(&s), ["http Call[0] 1", "http Call[1] 1"]);
    s.http_result("Call[1]", 1, 200, json!({}));
    assert_eq!(kinds(&s), ["http Call[0] 1", "http Call[2] 1"]);
    s.http_result("Call[0]", 1, 200, json!({}));
    assert_eq!(kinds(&s), ["http Call[2] 1"]);
    s.http_result("Call[2]", 1, 200, json!({}));
    assert!(kinds(&s).is_empty());
    assert_eq!(s.state.open_actions().count(), 0, "the loop finished too");
    assert_eq!(s.state.actions().count(), 4);
}
