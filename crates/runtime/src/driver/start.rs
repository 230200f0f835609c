//! Starting a run, shared by a trigger firing (the run is created with its start) and a run
//! queued for a concurrency slot (created first, started later): the `Start` decision, the
//! first write's entries and changes, the trigger record and history, and what follows the
//! write (cache the state, count, execute the effects).

use super::advance::RunContext;
use super::error::Result;
use super::projection::{action_records, encode, summary, timer_changes};
use super::state_cache::LoadedRun;
use super::Runtime;
use crate::environment::RunEnvironment;
use crate::signing::AccessKey;
use chrono::{DateTime, Utc};
use hookflow_definition::CheckedDefinition;
use hookflow_engine::{decide_owned, Decision, Event, Input, RunState, TriggerRecord, WorkflowRef};
use hookflow_store::{
    JournalEntry, RunChanges, RunId, RunStatus, RunTrigger, Store, TriggerName, VersionId,
    WorkflowName,
};
use serde_json::Value;

/// A run's start, decided and ready for its first write.
pub(crate) struct Started {
    /// The decision; its `RunStarted` event does not hold the trigger outputs (they are
    /// in `trigger_outputs` and the state, not in `entries`).
    pub decision: Decision,
    pub state: RunState,
    pub entries: Vec<JournalEntry>,
    pub changes: RunChanges,
    /// The trigger outputs the run started with, moved out of its `RunStarted` event, for
    /// the run row: the one stored copy.
    pub trigger_outputs: Value,
}

/// Which run starts, from which trigger firing.
pub(crate) struct StartOf<'a> {
    pub workflow: &'a WorkflowName,
    pub run: &'a RunId,
    pub trigger: &'a str,
    pub outputs: Value,
    /// When the trigger fired.
    pub fired_at: DateTime<Utc>,
}

impl<S: Store> Runtime<S> {
    /// The engine's environment for one decision about `run` (`""` and no key when
    /// evaluating a trigger, before any run exists).
    pub(crate) fn run_env<'a>(
        &'a self,
        now: DateTime<Utc>,
        workflow: &'a str,
        run: &'a str,
        key: Option<&'a AccessKey>,
    ) -> RunEnvironment<'a> {
        RunEnvironment {
            now,
            random: self.shared.services.random.as_ref(),
            public_base: &self.shared.config.public_base_url,
            workflow,
            run,
            key,
            config: &self.shared.config.engine,
        }
    }

    /// Decides the run's `Start` and what its first write carries.
    pub(crate) fn decide_start(
        &self,
        start: StartOf<'_>,
        definition: &CheckedDefinition,
        key: &AccessKey,
        now: DateTime<Utc>,
    ) -> Result<Started> {
        let workflow = start.workflow.as_str();
        let input = Input::Start {
            workflow: WorkflowRef {
                name: workflow.to_string(),
                id: workflow.to_string(),
                run_id: start.run.to_string(),
            },
            trigger: TriggerRecord {
                name: start.trigger.to_string(),
                outputs: start.outputs,
                at: start.fired_at,
            },
        };
        let env = self.run_env(now, workflow, start.run.as_str(), Some(key));
        let (mut decision, state) = decide_owned(RunState::new(), definition, input, &env)?;
        // A start is never stale; if it were, the run would have no events.
        let state = state.unwrap_or_default();
        let changes = RunChanges {
            summary: summary(&state),
            timers: timer_changes(&Default::default(), state.timers())?,
            runnable: Some(self.runnable_after(&state, definition, &decision.effects, now)),
            actions: action_records(&decision.events, &state),
            ledger: super::ledger::record(&decision.effects, start.workflow, start.run, now)?,
            ..RunChanges::default()
        };
        // The run row keeps the trigger outputs; its `RunStarted` entry is written
        // without them, and loading the run puts them back (`projection::decode`).
        let trigger_outputs = match decision.events.first_mut() {
            Some(Event::RunStarted { trigger, .. }) => std::mem::take(&mut trigger.outputs),
            _ => Value::Null,
        };
        let entries = encode(&decision.events, now)?;
        Ok(Started {
            decision,
            state,
            entries,
            changes,
            trigger_outputs,
        })
    }

    /// After the first write committed at `position`: keep the state hot (the cache keeps
    /// no completed run), count, and execute the effects.
    pub(crate) fn after_start(
        &self,
        run: &RunId,
        started: Started,
        workflow: &WorkflowName,
        version: VersionId,
        client_tracking_id: &str,
        position: u64,
    ) {
        self.shared.states.put(
            run.clone(),
            LoadedRun {
                state: started.state,
                position,
                workflow: workflow.clone(),
                version,
                client_tracking_id: client_tracking_id.to_string(),
                written_at: self.now(),
            },
        );
        let context = RunContext {
            workflow: workflow.to_string(),
            client_tracking_id: client_tracking_id.to_string(),
        };
        self.shared
            .counters
            .events_written(&started.decision.events);
        self.dispatch(run, &context, started.decision.effects);
    }
}

/// The trigger part of a run the trigger started.
pub(crate) fn fired_trigger(
    trigger: &TriggerName,
    outputs: Value,
    at: DateTime<Utc>,
) -> RunTrigger {
    RunTrigger {
        name: trigger.clone(),
        status: RunStatus::Succeeded,
        code: Some("OK".into()),
        outputs: Some(outputs),
        at,
    }
}
