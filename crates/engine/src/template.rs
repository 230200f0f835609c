//! Reaching into an action's `inputs` template by field, for actions that evaluate parts
//! at different times: Query/Select/Table evaluate `where`/`select`/column values once per
//! item, HttpWebhook evaluates `unsubscribe` only when it unsubscribes.

use hookflow_definition::ValueTemplate;
use hookflow_expr::EvalContext;
use serde_json::Value;

/// A part of a template: still a template, or a static JSON subtree.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part<'a> {
    Template(&'a ValueTemplate),
    Static(&'a Value),
}

impl<'a> Part<'a> {
    pub fn of(template: &'a ValueTemplate) -> Part<'a> {
        match template {
            ValueTemplate::Static(v) => Part::Static(v),
            t => Part::Template(t),
        }
    }

    /// The object field `name` (case-insensitive), if this part is an object that has it.
    pub fn field(self, name: &str) -> Option<Part<'a>> {
        match self {
            Part::Template(ValueTemplate::Object(entries)) => entries
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| Part::of(v)),
            Part::Static(Value::Object(map)) => map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| Part::Static(v)),
            _ => None,
        }
    }

    /// Array elements, if this part is an array.
    pub fn elements(self) -> Option<Vec<Part<'a>>> {
        match self {
            Part::Template(ValueTemplate::Array(items)) => {
                Some(items.iter().map(Part::of).collect())
            }
            Part::Static(Value::Array(items)) => Some(items.iter().map(Part::Static).collect()),
            _ => None,
        }
    }

    pub fn evaluate(self, ctx: &dyn EvalContext) -> Result<Value, hookflow_expr::Error> {
        match self {
            Part::Template(t) => t.evaluate(ctx),
            Part::Static(v) => Ok(v.clone()),
        }
    }
}
