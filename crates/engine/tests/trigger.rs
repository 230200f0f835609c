//! Trigger-side decisions: `splitOn` and `conditions`.

use crate::scenario::FakeEnv;
use hookflow_definition::validate_document;
use hookflow_engine::trigger::{evaluate_trigger, TriggerDecision};
use serde_json::json;

#[test]
fn split_on_then_conditions_per_item() {
    let def = validate_document(&json!({
        "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http",
                "splitOn": "@triggerBody()?['items']",
                "conditions": [{ "expression": "@greater(triggerBody()?['n'], 1)" }] } },
            "actions": {}
        }
    }))
    .expect("valid");
    let outputs = json!({ "headers": { "h": "1" }, "body": { "items": [{ "n": 1 }, { "n": 2 }, { "n": 3 }] } });
    let decision = evaluate_trigger(&def, "manual", &outputs, &FakeEnv::new());
    let TriggerDecision::Fire(runs) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0],
        json!({ "headers": { "h": "1" }, "body": { "n": 2 } })
    );
    let none = json!({ "headers": {}, "body": { "items": [{ "n": 0 }] } });
    assert_eq!(
        evaluate_trigger(&def, "manual", &none, &FakeEnv::new()),
        TriggerDecision::Skipped
    );
    let bad = json!({ "headers": {}, "body": { "items": "nope" } });
    assert!(matches!(
        evaluate_trigger(&def, "manual", &bad, &FakeEnv::new()),
        TriggerDecision::Failed { .. }
    ));
}

#[test]
fn a_trigger_with_nothing_to_evaluate_fires_as_called() {
    let def = validate_document(&json!({
        "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": {}
        }
    }))
    .expect("valid");
    let outputs = json!({ "headers": {}, "body": { "n": 1 } });
    assert_eq!(
        evaluate_trigger(&def, "manual", &outputs, &FakeEnv::new()),
        TriggerDecision::FireAsCalled
    );
}
