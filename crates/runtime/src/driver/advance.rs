//! One step of a run — load, decide, one fenced append, then effects — and executing the
//! effects after the append committed.

use super::error::{Result, RuntimeError};
use super::ledger;
use super::mailbox::Queued;
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

/// The input was not applied: the run kept moving under this node.
fn contended(run: &RunId, attempts: u32) -> RuntimeError {
    RuntimeError::Contended {
        run: run.to_string(),
        attempts,
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

    /// `advance` for effect tasks (outbound results, continuations), as a named, boxed
    /// future: they call it from inside a step, and the explicit type breaks the recursion
    /// of async types. Inputs that arrive while the run is being advanced wait for its lock
    /// together, and the task that gets it applies them all with one write: 20 calls of a
    /// loop answering at once cost a few commits, not 20. (Only tasks post here, not
    /// request handlers: a task is cancelled only at shutdown, with every other task, so
    /// inputs it took for others are not dropped while they still wait.)
    pub(crate) fn advance_boxed(
        self,
        run: RunId,
        input: Input,
    ) -> BoxFuture<'static, Result<Stepped>> {
        Box::pin(async move {
            let answer = self.shared.mailboxes.post(&run, Step::plain(input));
            {
                let _guard = self.shared.locks.lock(&run).await;
                let queued = self.shared.mailboxes.take(&run);
                if !queued.is_empty() {
                    self.apply_queued(&run, queued).await;
                }
            }
            answer.await.unwrap_or_else(|_| {
                Err(
                    hookflow_store::Error::unavailable("the input was dropped unapplied", true)
                        .into(),
                )
            })
        })
    }

    /// Applies queued inputs with one write and answers each; the caller holds the run's
    /// lock. If that fails, each is applied (and answered) on its own, so one input the
    /// engine refuses does not fail the others.
    async fn apply_queued(&self, run: &RunId, queued: Vec<Queued>) {
        let steps: Vec<&Step> = queued.iter().map(|q| &q.step).collect();
        let together = self.steps_locked(run, &steps).await;
        match together {
            Ok(answers) => {
                for (q, answer) in queued.into_iter().zip(answers) {
                    let _ = q.reply.send(Ok(answer));
                }
            }
            Err(e) if queued.len() == 1 => {
                if let Some(q) = queued.into_iter().next() {
                    let _ = q.reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::debug!(%run, inputs = queued.len(), error = %e, "inputs applied together failed; applying one at a time");
                for q in queued {
                    let answer = self.step_locked(run, &q.step).await;
                    let _ = q.reply.send(answer);
                }
            }
        }
    }

    /// Applies one input; the caller holds the run's lock.
    pub(crate) async fn step_locked(&self, run: &RunId, step: &Step) -> Result<Stepped> {
        let answers = self.steps_locked(run, &[step]).await?;
        answers.into_iter().next().ok_or_else(|| contended(run, 0))
    }

    /// Applies inputs in order with one write, answering each in order; the caller holds
    /// the run's lock. Steps of one call share their lease (the first one's).
    async fn steps_locked(&self, run: &RunId, steps: &[&Step]) -> Result<Vec<Stepped>> {
        let attempts = self.shared.config.max_conflict_retries.max(1);
        let mut answers: Vec<Option<Stepped>> = vec![None; steps.len()];
        for _ in 0..attempts {
            let open: Vec<&Step> = steps
                .iter()
                .zip(&answers)
                .filter(|(_, answer)| answer.is_none())
                .map(|(step, _)| *step)
                .collect();
            if open.is_empty() {
                break;
            }
            let loaded = match self.shared.states.take(run) {
                Some(loaded) => loaded,
                None => self.load_run(run).await?,
            };
            match self.try_steps(run, loaded, &open).await {
                Ok(outcomes) => {
                    let unanswered = answers.iter_mut().filter(|a| a.is_none());
                    for (answer, outcome) in unanswered.zip(outcomes) {
                        *answer = Some(outcome);
                    }
                    break;
                }
                Err(StepError::Failed(e)) => return Err(e),
                Err(StepError::Conflict) => {
                    tracing::debug!(%run, "append lost a race; reloading");
                    if open.iter().any(|s| s.consume.is_some()) {
                        let pending = self.shared.store.pending_callbacks(run).await?;
                        for (step, answer) in steps.iter().zip(answers.iter_mut()) {
                            let consumed = step
                                .consume
                                .is_some_and(|id| !pending.iter().any(|c| c.id == id));
                            if answer.is_none() && consumed {
                                *answer = Some(Stepped::ConsumedElsewhere);
                            }
                        }
                    }
                }
            }
        }
        answers
            .into_iter()
            .collect::<Option<Vec<Stepped>>>()
            .ok_or_else(|| contended(run, attempts))
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

    /// Decides `steps` in order on the run's state and stores what they decided with one
    /// append (none when every one was stale and left nothing to record), then keeps the
    /// state and executes the effects.
    async fn try_steps(
        &self,
        run: &RunId,
        mut loaded: LoadedRun,
        steps: &[&Step],
    ) -> std::result::Result<Vec<Stepped>, StepError> {
        let definition = self.definition(&loaded.workflow, loaded.version).await?;
        let key = self.access_key(&loaded.workflow).await?;
        let now = self.now();
        let timers_before = loaded.state.timers().clone();
        let mut changes = RunChanges::default();
        let mut stale_timers = Vec::new();
        let mut events = Vec::new();
        let mut effects = Vec::new();
        let mut outcomes = Vec::with_capacity(steps.len());
        let env = self.run_env(now, loaded.workflow.as_str(), run.as_str(), Some(&key));
        for step in steps {
            changes.consume_callbacks.extend(step.consume);
            changes
                .ledger
                .extend(ledger::settle(&step.input, run, now)?);
            // The engine takes the state instead of copying it; it hands back the advanced
            // one (or, for a stale input, the same).
            let state = std::mem::take(&mut loaded.state);
            let (decision, advanced) = decide_owned(state, &definition, step.input.clone(), &env)
                .map_err(RuntimeError::from)?;
            // It always does; were it missing, reloading and deciding again is the safe answer.
            loaded.state = advanced.ok_or(StepError::Conflict)?;
            match decision.outcome {
                Outcome::Stale(reason) => {
                    if let StaleReason::UnknownTimer { id } = &reason {
                        // The row outlived its timer (fired twice, or dropped with its action).
                        stale_timers.push(TimerChange::Cancel {
                            id: TimerId::new(id.0.clone())?,
                        });
                    }
                    outcomes.push(Stepped::Stale(reason));
                }
                _ => {
                    events.extend(decision.events);
                    effects.extend(decision.effects);
                    outcomes.push(Stepped::Applied);
                }
            }
        }
        if events.is_empty() {
            changes.timers = stale_timers;
            if changes != RunChanges::default() {
                loaded.position = self
                    .append(run, &loaded, steps[0], Vec::new(), changes)
                    .await?;
            }
            self.shared.states.put(run.clone(), loaded);
            return Ok(outcomes);
        }
        changes.timers = timer_changes(&timers_before, loaded.state.timers())?;
        changes.timers.extend(stale_timers);
        changes.actions = action_records(&events, &loaded.state);
        if events
            .iter()
            .any(|e| matches!(e, Event::RunCompleted { .. }))
        {
            changes.summary = summary(&loaded.state);
        }
        changes.runnable = Some(self.runnable_after(&loaded.state, &definition, &effects, now));
        changes
            .ledger
            .extend(ledger::record(&effects, &loaded.workflow, run, now)?);
        let entries = encode(&events, now)?;
        loaded.position = self
            .append(run, &loaded, steps[0], entries, changes)
            .await?;
        loaded.written_at = now;
        let context = RunContext {
            workflow: loaded.workflow.to_string(),
            client_tracking_id: loaded.client_tracking_id.clone(),
        };
        if effects.iter().any(Effect::is_outbound_call) {
            self.shared.states.put_awaiting_results(run.clone(), loaded);
        } else {
            self.shared.states.put(run.clone(), loaded);
        }
        self.shared.counters.events_written(&events);
        self.dispatch(run, &context, effects);
        Ok(outcomes)
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
        self.spawn_task(task);
    }

    /// Runs `task` among the effect tasks (shutdown stops them), reaping finished ones.
    fn spawn_task(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
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
        self.spawn_task(task);
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
        self.spawn_task(task);
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
