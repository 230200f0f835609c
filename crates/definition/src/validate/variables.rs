//! Variables: InitializeVariable declarations (top level only, one per action, typed) and
//! the actions that change them.

use super::{is_expression, json_type, Validator, Variable};
use crate::error::{ErrorCode, Pointer};
use crate::model::inputs::VariableType;
use crate::model::ActionType;
use serde_json::{Map, Value};

impl<'a> Validator<'a> {
    pub(super) fn check_initialize_variable(
        &mut self,
        index: usize,
        o: &'a Map<String, Value>,
        at: &Pointer,
        name: &'a str,
    ) {
        let top_level = self.actions.get(index).is_some_and(|n| n.parent.is_none());
        if !top_level {
            let pointer = self
                .actions
                .get(index)
                .map(|n| n.pointer.clone())
                .unwrap_or_default();
            self.error(
                &pointer,
                Some(name),
                ErrorCode::InvalidInput,
                "InitializeVariable is only allowed at the top level of the workflow, not inside a scope, condition or loop",
            );
        }
        let p = at.key("variables");
        let Some(variables) = o.get("variables") else {
            return;
        };
        let Some(items) = variables.as_array() else {
            self.error(
                &p,
                Some(name),
                ErrorCode::InvalidInput,
                "'variables' must be an array with one variable",
            );
            return;
        };
        if items.len() != 1 {
            self.error(
                &p,
                Some(name),
                ErrorCode::InvalidInput,
                format!(
                    "an InitializeVariable action declares exactly one variable, not {}",
                    items.len()
                ),
            );
        }
        for (i, item) in items.iter().enumerate() {
            let vp = p.index(i);
            let Some(var) = item.as_object() else {
                self.error(
                    &vp,
                    Some(name),
                    ErrorCode::InvalidInput,
                    "a variable must be an object with 'name' and 'type'",
                );
                continue;
            };
            let var_name = match var.get("name") {
                Some(Value::String(n)) if !n.is_empty() => Some(n.as_str()),
                Some(_) => {
                    self.error(
                        &vp.key("name"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        "a variable's 'name' must be a non-empty string",
                    );
                    None
                }
                None => {
                    self.error(
                        &vp.key("name"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "a variable needs a 'name'",
                    );
                    None
                }
            };
            let var_type = match var.get("type") {
                Some(Value::String(t)) => {
                    let parsed = VariableType::parse(t);
                    if parsed.is_none() {
                        self.error(
                            &vp.key("type"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            format!("variable type '{t}' is not one of Integer, Float, Boolean, String, Array, Object"),
                        );
                    }
                    parsed
                }
                Some(_) => {
                    self.error(
                        &vp.key("type"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        "a variable's 'type' must be a string",
                    );
                    None
                }
                None => {
                    self.error(
                        &vp.key("type"),
                        Some(name),
                        ErrorCode::MissingType,
                        "a variable needs a 'type'",
                    );
                    None
                }
            };
            if let (Some(t), Some(value)) = (var_type, var.get("value")) {
                if !value.is_null() && !is_expression(value) && !t.accepts(value) {
                    self.error(
                        &vp.key("value"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!(
                            "the initial value is {}, which is not a {t}",
                            json_type(value)
                        ),
                    );
                }
            }
            if let Some(var_name) = var_name {
                let previous = self.variables.insert(
                    var_name.to_lowercase(),
                    Variable {
                        name: var_name,
                        variable_type: var_type,
                    },
                );
                if let Some(previous) = previous {
                    self.error(
                        &vp.key("name"),
                        Some(name),
                        ErrorCode::DuplicateName,
                        format!("variable '{}' is already initialized by another action (names ignore case)", previous.name),
                    );
                }
            }
        }
    }

    /// Variable actions must name a declared variable of a fitting type.
    pub(super) fn check_variable_uses(&mut self) {
        let uses = std::mem::take(&mut self.variable_uses);
        for usage in &uses {
            let action = self.actions.get(usage.action).map(|n| n.name);
            let declared = self
                .variables
                .get(&usage.name.to_lowercase())
                .map(|v| v.variable_type);
            let Some(declared) = declared else {
                self.error(
                    &usage.pointer,
                    action,
                    ErrorCode::UnknownVariable,
                    format!(
                        "no InitializeVariable action declares a variable named '{}'",
                        usage.name
                    ),
                );
                continue;
            };
            let fits = match (usage.action_type, declared) {
                (_, None) => true,
                (ActionType::IncrementVariable | ActionType::DecrementVariable, Some(t)) => {
                    matches!(t, VariableType::Integer | VariableType::Float)
                }
                (ActionType::AppendToArrayVariable, Some(t)) => t == VariableType::Array,
                (ActionType::AppendToStringVariable, Some(t)) => t == VariableType::String,
                _ => true,
            };
            if !fits {
                self.error(
                    &usage.pointer,
                    action,
                    ErrorCode::InvalidInput,
                    format!(
                        "a {} action cannot change variable '{}' of type {}",
                        usage.action_type,
                        usage.name,
                        declared.map_or("unknown", |t| t.as_str())
                    ),
                );
            }
        }
        self.variable_uses = uses;
    }
}
