//! Deleting a workflow: the unsubscribes of its waiting webhook actions are answered and
//! recorded before its runs go (so a crash part-way is recovered by the runs themselves),
//! the ledger keeps the record afterwards, and entries of a deleted workflow are never
//! taken for a workflow created again under the same name.

use super::harness::{
    action_status, definition, eventually, fire, ok_with, runtime, start_time,
    webhook_trigger_document, FakeExecutor,
};
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::driver::Runtime;
use hookflow_store::{
    ErrorKind, LedgerEntry, LedgerId, LedgerOperation, LedgerState, LedgerTarget, MemoryStore,
    RunId, RunStatus, RunStore, Store, SubscriptionLedger, TriggerName, WorkflowName,
    WorkflowState, WorkflowStore,
};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

fn name() -> WorkflowName {
    WorkflowName::new("wf").expect("name")
}

fn parked_webhook() -> Value {
    definition(json!({
        "Hook": { "type": "HttpWebhook", "inputs": {
            "subscribe": { "method": "POST", "uri": "http://svc.test/subscribe",
                           "body": { "callbackUrl": "@{listCallbackUrl()}" } },
            "unsubscribe": { "method": "POST", "uri": "http://svc.test/unsubscribe",
                             "body": { "id": "@{action().outputs.body?['id']}" } } } }
    }))
}

/// The ledger id the driver gives the unsubscribe of `Hook` in `run`.
fn unsubscribe_entry(run: &RunId) -> LedgerId {
    LedgerId::new(format!("{run}:Hook:Unsubscribe:0")).expect("ledger id")
}

/// A memory store, a runtime on it whose executor is gated, and a run waiting in `Hook`.
async fn parked_on_gated_executor() -> (MemoryStore, Runtime<MemoryStore>, Arc<FakeExecutor>, RunId)
{
    let store = MemoryStore::default();
    let gated = FakeExecutor::gated(|_| ok_with(json!({ "id": "sub-1" })));
    let rt = runtime(
        store.clone(),
        Arc::new(ManualClock::new(start_time())),
        gated.clone(),
    );
    let run = parked_run(&rt, &gated).await;
    (store, rt, gated, run)
}

/// Deploys the parked-webhook workflow and starts a run that waits in `Hook`; the
/// executor is gated, so this releases the subscribe.
async fn parked_run<S: Store>(rt: &Runtime<S>, gated: &FakeExecutor) -> RunId {
    rt.save_workflow("wf", &parked_webhook(), WorkflowState::Enabled)
        .await
        .expect("save");
    let (run, _) = fire(rt, json!({})).await;
    eventually("subscribe sent", || async { gated.uris().len() == 1 }).await;
    gated.release(1);
    eventually("Hook waiting", || async {
        action_status(rt, &run, "Hook").await == Some(RunStatus::Waiting)
    })
    .await;
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_waits_for_the_unsubscribe_and_keeps_its_record() {
    let (store, rt, gated, run) = parked_on_gated_executor().await;

    let deleting = tokio::spawn({
        let rt = rt.clone();
        async move { rt.delete_workflow(&name()).await }
    });
    eventually("unsubscribe sent", || async { gated.uris().len() == 2 }).await;
    assert_eq!(gated.uris()[1], "http://svc.test/unsubscribe");
    // While the unsubscribe is out, the run (whose recovery would send it again after a
    // crash) is still stored, and the workflow takes no new runs.
    assert_eq!(
        store.get_run(&run).await.expect("run kept").status,
        RunStatus::Cancelled
    );
    let workflow = store.get_workflow(&name()).await.expect("workflow kept");
    assert_eq!(workflow.state, WorkflowState::Disabled);

    gated.release(1);
    deleting.await.expect("task").expect("delete");
    assert_eq!(
        store
            .get_workflow(&name())
            .await
            .map(|_| ())
            .expect_err("workflow deleted")
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store
            .get_run(&run)
            .await
            .map(|_| ())
            .expect_err("run deleted")
            .kind(),
        ErrorKind::NotFound
    );
    let record = store
        .get_ledger_entry(&unsubscribe_entry(&run))
        .await
        .expect("the unsubscribe's record outlives the workflow");
    assert_eq!(record.operation, LedgerOperation::Unsubscribe);
    assert_eq!(record.state, LedgerState::Succeeded);
    assert!(record.workflow_deleted);
    assert!(store.unsettled_ledger(10).await.expect("ledger").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_while_a_delete_unsubscribes_is_recovered_after_restart() {
    let store = MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    let gated = FakeExecutor::gated(|_| ok_with(json!({ "id": "sub-1" })));
    let first = runtime(store.clone(), clock.clone(), gated.clone());
    let run = parked_run(&first, &gated).await;
    let deleting = tokio::spawn({
        let first = first.clone();
        async move { first.delete_workflow(&name()).await }
    });
    eventually("unsubscribe sent", || async { gated.uris().len() == 2 }).await;
    // The process dies with the unsubscribe unanswered.
    deleting.abort();
    first.shutdown().await;

    let answering = FakeExecutor::new(|_| ok_with(json!({})));
    let restarted = runtime(store.clone(), clock.clone(), answering.clone());
    clock.advance(restarted.config().in_flight_grace + Duration::from_secs(1));
    restarted.run_due_work().await.expect("recovery pass");
    eventually("unsubscribe answered and recorded", || async {
        store
            .get_ledger_entry(&unsubscribe_entry(&run))
            .await
            .is_ok_and(|e| e.state == LedgerState::Succeeded)
    })
    .await;
    assert_eq!(answering.uris(), ["http://svc.test/unsubscribe"]);

    // The delete asked for again finishes without sending anything more.
    restarted.delete_workflow(&name()).await.expect("delete");
    assert_eq!(answering.uris().len(), 1);
    assert!(store.unsettled_ledger(10).await.expect("ledger").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_unsubscribe_does_not_hold_the_delete_and_its_late_answer_is_recorded() {
    let (store, rt, gated, run) = parked_on_gated_executor().await;

    // The service never answers the unsubscribe while the delete runs.
    tokio::time::timeout(Duration::from_secs(60), rt.delete_workflow(&name()))
        .await
        .expect("the delete does not wait for a hanging service")
        .expect("delete");
    assert_eq!(gated.uris().len(), 2, "the unsubscribe was sent");
    assert_eq!(
        store
            .get_run(&run)
            .await
            .map(|_| ())
            .expect_err("run deleted")
            .kind(),
        ErrorKind::NotFound
    );

    // Its answer comes after the run is gone: the kept ledger entry records it.
    gated.release(1);
    eventually("late answer recorded", || async {
        store
            .get_ledger_entry(&unsubscribe_entry(&run))
            .await
            .is_ok_and(|e| e.state == LedgerState::Succeeded && e.workflow_deleted)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_workflows_unsettled_entry_is_not_taken_for_a_new_one() {
    let store = MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    let executor = FakeExecutor::new(|_| ok_with(json!({})));
    let rt = runtime(store.clone(), clock.clone(), executor.clone());
    rt.save_workflow("wf", &webhook_trigger_document(), WorkflowState::Enabled)
        .await
        .expect("save");
    // An exchange whose answer was never written (another node died mid-way).
    let lost = LedgerEntry {
        id: LedgerId::new("wf:trigger:hook:Subscribe:lost").expect("id"),
        workflow: name(),
        target: LedgerTarget::Trigger(TriggerName::new("hook").expect("trigger")),
        operation: LedgerOperation::Subscribe,
        request: json!({ "method": "POST", "uri": "http://svc.test/subscribe" }),
        response: None,
        state: LedgerState::Pending,
        created_at: chrono::DateTime::from(start_time()),
        updated_at: chrono::DateTime::from(start_time()),
        workflow_deleted: false,
    };
    store.record_ledger(lost.clone()).await.expect("record");
    rt.delete_workflow(&name()).await.expect("delete");
    assert_eq!(
        executor.uris(),
        ["http://svc.test/subscribe", "http://svc.test/unsubscribe"]
    );
    // The same name again, disabled: nothing of it is subscribed.
    rt.save_workflow("wf", &webhook_trigger_document(), WorkflowState::Disabled)
        .await
        .expect("save again");

    let restarted = runtime(store.clone(), clock, executor.clone());
    let looked_at = restarted
        .reconcile_trigger_subscriptions()
        .await
        .expect("reconcile");
    assert_eq!(
        looked_at, 0,
        "the old entry names no trigger of the new workflow"
    );
    assert_eq!(
        executor.uris().len(),
        2,
        "nothing sent for the new workflow"
    );
    let settled = store.get_ledger_entry(&lost.id).await.expect("kept");
    assert_eq!(settled.state, LedgerState::Failed);
    assert_eq!(
        settled.response.expect("response")["error"]["code"],
        "WorkflowDeleted"
    );
    assert!(store.unsettled_ledger(10).await.expect("ledger").is_empty());
}
