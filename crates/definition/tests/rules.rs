//! One test per validation rule, on small hand-written definitions.

use hookflow_definition::{validate_document, ErrorCode};
use serde_json::{json, Value};

/// A bare definition with a Request trigger and these actions.
fn with_actions(actions: Value) -> Value {
    json!({
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": actions
    })
}

fn errors(doc: &Value) -> Vec<(String, ErrorCode)> {
    match validate_document(doc) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.pointer, e.code)).collect(),
    }
}

#[track_caller]
fn assert_error(doc: &Value, pointer: &str, code: ErrorCode) {
    let found = errors(doc);
    assert!(
        found.iter().any(|(p, c)| p == pointer && *c == code),
        "expected {code} at {pointer}, got {found:?}"
    );
}

#[track_caller]
fn assert_valid(doc: &Value) {
    if let Err(errors) = validate_document(doc) {
        let list: Vec<String> = errors.iter().map(|e| format!("{e} [{}]", e.code)).collect();
        panic!("expected valid, got:\n{}", list.join("\n"));
    }
}

#[test]
fn minimal_definition_is_valid() {
    assert_valid(&with_actions(json!({
        "Compose": { "type": "compose", "inputs": "@triggerBody()" },
        "Response": { "type": "Response", "inputs": { "statusCode": 200, "body": "@outputs('Compose')" },
                      "runAfter": { "Compose": ["SUCCEEDED"] }, "metadata": { "x": 1 } }
    })));
}

#[test]
fn document_shapes_are_recognised_and_pointers_follow_them() {
    let bad = json!({ "triggers": {}, "actions": { "A": { "inputs": 1 } } });
    assert_error(&bad, "/actions/A/type", ErrorCode::MissingType);
    let workflow = json!({ "definition": bad.clone(), "kind": "Stateful" });
    assert_error(
        &workflow,
        "/definition/actions/A/type",
        ErrorCode::MissingType,
    );
    let resource = json!({ "properties": { "definition": bad } });
    assert_error(
        &resource,
        "/properties/definition/actions/A/type",
        ErrorCode::MissingType,
    );
}

#[test]
fn non_object_definition_is_reported() {
    assert_error(&json!([1, 2]), "", ErrorCode::InvalidDocument);
    assert_error(
        &json!({ "definition": { "actions": [] } }),
        "/definition/actions",
        ErrorCode::InvalidDocument,
    );
}

#[test]
fn unknown_and_missing_types() {
    let doc = with_actions(json!({
        "A": { "type": "ApiConnection", "inputs": {} },
        "B": { "inputs": {} },
        "C": { "type": 3 }
    }));
    assert_error(&doc, "/actions/A/type", ErrorCode::UnknownActionType);
    assert_error(&doc, "/actions/B/type", ErrorCode::MissingType);
    assert_error(&doc, "/actions/C/type", ErrorCode::MissingType);
    let doc = json!({ "triggers": { "t": { "type": "ApiConnectionWebhook" }, "u": {} } });
    assert_error(&doc, "/triggers/t/type", ErrorCode::UnknownTriggerType);
    assert_error(&doc, "/triggers/u/type", ErrorCode::MissingType);
}

#[test]
fn required_inputs_per_type() {
    let doc = with_actions(json!({
        "Http": { "type": "Http", "inputs": { "method": "GET" } },
        "Hook": { "type": "HttpWebhook", "inputs": { "subscribe": { "uri": "https://x" } } },
        "Resp": { "type": "Response", "inputs": {} },
        "Term": { "type": "Terminate", "inputs": {} },
        "Parse": { "type": "ParseJson", "inputs": { "content": "{}" } },
        "Query": { "type": "Query", "inputs": { "from": [] } },
        "Select": { "type": "Select", "inputs": { "select": 1 } },
        "Join": { "type": "Join", "inputs": { "from": [] } },
        "Table": { "type": "Table", "inputs": { "from": [] } },
        "Wait": { "type": "Wait", "inputs": {} },
        "Compose": { "type": "Compose" },
        "If": { "type": "If", "actions": {} },
        "Each": { "type": "Foreach", "actions": {} }
    }));
    assert_error(&doc, "/actions/Http/inputs/uri", ErrorCode::MissingInput);
    assert_error(
        &doc,
        "/actions/Hook/inputs/subscribe/method",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Resp/inputs/statusCode",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Term/inputs/runStatus",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Parse/inputs/schema",
        ErrorCode::MissingInput,
    );
    assert_error(&doc, "/actions/Query/inputs/where", ErrorCode::MissingInput);
    assert_error(&doc, "/actions/Select/inputs/from", ErrorCode::MissingInput);
    assert_error(
        &doc,
        "/actions/Join/inputs/joinWith",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Table/inputs/format",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Wait/inputs/interval",
        ErrorCode::MissingInput,
    );
    assert_error(&doc, "/actions/Compose/inputs", ErrorCode::MissingInput);
    assert_error(&doc, "/actions/If/expression", ErrorCode::MissingInput);
    assert_error(&doc, "/actions/Each/foreach", ErrorCode::MissingInput);
}

#[test]
fn whole_inputs_expression_defers_checks_to_run_time() {
    assert_valid(&json!({
        "parameters": { "req": { "type": "object", "defaultValue": {} } },
        "triggers": { "manual": { "type": "Request" } },
        "actions": { "Http": { "type": "Http", "inputs": "@parameters('req')" } }
    }));
}

#[test]
fn run_after_rules() {
    let doc = with_actions(json!({
        "A": { "type": "Compose", "inputs": 1, "runAfter": { "Missing": ["Succeeded"] } },
        "B": { "type": "Compose", "inputs": 1, "runAfter": { "A": ["Done"] } },
        "Scope": { "type": "Scope", "actions": {
            "Inner": { "type": "Compose", "inputs": 1, "runAfter": { "A": ["Succeeded"] } }
        } },
        "C": { "type": "Compose", "inputs": 1, "runAfter": { "D": ["Succeeded"] } },
        "D": { "type": "Compose", "inputs": 1, "runAfter": { "C": ["Failed"] } },
        "E": { "type": "Compose", "inputs": 1, "runAfter": { "E": ["Failed"] } }
    }));
    assert_error(
        &doc,
        "/actions/A/runAfter/Missing",
        ErrorCode::InvalidRunAfter,
    );
    assert_error(&doc, "/actions/B/runAfter/A/0", ErrorCode::InvalidRunAfter);
    assert_error(
        &doc,
        "/actions/Scope/actions/Inner/runAfter/A",
        ErrorCode::InvalidRunAfter,
    );
    assert_error(&doc, "/actions/C/runAfter", ErrorCode::RunAfterCycle);
    assert_error(&doc, "/actions/E/runAfter/E", ErrorCode::RunAfterCycle);
}

#[test]
fn if_branches_are_separate_containers() {
    let doc = with_actions(json!({
        "If": { "type": "If", "expression": "@triggerBody()", "actions": {
            "T": { "type": "Compose", "inputs": 1 }
        }, "else": { "actions": {
            "F": { "type": "Compose", "inputs": 1, "runAfter": { "T": ["Succeeded"] } }
        } } }
    }));
    assert_error(
        &doc,
        "/actions/If/else/actions/F/runAfter/T",
        ErrorCode::InvalidRunAfter,
    );
}

#[test]
fn expressions_must_parse() {
    let doc = with_actions(json!({
        "A": { "type": "Compose", "inputs": { "x": "@triggerBody(" } },
        "B": { "type": "Compose", "inputs": "@noSuchFunction()" },
        "C": { "type": "Compose", "inputs": "@body('A', 'B')" },
        "D": { "type": "Compose", "inputs": format!("@{{coalesce('{}')}}", "x".repeat(9000)) }
    }));
    assert_error(&doc, "/actions/A/inputs/x", ErrorCode::InvalidTemplate);
    assert_error(&doc, "/actions/B/inputs", ErrorCode::UnknownFunction);
    assert_error(&doc, "/actions/C/inputs", ErrorCode::InvalidTemplate);
    assert_error(&doc, "/actions/D/inputs", ErrorCode::LimitExceeded);
}

#[test]
fn references_must_exist() {
    let doc = json!({
        "parameters": { "known": { "type": "string", "defaultValue": "x" } },
        "triggers": { "manual": { "type": "Request" } },
        "actions": {
            "A": { "type": "Compose", "inputs": [
                "@body('Nope')", "@outputs('Nope')", "@actions('Nope')", "@result('Nope')",
                "@parameters('unknown')", "@parameters('KNOWN')", "@variables('v')"
            ] }
        }
    });
    for i in 0..4 {
        assert_error(
            &doc,
            &format!("/actions/A/inputs/{i}"),
            ErrorCode::UnknownAction,
        );
    }
    assert_error(&doc, "/actions/A/inputs/4", ErrorCode::UndeclaredParameter);
    assert_error(&doc, "/actions/A/inputs/6", ErrorCode::UnknownVariable);
    assert!(
        !errors(&doc).iter().any(|(p, _)| p == "/actions/A/inputs/5"),
        "parameter names ignore case"
    );
}

#[test]
fn loop_references_must_enclose() {
    let doc = with_actions(json!({
        "Each": { "type": "Foreach", "foreach": "@triggerBody()", "actions": {
            "Inside": { "type": "Compose", "inputs": ["@items('Each')", "@item()"] }
        } },
        "Outside": { "type": "Compose", "inputs": ["@items('Each')", "@item()", "@iterationIndexes('Loop')", "@result('Outside')"] },
        "Loop": { "type": "Until", "expression": "@equals(iterationIndexes('Loop'), 3)", "limit": { "count": 5 }, "actions": {} }
    }));
    let found = errors(&doc);
    assert!(
        !found.iter().any(|(p, _)| p.starts_with("/actions/Each/")),
        "{found:?}"
    );
    for i in 0..4 {
        assert_error(
            &doc,
            &format!("/actions/Outside/inputs/{i}"),
            ErrorCode::InvalidReference,
        );
    }
}

#[test]
fn item_is_allowed_in_select_query_and_table() {
    assert_valid(&with_actions(json!({
        "Select": { "type": "Select", "inputs": { "from": [1, 2], "select": { "n": "@item()" } } },
        "Query": { "type": "Query", "inputs": { "from": [1, 2], "where": "@item()" } },
        "Table": { "type": "Table", "inputs": { "from": [1], "format": "csv", "columns": [{ "header": "n", "value": "@item()" }] } }
    })));
    let doc = with_actions(json!({
        "Select": { "type": "Select", "inputs": { "from": "@item()", "select": "@item()" } }
    }));
    assert_error(
        &doc,
        "/actions/Select/inputs/from",
        ErrorCode::InvalidReference,
    );
}

#[test]
fn list_callback_url_only_in_webhook_subscribe_and_unsubscribe() {
    let doc = json!({
        "triggers": { "hook": { "type": "HttpWebhook", "inputs": {
            "subscribe": { "method": "POST", "uri": "https://x", "body": { "cb": "@{listCallbackUrl()}" } },
            "unsubscribe": { "method": "POST", "url": "https://x", "body": { "cb": "@listCallbackUrl()" } }
        } } },
        "actions": {
            "Wait": { "type": "HttpWebhook", "inputs": {
                "subscribe": { "method": "POST", "uri": "https://x", "body": "@listCallbackUrl()" },
                "unsubscribe": { "method": "DELETE", "uri": "@{action().outputs.body?['id']}" }
            }, "limit": { "timeout": "PT1H" } },
            "Bad": { "type": "Compose", "inputs": "@listCallbackUrl()" }
        }
    });
    let found = errors(&doc);
    assert_eq!(
        found,
        vec![(
            "/actions/Bad/inputs".to_string(),
            ErrorCode::ListCallbackUrlNotAllowed
        )]
    );
}

#[test]
fn response_and_terminate_not_in_loops() {
    let doc = with_actions(json!({
        "Each": { "type": "Foreach", "foreach": [1], "actions": {
            "Scope": { "type": "Scope", "actions": {
                "Reply": { "type": "Response", "inputs": { "statusCode": 200 } },
                "Stop": { "type": "Terminate", "inputs": { "runStatus": "Failed" } }
            } }
        } }
    }));
    assert_error(
        &doc,
        "/actions/Each/actions/Scope/actions/Reply",
        ErrorCode::ResponseInLoop,
    );
    assert_error(
        &doc,
        "/actions/Each/actions/Scope/actions/Stop",
        ErrorCode::TerminateInLoop,
    );
}

#[test]
fn response_needs_a_request_trigger() {
    let doc = json!({
        "triggers": { "every": { "type": "Recurrence", "recurrence": { "frequency": "Minute", "interval": 5 } } },
        "actions": { "Reply": { "type": "Response", "inputs": { "statusCode": 200 } } }
    });
    assert_error(
        &doc,
        "/actions/Reply",
        ErrorCode::ResponseWithoutRequestTrigger,
    );
}

#[test]
fn variables_rules() {
    let doc = with_actions(json!({
        "Init": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "n", "type": "integer", "value": 0 }] } },
        "InitS": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "s", "type": "String", "value": 3 }] } },
        "Dup": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "N", "type": "Integer" }] } },
        "Inc": { "type": "IncrementVariable", "inputs": { "name": "n", "value": 1 } },
        "Set": { "type": "SetVariable", "inputs": { "name": "missing", "value": 1 } },
        "AppendS": { "type": "AppendToArrayVariable", "inputs": { "name": "s", "value": 1 } },
        "Scope": { "type": "Scope", "actions": {
            "Nested": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "x", "type": "Boolean" }] } }
        } }
    }));
    assert_error(
        &doc,
        "/actions/InitS/inputs/variables/0/value",
        ErrorCode::InvalidInput,
    );
    assert_error(
        &doc,
        "/actions/Dup/inputs/variables/0/name",
        ErrorCode::DuplicateName,
    );
    assert_error(&doc, "/actions/Set/inputs/name", ErrorCode::UnknownVariable);
    assert_error(
        &doc,
        "/actions/AppendS/inputs/name",
        ErrorCode::InvalidInput,
    );
    assert_error(
        &doc,
        "/actions/Scope/actions/Nested",
        ErrorCode::InvalidInput,
    );
    assert!(!errors(&doc)
        .iter()
        .any(|(p, _)| p.starts_with("/actions/Inc")));
}

#[test]
fn authentication_rules() {
    let http = |auth: Value| json!({ "type": "Http", "inputs": { "method": "GET", "uri": "https://x", "authentication": auth } });
    let doc = with_actions(json!({
        "Msi": http(json!({ "type": "ManagedServiceIdentity", "audience": "https://management.azure.com/" })),
        "Basic": http(json!({ "type": "Basic", "username": "u" })),
        "Raw": http(json!({ "type": "raw" })),
        "Cert": http(json!({ "type": "ClientCertificate", "password": "p" })),
        "Aad": http(json!({ "type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a" })),
        "Weird": http(json!({ "type": "Digest" })),
        "Ok1": http(json!({ "type": "ClientCertificate", "certificate": "-----BEGIN", "privateKey": "-----BEGIN" })),
        "Ok2": http(json!({ "type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "pfx": "MII", "password": "p" })),
        "Ok3": http(json!({ "type": "Basic", "username": "@parameters('u')", "password": "@parameters('p')" })),
        "Ok4": http(json!({}))
    }));
    assert_error(
        &doc,
        "/actions/Msi/inputs/authentication/type",
        ErrorCode::UnsupportedAuthentication,
    );
    assert_error(
        &doc,
        "/actions/Basic/inputs/authentication/password",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Raw/inputs/authentication/value",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Cert/inputs/authentication/pfx",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Aad/inputs/authentication/clientId",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Aad/inputs/authentication/secret",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/Weird/inputs/authentication/type",
        ErrorCode::UnsupportedAuthentication,
    );
    let found = errors(&doc);
    assert!(
        !found
            .iter()
            .any(|(p, c)| p.starts_with("/actions/Ok") && *c != ErrorCode::UndeclaredParameter),
        "{found:?}"
    );
}

#[test]
fn retry_policy_rules() {
    let http = |policy: Value| json!({ "type": "Http", "inputs": { "method": "GET", "uri": "https://x", "retryPolicy": policy } });
    let doc = with_actions(json!({
        "TooMany": http(json!({ "type": "fixed", "count": 91, "interval": "PT10S" })),
        "TooShort": http(json!({ "type": "exponential", "count": 4, "interval": "PT1S" })),
        "TooLong": http(json!({ "type": "fixed", "count": 2, "interval": "P2D" })),
        "Garbled": http(json!({ "type": "fixed", "count": 2, "interval": "10 seconds" })),
        "NoCount": http(json!({ "type": "fixed", "interval": "PT10S" })),
        "BadType": http(json!({ "type": "linear" })),
        "Ok": http(json!({ "type": "exponential", "count": 4, "interval": "PT7S", "minimumInterval": "PT5S", "maximumInterval": "PT1H" })),
        "None": http(json!({ "type": "none" }))
    }));
    assert_error(
        &doc,
        "/actions/TooMany/inputs/retryPolicy/count",
        ErrorCode::LimitExceeded,
    );
    assert_error(
        &doc,
        "/actions/TooShort/inputs/retryPolicy/interval",
        ErrorCode::LimitExceeded,
    );
    assert_error(
        &doc,
        "/actions/TooLong/inputs/retryPolicy/interval",
        ErrorCode::LimitExceeded,
    );
    assert_error(
        &doc,
        "/actions/Garbled/inputs/retryPolicy/interval",
        ErrorCode::InvalidInput,
    );
    assert_error(
        &doc,
        "/actions/NoCount/inputs/retryPolicy/count",
        ErrorCode::MissingInput,
    );
    assert_error(
        &doc,
        "/actions/BadType/inputs/retryPolicy/type",
        ErrorCode::InvalidInput,
    );
    let found = errors(&doc);
    assert!(
        !found
            .iter()
            .any(|(p, _)| p.starts_with("/actions/Ok") || p.starts_with("/actions/None")),
        "{found:?}"
    );
}

#[test]
fn limits() {
    let long = "a".repeat(81);
    let mut actions = serde_json::Map::new();
    actions.insert(long.clone(), json!({ "type": "Compose", "inputs": 1 }));
    assert_error(
        &with_actions(Value::Object(actions)),
        &format!("/actions/{long}"),
        ErrorCode::LimitExceeded,
    );

    let mut many = serde_json::Map::new();
    for i in 0..501 {
        many.insert(format!("A{i}"), json!({ "type": "Compose", "inputs": i }));
    }
    assert_error(
        &with_actions(Value::Object(many)),
        "/actions",
        ErrorCode::LimitExceeded,
    );

    // Nine nested scopes: the ninth level is over the limit.
    let mut inner = json!({ "Leaf": { "type": "Compose", "inputs": 1 } });
    for level in (1..=8).rev() {
        inner = json!({ format!("S{level}"): { "type": "Scope", "actions": inner } });
    }
    let doc = with_actions(inner);
    let pointer = "/actions/S1/actions/S2/actions/S3/actions/S4/actions/S5/actions/S6/actions/S7/actions/S8/actions/Leaf";
    assert_error(&doc, pointer, ErrorCode::LimitExceeded);
}

#[test]
fn limit_timeout_and_until_count() {
    let doc = with_actions(json!({
        "Hook": { "type": "HttpWebhook", "inputs": { "subscribe": { "method": "POST", "uri": "https://x" } }, "limit": { "timeout": "one hour" } },
        "Loop": { "type": "Until", "expression": "@triggerBody()", "limit": { "count": 6000, "timeout": "PT1H" }, "actions": {} }
    }));
    assert_error(&doc, "/actions/Hook/limit/timeout", ErrorCode::InvalidInput);
    assert_error(&doc, "/actions/Loop/limit/count", ErrorCode::LimitExceeded);
}

#[test]
fn if_condition_object_tree() {
    let doc = with_actions(json!({
        "Init": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "n", "type": "Integer", "value": 1 }] } },
        "Good": { "type": "If", "expression": { "and": [{ "or": [ "@variables('n')", true ] }] }, "actions": {} },
        "Bad": { "type": "If", "expression": { "and": [{ "frobnicate": ["@variables('n')", 0] }, { "if": [1] }, { "or": ["@variables('zz')"] }] }, "actions": {} }
    }));
    assert_error(
        &doc,
        "/actions/Bad/expression/and/0/frobnicate",
        ErrorCode::UnknownFunction,
    );
    assert_error(
        &doc,
        "/actions/Bad/expression/and/1/if",
        ErrorCode::InvalidTemplate,
    );
    assert_error(
        &doc,
        "/actions/Bad/expression/and/2/or/0",
        ErrorCode::UnknownVariable,
    );
    assert!(!errors(&doc)
        .iter()
        .any(|(p, _)| p.starts_with("/actions/Good")));
}

#[test]
fn switch_rules() {
    let doc = with_actions(json!({
        "Switch": { "type": "Switch", "expression": "@triggerBody()", "cases": {
            "A": { "case": "x", "actions": {} },
            "B": { "case": "x", "actions": {} },
            "C": { "actions": {} }
        }, "default": { "actions": {} } }
    }));
    assert_error(
        &doc,
        "/actions/Switch/cases/B/case",
        ErrorCode::DuplicateName,
    );
    assert_error(
        &doc,
        "/actions/Switch/cases/C/case",
        ErrorCode::MissingInput,
    );
}

#[test]
fn duplicate_action_names_across_containers() {
    let doc = with_actions(json!({
        "Same": { "type": "Compose", "inputs": 1 },
        "Scope": { "type": "Scope", "actions": { "same": { "type": "Compose", "inputs": 2 } } }
    }));
    assert_error(
        &doc,
        "/actions/Scope/actions/same",
        ErrorCode::DuplicateName,
    );
}

#[test]
fn triggers_cannot_read_actions() {
    let doc = json!({
        "triggers": { "manual": { "type": "Request", "conditions": [{ "expression": "@coalesce(body('A'), 1)" }] } },
        "actions": { "A": { "type": "Compose", "inputs": 1 } }
    });
    assert_error(
        &doc,
        "/triggers/manual/conditions/0/expression",
        ErrorCode::InvalidReference,
    );
}

#[test]
fn trigger_shapes() {
    let doc = json!({ "triggers": {
        "poll": { "type": "Http", "inputs": { "method": "GET", "uri": "https://x" } },
        "every": { "type": "Recurrence", "recurrence": { "frequency": "Fortnight", "interval": 1 } },
        "hour": { "type": "Recurrence", "recurrence": { "frequency": "Hour", "interval": 20000 } },
        "hook": { "type": "HttpWebhook" }
    } });
    assert_error(&doc, "/triggers/poll/recurrence", ErrorCode::MissingInput);
    assert_error(
        &doc,
        "/triggers/every/recurrence/frequency",
        ErrorCode::InvalidInput,
    );
    assert_error(
        &doc,
        "/triggers/hour/recurrence/interval",
        ErrorCode::LimitExceeded,
    );
    assert_error(&doc, "/triggers/hook/inputs", ErrorCode::MissingInput);
}

#[test]
fn recurrence_start_zone_and_schedule() {
    let doc = json!({ "triggers": {
        "zone": { "type": "Recurrence", "recurrence": { "frequency": "Day", "interval": 1, "timeZone": "Mars Standard Time" } },
        "start": { "type": "Recurrence", "recurrence": { "frequency": "Day", "interval": 1, "startTime": "soon" } },
        "hours": { "type": "Recurrence", "recurrence": { "frequency": "Day", "interval": 1, "schedule": { "hours": [25] } } },
        "fine": { "type": "Recurrence", "recurrence": { "frequency": "Week", "interval": 1,
            "timeZone": "W. Europe Standard Time", "startTime": "2026-01-05T08:00:00",
            "schedule": { "weekDays": ["Monday"], "hours": [8], "minutes": [0, 30] } } }
    } });
    assert_error(
        &doc,
        "/triggers/zone/recurrence/timeZone",
        ErrorCode::InvalidInput,
    );
    assert_error(
        &doc,
        "/triggers/start/recurrence/startTime",
        ErrorCode::InvalidInput,
    );
    assert_error(
        &doc,
        "/triggers/hours/recurrence/schedule/hours",
        ErrorCode::InvalidInput,
    );
    let errors = hookflow_definition::validate_document(&doc).expect_err("invalid");
    assert!(
        errors
            .iter()
            .all(|e| !e.pointer.starts_with("/triggers/fine")),
        "{errors:?}"
    );
}

#[test]
fn parameter_values_beside_the_definition() {
    let doc = json!({
        "definition": {
            "parameters": { "n": { "type": "int", "defaultValue": 1 } },
            "triggers": { "manual": { "type": "Request" } },
            "actions": { "A": { "type": "Compose", "inputs": "@parameters('n')" } }
        },
        "parameters": { "n": { "value": "not a number" }, "extra": { "value": 1 } }
    });
    assert_error(&doc, "/parameters/n/value", ErrorCode::InvalidInput);
    assert_error(&doc, "/parameters/extra", ErrorCode::UndeclaredParameter);
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let doc = with_actions(json!({
        "A": {},
        "B": { "type": "Nope" },
        "C": { "type": "Compose", "inputs": "@body('Z')" }
    }));
    let found = errors(&doc);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, "/actions/A/type");
    assert_eq!(found[1].0, "/actions/B/type");
    assert_eq!(found[2].0, "/actions/C/inputs");
}

#[test]
fn display_names_pointer_and_action() {
    let Err(errors) = validate_document(&with_actions(json!({ "Compose": { "type": "Compose" } })))
    else {
        panic!("should fail");
    };
    let text = errors[0].to_string();
    assert!(text.starts_with("/actions/Compose/inputs: "), "{text}");
    assert!(text.ends_with("(action 'Compose')"), "{text}");
    assert_eq!(errors[0].code.as_str(), "MissingInput");
}

#[test]
fn text_that_is_not_json_gets_a_clear_error() {
    let Err(errors) = hookflow_definition::validate_text("{ not json") else {
        panic!("should fail");
    };
    assert_eq!(errors[0].code, ErrorCode::InvalidJson);
    assert!(
        errors[0].message.contains("line 1"),
        "{}",
        errors[0].message
    );
}
