//! The work loop: claims runnable runs under a lease — due timers, pending callbacks, runs
//! whose outbound calls were never answered — and drives them. The first pass at start-up
//! is the recovery: timers that came due while the process was down fire, callbacks
//! accepted before a crash are applied, abandoned outbound calls are sent again.
//!
//! The loop polls every `poll_interval` (real time) and is woken early when a step
//! scheduled a timer; the time it compares against is the injected clock's, so tests move
//! a manual clock and call [`Runtime::run_due_work`] instead of sleeping.

use super::advance::{RunContext, Step, Stepped};
use super::error::Result;
use super::Runtime;
use hookflow_engine::{outstanding_effects, Input, TimerId};
use hookflow_store::{Append, Lease, RunChanges, RunStatus, Runnable, Store};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// The running loop; [`WorkLoop::stop`] ends it (dropping it aborts it).
#[derive(Debug)]
pub struct WorkLoop {
    task: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl WorkLoop {
    /// Stops the loop after its current pass.
    pub async fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for WorkLoop {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl<S: Store> Runtime<S> {
    /// Starts the work loop on the current tokio runtime; its first pass is recovery.
    pub fn start(&self) -> WorkLoop {
        let stop = Arc::new(AtomicBool::new(false));
        let runtime = self.clone();
        let stopping = stop.clone();
        let task = tokio::spawn(async move {
            while !stopping.load(Ordering::SeqCst) {
                match runtime.run_due_work().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(runs = n, "work loop pass"),
                    Err(e) => tracing::warn!(error = %e, "work loop pass failed"),
                }
                let wait = runtime.shared.config.poll_interval;
                // Woken early when a step scheduled a timer; otherwise poll.
                let _ = tokio::time::timeout(wait, runtime.shared.wake.notified()).await;
            }
        });
        WorkLoop {
            task: Some(task),
            stop,
        }
    }

    /// Stops effect tasks in flight (their runs stay runnable and recover on the next
    /// start). Call after stopping the work loop.
    pub async fn shutdown(&self) {
        let mut tasks =
            std::mem::take(&mut *self.shared.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }

    /// One pass: claims every run with due work (in batches) and drives each. Returns how
    /// many runs were claimed.
    pub async fn run_due_work(&self) -> Result<usize> {
        if let Err(e) = self.fire_due_recurrences().await {
            tracing::warn!(error = %e, "recurrence triggers could not be checked");
        }
        let config = &self.shared.config;
        let lease_duration =
            chrono::Duration::from_std(config.lease_duration).unwrap_or(chrono::Duration::MAX);
        let mut total = 0;
        loop {
            let leases = self
                .shared
                .store
                .claim_runnable(&config.node, config.claim_batch, lease_duration, self.now())
                .await?;
            if leases.is_empty() {
                return Ok(total);
            }
            total += leases.len();
            for mut lease in leases {
                let run = lease.run.clone();
                // Runs of a batch are driven one after another, so a late one may have
                // waited long: renew its lease once more than half of it has gone, and
                // skip it if another node took it over meanwhile (the lease lapsed).
                match self.renew_if_half_gone(&lease).await {
                    Ok(Some(renewed)) => lease = renewed,
                    Ok(None) => {}
                    Err(e) => {
                        tracing::debug!(%run, error = %e, "lease lost before driving");
                        continue;
                    }
                }
                if let Err(e) = self.drive_claimed(&lease).await {
                    tracing::warn!(%run, error = %e, "could not drive a claimed run");
                }
                if let Err(e) = self.shared.store.release_lease(&lease).await {
                    tracing::debug!(%run, error = %e, "lease already gone");
                }
            }
            if total >= config.claim_batch * 16 {
                // Bound one pass; the next one continues.
                return Ok(total);
            }
        }
    }

    /// Renews `lease` when less than half of its duration is left (`None`: still fresh).
    async fn renew_if_half_gone(&self, lease: &Lease) -> Result<Option<Lease>> {
        let duration = chrono::Duration::from_std(self.shared.config.lease_duration)
            .unwrap_or(chrono::Duration::MAX);
        let now = self.now();
        if lease.expires_at - now > duration / 2 {
            return Ok(None);
        }
        Ok(Some(
            self.shared.store.renew_lease(lease, duration, now).await?,
        ))
    }

    /// Everything a claimed run is due for: pending callbacks, due timers, outbound calls
    /// that were never answered.
    async fn drive_claimed(&self, lease: &Lease) -> Result<()> {
        let run = &lease.run;
        // A run queued for a trigger concurrency slot has no journal yet: start it if a
        // slot is free (it takes the run's lock itself).
        if self.shared.states.peek_position(run).is_none() {
            let record = self.shared.store.get_run(run).await?;
            if record.status == RunStatus::Waiting && record.position == 0 {
                self.start_queued(run, Some(lease.clone())).await?;
                return Ok(());
            }
        }
        let _guard = self.shared.locks.lock(run).await;
        let store = &self.shared.store;
        for callback in store.pending_callbacks(run).await? {
            let key = callback.action.name.clone();
            let key = if callback.action.repetition.0.is_empty() {
                key
            } else {
                let indexes: Vec<String> = callback
                    .action
                    .repetition
                    .0
                    .iter()
                    .map(u32::to_string)
                    .collect();
                format!("{key}[{}]", indexes.join(","))
            };
            let Ok(key) = key.parse() else {
                continue;
            };
            let step = Step {
                input: Input::Callback {
                    key,
                    headers: callback
                        .payload
                        .get("headers")
                        .cloned()
                        .unwrap_or(Value::Null),
                    body: callback.payload.get("body").cloned().unwrap_or(Value::Null),
                    at: callback.received_at,
                },
                consume: Some(callback.id),
                lease: Some(lease.clone()),
            };
            self.step_locked(run, &step).await?;
        }
        let now = self.now();
        for timer in store.run_timers(run).await? {
            if timer.due > now {
                break;
            }
            let step = Step {
                input: Input::TimerFired {
                    id: TimerId(timer.id.as_str().to_string()),
                },
                consume: None,
                lease: Some(lease.clone()),
            };
            if let Stepped::Applied = self.step_locked(run, &step).await? {
                tracing::debug!(%run, timer = %timer.id, "timer fired");
            }
        }
        self.resend_abandoned(lease).await?;
        // A step that left ready actions for a continuation may have been the last thing
        // a stopped node did; nothing else starts them. (Stale when nothing is ready.)
        let step = Step {
            input: Input::Continue,
            consume: None,
            lease: Some(lease.clone()),
        };
        if let Stepped::Applied = self.step_locked(run, &step).await? {
            tracing::info!(%run, "continued a run that had stopped between parts of its work");
        }
        Ok(())
    }

    /// Sends again the outbound calls the run has waited on for longer than the in-flight
    /// grace (not those in flight here), and sets the run's runnable time to match what
    /// is now outstanding.
    async fn resend_abandoned(&self, lease: &Lease) -> Result<()> {
        let run = &lease.run;
        let loaded = match self.shared.states.take(run) {
            Some(loaded) => loaded,
            None => self.load_run(run).await?,
        };
        let definition = self.definition(&loaded.workflow, loaded.version).await?;
        let mut outstanding = outstanding_effects(&loaded.state, &definition);
        let now = self.now();
        // Calls dispatched less than a grace ago are still in flight somewhere — on another
        // node, or on this one by a step that raced this claim — so they are left alone and
        // the run stays due at their deadline.
        let runnable = if outstanding.is_empty() {
            Runnable::Idle
        } else {
            let deadline = self.abandoned_after(loaded.written_at);
            if now < deadline {
                outstanding.clear();
                Runnable::At(deadline)
            } else {
                Runnable::At(self.abandoned_after(now))
            }
        };
        // Refresh the runnable time before sending, so the run does not come due again
        // while the calls are out (the fence makes this a no-op if the run moved).
        let append = Append {
            run: run.clone(),
            expected_position: loaded.position,
            lease: Some(lease.clone()),
            entries: Vec::new(),
            changes: RunChanges {
                runnable: Some(runnable),
                ..RunChanges::default()
            },
        };
        let refreshed = self.shared.store.append(append).await;
        let context = RunContext {
            workflow: loaded.workflow.to_string(),
            client_tracking_id: loaded.client_tracking_id.clone(),
        };
        // Keep the state only if the write proved it current: after a conflict (another
        // node advanced the run) a cached stale state would fail this refresh forever.
        if refreshed.is_ok() {
            self.shared.states.put(run.clone(), loaded);
        }
        refreshed?;
        if !outstanding.is_empty() {
            tracing::info!(%run, calls = outstanding.len(), "re-sending unanswered outbound calls");
            self.dispatch(run, &context, outstanding);
        }
        Ok(())
    }
}
