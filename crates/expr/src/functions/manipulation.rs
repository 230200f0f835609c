//! JSON manipulation functions: `addProperty`, `setProperty`, `removeProperty`.
//! `coalesce` is evaluated lazily by the evaluator. (`xpath` lives with the XML functions.)
//!
//! Property names match exactly (ordinal, case-sensitive), as `JObject` does. The
//! functions return a changed copy; the argument itself is never modified, because it may
//! be borrowed from run state.

use super::{Args, FnError, FunctionSpec, Special};
use serde_json::Value;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::special("coalesce", 1, None, Special::Coalesce),
    FunctionSpec::pure("addProperty", 3, Some(3), add_property),
    FunctionSpec::pure("removeProperty", 2, Some(2), remove_property),
    FunctionSpec::pure("setProperty", 3, Some(3), set_property),
];

fn add_property(args: &Args<'_>) -> Result<Value, FnError> {
    let object = args.object(0)?;
    let name = args.str(1)?;
    if object.contains_key(name) {
        return Err(FnError::arg(
            1,
            format!("the property '{name}' already exists; use setProperty() to change it"),
        ));
    }
    let mut object = object.clone();
    object.insert(name.to_string(), args.get(2).clone());
    Ok(Value::Object(object))
}

fn set_property(args: &Args<'_>) -> Result<Value, FnError> {
    let mut object = args.object(0)?.clone();
    let name = args.str(1)?;
    // `insert` keeps an existing property in its place and appends a new one at the end.
    object.insert(name.to_string(), args.get(2).clone());
    Ok(Value::Object(object))
}

fn remove_property(args: &Args<'_>) -> Result<Value, FnError> {
    let object = args.object(0)?;
    let name = args.str(1)?;
    if !object.contains_key(name) {
        return Ok(Value::Object(object.clone()));
    }
    let mut object = object.clone();
    // `shift_remove` keeps the order of the remaining properties.
    object.shift_remove(name);
    Ok(Value::Object(object))
}
