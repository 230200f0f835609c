//! Trigger concurrency: runs beyond the limit wait queued (status Waiting) and start in
//! order as slots free up; beyond the queue the trigger is refused (HTTP 429 at the edge);
//! a queued run can be cancelled.

use super::harness::{eventually, ok_with, runtime, start_time, wait_for_status, FakeExecutor};
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::driver::{ErrorKind, Runtime, TriggerOutcome, TriggerOutputs};
use hookflow_store::{MemoryStore, RunId, RunStatus, Store, WorkflowState};
use serde_json::json;
use std::sync::Arc;

fn limited(runs: u64, waiting: u64) -> serde_json::Value {
    json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "triggers": { "manual": {
                "type": "Request", "kind": "Http",
                "runtimeConfiguration": { "concurrency": { "runs": runs, "maximumWaitingRuns": waiting } }
            } },
            "actions": {
                "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "http://svc.test/work" } }
            }
        }
    })
}

async fn fire<S: Store>(rt: &Runtime<S>) -> Result<RunId, ErrorKind> {
    match rt
        .fire_trigger("wf", "manual", TriggerOutputs::default(), None)
        .await
    {
        Ok(TriggerOutcome::Fired(mut runs)) => Ok(runs.remove(0).0),
        Ok(other) => panic!("expected a run, got {other:?}"),
        Err(e) => Err(e.kind()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_beyond_the_limit_queue_start_in_order_and_a_full_queue_refuses() {
    let clock = Arc::new(ManualClock::new(start_time()));
    let executor = FakeExecutor::gated(|_| ok_with(json!({ "done": true })));
    let rt = runtime(MemoryStore::new(), clock, executor.clone());
    rt.save_workflow("wf", &limited(1, 2), WorkflowState::Enabled)
        .await
        .expect("save");
    let first = fire(&rt).await.expect("first runs");
    eventually("first call sent", || async { executor.uris().len() == 1 }).await;
    let second = fire(&rt).await.expect("second queues");
    let third = fire(&rt).await.expect("third queues");
    assert_eq!(
        rt.get_run(&second).await.expect("run").status,
        RunStatus::Waiting
    );
    assert_eq!(
        rt.get_run(&third).await.expect("run").status,
        RunStatus::Waiting
    );
    // One running and two waiting: the queue is full.
    assert_eq!(fire(&rt).await, Err(ErrorKind::QueueFull));
    // Nothing else was sent while the slot was taken.
    assert_eq!(executor.uris().len(), 1);

    executor.release(1);
    wait_for_status(&rt, &first, RunStatus::Succeeded).await;
    // The oldest queued run takes the slot; the newer one still waits.
    wait_for_status(&rt, &second, RunStatus::Running).await;
    assert_eq!(
        rt.get_run(&third).await.expect("run").status,
        RunStatus::Waiting
    );
    executor.release(1);
    wait_for_status(&rt, &second, RunStatus::Succeeded).await;
    executor.release(1);
    wait_for_status(&rt, &third, RunStatus::Succeeded).await;
    assert_eq!(executor.uris().len(), 3);
    // The queue has room again.
    let fourth = fire(&rt).await.expect("room again");
    executor.release(1);
    wait_for_status(&rt, &fourth, RunStatus::Succeeded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_run_can_be_cancelled_and_the_work_loop_starts_queued_runs_too() {
    let clock = Arc::new(ManualClock::new(start_time()));
    let executor = FakeExecutor::gated(|_| ok_with(json!({})));
    let rt = runtime(MemoryStore::new(), clock.clone(), executor.clone());
    rt.save_workflow("wf", &limited(1, 5), WorkflowState::Enabled)
        .await
        .expect("save");
    let first = fire(&rt).await.expect("first runs");
    let cancelled = fire(&rt).await.expect("queued");
    let waiting = fire(&rt).await.expect("queued");
    rt.cancel_run(&cancelled).await.expect("cancel");
    assert_eq!(
        rt.get_run(&cancelled).await.expect("run").status,
        RunStatus::Cancelled
    );
    // While the slot is taken, the work loop leaves queued runs waiting.
    clock.advance(std::time::Duration::from_secs(10));
    rt.run_due_work().await.expect("pass");
    assert_eq!(
        rt.get_run(&waiting).await.expect("run").status,
        RunStatus::Waiting
    );
    executor.release(3);
    wait_for_status(&rt, &first, RunStatus::Succeeded).await;
    wait_for_status(&rt, &waiting, RunStatus::Succeeded).await;
    // The cancelled run never ran its action.
    eventually("two calls", || async { executor.uris().len() == 2 }).await;
    assert!(rt.get_action(&cancelled, "Call").await.is_err());
}
