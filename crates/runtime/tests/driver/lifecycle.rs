//! Runs from trigger to completion: a synchronous Response, and an Http action retried
//! after a 500 by a durable timer on a manual clock.

use super::harness::{
    action_status, deploy, eventually, fire, http_executor, runtime, start_time, wait_for_status,
};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::driver::{RunResponse, Runtime};
use hookflow_store::{MemoryStore, RunStatus, Store, TimerStore};
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
