//! The run's state: a fold over its journal. `apply` is total and pure: it never
//! evaluates, never reads a clock, and accepts every event `decide` emits in order.

use crate::event::{ChosenBranch, Event, RunChange, UnsubscribeRecord};
use crate::event::{TimerPurpose, WorkflowRef};
use crate::key::{ActionKey, TimerId};
use crate::status::Status;
use chrono::{DateTime, Utc};
use hookflow_definition::Secured;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// Everything known about one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunState {
    run: Option<RunInfo>,
    actions: BTreeMap<ActionKey, ActionRecord>,
    /// The keys of `actions` still open: not terminal, or with an unsubscribe requested
    /// and unanswered. Recovery asks for them after every step, and a long loop's
    /// finished repetitions would otherwise be read every time.
    open: BTreeSet<ActionKey>,
    /// The most recently completed instance of each action (lower-cased name), for
    /// `actions('X')` read from outside X's loop.
    latest: HashMap<String, ActionKey>,
    variables: IndexMap<String, Variable>,
    loops: BTreeMap<ActionKey, LoopRecord>,
    timers: BTreeMap<TimerId, TimerRecord>,
    responded: bool,
    completion: Option<RunCompletion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    pub workflow: WorkflowRef,
    /// The trigger that started the run; its record (outputs, time) is `trigger_view`'s,
    /// kept once rather than twice.
    pub trigger_name: String,
    pub parameters: Map<String, Value>,
    pub started_at: DateTime<Utc>,
    /// `trigger()` as expressions see it, built once.
    pub(crate) trigger_view: Value,
    /// `workflow()` as expressions see it, built once.
    pub(crate) workflow_view: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunCompletion {
    pub status: Status,
    pub code: Option<String>,
    pub error: Value,
    pub outputs: Value,
    pub at: DateTime<Utc>,
}

/// A variable's declared type and current value.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub variable_type: String,
    pub value: Value,
}

/// What an asynchronous action with an outbound request is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Awaiting {
    /// The result of attempt `attempt` of its request (or, for Scope/Until, nothing).
    #[default]
    Result,
    /// A retry or poll timer.
    Timer,
    /// A webhook action waits for its callback.
    Callback,
}

/// A webhook action's subscription, as far as it got.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subscription {
    /// The subscribe response's outputs once it succeeded (`action()` in unsubscribe).
    pub outputs: Option<Value>,
    /// A callback that came before the subscribe result: `(headers, body, at)`.
    pub early_callback: Option<(Value, Value, DateTime<Utc>)>,
    pub unsubscribe_request: Option<Value>,
    pub unsubscribe_result: Option<UnsubscribeRecord>,
}

impl Subscription {
    /// An unsubscribe was requested and has no result yet.
    pub fn unsubscribe_pending(&self) -> bool {
        self.unsubscribe_request.is_some() && self.unsubscribe_result.is_none()
    }
}

/// One action instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    pub status: Status,
    pub code: Option<String>,
    pub inputs: Value,
    pub outputs: Value,
    pub error: Value,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub secure: Secured,
    /// If/Switch: the branch taken.
    pub branch: Option<ChosenBranch>,
    /// The number of the outbound request sent last (1-based; retries and polls count).
    pub attempt: u32,
    /// Retries used in the current phase (a 202 poll starts a new phase).
    pub retries: u32,
    pub awaiting: Awaiting,
    /// The asynchronous operation's `Location` while polling.
    pub poll_location: Option<String>,
    pub subscription: Subscription,
    /// `actions(name)` as expressions see it.
    view: ViewCache,
}

/// An action's `actions(name)` view, built when an expression first reads it and dropped
/// whenever the record changes: most records are never read by an expression, and a
/// parked run's would only hold a second copy of its inputs and outputs. A cache is not
/// part of the record's value, so it is equal to any other and clones empty.
#[derive(Debug, Default)]
struct ViewCache(OnceLock<Value>);

impl Clone for ViewCache {
    fn clone(&self) -> Self {
        ViewCache::default()
    }
}

impl PartialEq for ViewCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A Foreach's items (Until has none) and the iterations that finished.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoopRecord {
    pub items: Vec<Value>,
    pub completed: BTreeMap<usize, Status>,
    /// Every index below this one has completed.
    pub low_water: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimerRecord {
    pub due: DateTime<Utc>,
    pub purpose: TimerPurpose,
}

impl RunState {
    pub fn new() -> RunState {
        RunState::default()
    }

    /// Folds a whole journal into a fresh state.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> RunState {
        let mut state = RunState::new();
        for event in events {
            state.apply(event);
        }
        state
    }

    pub fn run(&self) -> Option<&RunInfo> {
        self.run.as_ref()
    }

    /// `Running` from the start until the run completes.
    pub fn status(&self) -> Option<Status> {
        match (&self.run, &self.completion) {
            (None, _) => None,
            (Some(_), None) => Some(Status::Running),
            (Some(_), Some(c)) => Some(c.status),
        }
    }

    pub fn completion(&self) -> Option<&RunCompletion> {
        self.completion.as_ref()
    }

    pub fn is_completed(&self) -> bool {
        self.completion.is_some()
    }

    pub fn action(&self, key: &ActionKey) -> Option<&ActionRecord> {
        self.actions.get(key)
    }

    /// Every action instance with a record, ordered by key.
    pub fn actions(&self) -> impl Iterator<Item = (&ActionKey, &ActionRecord)> {
        self.actions.iter()
    }

    /// The records not yet done with: not terminal, or terminal with an unsubscribe
    /// requested and not answered; in key order.
    pub fn open_actions(&self) -> impl Iterator<Item = (&ActionKey, &ActionRecord)> {
        self.open
            .iter()
            .filter_map(|key| self.actions.get(key).map(|record| (key, record)))
    }

    pub fn variables(&self) -> &IndexMap<String, Variable> {
        &self.variables
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.declared_variable(name).map(|(_, v)| v)
    }

    /// The variable with the name it was declared with (lookups ignore case).
    pub fn declared_variable(&self, name: &str) -> Option<(&str, &Variable)> {
        let index = self.variable_index(name)?;
        self.variables
            .get_index(index)
            .map(|(declared, v)| (declared.as_str(), v))
    }

    /// Where the variable of that name is: as declared, or else ignoring case.
    fn variable_index(&self, name: &str) -> Option<usize> {
        self.variables.get_index_of(name).or_else(|| {
            self.variables
                .keys()
                .position(|k| k.eq_ignore_ascii_case(name))
        })
    }

    pub fn loop_record(&self, key: &ActionKey) -> Option<&LoopRecord> {
        self.loops.get(key)
    }

    /// Timers scheduled and not yet fired or dropped.
    pub fn timers(&self) -> &BTreeMap<TimerId, TimerRecord> {
        &self.timers
    }

    /// Whether a Response action answered the trigger's request.
    pub fn responded(&self) -> bool {
        self.responded
    }

    pub(crate) fn latest(&self, name: &str) -> Option<&ActionKey> {
        self.latest.get(&name.to_lowercase())
    }

    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::RunStarted {
                workflow,
                trigger,
                parameters,
                at,
            } => {
                // Built by hand: `json!` would serialise the outputs into a new value,
                // which costs more than cloning them.
                let fired_at = json!(trigger.at);
                let mut trigger_view = Map::with_capacity(6);
                trigger_view.insert("name".into(), Value::String(trigger.name.clone()));
                trigger_view.insert("outputs".into(), trigger.outputs.clone());
                trigger_view.insert("status".into(), Value::from("Succeeded"));
                trigger_view.insert("code".into(), Value::from("OK"));
                trigger_view.insert("startTime".into(), fired_at.clone());
                trigger_view.insert("endTime".into(), fired_at);
                let trigger_view = Value::Object(trigger_view);
                let workflow_view = json!({
                    "name": workflow.name,
                    "id": workflow.id,
                    "type": "workflows",
                    "run": { "name": workflow.run_id, "id": workflow.run_id, "type": "runs" },
                });
                self.run = Some(RunInfo {
                    workflow: workflow.clone(),
                    trigger_name: trigger.name.clone(),
                    parameters: parameters.clone(),
                    started_at: *at,
                    trigger_view,
                    workflow_view,
                });
            }
            Event::ActionStarted {
                key,
                inputs,
                secure,
                at,
            } => {
                let mut record = ActionRecord::started(*at);
                record.inputs = inputs.clone();
                record.secure = *secure;
                self.insert(key, record);
            }
            Event::BranchChosen {
                key,
                branch,
                value,
                at,
            } => {
                let mut record = ActionRecord::started(*at);
                record.inputs = json!({ "expressionResult": value });
                record.branch = Some(branch.clone());
                self.insert(key, record);
            }
            Event::LoopStarted { key, items, at } => {
                self.insert(key, ActionRecord::started(*at));
                self.loops.insert(
                    key.clone(),
                    LoopRecord {
                        items: items.clone(),
                        ..LoopRecord::default()
                    },
                );
            }
            Event::IterationCompleted {
                key, index, status, ..
            } => {
                let record = self.loops.entry(key.clone()).or_default();
                record.completed.insert(*index, *status);
                while record.completed.contains_key(&record.low_water) {
                    record.low_water += 1;
                }
            }
            Event::ActionCompleted {
                key,
                status,
                code,
                inputs,
                outputs,
                error,
                secure,
                change,
                at,
            } => {
                let mut record = self
                    .actions
                    .remove(key)
                    .unwrap_or_else(|| ActionRecord::started(*at));
                record.status = *status;
                record.code = code.clone();
                if !inputs.is_null() {
                    record.inputs = inputs.clone();
                }
                record.outputs = outputs.clone();
                record.error = error.clone();
                record.ended_at = Some(*at);
                if !secure.is_plain() {
                    record.secure = *secure;
                }
                self.insert(key, record);
                self.latest.insert(key.name().to_lowercase(), key.clone());
                self.timers.retain(|_, t| t.purpose.key() != Some(key));
                match change {
                    None => {}
                    Some(RunChange::DeclareVariable {
                        name,
                        variable_type,
                        value,
                    }) => {
                        self.variables.insert(
                            name.clone(),
                            Variable {
                                variable_type: variable_type.clone(),
                                value: value.clone(),
                            },
                        );
                    }
                    Some(RunChange::SetVariable { name, value }) => {
                        if let Some(variable) = self.variable_mut(name) {
                            variable.value = value.clone();
                        }
                    }
                    Some(RunChange::AppendToArray { name, item }) => {
                        if let Some(Value::Array(items)) =
                            self.variable_mut(name).map(|v| &mut v.value)
                        {
                            items.push(item.clone());
                        }
                    }
                    Some(RunChange::AppendToString { name, text }) => {
                        if let Some(Value::String(current)) =
                            self.variable_mut(name).map(|v| &mut v.value)
                        {
                            current.push_str(text);
                        }
                    }
                    Some(RunChange::Responded) => self.responded = true,
                }
            }
            Event::TimerScheduled { id, due, purpose } => {
                if let TimerPurpose::Retry { key } | TimerPurpose::Poll { key, .. } = purpose {
                    if let Some(record) = self.actions.get_mut(key) {
                        record.awaiting = Awaiting::Timer;
                        match purpose {
                            TimerPurpose::Poll { location, .. } => {
                                record.retries = 0;
                                record.poll_location = Some(location.clone());
                            }
                            _ => record.retries += 1,
                        }
                    }
                }
                self.timers.insert(
                    id.clone(),
                    TimerRecord {
                        due: *due,
                        purpose: purpose.clone(),
                    },
                );
            }
            Event::TimerFired { id, .. } => {
                if let Some(timer) = self.timers.remove(id) {
                    if let TimerPurpose::Retry { key } | TimerPurpose::Poll { key, .. } =
                        &timer.purpose
                    {
                        if let Some(record) = self.actions.get_mut(key) {
                            record.attempt += 1;
                            record.awaiting = Awaiting::Result;
                        }
                    }
                }
            }
            Event::WebhookSubscribed { key, outputs, .. } => {
                if let Some(record) = self.actions.get_mut(key) {
                    record.status = Status::Waiting;
                    record.awaiting = Awaiting::Callback;
                    record.subscription.outputs = Some(outputs.clone());
                    record.view = ViewCache::default();
                }
                self.refresh_open(key);
            }
            Event::CallbackReceived {
                key,
                headers,
                body,
                at,
            } => {
                if let Some(record) = self.actions.get_mut(key) {
                    record.subscription.early_callback = Some((headers.clone(), body.clone(), *at));
                }
            }
            Event::UnsubscribeRequested { key, request, .. } => {
                if let Some(record) = self.actions.get_mut(key) {
                    record.subscription.unsubscribe_request = Some(request.clone());
                }
                self.refresh_open(key);
            }
            Event::UnsubscribeRecorded { key, result, .. } => {
                if let Some(record) = self.actions.get_mut(key) {
                    record.subscription.unsubscribe_result = Some(result.clone());
                }
                self.refresh_open(key);
            }
            Event::RunCompleted {
                status,
                code,
                error,
                outputs,
                at,
            } => {
                self.completion = Some(RunCompletion {
                    status: *status,
                    code: code.clone(),
                    error: error.clone(),
                    outputs: outputs.clone(),
                    at: *at,
                });
                self.timers.clear();
            }
        }
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut Variable> {
        let index = self.variable_index(name)?;
        self.variables.get_index_mut(index).map(|(_, v)| v)
    }

    fn insert(&mut self, key: &ActionKey, mut record: ActionRecord) {
        record.view = ViewCache::default();
        self.actions.insert(key.clone(), record);
        self.refresh_open(key);
    }

    /// Keeps `open` in step with the record's status and unsubscribe (the only fields
    /// that decide it; every other change leaves it as it was).
    fn refresh_open(&mut self, key: &ActionKey) {
        let open = self.actions.get(key).is_some_and(|record| {
            !record.status.is_terminal() || record.subscription.unsubscribe_pending()
        });
        if open {
            if !self.open.contains(key) {
                self.open.insert(key.clone());
            }
        } else {
            self.open.remove(key);
        }
    }
}

impl ActionRecord {
    fn started(at: DateTime<Utc>) -> ActionRecord {
        ActionRecord {
            status: Status::Running,
            code: None,
            inputs: Value::Null,
            outputs: Value::Null,
            error: Value::Null,
            started_at: at,
            ended_at: None,
            secure: Secured::default(),
            branch: None,
            attempt: 1,
            retries: 0,
            awaiting: Awaiting::Result,
            poll_location: None,
            subscription: Subscription::default(),
            view: ViewCache::default(),
        }
    }

    /// `actions(name)`: `{name, inputs, outputs, status, code, startTime, endTime, error}`.
    /// (`key` is this record's key: the view names the action.)
    pub fn view(&self, key: &ActionKey) -> &Value {
        self.view.0.get_or_init(|| self.build_view(key))
    }

    fn build_view(&self, key: &ActionKey) -> Value {
        let mut view = Map::new();
        view.insert("name".into(), Value::String(key.name().to_string()));
        view.insert("inputs".into(), self.inputs.clone());
        view.insert("outputs".into(), self.outputs.clone());
        view.insert("status".into(), Value::String(self.status.to_string()));
        view.insert(
            "code".into(),
            self.code.clone().map_or(Value::Null, Value::String),
        );
        view.insert("startTime".into(), json!(self.started_at));
        view.insert(
            "endTime".into(),
            self.ended_at.map_or(Value::Null, |t| json!(t)),
        );
        view.insert("error".into(), self.error.clone());
        Value::Object(view)
    }
}
