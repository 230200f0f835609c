//! The documented limits (Logic Apps "Limits and configuration", 2024): 500 actions per
//! workflow, nesting depth 8, names of at most 80 characters, 10 triggers, 500 parameters
//! (Standard), 10 outputs, 25 switch cases, 250 variables. The 8,192-character
//! expression limit is enforced by the expression parser and reported as
//! `LimitExceeded` by the expression pass.

use super::Validator;
use crate::error::{ErrorCode, Pointer};
use crate::model::ActionType;
use serde_json::{Map, Value};

pub const MAX_ACTIONS: usize = 500;
pub const MAX_NESTING_DEPTH: usize = 8;
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_TRIGGERS: usize = 10;
pub const MAX_PARAMETERS: usize = 500;
pub const MAX_OUTPUTS: usize = 10;
pub const MAX_SWITCH_CASES: usize = 25;
pub const MAX_VARIABLES: usize = 250;

impl Validator<'_> {
    pub(super) fn check_limits(&mut self, definition: &Map<String, Value>, at: &Pointer) {
        let counts = [
            (
                "actions",
                self.actions.len(),
                MAX_ACTIONS,
                "actions (nested ones included)",
            ),
            ("triggers", self.triggers.len(), MAX_TRIGGERS, "triggers"),
            (
                "variables",
                self.variables.len(),
                MAX_VARIABLES,
                "variables",
            ),
        ];
        for (section, count, max, what) in counts {
            if count > max {
                let p = if section == "variables" {
                    at.key("actions")
                } else {
                    at.key(section)
                };
                self.error(
                    &p,
                    None,
                    ErrorCode::LimitExceeded,
                    format!("the workflow has {count} {what}; the limit is {max}"),
                );
            }
        }
        for (section, max) in [("parameters", MAX_PARAMETERS), ("outputs", MAX_OUTPUTS)] {
            if let Some(Value::Object(entries)) = definition.get(section) {
                if entries.len() > max {
                    self.error(
                        &at.key(section),
                        None,
                        ErrorCode::LimitExceeded,
                        format!(
                            "the workflow declares {} {section}; the limit is {max}",
                            entries.len()
                        ),
                    );
                }
            }
        }
        for i in 0..self.triggers.len() {
            let Some(t) = self.triggers.get(i) else {
                continue;
            };
            let (name, pointer) = (t.name, t.pointer.clone());
            if name.chars().count() > MAX_NAME_CHARS {
                self.error(
                    &pointer,
                    Some(name),
                    ErrorCode::LimitExceeded,
                    format!(
                        "a trigger name has at most {MAX_NAME_CHARS} characters; this one has {}",
                        name.chars().count()
                    ),
                );
            }
        }
        for i in 0..self.actions.len() {
            let Some(node) = self.actions.get(i) else {
                continue;
            };
            let (name, pointer, level, parent, action_type) = (
                node.name,
                node.pointer.clone(),
                node.level,
                node.parent,
                node.action_type,
            );
            let cases = node
                .json
                .and_then(|o| o.get("cases"))
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            let length = name.chars().count();
            if length > MAX_NAME_CHARS {
                self.error(
                    &pointer,
                    Some(name),
                    ErrorCode::LimitExceeded,
                    format!("an action name has at most {MAX_NAME_CHARS} characters; this one has {length}"),
                );
            }
            if name.is_empty() {
                self.error(
                    &pointer,
                    Some(name),
                    ErrorCode::InvalidDocument,
                    "an action name must not be empty",
                );
            }
            // Report only the outermost action past the limit in each chain.
            let parent_over = parent
                .and_then(|p| self.actions.get(p))
                .is_some_and(|p| p.level > MAX_NESTING_DEPTH);
            if level > MAX_NESTING_DEPTH && !parent_over {
                self.error(
                    &pointer,
                    Some(name),
                    ErrorCode::LimitExceeded,
                    format!("actions may be nested at most {MAX_NESTING_DEPTH} levels deep; '{name}' is at level {level}"),
                );
            }
            if action_type == Some(ActionType::Switch) && cases > MAX_SWITCH_CASES {
                self.error(
                    &pointer.key("cases"),
                    Some(name),
                    ErrorCode::LimitExceeded,
                    format!("a Switch has at most {MAX_SWITCH_CASES} cases; this one has {cases}"),
                );
            }
        }
    }
}
