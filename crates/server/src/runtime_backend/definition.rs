//! What the API needs to read from a stored definition document. The runtime validated
//! the document when it was saved, so these read the JSON directly; anything missing
//! reads as absent rather than failing.

use serde_json::{Map, Value};

/// The triggers of a definition, in document order.
pub(crate) fn triggers(definition: &Value) -> Vec<(&str, &Value)> {
    definition
        .get("triggers")
        .and_then(Value::as_object)
        .map(|t| t.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

pub(crate) fn trigger<'a>(definition: &'a Value, name: &str) -> Option<&'a Value> {
    definition.get("triggers")?.get(name)
}

pub(crate) fn trigger_type(trigger: &Value) -> &str {
    trigger.get("type").and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn trigger_input<'a>(trigger: &'a Value, field: &str) -> Option<&'a str> {
    trigger.get("inputs")?.get(field)?.as_str()
}

/// The child action maps of one action: `actions`, `else.actions`, each case's and the
/// default's (If, Switch, Scope, Foreach, Until).
fn children(action: &Value) -> Vec<&Map<String, Value>> {
    let cases = action
        .get("cases")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|cases| cases.values().map(|case| case.get("actions")));
    [
        action.get("actions"),
        action.get("else").and_then(|e| e.get("actions")),
        action.get("default").and_then(|e| e.get("actions")),
    ]
    .into_iter()
    .chain(cases)
    .flatten()
    .filter_map(Value::as_object)
    .collect()
}

fn is_type(action: &Value, wanted: &str) -> bool {
    action
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(wanted))
}

/// Whether any action at any depth is a Response: only then does a Request trigger wait
/// for the run's answer (otherwise it answers 202 at once).
pub(crate) fn has_response_action(definition: &Value) -> bool {
    fn walk(actions: &Map<String, Value>) -> bool {
        actions
            .values()
            .any(|a| is_type(a, "Response") || children(a).into_iter().any(walk))
    }
    definition
        .get("actions")
        .and_then(Value::as_object)
        .is_some_and(walk)
}

/// The Foreach/Until actions around `name`, outermost first (empty when it is not inside
/// a loop or not found).
pub(crate) fn loops_around(definition: &Value, name: &str) -> Vec<String> {
    fn walk(actions: &Map<String, Value>, name: &str, path: &mut Vec<String>) -> bool {
        for (key, action) in actions {
            if key == name {
                return true;
            }
            let is_loop = is_type(action, "Foreach") || is_type(action, "Until");
            if is_loop {
                path.push(key.clone());
            }
            if children(action).into_iter().any(|c| walk(c, name, path)) {
                return true;
            }
            if is_loop {
                path.pop();
            }
        }
        false
    }
    let mut path = Vec::new();
    if let Some(actions) = definition.get("actions").and_then(Value::as_object) {
        if !walk(actions, name, &mut path) {
            path.clear();
        }
    }
    path
}

/// The `{name}` placeholders of a Request trigger's `relativePath`, in order.
pub(crate) fn path_parameters(template: &str) -> Vec<String> {
    template
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

/// Matches a request's relative path against the template: `customers/{id}` and
/// `customers/42` give `{"id": "42"}`. Segments beyond the template, or literal segments
/// that differ, add nothing: the run still starts, as in Logic Apps.
pub(crate) fn match_relative_path(template: &str, actual: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let template = template.trim_matches('/').split('/');
    let actual = actual.trim_matches('/').split('/');
    for (pattern, value) in template.zip(actual) {
        if let Some(name) = pattern.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            out.insert(name.to_string(), Value::String(value.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_responses_and_loops_at_any_depth() {
        let definition = json!({"actions": {
            "Loop": {"type": "Foreach", "actions": {
                "Check": {"type": "If", "actions": {}, "else": {"actions": {
                    "Inner": {"type": "Compose"},
                    "Answer": {"type": "response"}
                }}}
            }}
        }});
        assert!(has_response_action(&definition));
        assert_eq!(loops_around(&definition, "Inner"), vec!["Loop".to_string()]);
        assert!(loops_around(&definition, "Loop").is_empty());
        assert!(loops_around(&definition, "Missing").is_empty());
        assert!(!has_response_action(
            &json!({"actions": {"A": {"type": "Compose"}}})
        ));
    }

    #[test]
    fn relative_paths_bind_their_parameters() {
        assert_eq!(
            path_parameters("customers/{id}/orders/{order}"),
            ["id", "order"]
        );
        let bound = match_relative_path("customers/{id}", "/customers/42");
        assert_eq!(Value::Object(bound), json!({"id": "42"}));
    }
}
