//! Hostile input never panics: deep nesting, huge names, wrong JSON types everywhere.

use hookflow_definition::{validate_document, validate_text};
use proptest::prelude::*;
use serde_json::{json, Value};

#[test]
fn deeply_nested_json_is_refused_cleanly() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(validate_text(&text).is_err());
    let text = format!(
        "{{\"actions\": {}1{} }}",
        "{\"a\":".repeat(5_000),
        "}".repeat(5_000)
    );
    assert!(validate_text(&text).is_err());
}

#[test]
fn deeply_nested_scopes_do_not_overflow() {
    let mut inner = json!({ "Leaf": { "type": "Compose", "inputs": 1 } });
    for level in 0..100 {
        inner = json!({ format!("S{level}"): { "type": "Scope", "actions": inner } });
    }
    let doc = json!({ "triggers": {}, "actions": inner });
    assert!(validate_document(&doc).is_err());
}

#[test]
fn long_runafter_chain_is_fine() {
    let mut actions = serde_json::Map::new();
    for i in 0..400 {
        let mut action = json!({ "type": "Compose", "inputs": i });
        if i > 0 {
            action["runAfter"] = json!({ format!("A{}", i - 1): ["Succeeded"] });
        }
        actions.insert(format!("A{i}"), action);
    }
    let doc = json!({ "triggers": { "manual": { "type": "Request" } }, "actions": actions });
    assert!(validate_document(&doc).is_ok());
}

#[test]
fn huge_names_and_strings() {
    let name = "x".repeat(100_000);
    let doc = json!({ "triggers": { name.clone(): { "type": "Request" } }, "actions": {
        name.clone(): { "type": "Compose", "inputs": format!("@{}", "(".repeat(50_000)) }
    } });
    assert!(validate_document(&doc).is_err());
}

#[test]
fn wrong_types_in_every_slot() {
    let junk = [
        json!(null),
        json!(1),
        json!("s"),
        json!([]),
        json!(true),
        json!({}),
    ];
    let slots = [
        "/triggers",
        "/actions",
        "/parameters",
        "/outputs",
        "/actions/A",
        "/actions/A/type",
        "/actions/A/inputs",
        "/actions/A/runAfter",
        "/actions/A/runAfter/B",
        "/actions/A/limit",
        "/actions/A/runtimeConfiguration",
        "/actions/A/actions",
        "/actions/A/else",
        "/actions/A/cases",
        "/actions/A/expression",
        "/actions/A/foreach",
        "/actions/A/inputs/variables",
        "/actions/A/inputs/subscribe",
        "/actions/A/inputs/authentication",
        "/actions/A/inputs/retryPolicy",
        "/triggers/t",
        "/triggers/t/conditions",
        "/triggers/t/recurrence",
    ];
    let types = [
        "Compose",
        "If",
        "Switch",
        "Foreach",
        "Until",
        "Scope",
        "HttpWebhook",
        "Http",
        "InitializeVariable",
        "Wait",
    ];
    for t in types {
        for slot in slots {
            for value in &junk {
                let mut doc = json!({
                    "triggers": { "t": { "type": "HttpWebhook", "inputs": {} } },
                    "actions": {
                        "A": { "type": t, "inputs": { "method": "GET", "uri": "u" }, "runAfter": { "B": ["Succeeded"] } },
                        "B": { "type": "Compose", "inputs": 1 }
                    }
                });
                if let Some(target) = doc.pointer_mut(slot) {
                    *target = value.clone();
                }
                let _ = validate_document(&doc);
            }
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[@a-zA-Z(){}' ,.?\\[\\]]{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("Compose"),
            Just("If"),
            Just("Scope"),
            Just("Foreach"),
            Just("Until"),
            Just("Switch"),
            Just("Http"),
            Just("Succeeded"),
            Just("@body('A')"),
            Just("@item()")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type".to_string()),
                        Just("actions".to_string()),
                        Just("inputs".to_string()),
                        Just("runAfter".to_string()),
                        Just("expression".to_string()),
                        Just("A".to_string()),
                        Just("B".to_string()),
                        Just("else".to_string()),
                        Just("cases".to_string()),
                        "[a-z]{1,4}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_documents_never_panic(actions in arb_json(), triggers in arb_json()) {
        let doc = json!({ "triggers": triggers, "actions": actions });
        let _ = validate_document(&doc);
        let _ = validate_document(&json!({ "definition": doc.clone() }));
        let _ = validate_document(&json!({ "properties": { "definition": doc } }));
    }
}
