//! HttpWebhook actions against the stand-in service: subscribe, wait without a task,
//! callback, unsubscribe; duplicates and late callbacks; early callbacks; cancel.

use super::harness::{
    action_status, deploy, eventually, fire, http_executor, ok_with, runtime, start_time,
    wait_for_status, FakeExecutor,
};
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::driver::{CallbackAnswer, CallbackRequest, CancelOutcome, Runtime};
use hookflow_standin::{Standin, StandinConfig};
use hookflow_store::{
    LedgerOperation, LedgerState, MemoryStore, RunId, RunStatus, Store, WorkflowName,
};
use hookflow_store_sqlite::{Options, SqliteStore};
use serde_json::{json, Value};
use std::sync::Arc;

async fn standin() -> (Standin, String) {
    let standin = Standin::new(StandinConfig::default());
    let (listener, addr) = hookflow_standin::bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let serving = standin.clone();
    tokio::spawn(async move {
        let _ = serving.serve(listener, std::future::pending()).await;
    });
    (standin, format!("http://{addr}"))
}

fn webhook_actions(base: &str) -> Value {
    json!({
        "Hook": { "type": "HttpWebhook", "inputs": {
            "subscribe": { "method": "POST", "uri": format!("{base}/subscribe"),
                           "body": { "callbackUrl": "@{listCallbackUrl()}" } },
            "unsubscribe": { "method": "POST", "uri": format!("{base}/unsubscribe"),
                             "body": { "id": "@{action().outputs.body?['id']}" } } } },
        "Done": { "type": "Compose", "inputs": "@body('Hook')", "runAfter": { "Hook": ["Succeeded"] } }
    })
}

fn callback(run: &RunId, key: Option<&str>, body: Value) -> CallbackRequest {
    CallbackRequest {
        workflow: "wf".into(),
        run: run.to_string(),
        action: "Hook".into(),
        idempotency_key: key.map(str::to_string),
        headers: json!({ "content-type": "application/json" }),
        body,
    }
}

async fn wait_waiting<S: Store>(rt: &Runtime<S>, run: &RunId) {
    eventually("Hook waiting", || async {
        action_status(rt, run, "Hook").await == Some(RunStatus::Waiting)
    })
    .await;
}

async fn webhook_lifecycle<S: Store>(store: S) {
    let (standin, base) = standin().await;
    let rt = runtime(
        store,
        Arc::new(ManualClock::new(start_time())),
        http_executor(),
    );
    deploy(&rt, webhook_actions(&base)).await;
    let (run, _) = fire(&rt, json!({})).await;
    wait_waiting(&rt, &run).await;
    let subscriptions = standin.subscriptions();
    assert_eq!(subscriptions.len(), 1);
    assert!(
        subscriptions[0].callback_url.starts_with(&format!(
            "http://hookflow.test/workflows/wf/runs/{run}/actions/Hook/run?"
        )),
        "{}",
        subscriptions[0].callback_url
    );
    eventually("no effect in flight while waiting", || async {
        rt.outbound_in_flight() == 0
    })
    .await;

    let first = rt
        .accept_callback(callback(&run, Some("k1"), json!({ "answer": 42 })))
        .await
        .expect("callback");
    let CallbackAnswer::Accepted { id } = first else {
        panic!("{first:?}")
    };
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;
    let done = rt.get_action(&run, "Done").await.expect("Done");
    assert_eq!(done.outputs, Some(json!({ "answer": 42 })));
    eventually("unsubscribed at the stand-in", || async {
        standin
            .requests()
            .iter()
            .any(|r| r.path.starts_with("/unsubscribe"))
    })
    .await;
    let unsubscribe = standin
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/unsubscribe"))
        .expect("unsubscribe");
    assert_eq!(unsubscribe.body, json!({ "id": "sub-1" }));
    eventually("the ledger settles both calls", || async {
        let ledger = rt
            .store()
            .workflow_ledger(&WorkflowName::new("wf").expect("name"))
            .await
            .expect("ledger");
        ledger.len() == 2 && ledger.iter().all(|e| e.state == LedgerState::Succeeded)
    })
    .await;
    let ledger = rt
        .store()
        .workflow_ledger(&WorkflowName::new("wf").expect("name"))
        .await
        .expect("ledger");
    assert_eq!(ledger[0].operation, LedgerOperation::Subscribe);
    assert_eq!(
        ledger[0].response.as_ref().expect("response")["body"]["id"],
        json!("sub-1")
    );
    assert_eq!(ledger[1].operation, LedgerOperation::Unsubscribe);

    let repeat = rt
        .accept_callback(callback(&run, Some("k1"), json!({ "answer": 42 })))
        .await
        .expect("repeat");
    assert_eq!(repeat, CallbackAnswer::Duplicate { original: id });
    let late = rt
        .accept_callback(callback(&run, Some("k2"), json!({ "answer": 43 })))
        .await
        .expect("late");
    assert_eq!(late, CallbackAnswer::NotWaiting);
    // The late callback was consumed as not waiting, so nothing stays runnable.
    assert!(rt
        .store()
        .pending_callbacks(&run)
        .await
        .expect("pending")
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_subscribe_wait_callback_unsubscribe_memory() {
    webhook_lifecycle(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_subscribe_wait_callback_unsubscribe_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    webhook_lifecycle(SqliteStore::open(Options::in_dir(dir.path())).expect("open")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_before_the_subscribe_result_is_kept() {
    let executor = FakeExecutor::gated(|_| ok_with(json!({ "id": "sub-1" })));
    let rt = runtime(
        MemoryStore::new(),
        Arc::new(ManualClock::new(start_time())),
        executor.clone(),
    );
    deploy(&rt, webhook_actions("http://svc.test")).await;
    let (run, _) = fire(&rt, json!({})).await;
    eventually("subscribe sent", || async { executor.uris().len() == 1 }).await;
    let answer = rt
        .accept_callback(callback(&run, Some("early"), json!({ "early": true })))
        .await
        .expect("callback");
    assert!(
        matches!(answer, CallbackAnswer::Accepted { .. }),
        "{answer:?}"
    );
    assert_eq!(
        action_status(&rt, &run, "Hook").await,
        Some(RunStatus::Running)
    );
    executor.release(10);
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;
    let done = rt.get_action(&run, "Done").await.expect("Done");
    assert_eq!(done.outputs, Some(json!({ "early": true })));
    eventually("unsubscribe sent", || async {
        executor.uris().iter().any(|u| u.ends_with("/unsubscribe"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_while_waiting_unsubscribes() {
    let (standin, base) = standin().await;
    let rt = runtime(
        MemoryStore::new(),
        Arc::new(ManualClock::new(start_time())),
        http_executor(),
    );
    deploy(&rt, webhook_actions(&base)).await;
    let (run, _) = fire(&rt, json!({})).await;
    wait_waiting(&rt, &run).await;
    assert_eq!(
        rt.cancel_run(&run).await.expect("cancel"),
        CancelOutcome::Cancelled
    );
    assert_eq!(
        rt.get_run(&run).await.expect("run").status,
        RunStatus::Cancelled
    );
    assert_eq!(
        action_status(&rt, &run, "Hook").await,
        Some(RunStatus::Cancelled)
    );
    eventually("unsubscribed at the stand-in", || async {
        standin
            .requests()
            .iter()
            .any(|r| r.path.starts_with("/unsubscribe"))
    })
    .await;
    assert_eq!(
        rt.cancel_run(&run).await.expect("cancel"),
        CancelOutcome::AlreadyCompleted
    );
    let late = rt
        .accept_callback(callback(&run, None, json!({})))
        .await
        .expect("late");
    assert_eq!(late, CallbackAnswer::NotWaiting);
}
