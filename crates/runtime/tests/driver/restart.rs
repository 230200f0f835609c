//! Restarts on SQLite: a run whose outbound call was in flight when the runtime went away
//! is finished by the next one (the call is sent again); a timer that came due while the
//! runtime was down fires on start; a second node does not send again a call that is
//! still in flight at the first.

use super::harness::{
    action_status, deploy, eventually, fire, ok_with, runtime, start_time, wait_for_status,
    FakeExecutor,
};
use hookflow_runtime::clock::ManualClock;
use hookflow_store::{RunStatus, TimerStore};
use hookflow_store_sqlite::{Options, SqliteStore};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_call_is_sent_again_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = Arc::new(ManualClock::new(start_time()));
    let run = {
        // The first process sends the call and never hears back.
        let silent = FakeExecutor::gated(|_| ok_with(json!({})));
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        let rt = runtime(store, clock.clone(), silent.clone());
        deploy(
            &rt,
            json!({
                "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "http://svc.test/slow" } },
                "After": { "type": "Compose", "inputs": "@body('Call')", "runAfter": { "Call": ["Succeeded"] } }
            }),
        )
        .await;
        let (run, _) = fire(&rt, json!({})).await;
        eventually("call sent", || async { silent.uris().len() == 1 }).await;
        rt.shutdown().await;
        run
    };
    let answering = FakeExecutor::new(|_| ok_with(json!({ "late": "but here" })));
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen");
    let rt = runtime(store, clock.clone(), answering.clone());
    assert_eq!(
        rt.get_run(&run).await.expect("run").status,
        RunStatus::Running
    );
    // Not abandoned yet: the grace covers a slow answer.
    rt.run_due_work().await.expect("pass");
    assert!(answering.uris().is_empty());
    clock.advance(rt.config().in_flight_grace + Duration::from_secs(1));
    rt.run_due_work().await.expect("pass");
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;
    assert_eq!(answering.uris(), ["http://svc.test/slow"]);
    let after = rt.get_action(&run, "After").await.expect("After");
    assert_eq!(after.outputs, Some(json!({ "late": "but here" })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_due_while_down_fires_on_start() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = Arc::new(ManualClock::new(start_time()));
    let actions = json!({
        "Pause": { "type": "Wait", "inputs": { "interval": { "count": 1, "unit": "Minute" } } },
        "After": { "type": "Compose", "inputs": "@triggerBody()?['then']", "runAfter": { "Pause": ["Succeeded"] } }
    });
    let run = {
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        let rt = runtime(
            store,
            clock.clone(),
            FakeExecutor::new(|_| ok_with(json!({}))),
        );
        deploy(&rt, actions).await;
        let (run, _) = fire(&rt, json!({ "then": "woke" })).await;
        assert_eq!(
            action_status(&rt, &run, "Pause").await,
            Some(RunStatus::Running)
        );
        // The Wait's timer and the run-duration limit's.
        let timers = rt.store().run_timers(&run).await.expect("timers");
        assert_eq!(timers.len(), 2, "{timers:?}");
        rt.shutdown().await;
        run
    };
    clock.advance(Duration::from_secs(120));
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen");
    let rt = runtime(store, clock, FakeExecutor::new(|_| ok_with(json!({}))));
    let work = rt.start();
    wait_for_status(&rt, &run, RunStatus::Succeeded).await;
    work.stop().await;
    // The reloaded run has its trigger outputs again (the journal's start entry leaves
    // them to the run row).
    let after = rt.get_action(&run, "After").await.expect("After");
    assert_eq!(after.outputs, Some(json!("woke")));
    assert!(rt
        .store()
        .run_timers(&run)
        .await
        .expect("timers")
        .is_empty());
}

/// Two nodes on one store: node B claims a run for its due timer while node A's call of
/// the same run is still out. B must leave that call alone until it has been out for the
/// in-flight grace — sending it again would make a service see it twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_for_other_work_leaves_a_fresh_call_of_another_node_alone() {
    let store = hookflow_store::MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    let slow = FakeExecutor::gated(|_| ok_with(json!({ "from": "a" })));
    let a = runtime(store.clone(), clock.clone(), slow.clone());
    let answering = FakeExecutor::new(|_| ok_with(json!({ "from": "b" })));
    let b = runtime(store, clock.clone(), answering.clone());
    deploy(
        &a,
        json!({
            "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "http://svc.test/slow" } },
            "Pause": { "type": "Wait", "inputs": { "interval": { "count": 1, "unit": "Minute" } } }
        }),
    )
    .await;
    let (run, _) = fire(&a, json!({})).await;
    eventually("call sent by a", || async { slow.uris().len() == 1 }).await;

    clock.advance(Duration::from_secs(61));
    assert_eq!(
        b.run_due_work().await.expect("pass"),
        1,
        "b claims the timer"
    );
    assert_eq!(
        action_status(&b, &run, "Pause").await,
        Some(RunStatus::Succeeded)
    );
    assert!(answering.uris().is_empty(), "a's call is still in flight");

    // Past the grace the call counts as abandoned (node A may be gone): B sends it.
    clock.advance(b.config().in_flight_grace + Duration::from_secs(1));
    b.run_due_work().await.expect("pass");
    wait_for_status(&b, &run, RunStatus::Succeeded).await;
    assert_eq!(answering.uris(), ["http://svc.test/slow"]);
}
