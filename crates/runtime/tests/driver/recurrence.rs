//! Recurrence triggers fire from the work loop on their schedule; the schedule survives a
//! restart (occurrences missed while down fire once), and disabling stops it.

use super::harness::{runtime, start_time, FakeExecutor};
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::driver::Runtime;
use hookflow_store::{PageRequest, RunQuery};
use hookflow_store::{Store, WorkflowName, WorkflowState};
use hookflow_store_sqlite::{Options, SqliteStore};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn every_minute(start_time: Option<&str>) -> serde_json::Value {
    let mut recurrence = json!({ "frequency": "Minute", "interval": 1 });
    if let Some(start) = start_time {
        recurrence["startTime"] = json!(start);
    }
    json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "triggers": { "tick": { "type": "Recurrence", "recurrence": recurrence } },
            "actions": { "Say": { "type": "Compose", "inputs": "tick" } }
        }
    })
}

async fn runs<S: Store>(rt: &Runtime<S>) -> usize {
    rt.list_runs(RunQuery {
        workflow: WorkflowName::new("wf").expect("name"),
        status: None,
        page: PageRequest::first(100),
    })
    .await
    .expect("runs")
    .items
    .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recurrence_fires_every_interval_and_catches_up_once_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = Arc::new(ManualClock::new(start_time()));
    let executor = FakeExecutor::new(|_| panic!("no outbound calls"));
    {
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        let rt = runtime(store, clock.clone(), executor.clone());
        rt.save_workflow("wf", &every_minute(None), WorkflowState::Enabled)
            .await
            .expect("save");
        // Without startTime the first occurrence is the save itself.
        assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 1);
        assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 0);
        clock.advance(Duration::from_secs(59));
        assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 0);
        clock.advance(Duration::from_secs(1));
        assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 1);
        assert_eq!(runs(&rt).await, 2);
        rt.shutdown().await;
    }
    // Down for ten minutes: the missed occurrences fire once, then the plan goes on.
    clock.advance(Duration::from_secs(600));
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen");
    let rt = runtime(store, clock.clone(), executor);
    assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 1);
    assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 0);
    assert_eq!(runs(&rt).await, 3);
    clock.advance(Duration::from_secs(60));
    assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 1);
    // Disabled: nothing more fires.
    rt.disable_workflow(&WorkflowName::new("wf").expect("name"))
        .await
        .expect("disable");
    clock.advance(Duration::from_secs(300));
    assert_eq!(rt.fire_due_recurrences().await.expect("pass"), 0);
    assert_eq!(runs(&rt).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_time_in_the_future_waits_for_it_and_the_work_loop_fires_it() {
    let clock = Arc::new(ManualClock::new(start_time()));
    let executor = FakeExecutor::new(|_| panic!("no outbound calls"));
    let rt = runtime(hookflow_store::MemoryStore::new(), clock.clone(), executor);
    // start_time() is 2026-01-01T00:00:00Z; the plan starts five minutes later.
    rt.save_workflow(
        "wf",
        &every_minute(Some("2026-01-01T00:05:00Z")),
        WorkflowState::Enabled,
    )
    .await
    .expect("save");
    rt.run_due_work().await.expect("pass");
    assert_eq!(runs(&rt).await, 0);
    clock.advance(Duration::from_secs(300));
    rt.run_due_work().await.expect("pass");
    assert_eq!(runs(&rt).await, 1);
    let run = &rt
        .list_runs(RunQuery {
            workflow: WorkflowName::new("wf").expect("name"),
            status: None,
            page: PageRequest::first(1),
        })
        .await
        .expect("runs")
        .items[0];
    assert_eq!(run.trigger.name.as_str(), "tick");
}
