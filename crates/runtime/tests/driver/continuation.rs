//! A run whose ready actions are more than one step may start (`actions_per_step`) is
//! stored in parts and continued at once; the trigger's caller hears back after the first
//! part; and a node that stops between two parts leaves the run to the work loop.

use super::crash_store::{CrashPoint, CrashingStore};
use super::harness::{
    config, deploy, eventually, fire, ok_with, runtime, runtime_with, start_time, wait_for_status,
    FakeExecutor,
};
use hookflow_runtime::clock::ManualClock;
use hookflow_store::{MemoryStore, PageRequest, RunId, RunStatus, RunStore, Store};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// A Foreach of 95 Compose items, then a Compose of how many ran: 97 actions.
fn long_loop() -> Value {
    json!({
        "Loop": { "type": "Foreach", "foreach": "@range(0, 95)",
            "actions": { "Square": { "type": "Compose", "inputs": "@mul(item(), item())" } } },
        "Count": { "type": "Compose", "inputs": "@length(result('Loop'))", "runAfter": { "Loop": ["Succeeded"] } }
    })
}

fn ten_per_step() -> hookflow_runtime::driver::RuntimeConfig {
    let mut config = config();
    config.engine.actions_per_step = 10;
    config
}

/// How many repetitions of `Square` succeeded.
async fn finished_squares<S: Store>(store: &S, run: &RunId) -> usize {
    let page = store
        .list_repetitions(run, "Square", PageRequest::first(100))
        .await
        .expect("repetitions");
    page.items
        .iter()
        .filter(|r| r.status == RunStatus::Succeeded)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_longer_than_a_step_finishes() {
    let clock = Arc::new(ManualClock::new(start_time()));
    let rt = runtime_with(
        MemoryStore::new(),
        clock,
        FakeExecutor::new(|_| ok_with(json!({}))),
        ten_per_step(),
    );
    deploy(&rt, long_loop()).await;
    let (run, _) = fire(&rt, json!({})).await;
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;
    let count = rt.get_action(&run, "Count").await.expect("Count");
    assert_eq!(count.outputs, Some(json!(95)));
    let square = rt.get_action(&run, "Square").await.expect("Square");
    assert_eq!(square.status, RunStatus::Succeeded);
    assert_eq!(finished_squares(rt.store(), &run).await, 95);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stopped_between_parts_is_continued_by_the_work_loop() {
    let store = MemoryStore::new();
    let clock = Arc::new(ManualClock::new(start_time()));
    let crashing = CrashingStore::new(store.clone(), CrashPoint::Append);
    let first = runtime_with(
        crashing.clone(),
        clock.clone(),
        FakeExecutor::new(|_| ok_with(json!({}))),
        ten_per_step(),
    );
    deploy(&first, long_loop()).await;
    // The trigger's caller hears back once the first part is stored...
    let (run, _) = fire(&first, json!({})).await;
    // ...and the node dies storing the second.
    eventually("the crash point", || async { crashing.crashed() }).await;
    first.shutdown().await;
    assert_eq!(
        store.get_run(&run).await.expect("run").status,
        RunStatus::Running
    );
    assert_eq!(
        finished_squares(&store, &run).await,
        9,
        "the Foreach and 9 items"
    );

    let second = runtime(
        store,
        clock.clone(),
        FakeExecutor::new(|_| ok_with(json!({}))),
    );
    // Its part may still be in flight at a live node: left alone for the grace.
    second.run_due_work().await.expect("pass");
    assert_eq!(finished_squares(second.store(), &run).await, 9);
    clock.advance(second.config().in_flight_grace + Duration::from_secs(1));
    second.run_due_work().await.expect("pass");
    wait_for_status(&second, &run, RunStatus::Succeeded).await;
    assert_eq!(finished_squares(second.store(), &run).await, 95);
    let count = second.get_action(&run, "Count").await.expect("Count");
    assert_eq!(count.outputs, Some(json!(95)));
}
