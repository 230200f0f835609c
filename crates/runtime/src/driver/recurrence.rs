//! Recurrence triggers fire on their schedule, from the work loop.
//!
//! Nothing is kept per trigger beyond what the store already holds: the next occurrence
//! follows from the plan (`hookflow_definition::recurrence`), the workflow's last change
//! (the anchor of a plan without `startTime`, as Logic Apps starts counting when a
//! workflow is saved or enabled) and the trigger's newest history (when it last fired).
//! That makes the schedule durable for free: after a restart the next occurrence is
//! computed again, and occurrences missed while the process was down fire once, on start
//! (not once per missed occurrence, which would flood the workflow after a long outage).
//!
//! Each firing carries the occurrence as the trigger's idempotency key, so when several
//! nodes share a database and both see an occurrence come due, the store creates one run.

use super::error::Result;
use super::intake::{TriggerOutcome, TriggerOutputs};
use super::Runtime;
use chrono::{DateTime, Utc};
use hookflow_definition::model::TriggerType;
use hookflow_definition::recurrence::RecurrencePlan;
use hookflow_store::{PageRequest, Store, TriggerName, VersionId, WorkflowName, WorkflowState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often the list of recurrence triggers is read again even without a change made
/// through this node (changes made by other nodes sharing the database).
const REFRESH: Duration = Duration::from_secs(10);

/// One Recurrence trigger of an enabled workflow's current version.
#[derive(Debug, Clone)]
struct Planned {
    workflow: WorkflowName,
    version: VersionId,
    trigger: String,
    plan: RecurrencePlan,
    /// The anchor of a plan without `startTime`: when the workflow last changed.
    anchor: DateTime<Utc>,
    /// The next occurrence; `None` when the plan has none left.
    next: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub(crate) struct RecurrenceSchedule {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    planned: Vec<Planned>,
    refreshed: Option<Instant>,
    /// Bumped by every invalidation, so a refresh that was reading while a workflow
    /// changed does not mark its (older) list fresh.
    generation: u64,
}

impl RecurrenceSchedule {
    /// Makes the next pass read the triggers again (a workflow changed here).
    pub(crate) fn invalidate(&self) {
        let mut inner = self.lock();
        inner.refreshed = None;
        inner.generation += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<S: Store> Runtime<S> {
    /// Fires every Recurrence trigger whose occurrence has come; returns how many fired.
    pub async fn fire_due_recurrences(&self) -> Result<usize> {
        self.refresh_recurrences().await?;
        let now = self.now();
        let due: Vec<Planned> = {
            let inner = self.shared.recurrences.lock();
            inner
                .planned
                .iter()
                .filter(|p| p.next.is_some_and(|next| next <= now))
                .cloned()
                .collect()
        };
        let mut fired = 0;
        for planned in due {
            let Some(occurrence) = planned.next else {
                continue;
            };
            let key = format!("recurrence:{}", occurrence.to_rfc3339());
            match self
                .fire_trigger(
                    planned.workflow.as_str(),
                    &planned.trigger,
                    TriggerOutputs::default(),
                    Some(key),
                )
                .await
            {
                Ok(TriggerOutcome::Duplicate { .. }) => {
                    tracing::debug!(workflow = %planned.workflow, trigger = %planned.trigger, "occurrence fired by another node");
                }
                Ok(_) => fired += 1,
                // A workflow disabled or deleted meanwhile; the next refresh drops it.
                Err(e) => {
                    tracing::warn!(workflow = %planned.workflow, trigger = %planned.trigger, error = %e, "recurrence did not fire");
                }
            }
            let next = planned.plan.next_after(now, planned.anchor);
            let mut inner = self.shared.recurrences.lock();
            if let Some(entry) = inner.planned.iter_mut().find(|p| {
                p.workflow == planned.workflow
                    && p.version == planned.version
                    && p.trigger == planned.trigger
            }) {
                entry.next = next;
            }
        }
        Ok(fired)
    }

    /// Reads the enabled workflows' Recurrence triggers again when a change was made here
    /// or `REFRESH` has passed. Entries that did not change keep their next occurrence.
    async fn refresh_recurrences(&self) -> Result<()> {
        let stale = self
            .shared
            .recurrences
            .lock()
            .refreshed
            .is_none_or(|at| at.elapsed() >= REFRESH);
        if !stale {
            return Ok(());
        }
        let started = Instant::now();
        let (known, generation) = {
            let inner = self.shared.recurrences.lock();
            (inner.planned.clone(), inner.generation)
        };
        let mut planned = Vec::new();
        let mut page = PageRequest::first(hookflow_store::MAX_PAGE);
        loop {
            // Only enabled workflows fire their recurrences.
            let workflows = self
                .shared
                .store
                .list_workflows(Some(WorkflowState::Enabled), page.clone())
                .await?;
            for workflow in &workflows.items {
                let definition = match self.definition(&workflow.name, workflow.version).await {
                    Ok(definition) => definition,
                    Err(e) => {
                        tracing::warn!(workflow = %workflow.name, error = %e, "cannot read a workflow for its recurrences");
                        continue;
                    }
                };
                for trigger in &definition.triggers {
                    if trigger.trigger_type != TriggerType::Recurrence {
                        continue;
                    }
                    let Some(recurrence) = trigger.trigger.recurrence.as_deref() else {
                        continue;
                    };
                    // Validation refused plans it cannot read, except an interval written
                    // as an expression, which cannot be scheduled.
                    let Ok(plan) = RecurrencePlan::from_recurrence(recurrence) else {
                        tracing::warn!(workflow = %workflow.name, trigger = %trigger.name, "recurrence cannot be planned; it does not fire");
                        continue;
                    };
                    let same = known.iter().find(|p| {
                        p.workflow == workflow.name
                            && p.version == workflow.version
                            && p.trigger == trigger.name
                            && p.anchor == workflow.changed_at
                    });
                    let next = match same {
                        Some(known) => known.next,
                        None => {
                            let after = self
                                .last_fired(&workflow.name, &trigger.name, workflow.changed_at)
                                .await?;
                            plan.next_after(after, workflow.changed_at)
                        }
                    };
                    planned.push(Planned {
                        workflow: workflow.name.clone(),
                        version: workflow.version,
                        trigger: trigger.name.clone(),
                        plan,
                        anchor: workflow.changed_at,
                        next,
                    });
                }
            }
            match workflows.continuation {
                Some(next) => page = PageRequest::after(hookflow_store::MAX_PAGE, next),
                None => break,
            }
        }
        let mut inner = self.shared.recurrences.lock();
        inner.planned = planned;
        if inner.generation == generation {
            inner.refreshed = Some(started);
        }
        Ok(())
    }

    /// The moment after which the next occurrence is looked for: the trigger's last
    /// firing since the workflow changed, else just before the change (so a plan without
    /// `startTime` fires at the change itself).
    async fn last_fired(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        changed_at: DateTime<Utc>,
    ) -> Result<DateTime<Utc>> {
        let before_change = changed_at - chrono::Duration::microseconds(1);
        let trigger = TriggerName::new(trigger)?;
        let newest = self
            .shared
            .store
            .list_trigger_histories(workflow, &trigger, None, PageRequest::first(1))
            .await?;
        Ok(newest
            .items
            .first()
            .map(|h| h.start_time)
            .filter(|at| *at >= changed_at)
            .unwrap_or(before_change))
    }
}
