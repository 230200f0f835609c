//! The Request trigger's own checks over the real backend: `inputs.method` and, with
//! `"operationOptions": "EnableSchemaValidation"`, `inputs.schema`. A refused call is a
//! 400 and leaves no run and no trigger history (CONTRACT §4).

use super::Wired;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};

fn with_trigger(trigger: Value) -> Value {
    json!({
        "triggers": {"manual": trigger},
        "actions": {"Keep": {"type": "Compose", "inputs": "@triggerBody()", "runAfter": {}}}
    })
}

fn customer_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"customerName": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["customerName"]
    })
}

impl Wired {
    async fn call_with(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> super::Answer {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    async fn histories(&self, workflow: &str) -> usize {
        self.get_json(&format!(
            "/api/workflows/{workflow}/triggers/manual/histories"
        ))
        .await["value"]
            .as_array()
            .map_or(0, Vec::len)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_trigger_takes_only_its_method() {
    let w = Wired::new();
    let trigger = json!({"type": "Request", "kind": "Http", "inputs": {"method": "GET"}});
    let put = w.put("getter", with_trigger(trigger)).await;
    assert!(put.status.is_success(), "{}", put.text());
    let path = w.callback_path("getter", "manual", None).await;

    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let answer = w.call_with(method, &path, "application/json", "{}").await;
        let error = answer.expect_error(StatusCode::BAD_REQUEST, "TriggerRequestMethodNotValid");
        let message = error["message"].as_str().unwrap_or("");
        assert!(
            message.contains("GET") && message.contains(method),
            "{message}"
        );
    }
    // The signature is checked first: a wrong method with a bad signature is 401.
    let tampered = path.replace("sig=", "sig=x");
    let answer = w
        .call_with("POST", &tampered, "application/json", "{}")
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text());
    assert_eq!(
        w.histories("getter").await,
        0,
        "a refused call fires nothing"
    );

    let answer = w.call_with("GET", &path, "application/json", "").await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let runs = w.finished_runs("getter").await;
    assert_eq!(runs.len(), 1, "only the GET ran: {runs:?}");

    // The configured method is compared without regard to case.
    let trigger = json!({"type": "Request", "kind": "Http", "inputs": {"method": "Put"}});
    w.put("putter", with_trigger(trigger)).await;
    let path = w.callback_path("putter", "manual", None).await;
    let answer = w.call_with("PUT", &path, "application/json", "{}").await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());

    // Without `method`, any method is taken.
    let trigger = json!({"type": "Request", "kind": "Http"});
    w.put("anything", with_trigger(trigger)).await;
    let path = w.callback_path("anything", "manual", None).await;
    for method in ["POST", "GET", "DELETE"] {
        let answer = w.call_with(method, &path, "application/json", "{}").await;
        assert_eq!(
            answer.status,
            StatusCode::ACCEPTED,
            "{method}: {}",
            answer.text()
        );
    }
    assert_eq!(w.finished_runs("anything").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_validation_refuses_a_non_conforming_body_with_its_messages() {
    let w = Wired::new();
    let trigger = json!({
        "type": "Request", "kind": "Http",
        "inputs": {"method": "POST", "schema": customer_schema()},
        "operationOptions": "EnableSchemaValidation"
    });
    let put = w.put("strict", with_trigger(trigger)).await;
    assert!(put.status.is_success(), "{}", put.text());
    let path = w.callback_path("strict", "manual", None).await;

    let answer = w
        .call(
            &path,
            "application/json",
            r#"{"customerName": 5, "age": "old"}"#,
        )
        .await;
    let error = answer.expect_error(StatusCode::BAD_REQUEST, "TriggerInputSchemaMismatch");
    let details = error["details"].as_array().cloned().unwrap_or_default();
    let mut targets: Vec<&str> = details
        .iter()
        .filter_map(|d| d["target"].as_str())
        .collect();
    targets.sort_unstable();
    assert_eq!(targets, ["/age", "/customerName"], "{error}");
    assert!(
        details
            .iter()
            .all(|d| d["message"].as_str().is_some_and(|m| !m.is_empty())),
        "{error}"
    );
    assert!(
        error["message"].as_str().unwrap_or("").contains("manual"),
        "{error}"
    );

    // A missing required property is reported at the body's root.
    let answer = w.call(&path, "application/json", r#"{"age": 3}"#).await;
    let error = answer.expect_error(StatusCode::BAD_REQUEST, "TriggerInputSchemaMismatch");
    assert_eq!(error["details"][0]["target"], "/", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("customerName"),
        "{error}"
    );

    // A JSON content type with a body that is not JSON stays 400 InvalidJson.
    let answer = w.call(&path, "application/json", "{not json").await;
    answer.expect_error(StatusCode::BAD_REQUEST, "InvalidJson");
    // The body as the run would see it is validated: text is not an object.
    let answer = w.call(&path, "text/plain", "customerName=Ada").await;
    answer.expect_error(StatusCode::BAD_REQUEST, "TriggerInputSchemaMismatch");
    assert_eq!(w.histories("strict").await, 0, "refused calls fire nothing");

    let answer = w
        .call(
            &path,
            "application/json",
            r#"{"customerName": "Ada", "age": 36}"#,
        )
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let runs = w.finished_runs("strict").await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["properties"]["status"], "Succeeded");
    assert_eq!(
        runs[0]["properties"]["trigger"]["outputs"]["body"],
        json!({"customerName": "Ada", "age": 36})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_option_the_schema_is_not_enforced() {
    let w = Wired::new();
    // The option among others, in another case, turns it on.
    let trigger = json!({
        "type": "Request", "kind": "Http",
        "inputs": {"schema": customer_schema()},
        "operationOptions": "IncludeAuthorizationHeadersInOutputs, enableschemavalidation"
    });
    w.put("listed", with_trigger(trigger)).await;
    let path = w.callback_path("listed", "manual", None).await;
    let answer = w.call(&path, "application/json", "{}").await;
    answer.expect_error(StatusCode::BAD_REQUEST, "TriggerInputSchemaMismatch");

    // Only design-time tokens without the option: anything is accepted.
    let trigger = json!({
        "type": "Request", "kind": "Http",
        "inputs": {"schema": customer_schema()}
    });
    w.put("lenient", with_trigger(trigger)).await;
    let path = w.callback_path("lenient", "manual", None).await;
    let answer = w
        .call(&path, "application/json", r#"{"customerName": 5}"#)
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let runs = w.finished_runs("lenient").await;
    assert_eq!(runs[0]["properties"]["status"], "Succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_fired_run_is_held_to_the_schema_too() {
    let w = Wired::new();
    let trigger = json!({
        "type": "Request", "kind": "Http",
        "inputs": {"method": "GET", "schema": customer_schema()},
        "operationOptions": "EnableSchemaValidation"
    });
    let put = w.put("by-hand", with_trigger(trigger)).await;
    assert!(put.status.is_success(), "{}", put.text());
    let run = "/api/workflows/by-hand/triggers/manual/run";

    let refused = w.api(Method::POST, run, Some(json!({"age": "old"}))).await;
    let error = refused.expect_error(StatusCode::BAD_REQUEST, "TriggerInputSchemaMismatch");
    assert!(
        error["details"].as_array().is_some_and(|d| !d.is_empty()),
        "{error}"
    );
    assert_eq!(
        w.histories("by-hand").await,
        0,
        "a refused run fires nothing"
    );

    // The management call is a POST whatever method the trigger takes from callers.
    let fired = w
        .api(Method::POST, run, Some(json!({"customerName": "Ada"})))
        .await;
    assert!(fired.status.is_success(), "{}", fired.text());
    let runs = w.finished_runs("by-hand").await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        runs[0]["properties"]["trigger"]["outputs"]["body"],
        json!({"customerName": "Ada"})
    );
}
