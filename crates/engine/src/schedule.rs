//! Scheduling: which action instances are ready, skipped or done, computed from the state
//! (never stored), and the bookkeeping every action shares (completion, timers, run end).
//!
//! `Machine` works on a copy of the state and applies each event as it emits it, so a
//! decision sees its own consequences (a Compose completing makes its successor ready in
//! the same `decide`).

use crate::actions;
use crate::context::{EngineConfig, Environment, RunContext};
use crate::effect::Effect;
use crate::event::{Event, RunChange, TimerPurpose};
use crate::key::{ActionKey, TimerId};
use crate::state::RunState;
use crate::status::Status;
use crate::EngineError;
use chrono::{DateTime, Utc};
use hookflow_definition::model::ActionType;
use hookflow_definition::{ActionId, CheckedAction, CheckedDefinition};
use serde_json::{json, Map, Value};

pub(crate) struct Machine<'a> {
    pub work: RunState,
    pub def: &'a CheckedDefinition,
    pub env: &'a dyn Environment,
    pub config: EngineConfig,
    pub now: DateTime<Utc>,
    pub events: Vec<Event>,
    pub effects: Vec<Effect>,
    /// Actions started by this decision, against `config.actions_per_step`.
    started: usize,
    /// An action was ready but not started: the step's budget was spent.
    pub yielded: bool,
}

/// How an action ends, before it becomes an `ActionCompleted` event.
#[derive(Debug, Default)]
pub(crate) struct Completion {
    pub status: Option<Status>,
    pub code: Option<String>,
    pub inputs: Value,
    pub outputs: Value,
    pub error: Value,
    pub change: Option<RunChange>,
}

impl Completion {
    pub fn succeeded(inputs: Value, outputs: Value) -> Completion {
        Completion {
            status: Some(Status::Succeeded),
            code: Some("OK".into()),
            inputs,
            outputs,
            ..Completion::default()
        }
    }

    pub fn failed(code: &str, message: impl Into<String>, inputs: Value) -> Completion {
        Completion {
            status: Some(Status::Failed),
            code: Some(code.into()),
            inputs,
            error: json!({ "code": code, "message": message.into() }),
            ..Completion::default()
        }
    }

    pub fn with_status(mut self, status: Status) -> Completion {
        self.status = Some(status);
        self
    }

    pub fn with_change(mut self, change: RunChange) -> Completion {
        self.change = Some(change);
        self
    }
}

enum Readiness {
    Pending,
    Ready,
    Skip(Value),
}

impl<'a> Machine<'a> {
    pub fn new(state: RunState, def: &'a CheckedDefinition, env: &'a dyn Environment) -> Self {
        Machine {
            work: state,
            def,
            env,
            config: env.config(),
            now: env.now(),
            events: Vec::new(),
            effects: Vec::new(),
            started: 0,
            yielded: false,
        }
    }

    pub fn emit(&mut self, event: Event) {
        self.work.apply(&event);
        self.events.push(event);
    }

    pub fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    pub fn ctx<'s>(&'s self, at: Option<ActionId>, indexes: &'s [usize]) -> RunContext<'s> {
        RunContext::new(&self.work, self.def, self.env, at, indexes)
    }

    pub fn action_for(&self, key: &ActionKey) -> Result<&'a CheckedAction, EngineError> {
        self.def
            .actions
            .find(key.name())
            .ok_or_else(|| EngineError::UnknownAction { key: key.clone() })
    }

    /// Runs everything that can run now, until nothing changes.
    pub fn advance(&mut self) -> Result<(), EngineError> {
        loop {
            if self.work.is_completed() {
                return Ok(());
            }
            let before = self.events.len();
            let top = self.def.actions.top_level();
            if self.advance_children(top, &[])? {
                let status = self.aggregate(top, &[]);
                let (code, error) = failure_details(status, "the run");
                self.finish_run(status, code, error, Status::Cancelled);
                return Ok(());
            }
            if self.events.len() == before {
                return Ok(());
            }
        }
    }

    /// Advances the children of one container instance; true when all are done.
    pub fn advance_children(
        &mut self,
        children: &[ActionId],
        indexes: &[usize],
    ) -> Result<bool, EngineError> {
        let mut all_done = true;
        for &id in children {
            if self.work.is_completed() {
                return Ok(false);
            }
            let action = self.node(id)?;
            let key = ActionKey::new(action.name.as_str(), indexes);
            match self.work.action(&key).map(|r| r.status) {
                Some(status) if status.is_terminal() => {}
                Some(_) => {
                    all_done = false;
                    if action.action_type.is_container() {
                        actions::control::advance(self, action, &key)?;
                    }
                }
                None => {
                    all_done = false;
                    match self.readiness(action, indexes) {
                        Readiness::Pending => {}
                        Readiness::Ready if self.started >= self.config.actions_per_step => {
                            self.yielded = true;
                        }
                        Readiness::Ready => {
                            self.started += 1;
                            actions::start(self, action, &key)?;
                        }
                        Readiness::Skip(error) => {
                            self.complete(
                                action,
                                &key,
                                Completion {
                                    status: Some(Status::Skipped),
                                    code: Some("ActionSkipped".into()),
                                    error,
                                    ..Completion::default()
                                },
                            );
                        }
                    }
                }
            }
        }
        Ok(all_done)
    }

    fn node(&self, id: ActionId) -> Result<&'a CheckedAction, EngineError> {
        self.def
            .actions
            .get(id)
            .ok_or_else(|| EngineError::invariant(format!("no action with id {}", id.0)))
    }

    fn readiness(&self, action: &CheckedAction, indexes: &[usize]) -> Readiness {
        let mut unmet = None;
        for edge in &action.run_after {
            let Some(pred) = self.def.actions.get(edge.predecessor) else {
                continue;
            };
            let key = ActionKey::new(pred.name.as_str(), indexes);
            let Some(status) = self.work.action(&key).map(|r| r.status) else {
                return Readiness::Pending;
            };
            let Some(matched) = status.as_run_after() else {
                return Readiness::Pending;
            };
            if !edge.statuses.contains(&matched) && unmet.is_none() {
                let expected: Vec<&str> = edge.statuses.iter().map(|s| s.as_str()).collect();
                unmet = Some(json!({
                    "code": "ActionConditionFailed",
                    "message": format!(
                        "The execution of template action '{}' is skipped: the 'runAfter' condition for action '{}' is not satisfied. Expected status values '{}' and actual value '{}'.",
                        action.name, pred.name, expected.join(", "), status
                    ),
                }));
            }
        }
        match unmet {
            Some(error) => Readiness::Skip(error),
            None => Readiness::Ready,
        }
    }

    /// The status of a finished container instance (run, Scope, branch, iteration): a
    /// branch ending in Skipped takes its predecessors' status; Failed only if a branch
    /// ends in an unhandled failure (reference §1.3).
    pub fn aggregate(&self, children: &[ActionId], indexes: &[usize]) -> Status {
        let is_predecessor = |id: ActionId| {
            children.iter().any(|c| {
                self.def
                    .actions
                    .get(*c)
                    .is_some_and(|a| a.run_after.iter().any(|e| e.predecessor == id))
            })
        };
        let failed = children
            .iter()
            .filter(|id| !is_predecessor(**id))
            .any(|id| self.effective(*id, indexes, 0).is_failure());
        if failed {
            Status::Failed
        } else {
            Status::Succeeded
        }
    }

    fn effective(&self, id: ActionId, indexes: &[usize], depth: usize) -> Status {
        let Some(action) = self.def.actions.get(id) else {
            return Status::Succeeded;
        };
        let key = ActionKey::new(action.name.as_str(), indexes);
        let status = self.work.action(&key).map_or(Status::Skipped, |r| r.status);
        if status != Status::Skipped || depth > self.def.actions.len() {
            return status;
        }
        let mut worst = Status::Succeeded;
        for edge in &action.run_after {
            let s = self.effective(edge.predecessor, indexes, depth + 1);
            if s.is_failure() {
                worst = s;
            }
        }
        worst
    }

    /// Emits the action's `ActionCompleted` (dropping its timers first).
    pub fn complete(&mut self, action: &CheckedAction, key: &ActionKey, c: Completion) {
        self.cancel_timers_of(key);
        let secure = action.secure;
        self.emit(Event::ActionCompleted {
            key: key.clone(),
            status: c.status.unwrap_or(Status::Succeeded),
            code: c.code,
            inputs: c.inputs,
            outputs: c.outputs,
            error: c.error,
            secure,
            change: c.change,
            at: self.now,
        });
    }

    /// Completes a container with the aggregate status of its children.
    pub fn complete_container(&mut self, action: &CheckedAction, key: &ActionKey, status: Status) {
        let (code, error) = failure_details(status, "the action");
        self.complete(
            action,
            key,
            Completion {
                status: Some(status),
                code: Some(code),
                error,
                ..Completion::default()
            },
        );
    }

    fn cancel_timers_of(&mut self, key: &ActionKey) {
        let ids: Vec<TimerId> = self
            .work
            .timers()
            .iter()
            .filter(|(_, t)| t.purpose.key() == Some(key))
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            self.effect(Effect::CancelTimer { id });
        }
    }

    pub fn schedule_timer(&mut self, id: TimerId, due: DateTime<Utc>, purpose: TimerPurpose) {
        self.emit(Event::TimerScheduled {
            id: id.clone(),
            due,
            purpose,
        });
        self.effect(Effect::ScheduleTimer { id, due });
    }

    /// Ends the run: running actions end with `running_status` (webhooks unsubscribe
    /// first), remaining timers are dropped, outputs evaluated.
    pub fn finish_run(
        &mut self,
        status: Status,
        code: String,
        error: Value,
        running_status: Status,
    ) {
        let running: Vec<ActionKey> = self
            .work
            .actions()
            .filter(|(_, r)| !r.status.is_terminal())
            .map(|(k, _)| k.clone())
            .collect();
        // Innermost first, so a container ends after what it holds.
        for key in running.iter().rev() {
            let Ok(action) = self.action_for(key) else {
                continue;
            };
            if action.action_type == ActionType::HttpWebhook {
                actions::webhook::unsubscribe(self, action, key);
            }
            let code = match running_status {
                Status::TimedOut => "ActionTimedOut",
                _ => "Cancelled",
            };
            self.complete(
                action,
                key,
                Completion {
                    status: Some(running_status),
                    code: Some(code.into()),
                    error: json!({ "code": code, "message": format!("The action was stopped because the run ended ({status}).") }),
                    ..Completion::default()
                },
            );
        }
        for id in self.work.timers().keys().cloned().collect::<Vec<_>>() {
            self.effect(Effect::CancelTimer { id });
        }
        let outputs = self.run_outputs();
        self.emit(Event::RunCompleted {
            status,
            code: Some(code),
            error,
            outputs,
            at: self.now,
        });
        self.effect(Effect::RunFinished {
            status,
            responded: self.work.responded(),
        });
    }

    fn run_outputs(&self) -> Value {
        if self.def.outputs.is_empty() {
            return Value::Null;
        }
        let ctx = self.ctx(None, &[]);
        let mut out = Map::new();
        for (name, output) in &self.def.outputs {
            // An output that cannot be evaluated is left out; the run's status stands.
            if let Ok(value) = output.value.evaluate(&ctx) {
                out.insert(
                    name.clone(),
                    json!({ "type": output.type_name, "value": value }),
                );
            }
        }
        Value::Object(out)
    }

    /// When the run is parked, make sure the run-duration limit will end it.
    pub fn park(&mut self) {
        if self.work.is_completed() {
            return;
        }
        let id = TimerId("run-timeout".into());
        if self.work.timers().contains_key(&id) {
            return;
        }
        let Some(started) = self.work.run().map(|r| r.started_at) else {
            return;
        };
        let limit = chrono::TimeDelta::from_std(self.config.run_duration_limit)
            .unwrap_or(chrono::TimeDelta::MAX);
        let due = started
            .checked_add_signed(limit)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.schedule_timer(id, due, TimerPurpose::RunTimeout);
    }
}

/// `(code, error)` for a finished container or run.
pub(crate) fn failure_details(status: Status, what: &str) -> (String, Value) {
    match status {
        Status::Succeeded => ("OK".into(), Value::Null),
        _ => (
            "ActionFailed".into(),
            json!({
                "code": "ActionFailed",
                "message": format!("An action failed. No dependent actions succeeded ({what})."),
            }),
        ),
    }
}
