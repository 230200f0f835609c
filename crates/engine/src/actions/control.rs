//! Control actions: If, Switch, Scope, Foreach, Until. Starting one journals its decision
//! (branch, items); advancing one runs its children and completes it when they are done.

use super::invalid_template;
use crate::context::loop_ancestors;
use crate::event::{ChosenBranch, Event};
use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use crate::status::Status;
use crate::template::Part;
use crate::EngineError;
use hookflow_definition::model::ActionType;
use hookflow_definition::{BranchKey, CheckedAction};
use serde_json::{json, Value};

/// Foreach parallelism when `repetitions` is not set (reference §10).
const DEFAULT_REPETITIONS: u64 = 20;
const MAX_REPETITIONS: u64 = 50;
/// Until limits when `limit` is not set (reference §12).
const DEFAULT_UNTIL_COUNT: i64 = 60;
const DEFAULT_UNTIL_TIMEOUT_SECS: i64 = 3600;

pub(crate) fn start(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    match action.action_type {
        ActionType::If => start_if(m, action, key),
        ActionType::Switch => start_switch(m, action, key),
        ActionType::Foreach => start_foreach(m, action, key),
        _ => m.emit(Event::ActionStarted {
            key: key.clone(),
            inputs: Value::Null,
            secure: Default::default(),
            at: m.now,
        }),
    }
}

fn evaluate_expression(
    m: &Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Result<Value, String> {
    let Some(expression) = &action.expression else {
        return Ok(Value::Null);
    };
    Part::of(expression)
        .evaluate(&m.ctx(Some(action.id), key.indexes()))
        .map_err(|e| e.to_string())
}

fn start_if(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let value = match evaluate_expression(m, action, key) {
        Ok(v) => v,
        Err(e) => return m.complete(action, key, invalid_template(action, &e, Value::Null)),
    };
    let Value::Bool(truth) = value else {
        let message = format!(
            "The result of the 'expression' of action '{}' must be a boolean, not {}",
            action.name, value
        );
        return m.complete(
            action,
            key,
            Completion::failed("InvalidTemplate", message, Value::Null),
        );
    };
    let branch = if truth {
        ChosenBranch::Actions
    } else {
        ChosenBranch::Else
    };
    choose(m, action, key, branch, value);
}

/// Switch cases match by JSON equality; numbers compare by value (1 equals 1.0).
fn case_matches(case: &Value, value: &Value) -> bool {
    match (case, value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => case == value,
    }
}

fn start_switch(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let value = match evaluate_expression(m, action, key) {
        Ok(v) => v,
        Err(e) => return m.complete(action, key, invalid_template(action, &e, Value::Null)),
    };
    let branch = action
        .cases
        .iter()
        .find(|c| case_matches(&c.value, &value))
        .map_or(ChosenBranch::Default, |c| {
            ChosenBranch::Case(c.name.clone())
        });
    choose(m, action, key, branch, value);
}

fn branch_key(branch: &ChosenBranch) -> BranchKey {
    match branch {
        ChosenBranch::Actions => BranchKey::Actions,
        ChosenBranch::Else => BranchKey::Else,
        ChosenBranch::Case(name) => BranchKey::Case(name.clone()),
        ChosenBranch::Default => BranchKey::Default,
    }
}

/// Journals the branch and marks the top-level actions of every other branch Skipped
/// (actions nested deeper in an untaken branch get no record).
fn choose(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
    branch: ChosenBranch,
    value: Value,
) {
    let taken = branch_key(&branch);
    m.emit(Event::BranchChosen {
        key: key.clone(),
        branch,
        value,
        at: m.now,
    });
    for (branch, children) in &action.branches {
        if *branch == taken {
            continue;
        }
        for id in children {
            let Some(child) = m.def.actions.get(*id) else {
                continue;
            };
            let child_key = ActionKey::new(child.name.as_str(), key.indexes());
            let error = json!({
                "code": "ActionBranchingConditionNotSatisfied",
                "message": format!("The execution of template action '{}' is skipped: the branching condition for this action is not satisfied.", child.name),
            });
            m.complete(
                child,
                &child_key,
                Completion {
                    status: Some(Status::Skipped),
                    code: Some("ActionSkipped".into()),
                    error,
                    ..Completion::default()
                },
            );
        }
    }
}

fn start_foreach(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let value = match &action.foreach {
        None => Ok(Value::Null),
        Some(t) => Part::of(t)
            .evaluate(&m.ctx(Some(action.id), key.indexes()))
            .map_err(|e| e.to_string()),
    };
    let items = match value {
        Ok(Value::Array(items)) => items,
        Ok(other) => {
            let message = format!(
                "The 'foreach' of action '{}' must evaluate to an array, not {}",
                action.name,
                type_name(&other)
            );
            return m.complete(
                action,
                key,
                Completion::failed("InvalidTemplate", message, Value::Null),
            );
        }
        Err(e) => return m.complete(action, key, invalid_template(action, &e, Value::Null)),
    };
    if items.len() > m.config.max_foreach_items {
        let message = format!(
            "The 'foreach' of action '{}' has {} items; the limit is {}",
            action.name,
            items.len(),
            m.config.max_foreach_items
        );
        return m.complete(
            action,
            key,
            Completion::failed("InvalidTemplate", message, Value::Null),
        );
    }
    m.emit(Event::LoopStarted {
        key: key.clone(),
        items,
        at: m.now,
    });
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Advances a running container instance.
pub(crate) fn advance(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Result<(), EngineError> {
    match action.action_type {
        ActionType::Foreach => advance_foreach(m, action, key),
        ActionType::Until => advance_until(m, action, key),
        _ => {
            let branch = match m.work.action(key).and_then(|r| r.branch.clone()) {
                Some(b) => branch_key(&b),
                None => BranchKey::Actions,
            };
            let children = action.children(&branch);
            if m.advance_children(children, key.indexes())? {
                let status = m.aggregate(children, key.indexes());
                m.complete_container(action, key, status);
            }
            Ok(())
        }
    }
}

fn repetitions(action: &CheckedAction) -> usize {
    if action.has_operation_option("Sequential") {
        return 1;
    }
    action
        .repetitions
        .unwrap_or(DEFAULT_REPETITIONS)
        .clamp(1, MAX_REPETITIONS) as usize
}

fn iteration_indexes(key: &ActionKey, i: usize) -> Vec<usize> {
    let mut indexes = key.indexes().to_vec();
    indexes.push(i);
    indexes
}

/// Iterations start in index order, at most `repetitions` at a time; so the started ones
/// are the first `completed + repetitions`, and their starts need no events.
fn advance_foreach(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Result<(), EngineError> {
    let body = action.children(&BranchKey::Actions);
    let window = repetitions(action);
    loop {
        let Some(record) = m.work.loop_record(key) else {
            return Err(EngineError::invariant(format!(
                "Foreach '{key}' has no items"
            )));
        };
        let total = record.items.len();
        let done = record.completed.len();
        if done == total {
            let failed = record.completed.values().any(|s| s.is_failure());
            let status = if failed {
                Status::Failed
            } else {
                Status::Succeeded
            };
            m.complete_container(action, key, status);
            return Ok(());
        }
        let started = total.min(done + window);
        let pending: Vec<usize> = (record.low_water..started)
            .filter(|i| !record.completed.contains_key(i))
            .collect();
        let mut finished_any = false;
        for i in pending {
            if m.work.is_completed() {
                return Ok(());
            }
            let indexes = iteration_indexes(key, i);
            if m.advance_children(body, &indexes)? {
                let status = m.aggregate(body, &indexes);
                m.emit(Event::IterationCompleted {
                    key: key.clone(),
                    index: i,
                    status,
                    at: m.now,
                });
                finished_any = true;
            }
        }
        if !finished_any {
            return Ok(());
        }
    }
}

/// Do-while: the body runs, then the condition is checked; `limit.count` and
/// `limit.timeout` are checked between cycles. The loop's status is its last cycle's.
fn advance_until(
    m: &mut Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Result<(), EngineError> {
    let body = action.children(&BranchKey::Actions);
    loop {
        if m.work.is_completed() {
            return Ok(());
        }
        let i = m.work.loop_record(key).map_or(0, |l| l.completed.len());
        let indexes = iteration_indexes(key, i);
        if !m.advance_children(body, &indexes)? {
            return Ok(());
        }
        let status = m.aggregate(body, &indexes);
        m.emit(Event::IterationCompleted {
            key: key.clone(),
            index: i,
            status,
            at: m.now,
        });
        let condition = {
            let mut loops = loop_ancestors(m.def, action.id);
            loops.push(action.id);
            let mut ctx = m.ctx(Some(action.id), &indexes);
            ctx.loops = loops;
            ctx.current_action = m.work.action(key).map(|r| r.view(key).clone());
            match &action.expression {
                None => Ok(Value::Bool(true)),
                Some(t) => Part::of(t).evaluate(&ctx).map_err(|e| e.to_string()),
            }
        };
        let done = match condition {
            Ok(Value::Bool(b)) => b,
            Ok(other) => {
                let message = format!(
                    "The 'expression' of Until '{}' must be a boolean, not {}",
                    action.name,
                    type_name(&other)
                );
                m.complete(
                    action,
                    key,
                    Completion::failed("InvalidTemplate", message, Value::Null),
                );
                return Ok(());
            }
            Err(e) => {
                m.complete(action, key, invalid_template(action, &e, Value::Null));
                return Ok(());
            }
        };
        let limits = until_count(m, action, key)
            .and_then(|count| Ok((count, super::http::action_timeout(m, action, key)?)));
        let (count, timeout) = match limits {
            Ok(limits) => limits,
            Err(message) => {
                m.complete(
                    action,
                    key,
                    Completion::failed("InvalidTemplate", message, Value::Null),
                );
                return Ok(());
            }
        };
        let count = count.unwrap_or(DEFAULT_UNTIL_COUNT).max(1);
        let started = m.work.action(key).map_or(m.now, |r| r.started_at);
        let timeout = timeout
            .map(|t| crate::duration::add_iso(started, &t))
            .unwrap_or_else(|| started + chrono::TimeDelta::seconds(DEFAULT_UNTIL_TIMEOUT_SECS));
        let cycles = i as i64 + 1;
        if done || cycles >= count || m.now >= timeout {
            m.complete_container(action, key, status);
            return Ok(());
        }
    }
}

/// An Until's `limit.count`: the literal one, or its expression evaluated now (a number,
/// or a string of one).
fn until_count(
    m: &Machine<'_>,
    action: &CheckedAction,
    key: &ActionKey,
) -> Result<Option<i64>, String> {
    let Some(template) = &action.count_expression else {
        return Ok(action.count);
    };
    let value = super::evaluate_limit(m, action, key, template, "count")?;
    let count = match &value {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    count.map(Some).ok_or_else(|| {
        format!(
            "The limit.count of Until '{}' evaluated to {value}, which is not an integer.",
            action.name
        )
    })
}
