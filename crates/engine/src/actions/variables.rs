//! Variable actions. Types are checked at run time too: a value that does not fit the
//! declared type fails the action.

use super::{evaluate_inputs, text_of};
use crate::event::RunChange;
use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use hookflow_definition::model::inputs::{VariableDeclaration, VariableType};
use hookflow_definition::model::ActionType;
use hookflow_definition::CheckedAction;
use serde_json::{json, Number, Value};

pub(crate) fn run(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(inputs) = evaluate_inputs(m, action, key) else {
        return;
    };
    let result = match action.action_type {
        ActionType::InitializeVariable => initialize(m, &inputs),
        _ => update(m, action.action_type, &inputs),
    };
    let completion = match result {
        Ok((outputs, change)) => Completion::succeeded(inputs, outputs).with_change(change),
        Err(message) => Completion::failed("InvalidVariable", message, inputs),
    };
    m.complete(action, key, completion);
}

fn fits(t: VariableType, value: &Value) -> bool {
    // A Float variable takes integers too.
    t.accepts(value) || (t == VariableType::Float && value.is_number())
}

/// The value of a declared variable without `value`.
fn zero(t: VariableType) -> Value {
    match t {
        VariableType::Integer => json!(0),
        VariableType::Float => json!(0.0),
        VariableType::Boolean => json!(false),
        VariableType::String => json!(""),
        VariableType::Array => json!([]),
        VariableType::Object => json!({}),
    }
}

fn initialize(m: &Machine<'_>, inputs: &Value) -> Result<(Value, RunChange), String> {
    let declarations: Vec<VariableDeclaration> = inputs
        .get("variables")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| format!("the variables are not valid: {e}"))?
        .unwrap_or_default();
    let [declaration] = declarations.as_slice() else {
        return Err("InitializeVariable declares exactly one variable".into());
    };
    let t = VariableType::parse(&declaration.type_name)
        .ok_or_else(|| format!("'{}' is not a variable type", declaration.type_name))?;
    if m.work.variable(&declaration.name).is_some() {
        return Err(format!(
            "the variable '{}' is already initialized",
            declaration.name
        ));
    }
    let value = match &declaration.value {
        None | Some(Value::Null) => zero(t),
        Some(v) if fits(t, v) => v.clone(),
        Some(v) => {
            return Err(format!(
                "the value {v} does not fit the type {} of variable '{}'",
                t, declaration.name
            ))
        }
    };
    Ok((
        Value::Null,
        RunChange::DeclareVariable {
            name: declaration.name.clone(),
            variable_type: t.as_str().to_string(),
            value,
        },
    ))
}

fn update(
    m: &Machine<'_>,
    action_type: ActionType,
    inputs: &Value,
) -> Result<(Value, RunChange), String> {
    let name = inputs
        .get("name")
        .and_then(Value::as_str)
        .ok_or("the inputs need the variable's 'name'")?;
    let (declared, variable) = m
        .work
        .declared_variable(name)
        .ok_or_else(|| format!("the variable '{name}' is not initialized"))?;
    let t = VariableType::parse(&variable.variable_type)
        .ok_or_else(|| format!("the variable '{name}' has an unknown type"))?;
    let given = inputs.get("value");
    let value = match action_type {
        ActionType::SetVariable => {
            let v = given.ok_or("SetVariable needs a 'value'")?;
            if !fits(t, v) {
                return Err(format!(
                    "the value {v} does not fit the type {t} of variable '{name}'"
                ));
            }
            v.clone()
        }
        ActionType::IncrementVariable | ActionType::DecrementVariable => {
            let step = given.cloned().unwrap_or(json!(1));
            let sign = if action_type == ActionType::IncrementVariable {
                1
            } else {
                -1
            };
            step_number(t, &variable.value, &step, sign)
                .ok_or_else(|| format!("cannot add {step} to variable '{name}' of type {t}"))?
        }
        // Appends have no outputs and journal only what they add: a loop of appends
        // would otherwise copy the whole variable into every repetition's record.
        ActionType::AppendToArrayVariable => {
            if !variable.value.is_array() {
                return Err(format!("the variable '{name}' is not an array"));
            }
            let v = given.ok_or("AppendToArrayVariable needs a 'value'")?;
            let change = RunChange::AppendToArray {
                name: declared.to_string(),
                item: v.clone(),
            };
            return Ok((Value::Null, change));
        }
        ActionType::AppendToStringVariable => {
            if !variable.value.is_string() {
                return Err(format!("the variable '{name}' is not a string"));
            }
            let v = given.ok_or("AppendToStringVariable needs a 'value'")?;
            let change = RunChange::AppendToString {
                name: declared.to_string(),
                text: text_of(v),
            };
            return Ok((Value::Null, change));
        }
        other => return Err(format!("{other} is not a variable action")),
    };
    Ok((
        json!({ "body": { "name": name, "value": value } }),
        RunChange::SetVariable {
            name: declared.to_string(),
            value,
        },
    ))
}

fn step_number(t: VariableType, current: &Value, step: &Value, sign: i64) -> Option<Value> {
    match t {
        VariableType::Integer => {
            let a = current.as_i64()?;
            let b = step.as_i64()?;
            Some(json!(a.checked_add(b.checked_mul(sign)?)?))
        }
        VariableType::Float => {
            let a = current.as_f64()?;
            let b = step.as_f64()?;
            Number::from_f64(a + b * sign as f64).map(Value::Number)
        }
        _ => None,
    }
}
