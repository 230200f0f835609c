//! One step of a run — load, decide, one fenced append, then effects — and executing the
//! effects after the append committed.

use super::error::{Result, RuntimeError};
use super::ledger;
use super::projection::{action_records, decode, encode, summary, timer_changes};
use super::response::RunResponse;
use super::state_cache::LoadedRun;
use super::Runtime;
use crate::executor::{outbound_request, BoxFuture};
use crate::outbound::WorkflowHeaders;
use chrono::{DateTime, Utc};
use hookflow_definition::CheckedDefinition;
use hookflow_engine::{
    decide_owned, outstanding_effects, Effect, Event, Input, Outcome, RunState, StaleReason,
};
use hookflow_store::{
    Append, CallbackId, ErrorKind, Lease, RunChanges, RunId, Runnable, Store, TimerChange, TimerId,
};
use std::sync::Arc;

/// One input for a run, with what the write must also do.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub input: Input,
    /// The inbox callback this input applies; consumed by the same write.
    pub consume: Option<CallbackId>,
    /// Set when the run was claimed from the work queue.
    pub lease: Option<Lease>,
}

impl Step {
    pub(crate) fn plain(input: Input) -> Step {
        Step {
            input,
            consume: None,
            lease: None,
        }
    }
}

/// What a step did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stepped {
    Applied,
    /// The engine ignored the input (too late, twice); nothing but bookkeeping was written.
    Stale(StaleReason),
    /// The callback was consumed by another task before this one got to it.
    ConsumedElsewhere,
}

enum StepError {
    /// The append lost a race: reload and decide again.
    Conflict,
    Failed(RuntimeError),
}

impl<E: Into<RuntimeError>> From<E> for StepError {
    fn from(e: E) -> Self {
        let e = e.into();
        match &e {
            RuntimeError::Store(inner) if inner.kind() == ErrorKind::Conflict => {
                StepError::Conflict
            }
            _ => StepError::Failed(e),
        }
    }
}

/// What effects need to know about the run they belong to.
#[derive(Debug, Clone)]
pub(crate) struct RunContext {
    pub workflow: String,
    pub client_tracking_id: String,
}

/// One outbound call to send: `id` names the effect (kind, key, attempt) so recovery can
/// tell what is still in flight here; `operation` is the action's name for the
/// `x-ms-workflow-operation-name` header.
struct Outgoing {
    id: String,
    operation: String,
    request: hookflow_engine::OutboundRequest,
}

impl<S: Store> Runtime<S> {
    /// Takes the run's lock and applies one input.
    pub(crate) async fn advance(&self, run: &RunId, step: Step) -> Result<Stepped> {
        let _guard = self.shared.locks.lock(run).await;
        self.step_locked(run, &step).await
    }

    /// `advance` as a named, boxed future: effect tasks call it from inside a step, and the
    /// explicit type breaks the recursion of async types.
    pub(crate) fn advance_boxed(
        self,
        run: RunId,
        input: Input,
    ) -> BoxFuture<'static, Result<Stepped>> {
        Box::pin(async move { self.advance(&run, Step::plain(input)).await })
    }

    /// Applies one input; the caller holds the run's lock.
    pub(crate) async fn step_locked(&self, run: &RunId, step: &Step) -> Result<Stepped> {
        let attempts = self.shared.config.max_conflict_retries.max(1);
        for _ in 0..attempts {
            let loaded = match self.shared.states.take(run) {
                Some(loaded) => loaded,
                None => self.load_run(run).await?,
            };
            match self.try_step(run, loaded, step).await {
                Ok(done) => return Ok(done),
                Err(StepError::Failed(e)) => return Err(e),
                Err(StepError::Conflict) => {
                    tracing::debug!(%run, "append lost a race; reloading");
                    if let Some(id) = step.consume {
                        let pending = self.shared.store.pending_callbacks(run).await?;
                        if !pending.iter().any(|c| c.id == id) {
                            return Ok(Stepped::ConsumedElsewhere);
                        }
                    }
                }
            }
        }
        Err(RuntimeError::Contended {
            run: run.to_string(),
            attempts,
        })
    }

    /// The run's state from its journal.
    pub(crate) async fn load_run(&self, run: &RunId) -> Result<LoadedRun> {
        let mut record = self.shared.store.get_run(run).await?;
        let entries = self.shared.store.load_journal(run, 0).await?;
        // The journal read after the record may hold more entries; the state and the fence
        // both come from the journal itself, so they agree.
        let position = entries.last().map_or(0, |e| e.position + 1);
        let written_at = entries.last().map_or(record.start_time, |e| e.entry.at);
        let events = decode(run.as_str(), entries, record.trigger.outputs.take())?;
        Ok(LoadedRun {
            state: RunState::replay(&events),
            position,
            workflow: record.workflow,
            version: record.version,
            client_tracking_id: record.client_tracking_id,
            written_at,
        })
    }

    async fn try_step(
        &self,
        run: &RunId,
        mut loaded: LoadedRun,
        step: &Step,
    ) -> std::result::Result<Stepped, StepError> {
        let definition = self.definition(&loaded.workflow, loaded.version).await?;
        let key = self.access_key(&loaded.workflow).await?;
        let now = self.now();
        let timers_before = loaded.state.timers().clone();
        // The engine takes the state instead of copying it; it hands back the advanced one.
        let state = std::mem::take(&mut loaded.state);
        let decision = {
            let env = self.run_env(now, loaded.workflow.as_str(), run.as_str(), Some(&key));
            decide_owned(state, &definition, step.input.clone(), &env)
                .map_err(RuntimeError::from)?
        };
        let (decision, advanced) = decision;
        let mut changes = RunChanges {
            consume_callbacks: step.consume.into_iter().collect(),
            ledger: ledger::settle(&step.input, run, now)?.into_iter().collect(),
            ..RunChanges::default()
        };
        if let Outcome::Stale(reason) = decision.outcome {
            if let StaleReason::UnknownTimer { id } = &reason {
                // The row outlived its timer (fired twice, or dropped with its action).
                changes.timers.push(TimerChange::Cancel {
                    id: TimerId::new(id.0.clone())?,
                });
            }
            if changes != RunChanges::default() {
                self.append(run, &loaded, step, Vec::new(), changes).await?;
            }
            // The state went to the engine; a rare stale input costs the next one a reload.
            return Ok(Stepped::Stale(reason));
        }
        match advanced {
            Some(state) => loaded.state = state,
            // An applied decision always returns its state; were it missing, reloading
            // and deciding again is the safe answer.
            None => return Err(StepError::Conflict),
        }
        changes.timers = timer_changes(&timers_before, loaded.state.timers())?;
        changes.actions = action_records(&decision.events, &loaded.state);
        if decision
            .events
            .iter()
            .any(|e| matches!(e, Event::RunCompleted { .. }))
        {
            changes.summary = summary(&loaded.state);
        }
        changes.runnable =
            Some(self.runnable_after(&loaded.state, &definition, &decision.effects, now));
        changes.ledger.extend(ledger::record(
            &decision.effects,
            &loaded.workflow,
            run,
            now,
        )?);
        let entries = encode(&decision.events, now)?;
        loaded.position = self.append(run, &loaded, step, entries, changes).await?;
        loaded.written_at = now;
        let context = RunContext {
            workflow: loaded.workflow.to_string(),
            client_tracking_id: loaded.client_tracking_id.clone(),
        };
        if decision.effects.iter().any(Effect::is_outbound_call) {
            self.shared.states.put_awaiting_results(run.clone(), loaded);
        } else {
            self.shared.states.put(run.clone(), loaded);
        }
        self.shared.counters.events_written(&decision.events);
        self.dispatch(run, &context, decision.effects);
        Ok(Stepped::Applied)
    }

    async fn append(
        &self,
        run: &RunId,
        loaded: &LoadedRun,
        step: &Step,
        entries: Vec<hookflow_store::JournalEntry>,
        changes: RunChanges,
    ) -> std::result::Result<u64, StepError> {
        let append = Append {
            run: run.clone(),
            expected_position: loaded.position,
            lease: step.lease.clone(),
            entries,
            changes,
        };
        Ok(self.shared.store.append(append).await?)
    }

    /// When the run next needs this node's attention without an outside event: only when
    /// outbound calls are out (see the module docs on recovery), or the step left ready
    /// actions for a continuation (`effects` of the step), which this node runs at once;
    /// should it stop first, the run comes due to whichever node is up. Timers and
    /// callbacks make a run runnable on their own.
    pub(crate) fn runnable_after(
        &self,
        state: &RunState,
        definition: &CheckedDefinition,
        effects: &[Effect],
        now: DateTime<Utc>,
    ) -> Runnable {
        if effects.contains(&Effect::Continue) || !outstanding_effects(state, definition).is_empty()
        {
            Runnable::At(self.abandoned_after(now))
        } else {
            Runnable::Idle
        }
    }

    /// When outbound calls sent at `sent_at` and still unanswered count as abandoned.
    pub(crate) fn abandoned_after(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        let grace = chrono::Duration::from_std(self.shared.config.in_flight_grace)
            .unwrap_or(chrono::Duration::MAX);
        sent_at
            .checked_add_signed(grace)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Executes effects whose events are stored.
    pub(crate) fn dispatch(&self, run: &RunId, context: &RunContext, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Http {
                    key,
                    attempt,
                    request,
                } => {
                    let outgoing = Outgoing {
                        id: format!("http:{key}:{attempt}"),
                        operation: key.name().to_string(),
                        request,
                    };
                    let input = move |outcome| Input::HttpResult {
                        key,
                        attempt,
                        outcome,
                    };
                    self.send(run, context, outgoing, input);
                }
                Effect::Subscribe {
                    key,
                    attempt,
                    request,
                } => {
                    let outgoing = Outgoing {
                        id: format!("subscribe:{key}:{attempt}"),
                        operation: key.name().to_string(),
                        request,
                    };
                    let input = move |outcome| Input::SubscribeResult {
                        key,
                        attempt,
                        outcome,
                    };
                    self.send(run, context, outgoing, input);
                }
                Effect::Unsubscribe { key, request } => {
                    let outgoing = Outgoing {
                        id: format!("unsubscribe:{key}"),
                        operation: key.name().to_string(),
                        request,
                    };
                    let input = move |outcome| Input::UnsubscribeResult { key, outcome };
                    self.send(run, context, outgoing, input);
                }
                // Timer rows were written with the events; the loop may need to wake
                // earlier than it planned.
                Effect::ScheduleTimer { .. } | Effect::CancelTimer { .. } => {
                    self.shared.wake.notify_one();
                }
                Effect::Respond {
                    status,
                    headers,
                    body,
                } => self.shared.responders.complete(
                    run,
                    RunResponse::Responded {
                        status,
                        headers,
                        body,
                    },
                ),
                Effect::RunFinished { status, responded } => {
                    self.shared.counters.run_finished(status);
                    self.after_run_finished(&context.workflow);
                    if responded {
                        self.shared.responders.forget(run);
                    } else {
                        self.shared
                            .responders
                            .complete(run, RunResponse::NoResponse { status });
                    }
                    tracing::info!(%run, %status, "run finished");
                }
                Effect::Continue => self.continue_later(run),
                other => tracing::warn!(%run, effect = ?other, "effect not supported; ignored"),
            }
        }
    }

    /// A run of `workflow` finished: if its trigger limits concurrency, start queued runs
    /// in a task. A workflow this node has not cached is looked at too (rare).
    fn after_run_finished(&self, workflow: &str) {
        let Ok(name) = hookflow_store::WorkflowName::new(workflow) else {
            return;
        };
        let limited = match self.shared.workflows.peek(&name) {
            Some(snapshot) => snapshot.definition.triggers.iter().any(|t| {
                super::concurrency::trigger_limits(&snapshot.definition, &t.name).is_some()
            }),
            None => true,
        };
        if !limited {
            return;
        }
        let runtime = self.clone();
        let task = async move {
            if let Err(e) = runtime.start_queued_runs(&name).await {
                tracing::warn!(workflow = %name, error = %e, "could not start queued runs; the work loop will");
            }
        };
        let mut tasks = self.shared.tasks.lock().unwrap_or_else(|p| p.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Continues the run in a task: the step that asked for it is stored, and the run's
    /// lock is free once it returns. Should the task fail, the run's runnable time brings
    /// it back to the work loop.
    fn continue_later(&self, run: &RunId) {
        let runtime = self.clone();
        let run = run.clone();
        let task = async move {
            if let Err(e) = runtime
                .clone()
                .advance_boxed(run.clone(), Input::Continue)
                .await
            {
                tracing::warn!(%run, error = %e, "could not continue the run; the work loop will");
            }
        };
        let mut tasks = self.shared.tasks.lock().unwrap_or_else(|p| p.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Sends one outbound request in a task and feeds its result back to the run. `id`
    /// names the effect, so recovery does not send what is still in flight here.
    fn send(
        &self,
        run: &RunId,
        context: &RunContext,
        outgoing: Outgoing,
        input: impl FnOnce(hookflow_engine::HttpOutcome) -> Input + Send + 'static,
    ) {
        let flight = (run.clone(), outgoing.id);
        if !self.in_flight().insert(flight.clone()) {
            return;
        }
        let headers = WorkflowHeaders {
            workflow_name: context.workflow.clone(),
            run_id: run.to_string(),
            client_tracking_id: context.client_tracking_id.clone(),
            operation_name: outgoing.operation,
        };
        let request = outbound_request(outgoing.request, headers);
        let runtime = self.clone();
        let executor = Arc::clone(&self.shared.services.executor);
        let task = async move {
            let outcome = executor.execute(request).await;
            let run = flight.0.clone();
            let input = input(outcome);
            // Only a webhook's answer has a ledger entry to record it in if the run is gone.
            let for_ledger = ledger::is_ledgered(&input).then(|| input.clone());
            match runtime.clone().advance_boxed(run.clone(), input).await {
                Ok(_) => {}
                // The workflow was deleted while the call was out: its ledger entry is
                // kept, so the answer is still recorded there.
                Err(e) if super::deletion::run_is_gone(&e) => {
                    if let Some(input) = &for_ledger {
                        runtime.settle_for_deleted_run(&run, input).await;
                    }
                }
                // The run stays runnable at its in-flight deadline, so recovery sends the
                // request again; nothing is lost, the result is just not recorded now.
                Err(e) => {
                    tracing::warn!(%run, effect = %flight.1, error = %e, "could not record an outbound result");
                }
            }
            runtime.in_flight().remove(&flight);
            runtime.shared.outbound_ended.notify_waiters();
        };
        let mut tasks = self.shared.tasks.lock().unwrap_or_else(|p| p.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    pub(crate) fn in_flight(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashSet<(RunId, String)>> {
        self.shared
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}
