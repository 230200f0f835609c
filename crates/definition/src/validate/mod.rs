//! Validation of a definition document, one file per concern:
//!
//! - [`structure`]: the document's sections, every trigger and action, their `type` and
//!   common settings (`runAfter` shape, `limit`, `runtimeConfiguration`, …); it also
//!   records where expressions may appear (the *sites*).
//! - [`triggers`]: trigger types, conditions, splitOn, recurrence.
//! - [`inputs`]: required inputs per action and trigger type; where `item()`,
//!   `listCallbackUrl()` and `action()` may appear.
//! - [`http`]: outbound requests (Http, HttpWebhook), authentication, retry policies.
//! - [`variables`]: InitializeVariable declarations and the actions that change them.
//! - [`run_after`]: the `runAfter` graph (siblings only, known statuses, no cycles).
//! - [`expressions`]: every expression site parses, and what it names exists and is in
//!   reach.
//! - [`limits`]: the documented limits.
//!
//! Every pass records all the problems it finds; nothing stops at the first one.

mod expressions;
mod http;
mod inputs;
mod limits;
mod run_after;
mod structure;
mod triggers;
mod variables;

use crate::document::Located;
use crate::error::{pointer_tokens, ErrorCode, Errors, Pointer, ValidationError};
use crate::model::inputs::VariableType;
use crate::model::{ActionType, TriggerType};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Which branch of its container an action sits in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum BranchSlot {
    /// `actions` of If (true branch), Foreach, Until, Scope — or the top level.
    Actions,
    Else,
    Case(String),
    Default,
}

/// An action found in the document.
#[derive(Debug)]
pub(crate) struct Node<'a> {
    pub name: &'a str,
    pub pointer: Pointer,
    pub json: Option<&'a Map<String, Value>>,
    pub action_type: Option<ActionType>,
    pub parent: Option<usize>,
    pub slot: BranchSlot,
    /// 1 for top-level actions.
    pub level: usize,
}

#[derive(Debug)]
pub(crate) struct TriggerNode<'a> {
    pub name: &'a str,
    pub pointer: Pointer,
    pub trigger_type: Option<TriggerType>,
}

/// Who an expression site belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Action(usize),
    Trigger(usize),
    /// Workflow `outputs`.
    Workflow,
}

/// What kind of place an expression site is; decides which functions are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SiteKind {
    Plain,
    /// `select` of Select, `where` of Query, `columns` of Table: `item()` is the element.
    Iteration,
    /// HttpWebhook `subscribe`: `listCallbackUrl()` allowed.
    Subscribe,
    /// HttpWebhook `unsubscribe`: `listCallbackUrl()` and (actions) `action()` allowed.
    Unsubscribe,
    /// If `expression`: a string or an object tree of function calls.
    IfCondition,
    /// Until `expression`: `action()` and its own `iterationIndexes()` allowed.
    UntilCondition,
    /// The Foreach's own `foreach` value: evaluated outside the loop.
    ForeachSource,
    TrackedProperties,
}

#[derive(Debug)]
pub(crate) struct Site<'a> {
    pub pointer: Pointer,
    pub value: &'a Value,
    pub owner: Owner,
    pub kind: SiteKind,
}

/// A use of a variable by one of the variable actions.
#[derive(Debug)]
pub(crate) struct VariableUse<'a> {
    pub action: usize,
    pub pointer: Pointer,
    pub name: &'a str,
    pub action_type: ActionType,
}

#[derive(Debug)]
pub(crate) struct Variable<'a> {
    pub name: &'a str,
    pub variable_type: Option<VariableType>,
}

/// Everything one validation run learns about a definition.
#[derive(Debug, Default)]
pub(crate) struct Validator<'a> {
    pub errors: Errors,
    pub actions: Vec<Node<'a>>,
    pub triggers: Vec<TriggerNode<'a>>,
    /// Lower-cased action name → index in `actions`.
    pub by_name: HashMap<String, usize>,
    /// Lower-cased declared parameter names.
    pub parameters: HashMap<String, &'a str>,
    /// Lower-cased variable name → declaration.
    pub variables: HashMap<String, Variable<'a>>,
    pub variable_uses: Vec<VariableUse<'a>>,
    pub sites: Vec<Site<'a>>,
}

impl<'a> Validator<'a> {
    pub(crate) fn error(
        &mut self,
        pointer: &Pointer,
        action: Option<&str>,
        code: ErrorCode,
        message: impl Into<String>,
    ) {
        self.errors.push(pointer, action, code, message);
    }

    /// The name of the action a site belongs to (for error reports).
    pub(crate) fn owner_name(&self, owner: Owner) -> Option<&'a str> {
        match owner {
            Owner::Action(i) => self.actions.get(i).map(|n| n.name),
            Owner::Trigger(i) => self.triggers.get(i).map(|t| t.name),
            Owner::Workflow => None,
        }
    }

    pub(crate) fn action_named(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.to_lowercase()).copied()
    }

    /// The chain of enclosing actions of `index`, innermost first (not including itself).
    pub(crate) fn ancestors(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut current = self.actions.get(index).and_then(|n| n.parent);
        while let Some(i) = current {
            // Parents always come before their children, so this terminates.
            if out.contains(&i) {
                break;
            }
            out.push(i);
            current = self.actions.get(i).and_then(|n| n.parent);
        }
        out
    }

    /// Runs every pass over the located definition.
    pub(crate) fn run(&mut self, located: &Located<'a>) {
        let Some(definition) = located.definition.as_object() else {
            self.error(
                &located.pointer,
                None,
                ErrorCode::InvalidDocument,
                "the definition must be a JSON object",
            );
            return;
        };
        self.check_sections(definition, &located.pointer);
        if let Some((values, pointer)) = &located.parameter_values {
            self.check_parameter_values(values, pointer, definition);
        }
        self.check_run_after();
        self.check_expressions();
        self.check_variable_uses();
        self.check_limits(definition, &located.pointer);
    }
}

/// Sorts errors in document order: by the position of each pointer's tokens in the
/// document (a missing property sorts after its existing siblings), then by the order
/// they were found.
pub(crate) fn sort_in_document_order(
    doc: &Value,
    errors: Vec<ValidationError>,
) -> Vec<ValidationError> {
    let mut keyed: Vec<(Vec<usize>, usize, ValidationError)> = errors
        .into_iter()
        .enumerate()
        .map(|(i, e)| (document_position(doc, &e.pointer), i, e))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, _, e)| e).collect()
}

fn document_position(doc: &Value, pointer: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut current = Some(doc);
    for token in pointer_tokens(pointer) {
        let (position, next) = match current {
            Some(Value::Object(map)) => match map.keys().position(|k| *k == token) {
                Some(i) => (i, map.get(&token)),
                None => (usize::MAX, None),
            },
            Some(Value::Array(items)) => match token.parse::<usize>() {
                Ok(i) if i < items.len() => (i, items.get(i)),
                _ => (usize::MAX, None),
            },
            _ => (usize::MAX, None),
        };
        out.push(position);
        current = next;
    }
    out
}

/// True when a JSON value is a string holding an expression (`@…` or `…@{…}…`).
pub(crate) fn is_expression(value: &Value) -> bool {
    match value {
        Value::String(s) => (s.starts_with('@') && !s.starts_with("@@")) || s.contains("@{"),
        _ => false,
    }
}

/// A short description of a JSON value's type for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
