//! Trigger concurrency (`runtimeConfiguration.concurrency.runs`, or the `SingleInstance`
//! operation option): at most `runs` runs of the workflow run at once. A trigger firing
//! while they all run creates its run **queued** — status `Waiting`, stored with its
//! trigger outputs but not started (no journal yet) — up to `maximumWaitingRuns`; beyond
//! that the trigger is refused ([`RuntimeError::TriggerQueueFull`], HTTP 429).
//!
//! Queued runs start oldest first when a run of the workflow finishes on this node. As a
//! safety net (a crash, or a run that finished on another node) a queued run is also
//! runnable every [`QUEUE_RECHECK`], so the work loop claims it and starts it when a slot
//! is free. Admission counts the runs in the store under one lock on this node; several
//! nodes sharing a database may briefly exceed the limit by the runs they admit at the
//! same moment.

use super::error::Result;
use super::start::StartOf;
use super::Runtime;
use chrono::{DateTime, Utc};
use hookflow_definition::CheckedDefinition;
use hookflow_store::{
    Append, Lease, PageRequest, Run, RunChanges, RunId, RunQuery, RunStatus, RunSummary, Runnable,
    Store, WorkflowName,
};
use serde_json::Value;

/// How often a queued run is looked at by the work loop, in case no finishing run on this
/// node started it.
pub(crate) const QUEUE_RECHECK: chrono::Duration = chrono::Duration::seconds(5);

/// A trigger's concurrency limits, when it has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TriggerLimits {
    pub runs: usize,
    pub waiting: usize,
}

/// The limits of `trigger`; `None` when concurrency control is off (unlimited).
pub(crate) fn trigger_limits(
    definition: &CheckedDefinition,
    trigger: &str,
) -> Option<TriggerLimits> {
    let found = definition.triggers.iter().find(|t| t.name == trigger)?;
    let concurrency = found
        .trigger
        .runtime_configuration
        .as_deref()
        .and_then(|rc| rc.concurrency.as_deref());
    let single = found
        .trigger
        .operation_options()
        .contains(&"SingleInstance");
    let runs = match concurrency.and_then(|c| c.runs) {
        Some(runs) => runs,
        None if single => 1,
        None => return None,
    };
    let runs = usize::try_from(runs).unwrap_or(usize::MAX).max(1);
    // Logic Apps' default queue is the limit plus ten.
    let waiting = concurrency
        .and_then(|c| c.maximum_waiting_runs)
        .map_or(runs.saturating_add(10), |w| {
            usize::try_from(w).unwrap_or(usize::MAX)
        });
    Some(TriggerLimits { runs, waiting })
}

/// What admission decided for a new run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Start,
    Queue,
    Full,
}

impl<S: Store> Runtime<S> {
    /// Counts the workflow's running and queued runs against the limits. The caller holds
    /// the admission lock, so runs it admits are counted by the next admission.
    pub(crate) async fn admit(
        &self,
        workflow: &WorkflowName,
        limits: TriggerLimits,
    ) -> Result<Admission> {
        let running = self
            .count_runs(workflow, RunStatus::Running, limits.runs)
            .await?;
        if running < limits.runs {
            return Ok(Admission::Start);
        }
        let queued = self
            .count_runs(workflow, RunStatus::Waiting, limits.waiting)
            .await?;
        Ok(if queued < limits.waiting {
            Admission::Queue
        } else {
            Admission::Full
        })
    }

    /// How many runs of the workflow have `status`, counting no further than `limit`.
    async fn count_runs(
        &self,
        workflow: &WorkflowName,
        status: RunStatus,
        limit: usize,
    ) -> Result<usize> {
        Ok(self.queued_or_running(workflow, status, limit).await?.len())
    }

    async fn queued_or_running(
        &self,
        workflow: &WorkflowName,
        status: RunStatus,
        limit: usize,
    ) -> Result<Vec<Run>> {
        let top = limit.clamp(1, hookflow_store::MAX_PAGE);
        let page = self
            .shared
            .store
            .list_runs(RunQuery {
                workflow: workflow.clone(),
                status: Some(status),
                page: PageRequest::first(top),
            })
            .await?;
        Ok(page.items)
    }

    /// When a queued run is next looked at.
    pub(crate) fn queue_recheck(&self, now: DateTime<Utc>) -> Runnable {
        Runnable::At(now + QUEUE_RECHECK)
    }

    /// Starts the workflow's oldest queued runs while slots are free (a run of it
    /// finished here).
    pub(crate) async fn start_queued_runs(&self, workflow: &WorkflowName) -> Result<()> {
        let snapshot = self.workflow_snapshot(workflow).await?;
        let Some(limits) = snapshot
            .definition
            .triggers
            .iter()
            .find_map(|t| trigger_limits(&snapshot.definition, &t.name))
        else {
            return Ok(());
        };
        let queued = self
            .queued_or_running(workflow, RunStatus::Waiting, limits.waiting)
            .await?;
        // Listed newest first; the oldest goes first.
        for run in queued.iter().rev() {
            if !self.start_queued(&run.id, None).await? {
                break;
            }
        }
        Ok(())
    }

    /// Starts a queued run if a slot is free; `false` when none is (it stays queued). A
    /// run that is not queued (started meanwhile, cancelled) counts as handled.
    pub(crate) async fn start_queued(&self, run: &RunId, lease: Option<Lease>) -> Result<bool> {
        let _admission = self.shared.admission.lock().await;
        let _guard = self.shared.locks.lock(run).await;
        let record = self.shared.store.get_run(run).await?;
        if record.status != RunStatus::Waiting || record.position != 0 {
            return Ok(true);
        }
        let definition = self.definition(&record.workflow, record.version).await?;
        let limits = trigger_limits(&definition, record.trigger.name.as_str());
        let running = match limits {
            Some(limits) => {
                self.count_runs(&record.workflow, RunStatus::Running, limits.runs)
                    .await?
            }
            None => 0,
        };
        let now = self.now();
        if limits.is_some_and(|l| running >= l.runs) {
            let recheck = Append {
                run: run.clone(),
                expected_position: 0,
                lease,
                entries: Vec::new(),
                changes: RunChanges {
                    runnable: Some(self.queue_recheck(now)),
                    ..RunChanges::default()
                },
            };
            self.shared.store.append(recheck).await?;
            return Ok(false);
        }
        self.start_recorded(&record, &definition, lease, now)
            .await?;
        Ok(true)
    }

    /// Decides the `Start` of a run stored queued and writes it at position 0.
    async fn start_recorded(
        &self,
        record: &Run,
        definition: &CheckedDefinition,
        lease: Option<Lease>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = self.access_key(&record.workflow).await?;
        let mut started = self.decide_start(
            StartOf {
                workflow: &record.workflow,
                run: &record.id,
                trigger: record.trigger.name.as_str(),
                outputs: record.trigger.outputs.clone().unwrap_or(Value::Null),
                fired_at: record.trigger.at,
            },
            definition,
            &key,
            now,
        )?;
        // The record says Waiting: unless the start already finished the run, it runs now.
        started.changes.summary.get_or_insert(RunSummary {
            status: RunStatus::Running,
            end_time: None,
            outputs: None,
            error: None,
        });
        let position = self
            .shared
            .store
            .append(Append {
                run: record.id.clone(),
                expected_position: 0,
                lease,
                entries: std::mem::take(&mut started.entries),
                changes: std::mem::take(&mut started.changes),
            })
            .await?;
        tracing::info!(workflow = %record.workflow, run = %record.id, "queued run started");
        self.after_start(
            &record.id,
            started,
            &record.workflow,
            record.version,
            &record.client_tracking_id,
            position,
        );
        Ok(())
    }
}
