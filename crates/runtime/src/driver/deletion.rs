//! Deleting a workflow (CONTRACT §3: DELETE unsubscribes webhook triggers and cancels running
//! runs, which unsubscribes their waiting webhook actions).
//!
//! The order is what makes a crash part-way harmless:
//!
//! 1. The workflow is disabled: no new run starts while the old ones are cancelled, and a
//!    crash from here on is reconciled at start like a disable (its triggers unsubscribed).
//! 2. Running and queued runs are cancelled; the unsubscribes of their waiting webhook
//!    actions are sent in effect tasks, and this waits (at most [`UNSUBSCRIBE_WAIT`]) until
//!    their answers are journaled and settled in the ledger. Until the runs are deleted a
//!    crash loses nothing: run recovery sends a journaled unsubscribe without a result
//!    again.
//! 3. Webhook triggers are unsubscribed (with their retry policy; failures are recorded,
//!    never blocking).
//! 4. The store removes the workflow and its runs and keeps their ledger entries, marked
//!    as the deleted workflow's. An answer that still arrives afterwards (the wait ran out)
//!    is settled straight in the ledger.

use super::error::{Result, RuntimeError};
use super::ledger;
use super::Runtime;
use hookflow_engine::Input;
use hookflow_store::{
    LedgerChange, PageRequest, RunId, RunQuery, RunStatus, Store, WorkflowName, MAX_PAGE,
};
use std::collections::HashSet;
use std::time::Duration;

/// How long a delete waits for the unsubscribes of its cancelled runs. Services answer in
/// milliseconds; one that hangs must not hold the DELETE up (an unsubscribe never blocks
/// disable or delete), and its late answer is still recorded in the kept ledger entry.
pub(crate) const UNSUBSCRIBE_WAIT: Duration = Duration::from_secs(5);

impl<S: Store> Runtime<S> {
    /// Deletes the workflow (see the module docs). NotFound if there is none. Failures to
    /// cancel a run or to unsubscribe are logged and do not stop the delete.
    pub async fn delete_workflow(&self, name: &WorkflowName) -> Result<()> {
        let workflow = self.store_disabled(name).await?;
        let cancelled = self.cancel_every_run(name).await?;
        self.await_unsubscribes(&cancelled).await;
        if let Err(error) = self.unsubscribe_all_triggers(&workflow).await {
            tracing::warn!(workflow = %name, %error, "unsubscribing the triggers of a deleted workflow failed");
        }
        self.shared.store.delete_workflow(name).await?;
        self.forget_workflow(name);
        Ok(())
    }

    /// Cancels every run still going (running, or queued for a concurrency slot); returns
    /// the runs it asked to cancel.
    async fn cancel_every_run(&self, name: &WorkflowName) -> Result<HashSet<RunId>> {
        let mut cancelled = HashSet::new();
        for status in [RunStatus::Running, RunStatus::Waiting] {
            let mut page = PageRequest::first(MAX_PAGE);
            loop {
                let runs = self
                    .list_runs(RunQuery {
                        workflow: name.clone(),
                        status: Some(status),
                        page: page.clone(),
                    })
                    .await?;
                for run in &runs.items {
                    if let Err(error) = self.cancel_run(&run.id).await {
                        tracing::warn!(run = %run.id, %error, "cancelling a run of a deleted workflow failed");
                    }
                    cancelled.insert(run.id.clone());
                }
                match runs.continuation {
                    Some(next) => page = PageRequest::after(MAX_PAGE, next),
                    None => break,
                }
            }
        }
        Ok(cancelled)
    }

    /// Waits until no unsubscribe of `runs` is in flight on this node, or
    /// [`UNSUBSCRIBE_WAIT`] (at most `in_flight_grace`) has passed (an answer that comes
    /// later is still recorded in the ledger, see [`Runtime::settle_for_deleted_run`]).
    async fn await_unsubscribes(&self, runs: &HashSet<RunId>) {
        if runs.is_empty() {
            return;
        }
        let wait = UNSUBSCRIBE_WAIT.min(self.shared.config.in_flight_grace);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before looking, so a call that ends in between still wakes us.
            let ended = self.shared.outbound_ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let waiting = self
                .in_flight()
                .iter()
                .any(|(run, effect)| runs.contains(run) && effect.starts_with("unsubscribe:"));
            if !waiting {
                return;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                tracing::warn!(
                    "unsubscribes of a deleted workflow's runs are still unanswered; deleting anyway"
                );
                return;
            }
        }
    }

    /// Records the answer to a subscribe or unsubscribe whose run no longer exists (its
    /// workflow was deleted while the call was out): the run's journal is gone, the ledger
    /// entry is not.
    pub(crate) async fn settle_for_deleted_run(&self, run: &RunId, input: &Input) {
        let update = match ledger::settle(input, run, self.now()) {
            Ok(Some(LedgerChange::Update(update))) => update,
            Ok(_) => return,
            Err(error) => {
                tracing::warn!(%run, %error, "cannot name the ledger entry of a deleted run");
                return;
            }
        };
        match self.shared.store.update_ledger(update).await {
            Ok(_) => tracing::info!(%run, "recorded an answer that came after the run was deleted"),
            Err(error) if error.kind() == hookflow_store::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::warn!(%run, %error, "cannot record an answer for a deleted run")
            }
        }
    }
}

/// Whether a failed step means the run is gone (its workflow was deleted): the store had
/// no such run or version.
pub(crate) fn run_is_gone(error: &RuntimeError) -> bool {
    matches!(error, RuntimeError::Store(e) if e.kind() == hookflow_store::ErrorKind::NotFound)
}
