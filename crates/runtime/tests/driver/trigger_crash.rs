//! Crashes while an HttpWebhook trigger subscribes: before the answer came back, after it
//! came back but before the trigger state was written, and after that but before the
//! enable was stored. After the restart nothing is subscribed twice, nothing is left
//! subscribed that should not be, and the trigger state says what the service holds.

use super::crash_store::{CrashPoint, CrashingStore};
use super::harness::{
    eventually, ok_with, runtime, start_time, webhook_trigger_document, FakeExecutor,
};
use hookflow_runtime::clock::ManualClock;
use hookflow_store::{
    MemoryStore, SubscriptionLedger, SubscriptionStatus, TriggerName, TriggerState, WorkflowName,
    WorkflowState, WorkflowStore,
};
use serde_json::{json, Value};
use std::sync::Arc;

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
                .save_workflow("wf", &webhook_trigger_document(), WorkflowState::Enabled)
                .await
        }
    });
    eventually("subscribe sent", || async { silent.uris().len() == 1 }).await;
    saving.abort();
    first.shutdown().await;
    let subscribed_with = silent.callback_url_sent(0);

    let answering = FakeExecutor::new(|_| ok_with(json!({})));
    let restarted = runtime(store.clone(), clock, answering.clone());
    let reconciled = restarted
        .reconcile_trigger_subscriptions()
        .await
        .expect("reconcile");
    assert_eq!(reconciled, 1, "one trigger had an unsettled subscribe");
    assert_eq!(answering.uris(), ["http://svc.test/unsubscribe"]);
    let unsubscribed_with = answering.callback_url_sent(0);
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

fn name() -> WorkflowName {
    WorkflowName::new("wf").expect("name")
}

/// Saves `wf` enabled on a store that dies at `at`; returns once it died, with the
/// runtime shut down and the requests the service received so far.
async fn save_until_crash(
    store: &MemoryStore,
    clock: Arc<ManualClock>,
    at: CrashPoint,
) -> Arc<FakeExecutor> {
    let crashing = CrashingStore::new(store.clone(), at);
    let answering = FakeExecutor::new(|_| ok_with(json!({})));
    let first = runtime(crashing.clone(), clock, answering.clone());
    let saving = tokio::spawn({
        let first = first.clone();
        async move {
            first
                .save_workflow("wf", &webhook_trigger_document(), WorkflowState::Enabled)
                .await
        }
    });
    eventually("the crash point", || async { crashing.crashed() }).await;
    saving.abort();
    first.shutdown().await;
    answering
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_trigger_state_is_written_is_reconciled_without_subscribing_again() {
    let store = MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    let first = save_until_crash(&store, clock.clone(), CrashPoint::PutTriggerState).await;
    assert_eq!(first.uris(), ["http://svc.test/subscribe"]);
    let workflow = store.get_workflow(&name()).await.expect("stored");
    assert_eq!(
        workflow.state,
        WorkflowState::Enabled,
        "the enable was stored"
    );

    let answering = FakeExecutor::new(|_| ok_with(json!({})));
    let restarted = runtime(store.clone(), clock, answering.clone());
    let reconciled = restarted
        .reconcile_trigger_subscriptions()
        .await
        .expect("reconcile");
    assert_eq!(reconciled, 1, "the answered subscribe was still unsettled");
    assert!(answering.uris().is_empty(), "not subscribed twice");
    let state = assert_settled(&store, SubscriptionStatus::Subscribed).await;
    let answer = state.last_subscribe.expect("the subscribe exchange");
    assert_eq!(answer.response.expect("response")["statusCode"], 200);

    // The state is right, so a disable unsubscribes what the service holds.
    restarted.disable_workflow(&name()).await.expect("disable");
    assert_eq!(answering.uris(), ["http://svc.test/unsubscribe"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_enable_is_stored_unsubscribes_the_answered_subscribe() {
    let store = MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    let first = save_until_crash(
        &store,
        clock.clone(),
        CrashPoint::SetWorkflowState(WorkflowState::Enabled),
    )
    .await;
    assert_eq!(first.uris(), ["http://svc.test/subscribe"]);
    let subscribed_with = first.callback_url_sent(0);

    let answering = FakeExecutor::new(|_| ok_with(json!({})));
    let restarted = runtime(store.clone(), clock, answering.clone());
    let reconciled = restarted
        .reconcile_trigger_subscriptions()
        .await
        .expect("reconcile");
    assert_eq!(reconciled, 1);
    assert_eq!(
        answering.uris(),
        ["http://svc.test/unsubscribe"],
        "the save never answered: its subscription is not left behind"
    );
    let unsubscribed_with = answering.callback_url_sent(0);
    assert_eq!(unsubscribed_with, subscribed_with, "the same callback URL");
    let workflow = store.get_workflow(&name()).await.expect("stored");
    assert_eq!(workflow.state, WorkflowState::Disabled);
    assert_settled(&store, SubscriptionStatus::Unsubscribed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribe_lost_in_a_crash_is_unsubscribed_before_subscribing_again() {
    let store = MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    let changed = subscribed_then_changed(&store, &clock).await;

    // Changed subscribe inputs: the old subscription is ended, the new subscribe goes out,
    // and the process dies before its answer.
    let gated = FakeExecutor::gated(|_| ok_with(json!({})));
    let second = runtime(store.clone(), clock.clone(), gated.clone());
    let saving = tokio::spawn({
        let second = second.clone();
        async move {
            second
                .save_workflow("wf", &changed, WorkflowState::Enabled)
                .await
        }
    });
    eventually("old subscription ended", || async {
        gated.uris().len() == 1
    })
    .await;
    gated.release(1);
    eventually("new subscribe sent", || async { gated.uris().len() == 2 }).await;
    assert_eq!(
        gated.uris(),
        ["http://svc.test/unsubscribe", "http://svc.test/subscribe"]
    );
    saving.abort();
    second.shutdown().await;
    let lost_with = gated.callback_url_sent(1);

    let after = FakeExecutor::new(|_| ok_with(json!({})));
    let restarted = runtime(store.clone(), clock, after.clone());
    restarted
        .reconcile_trigger_subscriptions()
        .await
        .expect("reconcile");
    assert_eq!(
        after.uris(),
        ["http://svc.test/unsubscribe", "http://svc.test/subscribe"],
        "what the lost subscribe may have made is ended before subscribing again"
    );
    assert_eq!(after.callback_url_sent(0), lost_with);
    assert_eq!(after.callback_url_sent(1), lost_with);
    assert_settled(&store, SubscriptionStatus::Subscribed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribe_for_a_version_never_stored_is_replaced_by_the_stored_ones() {
    let store = MemoryStore::default();
    let clock = Arc::new(ManualClock::new(start_time()));
    let changed = subscribed_then_changed(&store, &clock).await;

    // Changed subscribe inputs: the service answers the new subscribe, and the process
    // dies before the new version is stored.
    let crashing = CrashingStore::new(store.clone(), CrashPoint::PutWorkflow);
    let service = FakeExecutor::new(|_| ok_with(json!({})));
    let second = runtime(crashing.clone(), clock.clone(), service.clone());
    let saving = tokio::spawn({
        let second = second.clone();
        async move {
            second
                .save_workflow("wf", &changed, WorkflowState::Enabled)
                .await
        }
    });
    eventually("the crash point", || async { crashing.crashed() }).await;
    saving.abort();
    second.shutdown().await;
    assert_eq!(
        service.uris(),
        ["http://svc.test/unsubscribe", "http://svc.test/subscribe"]
    );

    let after = FakeExecutor::new(|_| ok_with(json!({})));
    let restarted = runtime(store.clone(), clock, after.clone());
    restarted
        .reconcile_trigger_subscriptions()
        .await
        .expect("reconcile");
    assert_eq!(
        after.uris(),
        ["http://svc.test/unsubscribe", "http://svc.test/subscribe"],
        "the subscription of the unsaved version is replaced by the stored version's"
    );
    let sent = after.requests.lock().expect("lock")[1].body.clone();
    assert_eq!(
        sent.expect("subscribe body").get("topic"),
        None,
        "subscribed with the stored inputs"
    );
    assert_settled(&store, SubscriptionStatus::Subscribed).await;
}

/// Saves `wf` enabled with the service answering, then moves the clock on; returns the same
/// document with changed subscribe inputs.
async fn subscribed_then_changed(store: &MemoryStore, clock: &Arc<ManualClock>) -> Value {
    let answering = FakeExecutor::new(|_| ok_with(json!({})));
    let first = runtime(store.clone(), clock.clone(), answering);
    first
        .save_workflow("wf", &webhook_trigger_document(), WorkflowState::Enabled)
        .await
        .expect("first save");
    first.shutdown().await;
    clock.advance(std::time::Duration::from_secs(1));
    let mut changed = webhook_trigger_document();
    changed["definition"]["triggers"]["hook"]["inputs"]["subscribe"]["body"]["topic"] =
        json!("orders");
    changed
}

/// The stored state of trigger `hook` of `wf`, which must have been written.
/// Asserts the trigger's subscription is `status` and no ledger entry is left unsettled;
/// returns the trigger state.
async fn assert_settled(store: &MemoryStore, status: SubscriptionStatus) -> TriggerState {
    let state = hook_state(store).await;
    assert_eq!(state.subscription, status);
    assert!(store.unsettled_ledger(10).await.expect("ledger").is_empty());
    state
}

async fn hook_state(store: &MemoryStore) -> TriggerState {
    store
        .get_trigger_state(&name(), &TriggerName::new("hook").expect("trigger"))
        .await
        .expect("read")
        .expect("trigger state written")
}
