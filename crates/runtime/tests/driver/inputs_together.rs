//! Outbound results that arrive while their run is being written wait for its lock
//! together and are applied with one write, each in order and each answered.

use super::crash_store::{CrashPoint, CrashingStore};
use super::harness::{
    deploy, eventually, fire, ok_with, runtime, start_time, wait_for_status, FakeExecutor,
};
use hookflow_runtime::clock::ManualClock;
use hookflow_store::{MemoryStore, PageRequest, RunStatus, RunStore};
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_arriving_during_a_write_are_applied_with_one_write() {
    let store = CrashingStore::new(MemoryStore::new(), CrashPoint::Never);
    let clock = Arc::new(ManualClock::new(start_time()));
    let service = FakeExecutor::gated(|request| ok_with(json!({ "echo": request.uri })));
    let rt = runtime(store.clone(), clock, service.clone());
    deploy(
        &rt,
        json!({
            "Each": { "type": "Foreach", "foreach": "@range(0, 20)",
                "actions": { "Call": { "type": "Http",
                    "inputs": { "method": "GET", "uri": "http://svc.test/@{items('Each')}" } } } },
            "Count": { "type": "Compose", "inputs": "@length(result('Each'))",
                       "runAfter": { "Each": ["Succeeded"] } }
        }),
    )
    .await;
    let (run, _) = fire(&rt, json!({})).await;
    eventually("20 calls out", || async { service.uris().len() == 20 }).await;

    // The first result's write is held while it has the run's lock...
    store.hold_appends();
    let before = store.appends();
    service.release(1);
    eventually("the first result's write", || async {
        store.appends() == before + 1
    })
    .await;
    // ...and the other 19 results arrive meanwhile.
    service.release(19);
    // (Each result is posted for the run in the same poll that takes its answer.)
    eventually("19 more answers", || async { service.answered() == 20 }).await;
    store.release_appends();
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;

    let writes = store.appends() - before;
    assert!(
        writes <= 4,
        "20 results took {writes} writes; those waiting should share one"
    );
    let calls = rt
        .store()
        .list_repetitions(&run, "Call", PageRequest::first(50))
        .await
        .expect("repetitions");
    assert_eq!(calls.items.len(), 20);
    assert!(calls.items.iter().all(|c| c.status == RunStatus::Succeeded));
    let last = calls.items.last().expect("Call[19]");
    assert_eq!(
        last.outputs.as_ref().map(|o| o["body"].clone()),
        Some(json!({ "echo": "http://svc.test/19" }))
    );
    let count = rt.get_action(&run, "Count").await.expect("Count");
    assert_eq!(count.outputs, Some(json!(20)));
}
