//! The checked form of a definition: what the engine executes. Built only from a document
//! that passed validation, so names resolve and expressions parse.
//!
//! Every place that may hold an expression is a [`ValueTemplate`]: a tree mirroring the
//! JSON value whose expression strings are parsed once. Static subtrees are kept as plain
//! JSON and returned without re-parsing.

use crate::document::{DocumentShape, Located};
use crate::duration::IsoDuration;
use crate::error::{ErrorCode, Pointer, ValidationError};
use crate::model::{
    ActionType, Definition, Ordered, ParameterType, RunAfterStatus, Trigger, TriggerType,
};
use crate::secured::{self, Secured};
use hookflow_expr::{EvalContext, Expr, ExprKind, Segment, Span, Template};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// A JSON value whose strings may hold expressions, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueTemplate {
    /// No expression anywhere below (`@@` escapes already applied).
    Static(Value),
    /// A string holding an expression or interpolation.
    Template(Box<Template>),
    Array(Vec<ValueTemplate>),
    /// Keys are literal; only values are templates.
    Object(Vec<(String, ValueTemplate)>),
}

impl ValueTemplate {
    /// Parses every string of `value`.
    pub fn parse(value: &Value) -> Result<ValueTemplate, hookflow_expr::Error> {
        Ok(match value {
            Value::String(s) => match Template::parse(s)? {
                Template::Literal(text) => ValueTemplate::Static(Value::String(text)),
                template => ValueTemplate::Template(Box::new(template)),
            },
            Value::Array(items) => {
                let parts = items
                    .iter()
                    .map(ValueTemplate::parse)
                    .collect::<Result<Vec<_>, _>>()?;
                if parts.iter().all(ValueTemplate::is_static) {
                    ValueTemplate::Static(Value::Array(
                        parts.into_iter().map(ValueTemplate::into_static).collect(),
                    ))
                } else {
                    ValueTemplate::Array(parts)
                }
            }
            Value::Object(map) => {
                let mut parts = Vec::with_capacity(map.len());
                for (k, v) in map {
                    parts.push((k.clone(), ValueTemplate::parse(v)?));
                }
                if parts.iter().all(|(_, v)| v.is_static()) {
                    ValueTemplate::Static(Value::Object(
                        parts
                            .into_iter()
                            .map(|(k, v)| (k, v.into_static()))
                            .collect(),
                    ))
                } else {
                    ValueTemplate::Object(parts)
                }
            }
            other => ValueTemplate::Static(other.clone()),
        })
    }

    pub fn is_static(&self) -> bool {
        matches!(self, ValueTemplate::Static(_))
    }

    fn into_static(self) -> Value {
        match self {
            ValueTemplate::Static(v) => v,
            _ => Value::Null,
        }
    }

    /// Evaluates every expression; static parts are cloned as they are.
    pub fn evaluate(&self, ctx: &dyn EvalContext) -> Result<Value, hookflow_expr::Error> {
        match self {
            ValueTemplate::Static(v) => Ok(v.clone()),
            ValueTemplate::Template(t) => t.evaluate(ctx),
            ValueTemplate::Array(items) => items
                .iter()
                .map(|i| i.evaluate(ctx))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            ValueTemplate::Object(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.clone(), v.evaluate(ctx)?);
                }
                Ok(Value::Object(map))
            }
        }
    }
}

/// An action's name as written in the definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionName(String);

impl ActionName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Index of an action in its [`ActionTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId(pub usize);

/// Which branch of its container an action belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BranchKey {
    /// The top level, or `actions` of If (true branch), Foreach, Until, Scope.
    Actions,
    /// If `else.actions`.
    Else,
    /// Switch `cases.<name>.actions`.
    Case(String),
    /// Switch `default.actions`.
    Default,
}

/// "Run me after `predecessor` reaches one of `statuses`."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAfterEdge {
    pub predecessor: ActionId,
    pub statuses: Vec<RunAfterStatus>,
}

/// A Switch case: its key in `cases` and the constant it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCase {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedAction {
    pub id: ActionId,
    pub name: ActionName,
    pub action_type: ActionType,
    /// The enclosing control action, if any.
    pub parent: Option<ActionId>,
    /// Which branch of the parent (or [`BranchKey::Actions`] at the top level).
    pub branch: BranchKey,
    /// 1 for top-level actions.
    pub level: usize,
    /// Resolved `runAfter`; empty means "start when the container starts".
    pub run_after: Vec<RunAfterEdge>,
    pub inputs: Option<ValueTemplate>,
    /// If condition (string or object tree, as one expression), Switch value, Until
    /// condition.
    pub expression: Option<ValueTemplate>,
    /// Foreach source.
    pub foreach: Option<ValueTemplate>,
    /// Children per branch, in document order (branches present in the document only).
    pub branches: Vec<(BranchKey, Vec<ActionId>)>,
    /// Switch cases in document order.
    pub cases: Vec<CheckedCase>,
    /// `limit.timeout` when literal.
    pub timeout: Option<IsoDuration>,
    /// `limit.timeout` when an expression (`@parameters('timeout')`): evaluated when the
    /// action starts, and must then give an ISO 8601 duration.
    pub timeout_expression: Option<ValueTemplate>,
    /// `limit.count` (Until) when literal.
    pub count: Option<i64>,
    /// `limit.count` (Until) when an expression, evaluated when the loop checks its limits.
    pub count_expression: Option<ValueTemplate>,
    /// `runtimeConfiguration.concurrency.repetitions` (Foreach).
    pub repetitions: Option<u64>,
    pub operation_options: Vec<String>,
    pub tracked_properties: Option<ValueTemplate>,
    pub kind: Option<String>,
    /// What run history hides of this action (see [`Secured`]).
    pub secure: Secured,
}

impl CheckedAction {
    /// The children in one branch.
    pub fn children(&self, branch: &BranchKey) -> &[ActionId] {
        self.branches
            .iter()
            .find(|(k, _)| k == branch)
            .map_or(&[], |(_, ids)| ids.as_slice())
    }

    pub fn has_operation_option(&self, option: &str) -> bool {
        self.operation_options
            .iter()
            .any(|o| o.eq_ignore_ascii_case(option))
    }
}

/// Every action of a workflow, nested ones included, in document order (parents before
/// their children).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionTree {
    nodes: Vec<CheckedAction>,
    top_level: Vec<ActionId>,
    by_name: HashMap<String, ActionId>,
}

impl ActionTree {
    pub fn get(&self, id: ActionId) -> Option<&CheckedAction> {
        self.nodes.get(id.0)
    }

    pub(crate) fn nodes_mut(&mut self) -> impl Iterator<Item = &mut CheckedAction> {
        self.nodes.iter_mut()
    }

    /// Finds an action by name (names ignore case).
    pub fn find(&self, name: &str) -> Option<&CheckedAction> {
        self.by_name
            .get(&name.to_lowercase())
            .and_then(|id| self.get(*id))
    }

    pub fn top_level(&self) -> &[ActionId] {
        &self.top_level
    }

    pub fn iter(&self) -> impl Iterator<Item = &CheckedAction> {
        self.nodes.iter()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The siblings of an action (including itself), in document order.
    pub fn siblings(&self, id: ActionId) -> &[ActionId] {
        match self
            .get(id)
            .and_then(|a| a.parent.map(|p| (p, a.branch.clone())))
        {
            None => &self.top_level,
            Some((parent, branch)) => self.get(parent).map_or(&[], |p| p.children(&branch)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedTrigger {
    pub name: String,
    pub trigger_type: TriggerType,
    /// The trigger as written (recurrence, runtime configuration, operation options, …).
    pub trigger: Ordered<Trigger>,
    pub inputs: Option<ValueTemplate>,
    pub conditions: Vec<ValueTemplate>,
    pub split_on: Option<ValueTemplate>,
    /// What run history hides of this trigger's firings (see [`Secured`]).
    pub secure: Secured,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedParameter {
    pub name: String,
    pub parameter_type: ParameterType,
    pub default_value: Option<Value>,
    /// The workflow-level value (`parameters.<name>.value` beside the definition).
    pub value: Option<Value>,
}

impl CheckedParameter {
    /// The value a run sees: the workflow-level value, else the default.
    pub fn effective_value(&self) -> Option<&Value> {
        self.value.as_ref().or(self.default_value.as_ref())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedOutput {
    pub type_name: String,
    pub value: ValueTemplate,
}

/// A validated definition, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedDefinition {
    /// The shape the document came in.
    pub shape: DocumentShape,
    /// The serde model (serialises back to the definition as given, key order included).
    pub definition: Ordered<Definition>,
    /// Declared parameters by name, with defaults and workflow-level values.
    pub parameters: IndexMap<String, CheckedParameter>,
    pub triggers: Vec<CheckedTrigger>,
    pub actions: ActionTree,
    pub outputs: IndexMap<String, CheckedOutput>,
}

impl CheckedDefinition {
    /// The parameter values a run starts with (value, else default), by name.
    pub fn parameter_values(&self) -> IndexMap<String, Value> {
        self.parameters
            .iter()
            .filter_map(|(k, p)| p.effective_value().map(|v| (k.clone(), v.clone())))
            .collect()
    }
}

/// Builds the checked form of a document that passed validation.
pub(crate) fn build(
    shape: DocumentShape,
    located: &Located<'_>,
) -> Result<CheckedDefinition, ValidationError> {
    let internal = |pointer: &Pointer, message: String| ValidationError {
        pointer: pointer.to_string(),
        action: None,
        code: ErrorCode::InvalidDocument,
        message,
    };
    let definition: Ordered<Definition> = serde_json::from_value(located.definition.clone())
        .map_err(|e| {
            internal(
                &located.pointer,
                format!("the definition cannot be read: {e}"),
            )
        })?;
    let raw = located
        .definition
        .as_object()
        .ok_or_else(|| internal(&located.pointer, "the definition must be an object".into()))?;
    let template = |value: &Value, at: &Pointer| {
        ValueTemplate::parse(value)
            .map_err(|e| internal(at, format!("the expression is not valid: {e}")))
    };

    let values = located
        .parameter_values
        .as_ref()
        .and_then(|(v, _)| v.as_object());
    let mut parameters = IndexMap::new();
    for (name, decl) in definition.parameters.iter().flatten() {
        let parameter_type = decl.parameter_type().ok_or_else(|| {
            internal(
                &located.pointer,
                format!("parameter '{name}' has an unknown type"),
            )
        })?;
        let value = values
            .and_then(|v| v.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, e)| e.get("value"))
            .cloned();
        parameters.insert(
            name.clone(),
            CheckedParameter {
                name: name.clone(),
                parameter_type,
                default_value: decl.default_value.clone(),
                value,
            },
        );
    }

    let mut triggers = Vec::new();
    for (name, trigger) in definition.triggers.iter().flatten() {
        let at = located.pointer.key("triggers").key(name);
        let trigger_type = trigger
            .trigger_type()
            .ok_or_else(|| internal(&at, format!("trigger '{name}' has an unknown type")))?;
        let inputs = trigger
            .inputs
            .as_ref()
            .map(|v| template(v, &at))
            .transpose()?;
        let conditions = trigger
            .conditions
            .iter()
            .flatten()
            .map(|c| template(&c.expression, &at))
            .collect::<Result<Vec<_>, _>>()?;
        let split_on = trigger
            .split_on
            .as_ref()
            .map(|v| template(v, &at))
            .transpose()?;
        triggers.push(CheckedTrigger {
            name: name.clone(),
            trigger_type,
            trigger: trigger.clone(),
            inputs,
            conditions,
            split_on,
            secure: Secured::declared(
                raw.get("triggers")
                    .and_then(|t| t.get(name))
                    .and_then(|t| t.get("runtimeConfiguration")),
            ),
        });
    }

    let mut tree = ActionTree::default();
    let mut pending = PendingRunAfter::new();
    if let Some(Value::Object(actions)) = raw.get("actions") {
        let ids = add_actions(
            &mut tree,
            &mut pending,
            actions,
            &located.pointer.key("actions"),
            None,
            BranchKey::Actions,
        )?;
        tree.top_level = ids;
    }
    // Resolve runAfter now that every name has an id.
    for (id, entries) in pending {
        let edges = entries
            .into_iter()
            .filter_map(|(name, statuses)| {
                let predecessor = *tree.by_name.get(&name.to_lowercase())?;
                Some(RunAfterEdge {
                    predecessor,
                    statuses,
                })
            })
            .collect();
        if let Some(node) = tree.nodes.get_mut(id.0) {
            node.run_after = edges;
        }
    }
    secured::propagate(&triggers, &mut tree);

    let mut outputs = IndexMap::new();
    for (name, output) in definition.outputs.iter().flatten() {
        let at = located.pointer.key("outputs").key(name);
        let value = template(output.value.as_ref().unwrap_or(&Value::Null), &at)?;
        outputs.insert(
            name.clone(),
            CheckedOutput {
                type_name: output.type_name.clone(),
                value,
            },
        );
    }

    Ok(CheckedDefinition {
        shape,
        definition,
        parameters,
        triggers,
        actions: tree,
        outputs,
    })
}

/// `runAfter` as written, resolved once every action has an id.
type PendingRunAfter = Vec<(ActionId, Vec<(String, Vec<RunAfterStatus>)>)>;

fn add_actions(
    tree: &mut ActionTree,
    pending: &mut PendingRunAfter,
    actions: &Map<String, Value>,
    at: &Pointer,
    parent: Option<ActionId>,
    branch: BranchKey,
) -> Result<Vec<ActionId>, ValidationError> {
    let level = parent.and_then(|p| tree.get(p)).map_or(1, |p| p.level + 1);
    let mut ids = Vec::with_capacity(actions.len());
    for (name, action) in actions {
        let pointer = at.key(name);
        let fail = |message: String| ValidationError {
            pointer: pointer.to_string(),
            action: Some(name.clone()),
            code: ErrorCode::InvalidDocument,
            message,
        };
        let template = |value: &Value| {
            ValueTemplate::parse(value)
                .map_err(|e| fail(format!("the expression is not valid: {e}")))
        };
        let obj = action
            .as_object()
            .ok_or_else(|| fail("an action must be an object".into()))?;
        let action_type = obj
            .get("type")
            .and_then(Value::as_str)
            .and_then(ActionType::parse)
            .ok_or_else(|| fail("the action has no known type".into()))?;
        let id = ActionId(tree.nodes.len());
        ids.push(id);
        if let Some(Value::Object(run_after)) = obj.get("runAfter") {
            let entries = run_after
                .iter()
                .map(|(k, v)| {
                    let statuses = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().and_then(RunAfterStatus::parse))
                        .collect();
                    (k.clone(), statuses)
                })
                .collect();
            pending.push((id, entries));
        }
        tree.by_name.insert(name.to_lowercase(), id);
        let expression = match obj.get("expression") {
            None => None,
            Some(v @ Value::Object(_)) if action_type == ActionType::If => {
                let expr = condition_expr(v).map_err(fail)?;
                Some(ValueTemplate::Template(Box::new(Template::Expression(
                    expr,
                ))))
            }
            Some(v) => Some(template(v)?),
        };
        let limit = obj.get("limit").and_then(Value::as_object);
        let timeout_value = limit.and_then(|l| l.get("timeout"));
        let timeout = timeout_value
            .and_then(Value::as_str)
            .filter(|t| !t.starts_with('@'))
            .and_then(|t| IsoDuration::parse(t).ok());
        let count_expression = match limit.and_then(|l| l.get("count")) {
            Some(v @ Value::String(t)) if t.starts_with('@') => Some(template(v)?),
            _ => None,
        };
        let timeout_expression = match timeout_value {
            Some(v @ Value::String(t)) if t.starts_with('@') => Some(template(v)?),
            _ => None,
        };
        let cases = obj
            .get("cases")
            .and_then(Value::as_object)
            .map(|cases| {
                cases
                    .iter()
                    .map(|(k, c)| CheckedCase {
                        name: k.clone(),
                        value: c.get("case").cloned().unwrap_or(Value::Null),
                    })
                    .collect()
            })
            .unwrap_or_default();
        tree.nodes.push(CheckedAction {
            id,
            name: ActionName(name.clone()),
            action_type,
            parent,
            branch: branch.clone(),
            level,
            run_after: Vec::new(),
            inputs: if action_type.is_container() {
                None
            } else {
                obj.get("inputs").map(template).transpose()?
            },
            expression,
            foreach: obj.get("foreach").map(template).transpose()?,
            branches: Vec::new(),
            cases,
            timeout,
            timeout_expression,
            count: limit.and_then(|l| l.get("count")).and_then(Value::as_i64),
            count_expression,
            repetitions: obj
                .get("runtimeConfiguration")
                .and_then(|c| c.get("concurrency"))
                .and_then(|c| c.get("repetitions"))
                .and_then(Value::as_u64),
            operation_options: obj
                .get("operationOptions")
                .and_then(Value::as_str)
                .map(|o| {
                    o.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            tracked_properties: obj.get("trackedProperties").map(template).transpose()?,
            kind: obj.get("kind").and_then(Value::as_str).map(str::to_string),
            // Completed by `secured::propagate` once every action is known.
            secure: Secured::declared(obj.get("runtimeConfiguration")),
        });
        if !action_type.is_container() {
            continue;
        }
        let mut branches = Vec::new();
        let mut add = |tree: &mut ActionTree,
                       value: Option<&Value>,
                       p: Pointer,
                       key: BranchKey|
         -> Result<(), ValidationError> {
            match value {
                Some(Value::Object(children)) => {
                    let ids = add_actions(tree, pending, children, &p, Some(id), key.clone())?;
                    branches.push((key, ids));
                }
                None if key == BranchKey::Actions => branches.push((key, Vec::new())),
                _ => {}
            }
            Ok(())
        };
        match action_type {
            ActionType::If => {
                add(
                    tree,
                    obj.get("actions"),
                    pointer.key("actions"),
                    BranchKey::Actions,
                )?;
                add(
                    tree,
                    obj.get("else").and_then(|e| e.get("actions")),
                    pointer.key("else").key("actions"),
                    BranchKey::Else,
                )?;
            }
            ActionType::Switch => {
                for (case, body) in obj
                    .get("cases")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let p = pointer.key("cases").key(case).key("actions");
                    add(tree, body.get("actions"), p, BranchKey::Case(case.clone()))?;
                }
                add(
                    tree,
                    obj.get("default").and_then(|d| d.get("actions")),
                    pointer.key("default").key("actions"),
                    BranchKey::Default,
                )?;
            }
            _ => add(
                tree,
                obj.get("actions"),
                pointer.key("actions"),
                BranchKey::Actions,
            )?,
        }
        if let Some(node) = tree.nodes.get_mut(id.0) {
            node.branches = branches;
        }
    }
    Ok(ids)
}

/// Turns an If condition object tree (`{"and": [{"greater": ["@x", 0]}]}`) into one
/// expression, so the engine evaluates every condition the same way.
fn condition_expr(value: &Value) -> Result<Expr, String> {
    let span = Span::default();
    let node = |kind| Expr { kind, span };
    Ok(match value {
        Value::Object(map) => {
            let (function, args) = map.iter().next().ok_or("an empty condition object")?;
            let spec = hookflow_expr::lookup_function(function)
                .ok_or_else(|| format!("unknown function '{function}'"))?;
            let args = match args {
                Value::Array(items) => items
                    .iter()
                    .map(condition_expr)
                    .collect::<Result<Vec<_>, _>>()?,
                single => vec![condition_expr(single)?],
            };
            node(ExprKind::Call {
                function: spec,
                args,
            })
        }
        Value::Array(items) => node(ExprKind::Array(
            items
                .iter()
                .map(condition_expr)
                .collect::<Result<Vec<_>, _>>()?,
        )),
        Value::String(s) => match Template::parse(s).map_err(|e| e.to_string())? {
            Template::Literal(text) => node(ExprKind::Str(text)),
            Template::Expression(expr) => expr,
            Template::Interpolated(segments) => {
                let concat = hookflow_expr::lookup_function("concat")
                    .ok_or("interpolated strings in a condition need concat()")?;
                let args = segments
                    .into_iter()
                    .map(|s| match s {
                        Segment::Text(t) => node(ExprKind::Str(t)),
                        Segment::Expr(e) => e,
                    })
                    .collect();
                node(ExprKind::Call {
                    function: concat,
                    args,
                })
            }
        },
        Value::Null => node(ExprKind::Null),
        Value::Bool(b) => node(ExprKind::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => node(ExprKind::Int(i)),
            None => node(ExprKind::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
    })
}
