//! A crash while the first save of an enabled workflow subscribes its HttpWebhook trigger:
//! the subscribe reached the service, the save never finished. The restart must not leave
//! that subscription behind — reconciliation unsubscribes it with the same callback URL.

use super::harness::{eventually, ok_with, runtime, start_time, FakeExecutor};
use hookflow_runtime::clock::ManualClock;
use hookflow_store::{MemoryStore, SubscriptionLedger, WorkflowName, WorkflowState, WorkflowStore};
use serde_json::json;
use std::sync::Arc;

fn document() -> serde_json::Value {
    json!({ "definition": {
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "triggers": { "hook": { "type": "HttpWebhook", "inputs": {
            "subscribe": { "method": "POST", "uri": "http://svc.test/subscribe",
                           "body": { "callbackUrl": "@{listCallbackUrl()}" } },
            "unsubscribe": { "method": "POST", "uri": "http://svc.test/unsubscribe",
                             "body": { "callbackUrl": "@{listCallbackUrl()}" } } } } },
        "actions": {}
    } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_during_a_first_save_subscribe_is_reconciled_at_start() {
    let store = MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    // The service takes the subscribe and the process dies before the answer.
    let silent = FakeExecutor::gated(|_| ok_with(json!({})));
    let first = runtime(store.clone(), clock.clone(), silent.clone());
    let saving = tokio::spawn({
        let first = first.clone();
        async move {
            first
                .save_workflow("wf", &document(), WorkflowState::Enabled)
                .await
        }
    });
    eventually("subscribe sent", || async { silent.uris().len() == 1 }).await;
    saving.abort();
    first.shutdown().await;
    let subscribed_with = silent.requests.lock().expect("lock")[0]
        .body
        .clone()
        .expect("subscribe body")["callbackUrl"]
        .clone();

    let answering = FakeExecutor::new(|_| ok_with(json!({})));
    let restarted = runtime(store.clone(), clock, answering.clone());
    let reconciled = restarted
        .reconcile_trigger_subscriptions()
        .await
        .expect("reconcile");
    assert_eq!(reconciled, 1, "one trigger had an unsettled subscribe");
    assert_eq!(answering.uris(), ["http://svc.test/unsubscribe"]);
    let unsubscribed_with = answering.requests.lock().expect("lock")[0]
        .body
        .clone()
        .expect("unsubscribe body")["callbackUrl"]
        .clone();
    assert_eq!(unsubscribed_with, subscribed_with, "the same callback URL");

    // The save never answered, so the workflow is not live: it exists disabled, and
    // nothing is left unsettled to reconcile again.
    let workflow = store
        .get_workflow(&WorkflowName::new("wf").expect("name"))
        .await
        .expect("stored disabled");
    assert_eq!(workflow.state, WorkflowState::Disabled);
    assert!(store.unsettled_ledger(10).await.expect("ledger").is_empty());
    assert_eq!(
        restarted
            .reconcile_trigger_subscriptions()
            .await
            .expect("again"),
        0
    );
}
