//! Expression sites: every string parses, and what the calls name exists and is in reach.
//!
//! Rules beyond parsing (function names and arities are checked by the parser):
//! - `body()`, `outputs()`, `actions()`, `result()`, `items()`, `iterationIndexes()`,
//!   `formDataValue()`, `formDataMultiValues()`, `multipartBody()` with a literal name
//!   must name an existing action (names ignore case); `result()` a Scope, Foreach or
//!   Until; `items()` an enclosing Foreach; `iterationIndexes()` an enclosing Until.
//! - Trigger expressions cannot read actions or variables (no action has run yet).
//! - `parameters('p')` needs a declaration; `variables('v')` an InitializeVariable.
//! - `listCallbackUrl()` only in HttpWebhook `subscribe`/`unsubscribe`.
//! - `item()` only inside a Foreach, or in Select `select`, Query `where`, Table `columns`.
//! - `action()` only in an HttpWebhook action's `unsubscribe`, `trackedProperties`, or an
//!   Until condition.
//!
//! Names given by an expression (`body(variables('n'))`) cannot be checked statically.

use super::{ActionType, Owner, SiteKind, Validator};
use crate::error::{ErrorCode, Pointer};
use hookflow_expr::{CallRef, ErrorKind, Template};
use serde_json::Value;

/// JSON nesting deeper than this is not walked (serde_json refuses deeper input anyway).
const MAX_WALK_DEPTH: usize = 200;

#[derive(Clone, Copy)]
struct SiteInfo {
    owner: Owner,
    kind: SiteKind,
}

impl<'a> Validator<'a> {
    pub(super) fn check_expressions(&mut self) {
        let sites = std::mem::take(&mut self.sites);
        for site in &sites {
            let info = SiteInfo {
                owner: site.owner,
                kind: site.kind,
            };
            if site.kind == SiteKind::IfCondition && site.value.is_object() {
                self.check_condition_tree(site.value, &site.pointer, info, 0);
            } else {
                self.walk_value(site.value, &site.pointer, info, 0);
            }
        }
        self.sites = sites;
    }

    fn walk_value(&mut self, value: &Value, at: &Pointer, site: SiteInfo, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            let action = self.owner_name(site.owner);
            self.error(
                at,
                action,
                ErrorCode::LimitExceeded,
                "the value is nested too deeply",
            );
            return;
        }
        match value {
            Value::String(s) => self.check_string(s, at, site),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk_value(item, &at.index(i), site, depth + 1);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    self.walk_value(item, &at.key(key), site, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// An If `expression` written as an object tree: `{"and": [{"greater": ["@x", 0]}]}`.
    /// Each key is a function; its value is the argument list (or a single argument).
    fn check_condition_tree(&mut self, value: &Value, at: &Pointer, site: SiteInfo, depth: usize) {
        let action = self.owner_name(site.owner);
        if depth > MAX_WALK_DEPTH {
            self.error(
                at,
                action,
                ErrorCode::LimitExceeded,
                "the condition is nested too deeply",
            );
            return;
        }
        let Some(map) = value.as_object() else {
            self.walk_value(value, at, site, depth + 1);
            return;
        };
        if map.len() != 1 {
            self.error(
                at,
                action,
                ErrorCode::InvalidTemplate,
                format!(
                    "a condition object must have exactly one function name as its key, not {}",
                    map.len()
                ),
            );
        }
        for (function, args) in map {
            let p = at.key(function);
            let Some(spec) = hookflow_expr::lookup_function(function) else {
                self.error(
                    &p,
                    action,
                    ErrorCode::UnknownFunction,
                    format!("unknown function '{function}'"),
                );
                continue;
            };
            let list: Vec<(Pointer, &Value)> = match args {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (p.index(i), v))
                    .collect(),
                single => vec![(p.clone(), single)],
            };
            let given = list.len();
            let fits = given >= spec.min_args && spec.max_args.is_none_or(|max| given <= max);
            if !fits {
                let expected = match spec.max_args {
                    None => format!("at least {}", spec.min_args),
                    Some(max) if max == spec.min_args => max.to_string(),
                    Some(max) => format!("{} to {max}", spec.min_args),
                };
                self.error(
                    &p,
                    action,
                    ErrorCode::InvalidTemplate,
                    format!(
                        "function '{}' expects {expected} argument(s) but was given {given}",
                        spec.name
                    ),
                );
            }
            for (arg_at, arg) in list {
                match arg {
                    Value::Object(_) => self.check_condition_tree(arg, &arg_at, site, depth + 1),
                    other => self.walk_value(other, &arg_at, site, depth + 1),
                }
            }
        }
    }

    fn check_string(&mut self, text: &str, at: &Pointer, site: SiteInfo) {
        if !text.contains('@') {
            return;
        }
        let action = self.owner_name(site.owner);
        match Template::parse(text) {
            Err(e) => {
                let code = match e.kind {
                    ErrorKind::TooLong { .. } => ErrorCode::LimitExceeded,
                    ErrorKind::UnknownFunction { .. } => ErrorCode::UnknownFunction,
                    _ => ErrorCode::InvalidTemplate,
                };
                self.error(
                    at,
                    action,
                    code,
                    format!("the expression is not valid: {e}"),
                );
            }
            Ok(template) => {
                let mut calls: Vec<(&'static str, Option<String>, usize)> = Vec::new();
                template.visit_calls(&mut |call: CallRef<'_>| {
                    let literal = call
                        .args
                        .first()
                        .and_then(|a| a.as_str_literal())
                        .map(str::to_string);
                    calls.push((call.name, literal, call.span.start + 1));
                });
                for (name, literal, position) in calls {
                    self.check_call(name, literal.as_deref(), position, at, site);
                }
            }
        }
    }

    fn check_call(
        &mut self,
        function: &str,
        literal: Option<&str>,
        position: usize,
        at: &Pointer,
        site: SiteInfo,
    ) {
        let action = self.owner_name(site.owner);
        let fail = |this: &mut Self, code: ErrorCode, message: String| {
            this.error(
                at,
                action,
                code,
                format!("{message} (at position {position})"),
            );
        };
        let in_trigger = matches!(site.owner, Owner::Trigger(_));
        match function {
            "body"
            | "outputs"
            | "actions"
            | "result"
            | "items"
            | "iterationIndexes"
            | "formDataValue"
            | "formDataMultiValues"
            | "multipartBody" => {
                if in_trigger {
                    fail(self, ErrorCode::InvalidReference, format!("a trigger cannot use {function}(): no action has run when a trigger evaluates"));
                    return;
                }
                let Some(target_name) = literal else { return };
                let Some(target) = self.action_named(target_name) else {
                    fail(
                        self,
                        ErrorCode::UnknownAction,
                        format!("{function}('{target_name}') names an action that does not exist"),
                    );
                    return;
                };
                let target_type = self.actions.get(target).and_then(|n| n.action_type);
                let enclosing = self.enclosing(site);
                match function {
                    "result" => {
                        let ok = matches!(
                            target_type,
                            Some(ActionType::Scope | ActionType::Foreach | ActionType::Until)
                        );
                        if !ok {
                            fail(self, ErrorCode::InvalidReference, format!("result('{target_name}') needs a Scope, Foreach or Until action"));
                        }
                    }
                    "items"
                        if target_type != Some(ActionType::Foreach)
                            || !enclosing.contains(&target) =>
                    {
                        fail(self, ErrorCode::InvalidReference, format!("items('{target_name}') must name a Foreach loop that encloses this expression"));
                    }
                    "iterationIndexes"
                        if target_type != Some(ActionType::Until)
                            || !enclosing.contains(&target) =>
                    {
                        fail(self, ErrorCode::InvalidReference, format!("iterationIndexes('{target_name}') must name an Until loop that encloses this expression"));
                    }
                    _ => {}
                }
            }
            "variables" => {
                if in_trigger {
                    fail(
                        self,
                        ErrorCode::InvalidReference,
                        "a trigger cannot read variables".to_string(),
                    );
                    return;
                }
                if let Some(var) = literal {
                    if !self.variables.contains_key(&var.to_lowercase()) {
                        fail(self, ErrorCode::UnknownVariable, format!("variables('{var}') names a variable that no InitializeVariable action declares"));
                    }
                }
            }
            "parameters" => {
                if let Some(param) = literal {
                    if !self.parameters.contains_key(&param.to_lowercase()) {
                        fail(self, ErrorCode::UndeclaredParameter, format!("parameters('{param}') names a parameter the definition does not declare"));
                    }
                }
            }
            "listCallbackUrl"
                if !matches!(site.kind, SiteKind::Subscribe | SiteKind::Unsubscribe) =>
            {
                fail(
                        self,
                        ErrorCode::ListCallbackUrlNotAllowed,
                        "listCallbackUrl() is only available in the subscribe and unsubscribe inputs of an HttpWebhook trigger or action".to_string(),
                    );
            }
            "item" => {
                let in_foreach = self.enclosing(site).iter().any(|&i| {
                    self.actions.get(i).and_then(|n| n.action_type) == Some(ActionType::Foreach)
                });
                if !in_foreach && site.kind != SiteKind::Iteration {
                    fail(
                        self,
                        ErrorCode::InvalidReference,
                        "item() is only available inside a Foreach loop or in Select 'select', Query 'where' and Table 'columns'".to_string(),
                    );
                }
            }
            "action" => {
                let ok = match site.kind {
                    SiteKind::Unsubscribe => matches!(site.owner, Owner::Action(_)),
                    SiteKind::TrackedProperties | SiteKind::UntilCondition => true,
                    _ => false,
                };
                if !ok {
                    fail(
                        self,
                        ErrorCode::InvalidReference,
                        "action() is only available in an HttpWebhook action's unsubscribe, in trackedProperties and in an Until condition".to_string(),
                    );
                }
            }
            _ => {}
        }
    }

    /// The loop and scope actions that enclose a site, innermost first. An Until's own
    /// condition runs inside the loop; a Foreach's own `foreach` value does not.
    fn enclosing(&self, site: SiteInfo) -> Vec<usize> {
        let Owner::Action(index) = site.owner else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if site.kind == SiteKind::UntilCondition {
            out.push(index);
        }
        out.extend(self.ancestors(index));
        out
    }
}
