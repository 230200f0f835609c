//! The document's sections, triggers and actions: shapes, `type`, common settings, and
//! the expression sites they contain.

use super::{json_type, BranchSlot, Node, Owner, Site, SiteKind, Validator};
use crate::duration::IsoDuration;
use crate::error::{ErrorCode, Pointer};
use crate::model::{ActionType, ParameterType, RunAfterStatus};
use serde_json::{Map, Value};

/// Top-level properties of a definition that hookflow reads; others are kept as they are.
const SECTIONS: &[&str] = &[
    "parameters",
    "triggers",
    "actions",
    "outputs",
    "staticResults",
];

impl<'a> Validator<'a> {
    pub(super) fn check_sections(&mut self, definition: &'a Map<String, Value>, at: &Pointer) {
        for section in SECTIONS {
            if let Some(value) = definition.get(*section) {
                if !value.is_object() {
                    self.error(
                        &at.key(section),
                        None,
                        ErrorCode::InvalidDocument,
                        format!("'{section}' must be an object, not {}", json_type(value)),
                    );
                }
            }
        }
        for key in ["$schema", "contentVersion"] {
            if let Some(value) = definition.get(key) {
                if !value.is_string() {
                    self.error(
                        &at.key(key),
                        None,
                        ErrorCode::InvalidDocument,
                        format!("'{key}' must be a string"),
                    );
                }
            }
        }
        if let Some(Value::Object(params)) = definition.get("parameters") {
            self.check_parameter_declarations(params, &at.key("parameters"));
        }
        if let Some(Value::Object(triggers)) = definition.get("triggers") {
            let base = at.key("triggers");
            for (name, trigger) in triggers {
                self.check_trigger(name, trigger, &base.key(name));
            }
        }
        if let Some(Value::Object(actions)) = definition.get("actions") {
            self.collect_actions(actions, &at.key("actions"), None, BranchSlot::Actions);
        }
        // Check each action only once all names are known (for Response/trigger rules).
        for index in 0..self.actions.len() {
            self.check_action(index);
        }
        if let Some(Value::Object(outputs)) = definition.get("outputs") {
            self.check_outputs(outputs, &at.key("outputs"));
        }
    }

    fn check_parameter_declarations(&mut self, params: &'a Map<String, Value>, at: &Pointer) {
        for (name, decl) in params {
            let p = at.key(name);
            if self.parameters.insert(name.to_lowercase(), name).is_some() {
                self.error(
                    &p,
                    None,
                    ErrorCode::DuplicateName,
                    format!("parameter '{name}' is declared twice (names ignore case)"),
                );
            }
            let Some(decl) = decl.as_object() else {
                self.error(
                    &p,
                    None,
                    ErrorCode::InvalidDocument,
                    format!("parameter '{name}' must be an object with a 'type'"),
                );
                continue;
            };
            let parameter_type = match decl.get("type") {
                None => {
                    self.error(
                        &p.key("type"),
                        None,
                        ErrorCode::MissingType,
                        format!("parameter '{name}' has no 'type'"),
                    );
                    None
                }
                Some(Value::String(t)) => match ParameterType::parse(t) {
                    Some(t) => Some(t),
                    None => {
                        self.error(
                            &p.key("type"),
                            None,
                            ErrorCode::InvalidInput,
                            format!(
                                "parameter type '{t}' is not one of int, float, string, securestring, bool, array, object, secureobject"
                            ),
                        );
                        None
                    }
                },
                Some(other) => {
                    self.error(
                        &p.key("type"),
                        None,
                        ErrorCode::InvalidInput,
                        format!(
                            "a parameter's 'type' must be a string, not {}",
                            json_type(other)
                        ),
                    );
                    None
                }
            };
            if let (Some(t), Some(default)) = (parameter_type, decl.get("defaultValue")) {
                if !default.is_null() && !t.accepts(default) {
                    self.error(
                        &p.key("defaultValue"),
                        None,
                        ErrorCode::InvalidInput,
                        format!(
                            "the default value of parameter '{name}' is {}, which is not of type '{}'",
                            json_type(default),
                            decl.get("type").and_then(Value::as_str).unwrap_or_default()
                        ),
                    );
                }
            }
        }
    }

    /// Checks the workflow-level parameter values (`{"name": {"value": …}}`) against the
    /// declarations.
    pub(super) fn check_parameter_values(
        &mut self,
        values: &'a Value,
        at: &Pointer,
        definition: &'a Map<String, Value>,
    ) {
        let Some(values) = values.as_object() else {
            self.error(
                at,
                None,
                ErrorCode::InvalidDocument,
                "the workflow's 'parameters' must be an object of {\"name\": {\"value\": …}}",
            );
            return;
        };
        let declarations = definition.get("parameters").and_then(Value::as_object);
        for (name, entry) in values {
            let p = at.key(name);
            let declaration = declarations.and_then(|d| {
                d.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            });
            let Some(declaration) = declaration else {
                self.error(
                    &p,
                    None,
                    ErrorCode::UndeclaredParameter,
                    format!("a value is given for parameter '{name}', which the definition does not declare"),
                );
                continue;
            };
            let Some(value) = entry.as_object().and_then(|e| e.get("value")) else {
                self.error(
                    &p,
                    None,
                    ErrorCode::InvalidDocument,
                    format!("the value of parameter '{name}' must be given as {{\"value\": …}}"),
                );
                continue;
            };
            let declared = declaration
                .get("type")
                .and_then(Value::as_str)
                .and_then(ParameterType::parse);
            if let Some(t) = declared {
                if !value.is_null() && !t.accepts(value) {
                    self.error(
                        &p.key("value"),
                        None,
                        ErrorCode::InvalidInput,
                        format!(
                            "the value of parameter '{name}' is {}, which is not of its declared type",
                            json_type(value)
                        ),
                    );
                }
            }
        }
    }

    /// Walks an `actions` map, registering every action (depth first, document order).
    fn collect_actions(
        &mut self,
        actions: &'a Map<String, Value>,
        at: &Pointer,
        parent: Option<usize>,
        slot: BranchSlot,
    ) {
        let level = parent
            .and_then(|p| self.actions.get(p))
            .map_or(1, |p| p.level + 1);
        for (name, action) in actions {
            let pointer = at.key(name);
            let index = self.actions.len();
            let json = action.as_object();
            let action_type = json
                .and_then(|o| o.get("type"))
                .and_then(Value::as_str)
                .and_then(ActionType::parse);
            if let Some(previous) = self.by_name.insert(name.to_lowercase(), index) {
                let first = self.actions.get(previous).map(|n| n.pointer.to_string());
                self.error(
                    &pointer,
                    Some(name),
                    ErrorCode::DuplicateName,
                    format!(
                        "another action is already named '{name}' (at {}); action names are unique across the workflow and ignore case",
                        first.unwrap_or_default()
                    ),
                );
            }
            self.actions.push(Node {
                name,
                pointer: pointer.clone(),
                json,
                action_type,
                parent,
                slot: slot.clone(),
                level,
            });
            let (Some(obj), Some(t)) = (json, action_type) else {
                continue;
            };
            if !t.is_container() {
                continue;
            }
            let nested =
                |this: &mut Self, value: Option<&'a Value>, p: Pointer, slot: BranchSlot| {
                    match value {
                        Some(Value::Object(children)) => {
                            this.collect_actions(children, &p, Some(index), slot)
                        }
                        Some(other) => this.error(
                            &p,
                            Some(name),
                            ErrorCode::InvalidDocument,
                            format!(
                                "'actions' must be an object of actions, not {}",
                                json_type(other)
                            ),
                        ),
                        None => {}
                    }
                };
            match t {
                ActionType::If => {
                    nested(
                        self,
                        obj.get("actions"),
                        pointer.key("actions"),
                        BranchSlot::Actions,
                    );
                    if let Some(branch) = obj.get("else") {
                        let p = pointer.key("else");
                        match branch {
                            Value::Object(b) => {
                                nested(self, b.get("actions"), p.key("actions"), BranchSlot::Else)
                            }
                            other => self.error(
                                &p,
                                Some(name),
                                ErrorCode::InvalidDocument,
                                format!(
                                    "'else' must be an object with 'actions', not {}",
                                    json_type(other)
                                ),
                            ),
                        }
                    }
                }
                ActionType::Switch => {
                    if let Some(cases) = obj.get("cases") {
                        let p = pointer.key("cases");
                        match cases {
                            Value::Object(cases) => {
                                for (case_name, case) in cases {
                                    let cp = p.key(case_name);
                                    match case {
                                        Value::Object(c) => nested(
                                            self,
                                            c.get("actions"),
                                            cp.key("actions"),
                                            BranchSlot::Case(case_name.clone()),
                                        ),
                                        other => self.error(
                                            &cp,
                                            Some(name),
                                            ErrorCode::InvalidDocument,
                                            format!(
                                                "a switch case must be an object, not {}",
                                                json_type(other)
                                            ),
                                        ),
                                    }
                                }
                            }
                            other => self.error(
                                &p,
                                Some(name),
                                ErrorCode::InvalidDocument,
                                format!("'cases' must be an object, not {}", json_type(other)),
                            ),
                        }
                    }
                    if let Some(branch) = obj.get("default") {
                        let p = pointer.key("default");
                        match branch {
                            Value::Object(b) => nested(
                                self,
                                b.get("actions"),
                                p.key("actions"),
                                BranchSlot::Default,
                            ),
                            other => self.error(
                                &p,
                                Some(name),
                                ErrorCode::InvalidDocument,
                                format!(
                                    "'default' must be an object with 'actions', not {}",
                                    json_type(other)
                                ),
                            ),
                        }
                    }
                }
                _ => nested(
                    self,
                    obj.get("actions"),
                    pointer.key("actions"),
                    BranchSlot::Actions,
                ),
            }
        }
    }

    /// Checks one registered action: its shape, type, common settings and inputs.
    fn check_action(&mut self, index: usize) {
        let Some(node) = self.actions.get(index) else {
            return;
        };
        let (name, pointer, json, action_type) =
            (node.name, node.pointer.clone(), node.json, node.action_type);
        let Some(obj) = json else {
            self.error(
                &pointer,
                Some(name),
                ErrorCode::InvalidDocument,
                "an action must be a JSON object",
            );
            return;
        };
        match obj.get("type") {
            None => self.error(
                &pointer.key("type"),
                Some(name),
                ErrorCode::MissingType,
                format!("action '{name}' has no 'type'"),
            ),
            Some(Value::String(t)) if action_type.is_none() => self.error(
                &pointer.key("type"),
                Some(name),
                ErrorCode::UnknownActionType,
                format!("action type '{t}' is not supported by hookflow"),
            ),
            Some(Value::String(_)) => {}
            Some(other) => self.error(
                &pointer.key("type"),
                Some(name),
                ErrorCode::MissingType,
                format!(
                    "an action's 'type' must be a string, not {}",
                    json_type(other)
                ),
            ),
        }
        self.check_string_property(obj, "kind", &pointer, name);
        self.check_string_property(obj, "operationOptions", &pointer, name);
        if let Some(run_after) = obj.get("runAfter") {
            self.check_run_after_shape(run_after, &pointer.key("runAfter"), name);
        }
        if let Some(config) = obj.get("runtimeConfiguration") {
            self.check_runtime_configuration(
                config,
                &pointer.key("runtimeConfiguration"),
                name,
                false,
            );
        }
        if let Some(limit) = obj.get("limit") {
            let is_until = action_type == Some(ActionType::Until);
            self.check_limit(limit, &pointer.key("limit"), name, is_until);
        }
        if let Some(tracked) = obj.get("trackedProperties") {
            self.sites.push(Site {
                pointer: pointer.key("trackedProperties"),
                value: tracked,
                owner: Owner::Action(index),
                kind: SiteKind::TrackedProperties,
            });
        }
        if let Some(t) = action_type {
            self.check_action_inputs(index, t, obj, &pointer);
        }
    }

    /// `runAfter` must be `{ "name": ["Succeeded", …] }` with known statuses; the names
    /// are resolved in the run-after pass.
    fn check_run_after_shape(&mut self, run_after: &Value, at: &Pointer, name: &str) {
        let Some(entries) = run_after.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidRunAfter,
                format!("'runAfter' must be an object, not {}", json_type(run_after)),
            );
            return;
        };
        for (predecessor, statuses) in entries {
            let p = at.key(predecessor);
            let Some(statuses) = statuses.as_array() else {
                self.error(
                    &p,
                    Some(name),
                    ErrorCode::InvalidRunAfter,
                    format!(
                        "the statuses for '{predecessor}' must be an array like [\"Succeeded\"]"
                    ),
                );
                continue;
            };
            if statuses.is_empty() {
                self.error(
                    &p,
                    Some(name),
                    ErrorCode::InvalidRunAfter,
                    format!("the statuses for '{predecessor}' must not be empty"),
                );
            }
            for (i, status) in statuses.iter().enumerate() {
                let known = status.as_str().and_then(RunAfterStatus::parse);
                if known.is_none() {
                    self.error(
                        &p.index(i),
                        Some(name),
                        ErrorCode::InvalidRunAfter,
                        format!(
                            "{} is not a runAfter status; use Succeeded, Failed, Skipped or TimedOut",
                            status
                        ),
                    );
                }
            }
        }
    }

    pub(super) fn check_runtime_configuration(
        &mut self,
        config: &Value,
        at: &Pointer,
        name: &str,
        trigger: bool,
    ) {
        let Some(obj) = config.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                "'runtimeConfiguration' must be an object",
            );
            return;
        };
        if let Some(concurrency) = obj.get("concurrency") {
            let p = at.key("concurrency");
            match concurrency.as_object() {
                None => self.error(
                    &p,
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'concurrency' must be an object",
                ),
                Some(c) => {
                    let ranges: &[(&str, u64, u64)] = if trigger {
                        &[("runs", 1, 100), ("maximumWaitingRuns", 1, 200)]
                    } else {
                        &[("repetitions", 1, 50)]
                    };
                    for (key, min, max) in ranges {
                        if let Some(v) = c.get(*key) {
                            match v.as_u64() {
                                Some(n) if n >= *min && n <= *max => {}
                                Some(n) => self.error(
                                    &p.key(key),
                                    Some(name),
                                    ErrorCode::LimitExceeded,
                                    format!("'{key}' must be between {min} and {max}, not {n}"),
                                ),
                                None => self.error(
                                    &p.key(key),
                                    Some(name),
                                    ErrorCode::InvalidInput,
                                    format!("'{key}' must be a positive integer"),
                                ),
                            }
                        }
                    }
                }
            }
        }
        if let Some(secure) = obj.get("secureData") {
            let p = at.key("secureData");
            let properties = secure.get("properties").and_then(Value::as_array);
            match properties {
                None => self.error(
                    &p,
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'secureData' must be {\"properties\": [\"inputs\", \"outputs\"]}",
                ),
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if !matches!(item.as_str(), Some("inputs") | Some("outputs")) {
                            self.error(
                                &p.key("properties").index(i),
                                Some(name),
                                ErrorCode::InvalidInput,
                                "secureData properties are \"inputs\" and \"outputs\"",
                            );
                        }
                    }
                }
            }
        }
    }

    pub(super) fn check_limit(&mut self, limit: &Value, at: &Pointer, name: &str, until: bool) {
        let Some(obj) = limit.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                "'limit' must be an object",
            );
            return;
        };
        if let Some(timeout) = obj.get("timeout") {
            self.check_duration(timeout, &at.key("timeout"), name, None);
        }
        if let Some(count) = obj.get("count") {
            if !super::is_expression(count) {
                match count.as_i64() {
                    Some(n) if until && !(1..=5000).contains(&n) => self.error(
                        &at.key("count"),
                        Some(name),
                        ErrorCode::LimitExceeded,
                        format!("an Until loop's count must be between 1 and 5000, not {n}"),
                    ),
                    Some(_) => {}
                    None => self.error(
                        &at.key("count"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        "'count' must be an integer",
                    ),
                }
            }
        }
    }

    /// A literal ISO 8601 duration (expressions are accepted as they are), optionally
    /// within a range.
    pub(super) fn check_duration(
        &mut self,
        value: &Value,
        at: &Pointer,
        name: &str,
        range: Option<(&str, &str)>,
    ) -> Option<IsoDuration> {
        if super::is_expression(value) {
            return None;
        }
        let Some(text) = value.as_str() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                format!(
                    "a duration must be an ISO 8601 string like \"PT30S\", not {}",
                    json_type(value)
                ),
            );
            return None;
        };
        match IsoDuration::parse(text) {
            Ok(d) => {
                if let Some((min, max)) = range {
                    let lo = IsoDuration::parse(min)
                        .map(|d| d.approx())
                        .unwrap_or_default();
                    let hi = IsoDuration::parse(max)
                        .map(|d| d.approx())
                        .unwrap_or_default();
                    if d.approx() < lo || d.approx() > hi {
                        self.error(
                            at,
                            Some(name),
                            ErrorCode::LimitExceeded,
                            format!("'{text}' is outside the allowed range {min}..{max}"),
                        );
                    }
                }
                Some(d)
            }
            Err(e) => {
                self.error(at, Some(name), ErrorCode::InvalidInput, e.to_string());
                None
            }
        }
    }

    pub(super) fn check_string_property(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        at: &Pointer,
        name: &str,
    ) {
        if let Some(value) = obj.get(key) {
            if !value.is_string() {
                self.error(
                    &at.key(key),
                    Some(name),
                    ErrorCode::InvalidInput,
                    format!("'{key}' must be a string, not {}", json_type(value)),
                );
            }
        }
    }

    fn check_outputs(&mut self, outputs: &'a Map<String, Value>, at: &Pointer) {
        for (name, output) in outputs {
            let p = at.key(name);
            let Some(obj) = output.as_object() else {
                self.error(
                    &p,
                    None,
                    ErrorCode::InvalidDocument,
                    format!("output '{name}' must be an object with 'type' and 'value'"),
                );
                continue;
            };
            match obj.get("type") {
                Some(Value::String(_)) => {}
                Some(_) => self.error(
                    &p.key("type"),
                    None,
                    ErrorCode::InvalidInput,
                    "an output's 'type' must be a string",
                ),
                None => self.error(
                    &p.key("type"),
                    None,
                    ErrorCode::MissingType,
                    format!("output '{name}' has no 'type'"),
                ),
            }
            match obj.get("value") {
                Some(value) => self.sites.push(Site {
                    pointer: p.key("value"),
                    value,
                    owner: Owner::Workflow,
                    kind: SiteKind::Plain,
                }),
                None => self.error(
                    &p.key("value"),
                    None,
                    ErrorCode::MissingInput,
                    format!("output '{name}' has no 'value'"),
                ),
            }
        }
    }
}
