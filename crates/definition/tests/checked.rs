//! The checked form: the action tree, runAfter edges, parameters and pre-parsed templates.

use hookflow_definition::{validate_document, BranchKey, ValueTemplate};
use hookflow_expr::StaticContext;
use serde_json::{json, Value};

fn sample() -> Value {
    json!({
        "definition": {
            "parameters": {
                "greeting": { "type": "string", "defaultValue": "hello" },
                "limit": { "type": "int", "defaultValue": 3 },
                "flag": { "type": "bool", "defaultValue": true }
            },
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": {
                "Init": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "n", "type": "Integer", "value": 0 }] } },
                "Check": {
                    "type": "If",
                    "expression": { "and": [{ "or": ["@parameters('flag')", false] }] },
                    "actions": { "Yes": { "type": "Compose", "inputs": { "text": "@@literal", "g": "@parameters('greeting')" } } },
                    "else": { "actions": { "No": { "type": "Compose", "inputs": "static" } } },
                    "runAfter": { "Init": ["Succeeded", "Failed"] }
                },
                "Reply": { "type": "Response", "inputs": { "statusCode": 200, "body": "@{parameters('greeting')} world" },
                           "runAfter": { "Check": ["Succeeded"] }, "limit": { "timeout": "PT2M" } }
            },
            "outputs": { "result": { "type": "string", "value": "@parameters('greeting')" } }
        },
        "parameters": { "greeting": { "value": "hi" } }
    })
}

#[test]
fn action_tree_and_edges() {
    let checked = validate_document(&sample()).expect("valid");
    let tree = &checked.actions;
    assert_eq!(tree.len(), 5);
    let top: Vec<&str> = tree
        .top_level()
        .iter()
        .filter_map(|id| tree.get(*id))
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(top, ["Init", "Check", "Reply"]);
    let check = tree.find("check").expect("case-insensitive lookup");
    let yes = tree.find("Yes").expect("nested");
    let no = tree.find("No").expect("nested");
    assert_eq!(yes.parent, Some(check.id));
    assert_eq!(yes.branch, BranchKey::Actions);
    assert_eq!(no.branch, BranchKey::Else);
    assert_eq!(check.children(&BranchKey::Else), &[no.id]);
    assert_eq!(tree.siblings(yes.id), &[yes.id]);
    let init = tree.find("Init").expect("top");
    assert_eq!(check.run_after.len(), 1);
    assert_eq!(check.run_after[0].predecessor, init.id);
    assert_eq!(check.run_after[0].statuses.len(), 2);
    let reply = tree.find("Reply").expect("top");
    assert_eq!(reply.timeout.map(|d| d.approx().as_secs()), Some(120));
}

#[test]
fn parameters_combine_defaults_and_values() {
    let checked = validate_document(&sample()).expect("valid");
    let values = checked.parameter_values();
    assert_eq!(values.get("greeting"), Some(&json!("hi")));
    assert_eq!(values.get("limit"), Some(&json!(3)));
    assert_eq!(values.get("flag"), Some(&json!(true)));
}

#[test]
fn templates_evaluate_and_static_parts_stay_static() {
    let checked = validate_document(&sample()).expect("valid");
    let ctx_doc = json!({ "parameters": { "greeting": "hi", "limit": 3, "flag": true } });
    let ctx = StaticContext::from_json(&ctx_doc).expect("context");
    let yes = checked.actions.find("Yes").expect("Yes");
    let inputs = yes.inputs.as_ref().expect("inputs");
    assert_eq!(
        inputs.evaluate(&ctx).ok(),
        Some(json!({ "text": "@literal", "g": "hi" }))
    );
    let no = checked.actions.find("No").expect("No");
    assert_eq!(no.inputs, Some(ValueTemplate::Static(json!("static"))));
    let reply = checked.actions.find("Reply").expect("Reply");
    let body = reply.inputs.as_ref().and_then(|i| i.evaluate(&ctx).ok());
    assert_eq!(body, Some(json!({ "statusCode": 200, "body": "hi world" })));
    let check = checked.actions.find("Check").expect("Check");
    let condition = check
        .expression
        .as_ref()
        .and_then(|e| e.evaluate(&ctx).ok());
    assert_eq!(condition, Some(json!(true)));
    let output = checked
        .outputs
        .get("result")
        .and_then(|o| o.value.evaluate(&ctx).ok());
    assert_eq!(output, Some(json!("hi")));
}

#[test]
fn the_model_keeps_unknown_properties_and_key_order() {
    let text = r#"{"actions":{"A":{"runAfter":{},"metadata":{"designer":true},"type":"compose","inputs":1,"description":"d"}},"triggers":{"t":{"kind":"Http","type":"request","x-extra":[1]}},"contentVersion":"1.0.0.0"}"#;
    let model: hookflow_definition::model::Ordered<hookflow_definition::model::Definition> =
        serde_json::from_str(text).expect("model");
    assert_eq!(serde_json::to_string(&model).ok().as_deref(), Some(text));
    let action = model.actions.as_ref().and_then(|a| a.get("A")).expect("A");
    assert_eq!(
        action.action_type(),
        Some(hookflow_definition::model::ActionType::Compose)
    );
    assert!(action.extra.contains_key("metadata"));
}

/// `secureData`: each trigger and action hides what its own setting names; Compose, Parse
/// JSON and Response hide their outputs with their inputs; an action whose expressions
/// read outputs secured by their own setting hides its inputs, and nothing cascades from
/// there or from outputs hidden only because their inputs are. A setting on a type Logic
/// Apps does not offer it for is honoured too.
#[test]
fn secure_data_is_declared_and_propagated() {
    let secure = |properties: Value| json!({ "secureData": { "properties": properties } });
    let doc = json!({
        "definition": {
            "triggers": { "manual": {
                "type": "Request", "kind": "Http", "runtimeConfiguration": secure(json!(["outputs"]))
            } },
            "actions": {
                "FromTrigger": { "type": "Compose", "inputs": "@triggerBody()?['name']" },
                "FromCompose": { "type": "Compose", "inputs": "@outputs('FromTrigger')",
                                 "runAfter": { "FromTrigger": ["Succeeded"] } },
                "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "http://example.test" },
                          "runtimeConfiguration": secure(json!(["outputs"])) },
                "UsesCall": { "type": "Http",
                              "inputs": { "method": "POST", "uri": "http://example.test", "body": "@{body('call')}" },
                              "runAfter": { "Call": ["Succeeded"] } },
                "Loop": { "type": "Foreach", "foreach": "@body('Call')", "runAfter": { "Call": ["Succeeded"] },
                          "actions": { "Inner": { "type": "Compose", "inputs": "@items('Loop')" } } },
                "Plain": { "type": "Compose", "inputs": "@utcNow()" },
                "Hidden": { "type": "Compose", "inputs": "x", "runtimeConfiguration": secure(json!(["inputs"])) },
                "Init": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "v", "type": "string" }] } },
                "Set": { "type": "SetVariable", "inputs": { "name": "v", "value": "secret" },
                         "runAfter": { "Init": ["Succeeded"] }, "runtimeConfiguration": secure(json!(["inputs"])) }
            }
        }
    });
    let checked = validate_document(&doc).expect("valid");
    let flags = |name: &str| {
        let a = checked.actions.find(name).expect(name);
        (a.secure.inputs, a.secure.outputs)
    };
    assert!(checked.triggers[0].secure.outputs && !checked.triggers[0].secure.inputs);
    assert_eq!(
        flags("FromTrigger"),
        (true, true),
        "reads the secured trigger"
    );
    assert_eq!(
        flags("FromCompose"),
        (false, false),
        "implied outputs do not cascade"
    );
    assert_eq!(flags("Call"), (false, true));
    assert_eq!(flags("UsesCall"), (true, false), "names ignore case");
    assert_eq!(flags("Loop"), (true, false), "a Foreach source is read too");
    assert_eq!(flags("Inner"), (false, false));
    assert_eq!(flags("Plain"), (false, false));
    assert_eq!(flags("Hidden"), (true, true));
    // Logic Apps offers no secure inputs on variable actions; one declared anyway is
    // honoured (it hides more, never less, and a stored definition keeps loading).
    assert_eq!(flags("Set"), (true, false));
}

/// `actions()` and `result()` return inputs as well as outputs: reading an action with
/// secure inputs by `actions()`, or a scope whose direct child has either secured by
/// `result()`, hides the reader's inputs; a scope with only plain actions does not.
#[test]
fn secure_data_read_through_actions_and_result_is_hidden() {
    let secure = |properties: Value| json!({ "secureData": { "properties": properties } });
    let doc = json!({
        "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": {
                "Try": { "type": "Scope", "actions": {
                    "Login": { "type": "Http",
                               "inputs": { "method": "POST", "uri": "http://example.test", "body": "secret" },
                               "runtimeConfiguration": secure(json!(["inputs"])) }
                } },
                "Plain": { "type": "Scope", "actions": {
                    "Step": { "type": "Compose", "inputs": "x" }
                } },
                "Results": { "type": "Compose", "inputs": "@result('try')",
                             "runAfter": { "Try": ["Failed"] } },
                "Record": { "type": "Compose", "inputs": "@actions('Login')?['inputs']",
                            "runAfter": { "Try": ["Succeeded"] } },
                "Outputs": { "type": "Compose", "inputs": "@outputs('Login')",
                             "runAfter": { "Try": ["Succeeded"] } },
                "PlainResults": { "type": "Compose", "inputs": "@result('Plain')",
                                  "runAfter": { "Plain": ["Succeeded"] } }
            }
        }
    });
    let checked = validate_document(&doc).expect("valid");
    let flags = |name: &str| {
        let a = checked.actions.find(name).expect(name);
        (a.secure.inputs, a.secure.outputs)
    };
    assert_eq!(flags("Login"), (true, false));
    assert_eq!(
        flags("Results"),
        (true, true),
        "result() of a scope holding it"
    );
    assert_eq!(
        flags("Record"),
        (true, true),
        "actions() returns its inputs"
    );
    assert_eq!(
        flags("Outputs"),
        (false, false),
        "its outputs are not secured"
    );
    assert_eq!(flags("PlainResults"), (false, false));
}
