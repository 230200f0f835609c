use chrono::{DateTime, Utc};
use serde_json::Value;
use std::borrow::Cow;

/// What an expression can see of the run it is evaluated in, and the injected environment
/// (clock, GUIDs, randomness) so an engine can journal and replay those values.
///
/// Every method has a default meaning "not available here"; the evaluator turns that into
/// an error naming the function. Values are returned as [`Cow`] so that reading a large
/// trigger body to select one field does not copy the body.
pub trait EvalContext {
    /// `parameters(name)`: the workflow parameter's value.
    fn parameter(&self, _name: &str) -> Option<Cow<'_, Value>> {
        None
    }
    /// `variables(name)`: the variable's current value.
    fn variable(&self, _name: &str) -> Option<Cow<'_, Value>> {
        None
    }
    /// `trigger()`: the whole trigger object (`inputs`, `outputs`, `status`, `code`, …).
    fn trigger(&self) -> Option<Cow<'_, Value>> {
        None
    }
    /// `actions(name)`: the named action's object (`name`, `inputs`, `outputs`, `status`, …).
    fn action(&self, _name: &str) -> Option<Cow<'_, Value>> {
        None
    }
    /// `action()`: the current action (webhook unsubscribe, Until conditions).
    fn current_action(&self) -> Option<Cow<'_, Value>> {
        None
    }
    /// `result(name)`: the top-level actions inside a Scope/Foreach/Until.
    fn result(&self, _scope: &str) -> Option<Cow<'_, Value>> {
        None
    }
    /// `item()`: the current element of the innermost Foreach/Select/Query/Table.
    fn item(&self) -> Option<Cow<'_, Value>> {
        None
    }
    /// `items(loop)`: the current element of the named Foreach.
    fn items(&self, _loop_name: &str) -> Option<Cow<'_, Value>> {
        None
    }
    /// `iterationIndexes(loop)`: the current index of the named Until loop.
    fn iteration_index(&self, _loop_name: &str) -> Option<i64> {
        None
    }
    /// `workflow()`: `{ name, type, id, run: { name, type, id }, … }`.
    fn workflow(&self) -> Option<Cow<'_, Value>> {
        None
    }
    /// `listCallbackUrl()`: the signed callback URL of the current webhook trigger/action.
    fn callback_url(&self) -> Option<String> {
        None
    }
    /// The current time, for `utcNow()`, `getFutureTime()`, `getPastTime()`.
    fn now(&self) -> Option<DateTime<Utc>> {
        None
    }
    /// A new GUID for `guid()`.
    fn new_guid(&self) -> Option<uuid::Uuid> {
        None
    }
    /// A random integer in `[min, max)` for `rand()`; callers guarantee `min < max`.
    fn random_int(&self, _min: i64, _max: i64) -> Option<i64> {
        None
    }
}

/// A context with nothing in it: only pure functions can be evaluated.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmptyContext;

impl EvalContext for EmptyContext {}

/// A context read from a JSON document, as `hookflow expr eval --context FILE` takes it:
/// keys `parameters`, `variables`, `trigger`, `actions`, `item`, `workflow`, `now`
/// (all optional), plus `callbackUrl`, `result` (by scope name), `items` (by loop name),
/// `iterationIndexes` (by loop name) and `action` (the current action).
#[derive(Debug, Default, Clone)]
pub struct StaticContext {
    pub parameters: serde_json::Map<String, Value>,
    pub variables: serde_json::Map<String, Value>,
    pub trigger: Option<Value>,
    pub actions: serde_json::Map<String, Value>,
    pub current_action: Option<Value>,
    pub results: serde_json::Map<String, Value>,
    pub item: Option<Value>,
    pub items: serde_json::Map<String, Value>,
    pub iteration_indexes: serde_json::Map<String, Value>,
    pub workflow: Option<Value>,
    pub callback_url: Option<String>,
    pub now: Option<DateTime<Utc>>,
}

impl StaticContext {
    /// Reads the context document; names the key whose value has the wrong shape.
    pub fn from_json(doc: &Value) -> Result<StaticContext, String> {
        let Some(obj) = doc.as_object() else {
            return Err("the context must be a JSON object".to_string());
        };
        let map = |key: &str| -> Result<serde_json::Map<String, Value>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(serde_json::Map::new()),
                Some(Value::Object(m)) => Ok(m.clone()),
                Some(_) => Err(format!("context key '{key}' must be an object")),
            }
        };
        let now = match obj.get("now") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|e| format!("context key 'now' is not an ISO 8601 timestamp: {e}"))?
                    .with_timezone(&Utc),
            ),
            Some(_) => return Err("context key 'now' must be a timestamp string".to_string()),
        };
        let callback_url = match obj.get("callbackUrl") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("context key 'callbackUrl' must be a string".to_string()),
        };
        let mut actions = map("actions")?;
        // `actions(name)` returns the action's object with its name, as Logic Apps does.
        for (name, action) in actions.iter_mut() {
            if let Value::Object(fields) = action {
                fields
                    .entry("name")
                    .or_insert_with(|| Value::String(name.clone()));
            }
        }
        Ok(StaticContext {
            parameters: map("parameters")?,
            variables: map("variables")?,
            trigger: obj.get("trigger").cloned(),
            actions,
            current_action: obj.get("action").cloned(),
            results: map("result")?,
            item: obj.get("item").cloned(),
            items: map("items")?,
            iteration_indexes: map("iterationIndexes")?,
            workflow: obj.get("workflow").cloned(),
            callback_url,
            now,
        })
    }
}

impl EvalContext for StaticContext {
    fn parameter(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.parameters.get(name).map(Cow::Borrowed)
    }
    fn variable(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.variables.get(name).map(Cow::Borrowed)
    }
    fn trigger(&self) -> Option<Cow<'_, Value>> {
        self.trigger.as_ref().map(Cow::Borrowed)
    }
    fn action(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.actions.get(name).map(Cow::Borrowed)
    }
    fn current_action(&self) -> Option<Cow<'_, Value>> {
        self.current_action.as_ref().map(Cow::Borrowed)
    }
    fn result(&self, scope: &str) -> Option<Cow<'_, Value>> {
        self.results.get(scope).map(Cow::Borrowed)
    }
    fn item(&self) -> Option<Cow<'_, Value>> {
        self.item.as_ref().map(Cow::Borrowed)
    }
    fn items(&self, loop_name: &str) -> Option<Cow<'_, Value>> {
        self.items.get(loop_name).map(Cow::Borrowed)
    }
    fn iteration_index(&self, loop_name: &str) -> Option<i64> {
        self.iteration_indexes
            .get(loop_name)
            .and_then(Value::as_i64)
    }
    fn workflow(&self) -> Option<Cow<'_, Value>> {
        self.workflow.as_ref().map(Cow::Borrowed)
    }
    fn callback_url(&self) -> Option<String> {
        self.callback_url.clone()
    }
    fn now(&self) -> Option<DateTime<Utc>> {
        self.now
    }
}
