//! Reconciliation of HttpWebhook trigger subscriptions after a crash.
//!
//! [`Runtime::reconcile_trigger_subscriptions`] reads the ledger's unsettled (`Pending`,
//! `Sent`) trigger entries. For each trigger named there: if the workflow exists, is
//! enabled and has the trigger as HttpWebhook, and its state is not `Subscribed`, it is
//! subscribed (with the current definition); if it should not be subscribed (workflow
//! disabled, trigger gone) and its state is not `Unsubscribed`, the unsubscribe of the
//! newest version that has the trigger is sent. The unsettled entries are then settled
//! `Failed` with `{"error": {"code": "Reconciled", …}}` (their answer is unknown).
//!
//! Entries of a deleted workflow (`workflow_deleted`) are never taken for a workflow
//! created since under the same name. Nothing can send them again (the definition went
//! with the workflow), so they are settled `Failed` with code `WorkflowDeleted` and logged.
//! The delete itself waits for the unsubscribes it causes, so this is the rare case of a
//! crash after a delete that gave up waiting.

use super::error::Result;
use super::webhook_trigger::{Records, Side};
use super::Runtime;
use chrono::{DateTime, Utc};
use hookflow_engine::trigger::is_webhook_trigger;
use hookflow_store::{
    ErrorKind as StoreKind, LedgerState, LedgerTarget, LedgerUpdate, PageRequest, Store,
    SubscriptionStatus, WorkflowName, WorkflowState,
};
use serde_json::json;

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
        let mut seen: Vec<(WorkflowName, String)> = Vec::new();
        for entry in &unsettled {
            // The workflow it was for is gone; one of the same name now is another.
            if entry.workflow_deleted {
                continue;
            }
            if let LedgerTarget::Trigger(trigger) = &entry.target {
                let key = (entry.workflow.clone(), trigger.as_str().to_string());
                if !seen.contains(&key) {
                    seen.push(key);
                }
            }
        }
        for (workflow_name, trigger) in &seen {
            if let Err(error) = self.reconcile_one(workflow_name, trigger).await {
                tracing::warn!(workflow = %workflow_name, trigger, %error, "reconciling a trigger subscription failed");
            }
        }
        for entry in unsettled {
            let response = if entry.workflow_deleted {
                // Nothing can send it again: the definition (and, for an action, the run)
                // went with the workflow. Said loudly, so an operator can check the service.
                tracing::warn!(
                    workflow = %entry.workflow,
                    operation = entry.operation.as_str(),
                    request = %entry.request,
                    "a webhook exchange of a deleted workflow was never answered"
                );
                json!({"error": {"code": "WorkflowDeleted", "message": "the answer was lost in a restart and the workflow has been deleted; the request cannot be sent again"}})
            } else if matches!(entry.target, LedgerTarget::Trigger(_)) {
                json!({"error": {"code": "Reconciled", "message": "the answer was lost in a restart; the subscription was reconciled"}})
            } else {
                // A live run's exchange: its recovery sends it again and settles it.
                continue;
            };
            let update = LedgerUpdate {
                id: entry.id,
                state: LedgerState::Failed,
                response: Some(response),
                at: self.now(),
            };
            if let Err(error) = self.shared.store.update_ledger(update).await {
                tracing::warn!(%error, "cannot settle a reconciled ledger entry");
            }
        }
        Ok(seen.len())
    }

    async fn reconcile_one(&self, name: &WorkflowName, trigger: &str) -> Result<()> {
        let workflow = match self.shared.store.get_workflow(name).await {
            Ok(w) => w,
            Err(e) if e.kind() == StoreKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let side = self.current_side(&workflow).await?;
        let states = self.trigger_states(name).await?;
        let state = states.get(trigger);
        let mut records = Records::default();
        let should = workflow.state == WorkflowState::Enabled
            && is_webhook_trigger(&side.definition, trigger);
        if should {
            if state.is_none_or(|s| s.subscription != SubscriptionStatus::Subscribed) {
                let _ = self
                    .subscribe_trigger(name, &side, trigger, &mut records, state)
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
}
