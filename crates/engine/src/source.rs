//! The action as written in the document, for what the checked form does not carry: the
//! source text of per-item expressions (which run history shows instead of a value).

use hookflow_definition::model::{Action, Actions};
use hookflow_definition::CheckedDefinition;

/// Finds an action by name anywhere in the document (names are unique, case-insensitive).
pub(crate) fn find<'d>(def: &'d CheckedDefinition, name: &str) -> Option<&'d Action> {
    fn walk<'d>(actions: Option<&'d Actions>, name: &str) -> Option<&'d Action> {
        for (k, action) in actions.into_iter().flatten() {
            if k.eq_ignore_ascii_case(name) {
                return Some(action);
            }
            let nested = walk(action.actions.as_ref(), name)
                .or_else(|| {
                    walk(
                        action.else_branch.as_ref().and_then(|b| b.actions.as_ref()),
                        name,
                    )
                })
                .or_else(|| {
                    walk(
                        action.default.as_ref().and_then(|b| b.actions.as_ref()),
                        name,
                    )
                })
                .or_else(|| {
                    action
                        .cases
                        .iter()
                        .flatten()
                        .find_map(|(_, c)| walk(c.actions.as_ref(), name))
                });
            if nested.is_some() {
                return nested;
            }
        }
        None
    }
    walk(def.definition.actions.as_ref(), name)
}

/// A field of the action's inputs as written (e.g. Query `where`).
pub(crate) fn raw_input(def: &CheckedDefinition, name: &str, field: &str) -> serde_json::Value {
    find(def, name)
        .and_then(|a| a.inputs.as_ref())
        .and_then(|i| i.get(field))
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}
