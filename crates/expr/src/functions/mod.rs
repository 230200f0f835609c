//! The function catalogue: one module per category, each exporting a `FUNCTIONS` table.
//!
//! Names are resolved (case-insensitively) and arities checked when an expression is
//! parsed; evaluation calls the resolved function directly.

use crate::ast::Span;
use crate::context::EvalContext;
use crate::error::{Error, ErrorKind};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

mod collection;
mod conversion;
mod culture;
mod datetime;
mod format_number;
mod logical;
mod manipulation;
mod math;
mod string;
mod uri;
mod workflow;
mod xml;

/// Interpolation (`@{…}`) renders values as `concat()` does, content envelopes as text.
pub(crate) use conversion::append_text;

/// A time zone by Windows ID (`W. Europe Standard Time`, as the definition language names
/// zones) or IANA name, for recurrence schedules and other zone-aware callers.
pub fn time_zone(name: &str) -> Option<chrono_tz::Tz> {
    datetime::timezone::find(name)
}

/// Every category's table. A name may appear only once across all of them.
const CATALOGUE: &[&[FunctionSpec]] = &[
    collection::FUNCTIONS,
    conversion::FUNCTIONS,
    datetime::FUNCTIONS,
    format_number::FUNCTIONS,
    logical::FUNCTIONS,
    manipulation::FUNCTIONS,
    math::FUNCTIONS,
    string::FUNCTIONS,
    uri::FUNCTIONS,
    workflow::FUNCTIONS,
    xml::FUNCTIONS,
];

/// A function of the language: its canonical name and arity; how it runs is private.
pub struct FunctionSpec {
    pub name: &'static str,
    pub min_args: usize,
    /// `None` for variadic functions.
    pub max_args: Option<usize>,
    pub(crate) kind: FnKind,
}

/// Public view of a function for validators and editors.
pub type FunctionInfo = FunctionSpec;

impl std::fmt::Debug for FunctionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionSpec")
            .field("name", &self.name)
            .field("min_args", &self.min_args)
            .field("max_args", &self.max_args)
            .finish_non_exhaustive()
    }
}

impl PartialEq for FunctionSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

pub(crate) type PureFn = fn(&Args<'_>) -> Result<Value, FnError>;

pub(crate) enum FnKind {
    /// Arguments are evaluated first, then the function runs.
    Pure(PureFn),
    /// Evaluated by the evaluator itself: lazily (`if`, `and`, …) or by borrowing run
    /// state (`triggerBody()`, `variables()`, …) so reading a field does not copy a body.
    Special(Special),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    If,
    And,
    Or,
    Coalesce,
    Trigger,
    TriggerOutputs,
    TriggerBody,
    Actions,
    CurrentAction,
    Outputs,
    Body,
    Variables,
    Parameters,
    Item,
    Items,
    Result,
    Workflow,
}

impl FunctionSpec {
    pub(crate) const fn pure(
        name: &'static str,
        min_args: usize,
        max_args: Option<usize>,
        f: PureFn,
    ) -> FunctionSpec {
        FunctionSpec {
            name,
            min_args,
            max_args,
            kind: FnKind::Pure(f),
        }
    }

    pub(crate) const fn special(
        name: &'static str,
        min_args: usize,
        max_args: Option<usize>,
        special: Special,
    ) -> FunctionSpec {
        FunctionSpec {
            name,
            min_args,
            max_args,
            kind: FnKind::Special(special),
        }
    }

    pub(crate) fn check_arity(&self, given: usize, span: Span) -> Result<(), Error> {
        let ok = given >= self.min_args && self.max_args.is_none_or(|max| given <= max);
        if ok {
            return Ok(());
        }
        let expected = match self.max_args {
            None => format!("at least {}", self.min_args),
            Some(max) if max == self.min_args => max.to_string(),
            Some(max) => format!("{} to {max}", self.min_args),
        };
        Err(Error::new(
            ErrorKind::Arity {
                function: self.name,
                expected,
                given,
            },
            span,
        ))
    }
}

fn catalogue_index() -> &'static HashMap<String, &'static FunctionSpec> {
    static INDEX: OnceLock<HashMap<String, &'static FunctionSpec>> = OnceLock::new();
    INDEX.get_or_init(|| {
        CATALOGUE
            .iter()
            .flat_map(|table| table.iter())
            .map(|spec| (spec.name.to_ascii_lowercase(), spec))
            .collect()
    })
}

/// Finds a function by name, ignoring case.
pub(crate) fn lookup_spec(name: &str) -> Option<&'static FunctionSpec> {
    catalogue_index().get(&name.to_ascii_lowercase()).copied()
}

/// Finds a function by name, ignoring case (for validators and editors).
pub fn lookup(name: &str) -> Option<&'static FunctionInfo> {
    lookup_spec(name)
}

/// Every function of the catalogue.
pub fn all() -> impl Iterator<Item = &'static FunctionInfo> {
    CATALOGUE.iter().flat_map(|table| table.iter())
}

/// Why a function failed; the evaluator adds the function's name and the source position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FnError {
    /// 0-based index of the argument at fault, if one is.
    pub arg: Option<usize>,
    pub message: String,
}

impl FnError {
    pub(crate) fn arg(index: usize, message: impl Into<String>) -> Self {
        FnError {
            arg: Some(index),
            message: message.into(),
        }
    }

    pub(crate) fn call(message: impl Into<String>) -> Self {
        FnError {
            arg: None,
            message: message.into(),
        }
    }
}

/// A number argument: integers stay integers so `div(11, 5)` is `2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// The evaluated arguments of a call, with typed accessors whose errors name the argument.
pub(crate) struct Args<'a> {
    values: &'a [Cow<'a, Value>],
    pub ctx: &'a dyn EvalContext,
}

#[allow(dead_code)] // accessors for the category modules
impl<'a> Args<'a> {
    pub(crate) fn new(values: &'a [Cow<'a, Value>], ctx: &'a dyn EvalContext) -> Self {
        Args { values, ctx }
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// The argument at `i`; arities are checked at parse time, so a missing optional
    /// argument reads as null.
    pub(crate) fn get(&self, i: usize) -> &Value {
        self.values.get(i).map_or(&Value::Null, |v| v.as_ref())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Value> {
        self.values.iter().map(|v| v.as_ref())
    }

    pub(crate) fn has(&self, i: usize) -> bool {
        i < self.values.len()
    }

    fn wrong_type(&self, i: usize, expected: &str) -> FnError {
        FnError::arg(
            i,
            format!(
                "expected {expected} but the value is of type '{}'",
                crate::value::type_name(self.get(i))
            ),
        )
    }

    pub(crate) fn str(&self, i: usize) -> Result<&str, FnError> {
        self.get(i)
            .as_str()
            .ok_or_else(|| self.wrong_type(i, "a string"))
    }

    /// An optional string argument: absent (or null) is `None`.
    pub(crate) fn opt_str(&self, i: usize) -> Result<Option<&str>, FnError> {
        match self.get(i) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            _ => Err(self.wrong_type(i, "a string")),
        }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64, FnError> {
        match self.get(i) {
            Value::Number(n) => n.as_i64().ok_or_else(|| {
                FnError::arg(i, format!("expected an integer but the value is {n}"))
            }),
            _ => Err(self.wrong_type(i, "an integer")),
        }
    }

    pub(crate) fn number(&self, i: usize) -> Result<Num, FnError> {
        match self.get(i) {
            Value::Number(n) => match n.as_i64() {
                Some(int) => Ok(Num::Int(int)),
                None => Ok(Num::Float(n.as_f64().unwrap_or(f64::NAN))),
            },
            _ => Err(self.wrong_type(i, "a number")),
        }
    }

    pub(crate) fn bool(&self, i: usize) -> Result<bool, FnError> {
        self.get(i)
            .as_bool()
            .ok_or_else(|| self.wrong_type(i, "a boolean"))
    }

    pub(crate) fn array(&self, i: usize) -> Result<&Vec<Value>, FnError> {
        self.get(i)
            .as_array()
            .ok_or_else(|| self.wrong_type(i, "an array"))
    }

    pub(crate) fn object(&self, i: usize) -> Result<&Map<String, Value>, FnError> {
        self.get(i)
            .as_object()
            .ok_or_else(|| self.wrong_type(i, "an object"))
    }
}
