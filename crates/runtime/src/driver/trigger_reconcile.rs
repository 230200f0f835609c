//! Reconciliation of HttpWebhook trigger subscriptions after a crash.
//!
//! [`Runtime::reconcile_trigger_subscriptions`] reads the ledger's unsettled (`Pending`,
//! `Sent`) trigger entries. An entry is settled only after the trigger state its answer
//! leads to is written (see [`super::webhook_trigger`]), so for each trigger named there:
//!
//! 1. answers recorded on its entries (`Sent` with a response: received before the crash,
//!    maybe not acted on) are applied to its state first — a successful subscribe makes it
//!    `Subscribed`, an unsubscribe `Unsubscribed` — unless the state was written after them;
//! 2. then, if the workflow exists, is enabled and has the trigger as HttpWebhook, and its
//!    state is not `Subscribed`, it is subscribed (with the current definition) — after an
//!    unsubscribe with the same callback URL if a subscribe's answer was lost, as that
//!    subscribe may have reached the service; if it is `Subscribed` by a subscribe that sent
//!    other inputs than the stored version (a save that died before storing its version),
//!    that subscription is replaced by the stored version's; if it
//!    should not be subscribed (workflow disabled, trigger gone) and its state is not
//!    `Unsubscribed`, the unsubscribe of the newest version that has the trigger is sent.
//!
//! The entries are then settled: answered ones as their answer says, the others `Failed`
//! with `{"error": {"code": "Reconciled", …}}` (their answer is unknown). A crash between
//! a subscribe's answer and the trigger state it leads to thus neither subscribes twice
//! (the workflow is enabled: the state becomes `Subscribed`, nothing is sent) nor leaves a
//! subscription behind (the enable never finished: the state becomes `Subscribed`, the
//! workflow is disabled, so it is unsubscribed).
//!
//! Entries of a deleted workflow (`workflow_deleted`) are never taken for a workflow
//! created since under the same name. Nothing can send them again (the definition went
//! with the workflow), so they are settled `Failed` with code `WorkflowDeleted` and logged.
//! The delete itself waits for the unsubscribes it causes, so this is the rare case of a
//! crash after a delete that gave up waiting.

use super::error::Result;
use super::webhook_trigger::{Records, Side};
use super::Runtime;
use crate::auth::recorded_request;
use chrono::{DateTime, Utc};
use hookflow_engine::trigger::is_webhook_trigger;
use hookflow_engine::trigger::WebhookSide;
use hookflow_store::{
    ErrorKind as StoreKind, Exchange, LedgerEntry, LedgerOperation, LedgerState, LedgerTarget,
    LedgerUpdate, PageRequest, Store, SubscriptionStatus, TriggerState, WorkflowName,
    WorkflowState,
};
use serde_json::{json, Value};

impl<S: Store> Runtime<S> {
    /// Reconciles trigger subscriptions left unsettled by a crash (see the module docs).
    /// Returns how many triggers were looked at.
    pub async fn reconcile_trigger_subscriptions(&self) -> Result<usize> {
        self.reconcile_trigger_subscriptions_before(None).await
    }

    /// [`Runtime::reconcile_trigger_subscriptions`] limited to entries last updated
    /// before `cutoff`. With several nodes on one database an unsettled entry may belong
    /// to a save still in progress on another node; only entries older than any
    /// subscribe can take (retries included) are abandoned for sure.
    pub async fn reconcile_trigger_subscriptions_before(
        &self,
        cutoff: Option<DateTime<Utc>>,
    ) -> Result<usize> {
        let mut unsettled = self.shared.store.unsettled_ledger(10_000).await?;
        if let Some(cutoff) = cutoff {
            unsettled.retain(|entry| entry.updated_at < cutoff);
        }
        // Each trigger's unsettled entries, oldest first, in the order triggers appear.
        let mut triggers: Vec<((WorkflowName, String), Vec<&LedgerEntry>)> = Vec::new();
        for entry in &unsettled {
            // The workflow it was for is gone; one of the same name now is another.
            if entry.workflow_deleted {
                continue;
            }
            if let LedgerTarget::Trigger(trigger) = &entry.target {
                let key = (entry.workflow.clone(), trigger.as_str().to_string());
                match triggers.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, entries)) => entries.push(entry),
                    None => triggers.push((key, vec![entry])),
                }
            }
        }
        let mut failed: Vec<&(WorkflowName, String)> = Vec::new();
        for (key, entries) in &triggers {
            let (workflow_name, trigger) = key;
            if let Err(error) = self.reconcile_one(workflow_name, trigger, entries).await {
                tracing::warn!(workflow = %workflow_name, trigger, %error, "reconciling a trigger subscription failed");
                failed.push(key);
            }
        }
        for entry in &unsettled {
            let (state, response) = if entry.workflow_deleted {
                // Nothing can send it again: the definition (and, for an action, the run)
                // went with the workflow. Said loudly, so an operator can check the service.
                tracing::warn!(
                    workflow = %entry.workflow,
                    operation = entry.operation.as_str(),
                    request = %entry.request,
                    "a webhook exchange of a deleted workflow was never answered"
                );
                (
                    LedgerState::Failed,
                    json!({"error": {"code": "WorkflowDeleted", "message": "the answer was lost in a restart and the workflow has been deleted; the request cannot be sent again"}}),
                )
            } else if let LedgerTarget::Trigger(trigger) = &entry.target {
                // Left unsettled, it is looked at again at the next start.
                if failed.contains(&&(entry.workflow.clone(), trigger.as_str().to_string())) {
                    continue;
                }
                match &entry.response {
                    // Answered, and the answer was applied above: settled as it came.
                    Some(response) => (answer_state(response), response.clone()),
                    None => (
                        LedgerState::Failed,
                        json!({"error": {"code": "Reconciled", "message": "the answer was lost in a restart; the subscription was reconciled"}}),
                    ),
                }
            } else {
                // A live run's exchange: its recovery sends it again and settles it.
                continue;
            };
            let update = LedgerUpdate {
                id: entry.id.clone(),
                state,
                response: Some(response),
                at: self.now(),
            };
            if let Err(error) = self.shared.store.update_ledger(update).await {
                tracing::warn!(%error, "cannot settle a reconciled ledger entry");
            }
        }
        Ok(triggers.len())
    }

    /// Brings one trigger's state and subscription in line with its workflow. `entries`
    /// are its unsettled ledger entries, oldest first: an answer recorded on one was
    /// received before the crash, so it is applied to the trigger's state (if the state was
    /// not written after it) before deciding — the service's subscription is then known,
    /// and neither made twice nor left behind.
    async fn reconcile_one(
        &self,
        name: &WorkflowName,
        trigger: &str,
        entries: &[&LedgerEntry],
    ) -> Result<()> {
        let workflow = match self.shared.store.get_workflow(name).await {
            Ok(w) => w,
            Err(e) if e.kind() == StoreKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let side = self.current_side(&workflow).await?;
        let states = self.trigger_states(name).await?;
        let mut records = Records::default();
        self.apply_recorded_answers(&mut records, trigger, entries, states.get(trigger))?;
        let state = records.state(trigger).or(states.get(trigger)).cloned();
        let state = state.as_ref();
        let should = workflow.state == WorkflowState::Enabled
            && is_webhook_trigger(&side.definition, trigger);
        if should {
            let subscribed =
                state.is_some_and(|s| s.subscription == SubscriptionStatus::Subscribed);
            // What the service may hold must go first (unsubscribed with the same callback
            // URL), so the subscription made now is the only one: when not subscribed, what
            // a subscribe whose answer was lost may have made; when subscribed, one made by
            // a save that died before its version was stored.
            let replace = if subscribed {
                self.subscribed_with_other_inputs(name, &side, trigger, entries)
            } else {
                entries
                    .iter()
                    .any(|e| e.operation == LedgerOperation::Subscribe && e.response.is_none())
            };
            if !subscribed || replace {
                let mut previous = state.cloned();
                if replace {
                    self.unsubscribe_trigger(name, &side, trigger, &mut records, state)
                        .await?;
                    previous = records.state(trigger).cloned().or(previous);
                }
                let _ = self
                    .subscribe_trigger(name, &side, trigger, &mut records, previous.as_ref())
                    .await?;
            }
        } else if state.is_none_or(|s| s.subscription != SubscriptionStatus::Unsubscribed) {
            // The newest version that has the trigger says how to unsubscribe.
            let mut found = None;
            if is_webhook_trigger(&side.definition, trigger) {
                found = Some(side.clone());
            } else {
                let versions = self
                    .shared
                    .store
                    .list_versions(name, PageRequest::first(hookflow_store::MAX_PAGE))
                    .await?;
                for version in versions.items {
                    let definition = self.definition(name, version.version).await?;
                    if is_webhook_trigger(&definition, trigger) {
                        found = Some(Side {
                            definition,
                            keys: side.keys.clone(),
                        });
                        break;
                    }
                }
            }
            if let Some(old) = found {
                self.unsubscribe_trigger(name, &old, trigger, &mut records, state)
                    .await?;
            }
        }
        self.write_records(name, records).await;
        Ok(())
    }

    /// Whether the newest subscribe answered with success among `entries` sent another
    /// request than the stored version sends (as recorded: secrets masked alike). Inputs
    /// that use the clock or random values always differ; such a trigger is then
    /// unsubscribed and subscribed again, which leaves one subscription all the same.
    fn subscribed_with_other_inputs(
        &self,
        name: &WorkflowName,
        side: &Side,
        trigger: &str,
        entries: &[&LedgerEntry],
    ) -> bool {
        let Some(made) = entries.iter().rev().find(|e| {
            e.operation == LedgerOperation::Subscribe
                && e.response
                    .as_ref()
                    .is_some_and(|r| answer_state(r) == LedgerState::Succeeded)
        }) else {
            return false;
        };
        match self.webhook_request(name, side, trigger, WebhookSide::Subscribe, false) {
            Ok(Some((request, _))) => recorded_request(&request) != made.request,
            _ => false,
        }
    }

    /// Notes, in order, the state each answered entry leads to, skipping answers the
    /// stored state was written after (it already reflects them or something newer).
    fn apply_recorded_answers(
        &self,
        records: &mut Records,
        trigger: &str,
        entries: &[&LedgerEntry],
        stored: Option<&TriggerState>,
    ) -> Result<()> {
        for entry in entries {
            let Some(response) = &entry.response else {
                continue;
            };
            if stored.is_some_and(|s| s.updated_at > entry.updated_at) {
                continue;
            }
            let exchange = Exchange {
                request: entry.request.clone(),
                response: Some(response.clone()),
                at: entry.updated_at,
            };
            let ok = answer_state(response) == LedgerState::Succeeded;
            let (status, subscribe, unsubscribe) = match entry.operation {
                LedgerOperation::Subscribe if ok => {
                    (SubscriptionStatus::Subscribed, Some(exchange), None)
                }
                LedgerOperation::Subscribe => (SubscriptionStatus::Failed, Some(exchange), None),
                // A failed unsubscribe is given up on too (as when it happens live).
                LedgerOperation::Unsubscribe => {
                    (SubscriptionStatus::Unsubscribed, None, Some(exchange))
                }
            };
            self.note_state(records, trigger, status, subscribe, unsubscribe, stored)?;
        }
        Ok(())
    }
}

/// How a recorded answer settles its entry: `Succeeded` for a 2xx response, else `Failed`.
fn answer_state(response: &Value) -> LedgerState {
    let status = response.get("statusCode").and_then(Value::as_u64);
    if status.is_some_and(|code| (200..=299).contains(&code)) {
        LedgerState::Succeeded
    } else {
        LedgerState::Failed
    }
}
