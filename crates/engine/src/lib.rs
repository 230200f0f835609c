//! The pure run state machine of hookflow.
//!
//! A run is a journal of [`Event`]s. [`RunState::apply`] folds events into the state;
//! [`decide`] takes the state, the checked definition, one [`Input`] (start, an effect's
//! result, a callback, a timer, cancel) and an [`Environment`] (clock, GUIDs, randomness,
//! callback URLs, limits) and returns a [`Decision`]: the events to journal and the
//! [`Effect`]s to execute after they are stored. Replaying a journal with `apply` alone
//! reproduces the state and asks for nothing.
//!
//! This crate owns scheduling (`runAfter`, branches, loops, statuses), every action's
//! semantics, retry policies and the HTTP async pattern as decisions, webhook action
//! lifecycles, trigger conditions and `splitOn`. It must not depend on tokio, storage,
//! HTTP clients or the system clock: time, ids and randomness come from the
//! [`Environment`], and the runtime performs every effect.
//!
//! Contract with the runtime: persist `Decision::events`, apply them to the state, then
//! execute `Decision::effects` (at least once). An [`Outcome::Stale`] decision is empty:
//! the input came too late or twice (a callback for a webhook that no longer waits maps
//! to HTTP 409).

mod actions;
mod context;
mod duration;
mod effect;
mod error;
mod event;
mod input;
mod key;
mod recovery;
mod retry;
mod schedule;
mod source;
mod state;
mod status;
mod template;
pub mod trigger;

pub use context::{EngineConfig, Environment};
pub use effect::{Effect, OutboundRequest};
pub use error::EngineError;
pub use event::{
    ChosenBranch, Event, RunChange, TimerPurpose, TriggerRecord, UnsubscribeRecord, WorkflowRef,
};
pub use input::{FailureKind, HttpOutcome, Input};
pub use key::{ActionKey, ParseKeyError, TimerId};
pub use recovery::outstanding_effects;
pub use state::{
    ActionRecord, Awaiting, LoopRecord, RunCompletion, RunInfo, RunState, Subscription,
    TimerRecord, Variable,
};
pub use status::Status;

use hookflow_definition::model::ActionType;
use hookflow_definition::CheckedDefinition;
use schedule::Machine;
use serde_json::{json, Map};

/// What `decide` wants: events to journal, then effects to execute.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub events: Vec<Event>,
    pub effects: Vec<Effect>,
    pub outcome: Outcome,
}

/// Whether the input changed anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    Applied,
    /// Nothing to do; the decision is empty.
    Stale(StaleReason),
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StaleReason {
    /// The run already completed.
    RunCompleted,
    /// The action does not wait for this input (completed, cancelled, timed out, not yet
    /// started, or a result for an older attempt). For callbacks: HTTP 409.
    NotWaiting { key: ActionKey },
    /// No such timer is pending (already fired, or dropped when its action completed).
    UnknownTimer { id: TimerId },
    /// `Input::Continue` found no action ready to start.
    NothingReady,
}

impl Decision {
    fn stale(reason: StaleReason) -> Decision {
        Decision {
            events: Vec::new(),
            effects: Vec::new(),
            outcome: Outcome::Stale(reason),
        }
    }

    pub fn is_stale(&self) -> bool {
        matches!(self.outcome, Outcome::Stale(_))
    }
}

/// Decides what happens to a run on `input`. See the crate docs for the contract.
pub fn decide(
    state: &RunState,
    definition: &CheckedDefinition,
    input: Input,
    env: &dyn Environment,
) -> Result<Decision, EngineError> {
    decide_with_state(state, definition, input, env).map(|(decision, _)| decision)
}

/// [`decide`], also returning the state with the decision's events applied — the state the
/// engine built while deciding — so a caller that keeps the run's state does not fold the
/// same events a second time. A stale decision returns the state unchanged. (`None` would
/// mean a stale decision that had changed the state: it cannot happen, since only events
/// change it, and a caller would reload the state.)
pub fn decide_with_state(
    state: &RunState,
    definition: &CheckedDefinition,
    input: Input,
    env: &dyn Environment,
) -> Result<(Decision, Option<RunState>), EngineError> {
    decide_in(Machine::new(state.clone(), definition, env), input)
}

/// [`decide_with_state`] on a state the caller gives up, which saves copying it: the hot
/// path of a driver that keeps run states in memory.
pub fn decide_owned(
    state: RunState,
    definition: &CheckedDefinition,
    input: Input,
    env: &dyn Environment,
) -> Result<(Decision, Option<RunState>), EngineError> {
    decide_in(Machine::new(state, definition, env), input)
}

fn decide_in(
    mut m: Machine<'_>,
    input: Input,
) -> Result<(Decision, Option<RunState>), EngineError> {
    let definition = m.def;
    let continuing = matches!(input, Input::Continue);
    let outcome = match input {
        Input::Start { workflow, trigger } => {
            if m.work.run().is_some() {
                return Err(EngineError::AlreadyStarted);
            }
            if !definition.triggers.iter().any(|t| t.name == trigger.name) {
                return Err(EngineError::UnknownTrigger { name: trigger.name });
            }
            let parameters: Map<String, serde_json::Value> =
                definition.parameter_values().into_iter().collect();
            m.emit(Event::RunStarted {
                workflow,
                trigger,
                parameters,
                at: m.now,
            });
            Outcome::Applied
        }
        other => {
            if m.work.run().is_none() {
                return Err(EngineError::NotStarted);
            }
            route(&mut m, other)?
        }
    };
    if let Outcome::Stale(reason) = outcome {
        return Ok(m.stale(reason));
    }
    m.advance()?;
    if continuing && m.events.is_empty() {
        return Ok(m.stale(StaleReason::NothingReady));
    }
    if m.yielded && !m.work.is_completed() {
        m.effect(Effect::Continue);
    }
    m.park();
    Ok((
        Decision {
            events: m.events,
            effects: m.effects,
            outcome: Outcome::Applied,
        },
        Some(m.work),
    ))
}

impl Machine<'_> {
    /// An empty decision, and the state it leaves as it was.
    fn stale(self, reason: StaleReason) -> (Decision, Option<RunState>) {
        let unchanged = self.events.is_empty().then_some(self.work);
        (Decision::stale(reason), unchanged)
    }
}

fn route(m: &mut Machine<'_>, input: Input) -> Result<Outcome, EngineError> {
    // Unsubscribe results come after a cancel or terminate too; record them regardless.
    if let Input::UnsubscribeResult { key, outcome } = &input {
        m.action_for(key)?;
        return Ok(actions::webhook::on_unsubscribe_result(m, key, outcome));
    }
    if m.work.is_completed() {
        return Ok(Outcome::Stale(StaleReason::RunCompleted));
    }
    let not_waiting =
        |key: &ActionKey| Outcome::Stale(StaleReason::NotWaiting { key: key.clone() });
    Ok(match input {
        Input::HttpResult {
            key,
            attempt,
            outcome,
        } => {
            let action = m.action_for(&key)?;
            if action.action_type != ActionType::Http {
                return Ok(not_waiting(&key));
            }
            actions::http::on_result(m, action, &key, attempt, &outcome)
        }
        Input::SubscribeResult {
            key,
            attempt,
            outcome,
        } => {
            let action = m.action_for(&key)?;
            if action.action_type != ActionType::HttpWebhook {
                return Ok(not_waiting(&key));
            }
            actions::webhook::on_subscribe_result(m, action, &key, attempt, &outcome)
        }
        Input::Callback {
            key,
            headers,
            body,
            at,
        } => {
            let action = m.action_for(&key)?;
            if action.action_type != ActionType::HttpWebhook {
                return Ok(not_waiting(&key));
            }
            actions::webhook::on_callback(m, action, &key, &headers, &body, at)
        }
        Input::TimerFired { id } => {
            let Some(timer) = m.work.timers().get(&id).cloned() else {
                return Ok(Outcome::Stale(StaleReason::UnknownTimer { id }));
            };
            m.emit(Event::TimerFired {
                id: id.clone(),
                at: m.now,
            });
            fire(m, &timer.purpose)?;
            Outcome::Applied
        }
        Input::Cancel => {
            let error = json!({ "code": "Cancelled", "message": "The run was cancelled." });
            m.finish_run(
                Status::Cancelled,
                "Cancelled".into(),
                error,
                Status::Cancelled,
            );
            Outcome::Applied
        }
        Input::Start { .. } => return Err(EngineError::AlreadyStarted),
        // What is ready starts in `advance`, after this.
        Input::UnsubscribeResult { .. } | Input::Continue => Outcome::Applied,
    })
}

fn fire(m: &mut Machine<'_>, purpose: &TimerPurpose) -> Result<(), EngineError> {
    if let TimerPurpose::RunTimeout = purpose {
        let error = json!({
            "code": "RunTimedOut",
            "message": "The run exceeded the run-duration limit.",
        });
        m.finish_run(
            Status::TimedOut,
            "RunTimedOut".into(),
            error,
            Status::TimedOut,
        );
        return Ok(());
    }
    let Some(key) = purpose.key() else {
        return Ok(());
    };
    let action = m.action_for(key)?;
    if m.work.action(key).is_none_or(|r| r.status.is_terminal()) {
        return Ok(());
    }
    let webhook = action.action_type == ActionType::HttpWebhook;
    match purpose {
        TimerPurpose::Retry { .. } | TimerPurpose::Poll { .. } if webhook => {
            actions::webhook::resend(m, action, key)
        }
        TimerPurpose::Retry { .. } | TimerPurpose::Poll { .. } => {
            actions::http::resend(m, action, key)
        }
        TimerPurpose::ActionTimeout { .. } if webhook => {
            actions::webhook::on_timeout(m, action, key)
        }
        TimerPurpose::ActionTimeout { .. } => actions::http::on_timeout(m, action, key),
        TimerPurpose::Wait { .. } => actions::wait::on_timer(m, action, key),
        TimerPurpose::RunTimeout => {}
    }
    Ok(())
}
