//! Synchronous actions: Compose, Response, variables, Query, Select, Join, Table, ParseJson.

use crate::scenario::{event_names, Scenario};
use hookflow_engine::{Effect, Event, RunChange, RunState, Status};
use serde_json::json;

#[test]
fn request_compose_response_is_four_events() {
    let mut s = Scenario::actions(json!({
        "Compose": { "type": "Compose", "inputs": "@triggerBody()?['name']" },
        "Response": { "type": "Response", "inputs": { "statusCode": 200, "body": "Hi @{outputs('Compose')}" },
                      "runAfter": { "Compose": ["Succeeded"] } }
    }));
    s.start(json!({ "name": "Ada" }));
    assert_eq!(
        event_names(&s.last().events),
        [
            "RunStarted",
            "ActionCompleted",
            "ActionCompleted",
            "RunCompleted"
        ]
    );
    assert_eq!(s.run_status(), Some(Status::Succeeded));
    assert!(s.effects().contains(&Effect::Respond {
        status: 200,
        headers: Default::default(),
        body: json!("Hi Ada")
    }));
    assert!(matches!(
        s.effects().last(),
        Some(Effect::RunFinished {
            status: Status::Succeeded,
            responded: true
        })
    ));
    s.save_journal("request_compose_response");
}

#[test]
fn a_second_response_fails_and_fails_the_run() {
    let mut s = Scenario::actions(json!({
        "R1": { "type": "Response", "inputs": { "statusCode": 202 } },
        "R2": { "type": "Response", "inputs": { "statusCode": 200 }, "runAfter": { "R1": ["Succeeded"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("R2"), Some(Status::Failed));
    assert_eq!(
        s.record("R2").code.as_deref(),
        Some("ActionResponseAlreadySent")
    );
    assert_eq!(s.run_status(), Some(Status::Failed));
    let responds = s
        .effects()
        .iter()
        .filter(|e| matches!(e, Effect::Respond { .. }))
        .count();
    assert_eq!(responds, 1);
}

#[test]
fn variables_are_typed_and_updated() {
    let mut s = Scenario::actions(json!({
        "Init": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "n", "type": "Integer", "value": 1 }] } },
        "InitS": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "s", "type": "String", "value": "a" }] }, "runAfter": { "Init": ["Succeeded"] } },
        "InitA": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "a", "type": "Array" }] }, "runAfter": { "InitS": ["Succeeded"] } },
        "Inc": { "type": "IncrementVariable", "inputs": { "name": "n", "value": 5 }, "runAfter": { "InitA": ["Succeeded"] } },
        "Dec": { "type": "DecrementVariable", "inputs": { "name": "n" }, "runAfter": { "Inc": ["Succeeded"] } },
        "AppS": { "type": "AppendToStringVariable", "inputs": { "name": "s", "value": "@variables('n')" }, "runAfter": { "Dec": ["Succeeded"] } },
        "AppA": { "type": "AppendToArrayVariable", "inputs": { "name": "a", "value": "@variables('s')" }, "runAfter": { "AppS": ["Succeeded"] } },
        "Bad": { "type": "SetVariable", "inputs": { "name": "n", "value": "text" }, "runAfter": { "AppA": ["Succeeded"] } },
        "Handled": { "type": "Compose", "inputs": "@variables('a')", "runAfter": { "Bad": ["Failed"] } }
    }));
    s.start(json!({}));
    assert_eq!(
        s.state.variable("n").map(|v| v.value.clone()),
        Some(json!(5))
    );
    assert_eq!(
        s.state.variable("s").map(|v| v.value.clone()),
        Some(json!("a5"))
    );
    assert_eq!(s.outputs("Handled"), json!(["a5"]));
    assert_eq!(s.status("Bad"), Some(Status::Failed));
    assert_eq!(
        s.run_status(),
        Some(Status::Succeeded),
        "the failure was handled"
    );
}

#[test]
fn query_select_join() {
    let mut s = Scenario::actions(json!({
        "Filter": { "type": "Query", "inputs": { "from": [1, 3, 0, 5, 4, 2], "where": "@greater(item(), 2)" } },
        "Map": { "type": "Select", "inputs": { "from": "@body('Filter')", "select": { "n": "@item()", "double": "@mul(item(), 2)" } },
                 "runAfter": { "Filter": ["Succeeded"] } },
        "Scalars": { "type": "Select", "inputs": { "from": "@body('Filter')", "select": "@string(item())" }, "runAfter": { "Map": ["Succeeded"] } },
        "Join": { "type": "Join", "inputs": { "from": "@body('Scalars')", "joinWith": ";" }, "runAfter": { "Scalars": ["Succeeded"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.outputs("Filter"), json!({ "body": [3, 5, 4] }));
    assert_eq!(s.outputs("Map")["body"][1], json!({ "n": 5, "double": 10 }));
    assert_eq!(s.outputs("Join"), json!({ "body": "3;5;4" }));
    assert_eq!(
        s.record("Filter").inputs["where"],
        json!("@greater(item(), 2)")
    );
}

#[test]
fn query_on_a_non_array_fails() {
    let mut s = Scenario::actions(json!({
        "Filter": { "type": "Query", "inputs": { "from": "@triggerBody()", "where": "@true" } }
    }));
    s.start(json!({ "not": "an array" }));
    assert_eq!(s.status("Filter"), Some(Status::Failed));
    assert_eq!(s.run_status(), Some(Status::Failed));
}

#[test]
fn tables_escape_html_and_csv() {
    let mut s = Scenario::actions(json!({
        "Html": { "type": "Table", "inputs": { "format": "HTML", "from": [{ "a": "<b>&", "b": 1 }, { "a": "x" }] } },
        "Csv": { "type": "Table", "inputs": { "format": "CSV", "from": [{ "id": 1, "t": "a,\"b\"" }],
                 "columns": [{ "header": "ID", "value": "@item().id" }, { "header": "Text", "value": "@item()?['t']" }] } }
    }));
    s.start(json!({}));
    assert_eq!(
        s.outputs("Html")["body"],
        json!("<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>&lt;b&gt;&amp;</td><td>1</td></tr><tr><td>x</td><td></td></tr></tbody></table>")
    );
    assert_eq!(
        s.outputs("Csv")["body"],
        json!("ID,Text\r\n1,\"a,\"\"b\"\"\"\r\n")
    );
}

#[test]
fn parse_json_validates_against_the_schema() {
    let schema = json!({ "type": "object", "properties": { "id": { "type": "integer" } }, "required": ["id"] });
    let mut s = Scenario::actions(json!({
        "Good": { "type": "ParseJson", "inputs": { "content": "{\"id\": 7}", "schema": schema } },
        "Bad": { "type": "ParseJson", "inputs": { "content": "@triggerBody()", "schema": schema } }
    }));
    s.start(json!({ "id": "seven" }));
    assert_eq!(s.outputs("Good")["body"], json!({ "id": 7 }));
    assert_eq!(s.status("Bad"), Some(Status::Failed));
    assert_eq!(s.record("Bad").code.as_deref(), Some("ValidationFailed"));
}

#[test]
fn guid_and_now_are_journaled_not_reevaluated() {
    let mut s = Scenario::actions(json!({
        "Ids": { "type": "Compose", "inputs": { "id": "@guid()", "wf": "@workflow().run.name" } }
    }));
    s.start(json!({}));
    let out = s.outputs("Ids");
    assert_eq!(out["id"], json!("00000000-0000-0000-0000-000000000001"));
    assert_eq!(out["wf"], json!("r1"));
    // The drop check replays the journal: the values come back without an environment.
}

#[test]
fn secure_inputs_are_flagged() {
    let mut s = Scenario::actions(json!({
        "Secret": { "type": "Compose", "inputs": "pw", "runtimeConfiguration": { "secureData": { "properties": ["inputs"] } } }
    }));
    s.start(json!({}));
    let record = s.record("Secret");
    assert!(
        record.secure.inputs && record.secure.outputs,
        "Compose secure inputs hide outputs too"
    );
}

/// Appends in a loop: every item lands, in a parallel loop too; each append journals only
/// its item and has no outputs, so a loop of n appends writes O(n), not the array so far
/// n times.
#[test]
fn appends_in_a_loop_journal_only_their_item() {
    let mut s = Scenario::actions(json!({
        "InitA": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "a", "type": "Array" }] } },
        "InitS": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "s", "type": "String" }] },
                   "runAfter": { "InitA": ["Succeeded"] } },
        "Each": { "type": "Foreach", "foreach": "@range(0, 50)", "runAfter": { "InitS": ["Succeeded"] },
                  "actions": {
                      "AddItem": { "type": "AppendToArrayVariable", "inputs": { "name": "A", "value": { "n": "@items('Each')" } } },
                      "AddText": { "type": "AppendToStringVariable", "inputs": { "name": "s", "value": "@items('Each')" },
                                   "runAfter": { "AddItem": ["Succeeded"] } }
                  } },
        "Total": { "type": "Compose", "inputs": "@length(variables('a'))", "runAfter": { "Each": ["Succeeded"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.outputs("Total"), json!(50));
    let items = s.state.variable("a").map(|v| v.value.clone()).expect("a");
    let mut numbers: Vec<i64> = items
        .as_array()
        .expect("array")
        .iter()
        .map(|item| item["n"].as_i64().expect("n"))
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..50).collect::<Vec<_>>());
    let text = s.state.variable("s").map(|v| v.value.clone()).expect("s");
    assert_eq!(
        text.as_str().map(str::len),
        Some(90),
        "10 one-digit and 40 two-digit"
    );
    assert_eq!(s.record("AddItem[49]").outputs, json!(null));
    let biggest = s
        .journal
        .iter()
        .filter(|e| matches!(e, Event::ActionCompleted { key, .. } if key.name() == "AddItem"))
        .map(|e| serde_json::to_string(e).expect("event").len())
        .max()
        .expect("appends");
    assert!(
        biggest < 400,
        "an append's event holds its item only: {biggest} bytes"
    );
}

/// Journals written before `AppendToArray` carried the whole new value in `SetVariable`;
/// they replay to the same variable.
#[test]
fn appends_journaled_as_set_variable_replay() {
    let mut s = Scenario::actions(json!({
        "InitA": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "a", "type": "Array" }] } },
        "AddItem": { "type": "AppendToArrayVariable", "inputs": { "name": "a", "value": 1 }, "runAfter": { "InitA": ["Succeeded"] } }
    }));
    s.start(json!({}));
    let old: Vec<Event> = s
        .journal
        .iter()
        .cloned()
        .map(|event| match event {
            Event::ActionCompleted {
                key,
                status,
                code,
                inputs,
                error,
                secure,
                change: Some(RunChange::AppendToArray { name, item }),
                at,
                ..
            } => Event::ActionCompleted {
                key,
                status,
                code,
                inputs,
                outputs: json!({ "body": { "name": name.clone(), "value": [item.clone()] } }),
                error,
                secure,
                change: Some(RunChange::SetVariable {
                    name,
                    value: json!([item]),
                }),
                at,
            },
            other => other,
        })
        .collect();
    assert_ne!(old, s.journal, "the append was rewritten the old way");
    let replayed = RunState::replay(&old);
    assert_eq!(
        replayed.variable("a").map(|v| v.value.clone()),
        Some(json!([1]))
    );
}
