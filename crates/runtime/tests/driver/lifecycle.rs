//! Runs from trigger to completion: a synchronous Response, an Http action retried after a
//! 500 by a durable timer on a manual clock; trigger intake (conditions, idempotency keys,
//! disabled workflows, invalid definitions).

use super::harness::{
    action_status, deploy, eventually, fire, http_executor, runtime, start_time, wait_for_status,
};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::driver::{ErrorKind, RunResponse, Runtime, TriggerOutcome, TriggerOutputs};
use hookflow_store::{
    MemoryStore, PageRequest, RunStatus, Store, TimerStore, TriggerName, WorkflowName,
    WorkflowState,
};
use hookflow_store_sqlite::{Options, SqliteStore};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn request_compose_response<S: Store>(store: S) {
    let clock = Arc::new(ManualClock::new(start_time()));
    let rt = runtime(store, clock, http_executor());
    deploy(
        &rt,
        json!({
            "Shape": { "type": "Compose", "inputs": { "greeting": "@{triggerBody()?['name']}!" } },
            "Answer": { "type": "Response", "kind": "Http", "runAfter": { "Shape": ["Succeeded"] },
                        "inputs": { "statusCode": 201, "headers": { "x-run": "yes" }, "body": "@outputs('Shape')" } }
        }),
    )
    .await;
    let (run, handle) = fire(&rt, json!({ "name": "Ada" })).await;
    let response = tokio::time::timeout(Duration::from_secs(10), handle.response())
        .await
        .expect("response in time");
    match response {
        RunResponse::Responded {
            status,
            headers,
            body,
        } => {
            assert_eq!(status, 201);
            assert_eq!(headers.get("x-run"), Some(&json!("yes")));
            assert_eq!(body, json!({ "greeting": "Ada!" }));
        }
        other => panic!("{other:?}"),
    }
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;
    let shape = rt.get_action(&run, "Shape").await.expect("action");
    assert_eq!(shape.outputs, Some(json!({ "greeting": "Ada!" })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_compose_response_memory() {
    request_compose_response(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_compose_response_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
    request_compose_response(store).await;
}

/// Answers 500 the first time, then 200.
async fn flaky_server() -> (String, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/flaky",
        get(move || {
            let counter = counter.clone();
            async move {
                match counter.fetch_add(1, Ordering::SeqCst) {
                    0 => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        Json(json!({ "try": "again" })),
                    ),
                    _ => (StatusCode::OK, Json(json!({ "ok": true }))),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/flaky"), hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_action_is_retried_after_500_when_the_timer_comes_due() {
    let (uri, hits) = flaky_server().await;
    let clock = Arc::new(ManualClock::new(start_time()));
    let rt: Runtime<MemoryStore> = runtime(MemoryStore::new(), clock.clone(), http_executor());
    deploy(
        &rt,
        json!({
            "Call": { "type": "Http", "inputs": { "method": "GET", "uri": uri,
                      "retryPolicy": { "type": "fixed", "count": 2, "interval": "PT10S" } } }
        }),
    )
    .await;
    let (run, _) = fire(&rt, json!({})).await;
    eventually("the retry timer", || async {
        // Besides the run-duration limit's timer, which every run has.
        rt.store()
            .run_timers(&run)
            .await
            .expect("timers")
            .iter()
            .any(|t| t.id.as_str().starts_with("retry"))
    })
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(rt.run_due_work().await.expect("pass"), 0, "not due yet");
    clock.advance(Duration::from_secs(11));
    rt.run_due_work().await.expect("pass");
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    let call = rt.get_action(&run, "Call").await.expect("action");
    assert_eq!(call.outputs.expect("outputs")["statusCode"], json!(200));
    assert_eq!(
        action_status(&rt, &run, "Call").await,
        Some(RunStatus::Succeeded)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_intake_conditions_idempotency_and_disabled() {
    let clock = Arc::new(ManualClock::new(start_time()));
    let rt = runtime(MemoryStore::new(), clock, http_executor());
    let document = json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "triggers": { "manual": { "type": "Request", "kind": "Http",
                "conditions": [ { "expression": "@equals(triggerBody()?['go'], true)" } ] } },
            "actions": { "Echo": { "type": "Compose", "inputs": "@triggerBody()" } }
        }
    });
    rt.save_workflow("wf", &document, WorkflowState::Enabled)
        .await
        .expect("save");
    let fire = |body: serde_json::Value, key: Option<&str>| {
        let outputs = TriggerOutputs {
            body,
            ..TriggerOutputs::default()
        };
        rt.fire_trigger("wf", "manual", outputs, key.map(str::to_string))
    };
    assert!(matches!(
        fire(json!({ "go": false }), None).await.expect("fire"),
        TriggerOutcome::Skipped
    ));
    let histories = rt
        .list_trigger_histories(
            &WorkflowName::new("wf").expect("name"),
            &TriggerName::new("manual").expect("trigger"),
            None,
            PageRequest::first(10),
        )
        .await
        .expect("histories");
    assert_eq!(histories.items.len(), 1);
    assert!(!histories.items[0].fired);

    let TriggerOutcome::Fired(runs) = fire(json!({ "go": true }), Some("once"))
        .await
        .expect("fire")
    else {
        panic!("expected a run")
    };
    let original = runs[0].0.clone();
    match fire(json!({ "go": true }), Some("once"))
        .await
        .expect("fire")
    {
        TriggerOutcome::Duplicate { original: again } => assert_eq!(again, original),
        other => panic!("{other:?}"),
    }
    wait_for_status(&rt, &original, RunStatus::Succeeded).await;

    let invalid = rt
        .save_workflow(
            "wf",
            &json!({ "definition": { "triggers": 5 } }),
            WorkflowState::Enabled,
        )
        .await
        .expect_err("invalid");
    assert_eq!(invalid.kind(), ErrorKind::Invalid);
    rt.save_workflow("wf", &document, WorkflowState::Disabled)
        .await
        .expect("disable");
    let refused = fire(json!({ "go": true }), None)
        .await
        .expect_err("disabled");
    assert_eq!(refused.kind(), ErrorKind::Disabled);
}
