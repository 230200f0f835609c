//! What `decide` needs from outside (the [`Environment`]: clock, GUIDs, randomness,
//! callback URLs, limits) and the expression context over a run ([`RunContext`]).

use crate::key::ActionKey;
use crate::state::RunState;
use chrono::{DateTime, Utc};
use hookflow_definition::model::ActionType;
use hookflow_definition::{ActionId, CheckedAction, CheckedDefinition};
use hookflow_expr::EvalContext;
use serde_json::Value;
use std::borrow::Cow;
use std::time::Duration;

/// The engine's only view of the world. Whatever it returns ends up in events, so a
/// replay never asks again.
pub trait Environment {
    fn now(&self) -> DateTime<Utc>;
    fn new_guid(&self) -> uuid::Uuid;
    /// A random integer in `[min, max)`; callers guarantee `min < max`.
    fn random_int(&self, min: i64, max: i64) -> i64;
    /// The signed callback URL of a webhook action instance (the runtime signs it).
    fn callback_url(&self, key: &ActionKey) -> String;
    fn config(&self) -> EngineConfig {
        EngineConfig::default()
    }
}

/// Limits and defaults the deployment may change.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Run-duration limit (Logic Apps: 90 days).
    pub run_duration_limit: Duration,
    /// Wait between polls of a 202 operation without `Retry-After` (CUSTOMAPI: 1 s).
    pub default_poll_interval: Duration,
    /// Most items a Foreach accepts.
    pub max_foreach_items: usize,
    /// Most actions one decision starts. Past it the decision stops starting actions and
    /// asks to be continued ([`crate::Effect::Continue`]), so a long loop of inline actions
    /// is stored in parts, and a Request trigger's caller hears back once the first part
    /// is, instead of after the whole loop.
    pub actions_per_step: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            run_duration_limit: Duration::from_secs(90 * 24 * 3600),
            default_poll_interval: Duration::from_secs(1),
            max_foreach_items: 100_000,
            actions_per_step: 1_000,
        }
    }
}

/// The loops (Foreach/Until) around an action, outermost first: `ActionKey` indexes line
/// up with them.
pub(crate) fn loop_ancestors(def: &CheckedDefinition, id: ActionId) -> Vec<ActionId> {
    let mut loops = Vec::new();
    let mut at = def.actions.get(id).and_then(|a| a.parent);
    while let Some(p) = at {
        let Some(parent) = def.actions.get(p) else {
            break;
        };
        if parent.action_type.is_loop() {
            loops.push(p);
        }
        at = parent.parent;
    }
    loops.reverse();
    loops
}

/// An expression's view of the run, from the position of one action instance.
pub(crate) struct RunContext<'a> {
    pub state: &'a RunState,
    pub def: &'a CheckedDefinition,
    pub env: &'a dyn Environment,
    /// The loops around the evaluation point, outermost first, and their indexes.
    pub loops: Vec<ActionId>,
    pub indexes: &'a [usize],
    /// Query/Select/Table: the element being processed.
    pub item: Option<&'a Value>,
    /// `action()`.
    pub current_action: Option<Value>,
    /// `listCallbackUrl()`.
    pub callback_url: Option<String>,
}

impl<'a> RunContext<'a> {
    pub fn new(
        state: &'a RunState,
        def: &'a CheckedDefinition,
        env: &'a dyn Environment,
        at: Option<ActionId>,
        indexes: &'a [usize],
    ) -> RunContext<'a> {
        RunContext {
            state,
            def,
            env,
            loops: at.map(|id| loop_ancestors(def, id)).unwrap_or_default(),
            indexes,
            item: None,
            current_action: None,
            callback_url: None,
        }
    }

    /// The key of `target`'s instance that this evaluation point sees: the same iteration
    /// when the reader is inside target's loops, else the latest completed instance.
    fn instance_of(&self, target: &CheckedAction) -> Option<ActionKey> {
        let target_loops = loop_ancestors(self.def, target.id);
        let inside = target_loops.len() <= self.loops.len()
            && target_loops.iter().zip(&self.loops).all(|(a, b)| a == b)
            && target_loops.len() <= self.indexes.len();
        if inside {
            Some(ActionKey::new(
                target.name.as_str(),
                &self.indexes[..target_loops.len()],
            ))
        } else {
            self.state.latest(target.name.as_str()).cloned()
        }
    }

    fn loop_position(&self, name: &str, kind: Option<ActionType>) -> Option<usize> {
        let target = self.def.actions.find(name)?;
        if kind.is_some_and(|k| target.action_type != k) {
            return None;
        }
        self.loops.iter().position(|id| *id == target.id)
    }

    fn foreach_item(&self, position: usize) -> Option<Cow<'a, Value>> {
        let id = *self.loops.get(position)?;
        let action = self.def.actions.get(id)?;
        let key = ActionKey::new(action.name.as_str(), self.indexes.get(..position)?);
        let index = *self.indexes.get(position)?;
        let state: &'a RunState = self.state;
        state.loop_record(&key)?.items.get(index).map(Cow::Borrowed)
    }
}

impl EvalContext for RunContext<'_> {
    fn parameter(&self, name: &str) -> Option<Cow<'_, Value>> {
        let params = &self.state.run()?.parameters;
        params
            .get(name)
            .or_else(|| {
                params
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .map(Cow::Borrowed)
    }

    fn variable(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.state.variable(name).map(|v| Cow::Borrowed(&v.value))
    }

    fn trigger(&self) -> Option<Cow<'_, Value>> {
        self.state.run().map(|r| Cow::Borrowed(&r.trigger_view))
    }

    fn action(&self, name: &str) -> Option<Cow<'_, Value>> {
        let target = self.def.actions.find(name)?;
        let key = self.instance_of(target)?;
        self.state.action(&key).map(|r| Cow::Borrowed(r.view(&key)))
    }

    fn current_action(&self) -> Option<Cow<'_, Value>> {
        self.current_action.as_ref().map(Cow::Borrowed)
    }

    fn result(&self, scope: &str) -> Option<Cow<'_, Value>> {
        let target = self.def.actions.find(scope)?;
        if !target.action_type.is_container() {
            return None;
        }
        let scope_key = self.instance_of(target)?;
        let children: Vec<&CheckedAction> = target
            .branches
            .iter()
            .flat_map(|(_, ids)| ids)
            .filter_map(|id| self.def.actions.get(*id))
            .collect();
        let mut out = Vec::new();
        if target.action_type.is_loop() {
            let iterations = self
                .state
                .loop_record(&scope_key)
                .map_or(0, |l| l.completed.len());
            for i in 0..iterations {
                let mut indexes = scope_key.indexes().to_vec();
                indexes.push(i);
                for child in &children {
                    let key = ActionKey::new(child.name.as_str(), &indexes);
                    if let Some(r) = self.state.action(&key) {
                        out.push(r.view(&key).clone());
                    }
                }
            }
        } else {
            for child in &children {
                let key = ActionKey::new(child.name.as_str(), scope_key.indexes());
                if let Some(r) = self.state.action(&key) {
                    out.push(r.view(&key).clone());
                }
            }
        }
        Some(Cow::Owned(Value::Array(out)))
    }

    fn item(&self) -> Option<Cow<'_, Value>> {
        if let Some(item) = self.item {
            return Some(Cow::Borrowed(item));
        }
        let position = self.loops.iter().rposition(|id| {
            self.def
                .actions
                .get(*id)
                .is_some_and(|a| a.action_type == ActionType::Foreach)
        })?;
        self.foreach_item(position)
    }

    fn items(&self, loop_name: &str) -> Option<Cow<'_, Value>> {
        let position = self.loop_position(loop_name, Some(ActionType::Foreach))?;
        self.foreach_item(position)
    }

    fn iteration_index(&self, loop_name: &str) -> Option<i64> {
        let position = self.loop_position(loop_name, None)?;
        self.indexes
            .get(position)
            .and_then(|i| i64::try_from(*i).ok())
    }

    fn workflow(&self) -> Option<Cow<'_, Value>> {
        self.state.run().map(|r| Cow::Borrowed(&r.workflow_view))
    }

    fn callback_url(&self) -> Option<String> {
        self.callback_url.clone()
    }

    fn now(&self) -> Option<DateTime<Utc>> {
        Some(self.env.now())
    }

    fn new_guid(&self) -> Option<uuid::Uuid> {
        Some(self.env.new_guid())
    }

    fn random_int(&self, min: i64, max: i64) -> Option<i64> {
        Some(self.env.random_int(min, max))
    }
}
