//! Evaluates a parsed expression. Intermediate values are `Cow`s: selecting
//! `triggerBody()?['name']` borrows the trigger body from the context and copies only the
//! selected field.

use crate::ast::{Expr, ExprKind, Member, Span};
use crate::context::EvalContext;
use crate::error::{Error, ErrorKind};
use crate::functions::{Args, FnError, FnKind, FunctionSpec, Special};
use crate::value::type_name;
use serde_json::Value;
use std::borrow::Cow;

pub(crate) fn evaluate(expr: &Expr, ctx: &dyn EvalContext) -> Result<Value, Error> {
    Ok(eval(expr, ctx)?.into_owned())
}

fn eval<'a>(expr: &'a Expr, ctx: &'a dyn EvalContext) -> Result<Cow<'a, Value>, Error> {
    match &expr.kind {
        ExprKind::Null => Ok(Cow::Owned(Value::Null)),
        ExprKind::Bool(b) => Ok(Cow::Owned(Value::Bool(*b))),
        ExprKind::Int(i) => Ok(Cow::Owned(Value::from(*i))),
        ExprKind::Float(f) => Ok(Cow::Owned(
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        )),
        ExprKind::Str(s) => Ok(Cow::Owned(Value::String(s.clone()))),
        ExprKind::Array(items) => items
            .iter()
            .map(|item| eval(item, ctx).map(Cow::into_owned))
            .collect::<Result<Vec<_>, _>>()
            .map(|items| Cow::Owned(Value::Array(items))),
        ExprKind::Member {
            target,
            member,
            null_safe,
        } => {
            let target_value = eval(target, ctx)?;
            select_member(target_value, member, *null_safe, expr.span, ctx)
        }
        ExprKind::Call { function, args } => call(function, args, expr.span, ctx),
    }
}

fn select_member<'a>(
    target: Cow<'a, Value>,
    member: &'a Member,
    null_safe: bool,
    span: Span,
    ctx: &'a dyn EvalContext,
) -> Result<Cow<'a, Value>, Error> {
    let selection_error = |message: String| Error::new(ErrorKind::Selection { message }, span);
    if target.is_null() {
        if null_safe {
            return Ok(Cow::Owned(Value::Null));
        }
        let what = match member {
            Member::Name(name) => format!("property '{name}'"),
            Member::Index(_) => "an index".to_string(),
        };
        return Err(selection_error(format!(
            "{what} cannot be selected on null; use '?' (as in ?['name']) to allow null"
        )));
    }
    let key = match member {
        Member::Name(name) => Key::Name(name.as_str()),
        Member::Index(index) => match eval(index, ctx)?.as_ref() {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Key::Index(i),
                None => return Err(selection_error(format!("the index {n} is not an integer"))),
            },
            Value::String(s) => Key::Owned(s.clone()),
            other => {
                return Err(selection_error(format!(
                    "an index must be an integer or a property name, not a value of type '{}'",
                    type_name(other)
                )))
            }
        },
    };
    let found = match (&*target, &key) {
        (Value::Object(map), Key::Name(_) | Key::Owned(_)) => {
            let name = key.name();
            map.get(name).map(|_| name.to_string()).or_else(|| {
                // Property names are matched case-insensitively when no exact match exists,
                // as headers and most Logic Apps outputs are.
                map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
            })
        }
        (Value::Array(items), Key::Index(i)) => usize::try_from(*i)
            .ok()
            .filter(|i| *i < items.len())
            .map(|i| i.to_string()),
        (other, _) => {
            if null_safe {
                return Ok(Cow::Owned(Value::Null));
            }
            return Err(selection_error(format!(
                "{} cannot be selected on a value of type '{}'",
                key.describe(),
                type_name(other)
            )));
        }
    };
    let Some(found) = found else {
        if null_safe {
            return Ok(Cow::Owned(Value::Null));
        }
        return Err(selection_error(match (&*target, &key) {
            (Value::Array(items), _) => format!(
                "the index {} is outside the array of {} item(s)",
                key.describe(),
                items.len()
            ),
            (Value::Object(map), _) => format!(
                "property '{}' doesn't exist; available properties are {}",
                key.name(),
                available(map)
            ),
            _ => format!("{} doesn't exist", key.describe()),
        }));
    };
    Ok(match target {
        Cow::Borrowed(value) => Cow::Borrowed(lookup(value, &found)),
        Cow::Owned(mut value) => Cow::Owned(take(&mut value, &found)),
    })
}

enum Key<'a> {
    Name(&'a str),
    Owned(String),
    Index(i64),
}

impl Key<'_> {
    fn name(&self) -> &str {
        match self {
            Key::Name(n) => n,
            Key::Owned(n) => n,
            Key::Index(_) => "",
        }
    }

    fn describe(&self) -> String {
        match self {
            Key::Index(i) => format!("[{i}]"),
            _ => format!("property '{}'", self.name()),
        }
    }
}

fn available(map: &serde_json::Map<String, Value>) -> String {
    let names: Vec<String> = map.keys().take(20).map(|k| format!("'{k}'")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn lookup<'v>(value: &'v Value, found: &str) -> &'v Value {
    match value {
        Value::Object(map) => map.get(found).unwrap_or(&Value::Null),
        Value::Array(items) => found
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .unwrap_or(&Value::Null),
        _ => &Value::Null,
    }
}

fn take(value: &mut Value, found: &str) -> Value {
    match value {
        Value::Object(map) => map.shift_remove(found).unwrap_or(Value::Null),
        Value::Array(items) => match found.parse::<usize>() {
            Ok(i) if i < items.len() => items.swap_remove(i),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

fn call<'a>(
    function: &'static FunctionSpec,
    args: &'a [Expr],
    span: Span,
    ctx: &'a dyn EvalContext,
) -> Result<Cow<'a, Value>, Error> {
    let fn_error = |e: FnError| {
        let span = e.arg.and_then(|i| args.get(i)).map_or(span, |a| a.span);
        Error::new(
            ErrorKind::Function {
                function: function.name,
                argument: e.arg.map(|i| i + 1),
                message: e.message,
            },
            span,
        )
    };
    match &function.kind {
        FnKind::Pure(f) => {
            let values = args
                .iter()
                .map(|arg| eval(arg, ctx))
                .collect::<Result<Vec<_>, _>>()?;
            f(&Args::new(&values, ctx))
                .map(Cow::Owned)
                .map_err(fn_error)
        }
        FnKind::Special(special) => special_call(*special, args, ctx).map_err(|e| match e {
            SpecialError::Eval(e) => e,
            SpecialError::Fn(e) => fn_error(e),
        }),
    }
}

enum SpecialError {
    Eval(Error),
    Fn(FnError),
}

impl From<Error> for SpecialError {
    fn from(e: Error) -> Self {
        SpecialError::Eval(e)
    }
}

impl From<FnError> for SpecialError {
    fn from(e: FnError) -> Self {
        SpecialError::Fn(e)
    }
}

fn bool_arg(value: &Value, index: usize) -> Result<bool, FnError> {
    value.as_bool().ok_or_else(|| {
        FnError::arg(
            index,
            format!(
                "expected a boolean but the value is of type '{}'",
                type_name(value)
            ),
        )
    })
}

fn name_arg<'a>(args: &'a [Expr], ctx: &'a dyn EvalContext) -> Result<Cow<'a, str>, SpecialError> {
    if let Some(name) = args.first().and_then(Expr::as_str_literal) {
        return Ok(Cow::Borrowed(name));
    }
    match eval(&args[0], ctx)?.into_owned() {
        Value::String(s) => Ok(Cow::Owned(s)),
        other => Err(FnError::arg(
            0,
            format!(
                "expected a name (a string) but the value is of type '{}'",
                type_name(&other)
            ),
        )
        .into()),
    }
}

fn field<'a>(value: Cow<'a, Value>, name: &str) -> Cow<'a, Value> {
    match value {
        Cow::Borrowed(v) => Cow::Borrowed(v.get(name).unwrap_or(&Value::Null)),
        Cow::Owned(mut v) => Cow::Owned(
            v.as_object_mut()
                .and_then(|m| m.shift_remove(name))
                .unwrap_or(Value::Null),
        ),
    }
}

fn special_call<'a>(
    special: Special,
    args: &'a [Expr],
    ctx: &'a dyn EvalContext,
) -> Result<Cow<'a, Value>, SpecialError> {
    let unavailable = |what: &str| FnError::call(format!("{what} is not available here"));
    let action = |name: &str| {
        ctx.action(name).ok_or_else(|| {
            FnError::arg(
                0,
                format!("the action '{name}' has no result (it does not exist or has not run yet)"),
            )
        })
    };
    Ok(match special {
        Special::If => {
            let condition = eval(&args[0], ctx)?;
            let branch = if bool_arg(&condition, 0)? { 1 } else { 2 };
            eval(&args[branch], ctx)?
        }
        Special::And | Special::Or => {
            let short_circuit_on = special == Special::Or;
            for (i, arg) in args.iter().enumerate() {
                if bool_arg(eval(arg, ctx)?.as_ref(), i)? == short_circuit_on {
                    return Ok(Cow::Owned(Value::Bool(short_circuit_on)));
                }
            }
            Cow::Owned(Value::Bool(!short_circuit_on))
        }
        Special::Coalesce => {
            for arg in args {
                let value = eval(arg, ctx)?;
                if !value.is_null() {
                    return Ok(value);
                }
            }
            Cow::Owned(Value::Null)
        }
        Special::Trigger => ctx.trigger().ok_or_else(|| unavailable("the trigger"))?,
        Special::TriggerOutputs => field(ctx.trigger().ok_or_else(|| unavailable("the trigger"))?, "outputs"),
        Special::TriggerBody => field(
            field(ctx.trigger().ok_or_else(|| unavailable("the trigger"))?, "outputs"),
            "body",
        ),
        Special::Actions => {
            let name = name_arg(args, ctx)?;
            action(&name)?
        }
        Special::Outputs => {
            let name = name_arg(args, ctx)?;
            field(action(&name)?, "outputs")
        }
        Special::Body => {
            let name = name_arg(args, ctx)?;
            field(field(action(&name)?, "outputs"), "body")
        }
        Special::CurrentAction => ctx.current_action().ok_or_else(|| {
            FnError::call("action() is only available in a webhook action's unsubscribe inputs, trackedProperties and Until conditions")
        })?,
        Special::Variables => {
            let name = name_arg(args, ctx)?;
            let value = ctx.variable(&name).ok_or_else(|| {
                FnError::arg(0, format!("the variable '{name}' does not exist (initialize it first)"))
            })?;
            value
        }
        Special::Parameters => {
            let name = name_arg(args, ctx)?;
            let value = ctx.parameter(&name).ok_or_else(|| {
                FnError::arg(0, format!("the workflow parameter '{name}' is not declared"))
            })?;
            value
        }
        Special::Item => ctx.item().ok_or_else(|| {
            FnError::call("item() is only available inside a Foreach, Select, Query or Table")
        })?,
        Special::Items => {
            let name = name_arg(args, ctx)?;
            let value = ctx.items(&name).ok_or_else(|| {
                FnError::arg(0, format!("'{name}' is not a Foreach loop running here"))
            })?;
            value
        }
        Special::Result => {
            let name = name_arg(args, ctx)?;
            let value = ctx.result(&name).ok_or_else(|| {
                FnError::arg(0, format!("'{name}' is not a Scope, Foreach or Until that has run"))
            })?;
            value
        }
        Special::Workflow => ctx.workflow().ok_or_else(|| unavailable("workflow()"))?,
    })
}
