//! Validation errors: where (an RFC 6901 JSON pointer into the document as given), which
//! action, a stable code, and a message for people.

use std::fmt;

/// One problem found in a definition document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// RFC 6901 pointer into the document as it was given (e.g.
    /// `/properties/definition/actions/Compose/inputs`).
    pub pointer: String,
    /// The action the problem belongs to, when there is one. Problems inside a trigger
    /// carry the trigger's name here too (the pointer says which it is).
    pub action: Option<String>,
    pub code: ErrorCode,
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)?;
        if let Some(name) = &self.action {
            write!(f, " ({} '{name}')", self.owner_kind())?;
        }
        Ok(())
    }
}

impl ValidationError {
    /// "trigger" when the pointer leads into `triggers`, else "action": the first of the
    /// two collections on the path is the one the named owner lives in.
    fn owner_kind(&self) -> &'static str {
        let first = self
            .pointer
            .split('/')
            .find(|segment| *segment == "triggers" || *segment == "actions");
        if first == Some("triggers") {
            "trigger"
        } else {
            "action"
        }
    }
}

/// Stable, machine-readable names of validation problems. The names (see
/// [`ErrorCode::as_str`]) are part of the API: scripts and the REST layer rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The file is not JSON at all.
    InvalidJson,
    /// The document's shape is wrong: not an object, a section of the wrong JSON type, …
    InvalidDocument,
    /// A string value holds an expression that does not parse.
    InvalidTemplate,
    /// An expression calls a function that does not exist.
    UnknownFunction,
    /// An action's `type` names no action hookflow knows.
    UnknownActionType,
    /// A trigger's `type` names no trigger hookflow knows.
    UnknownTriggerType,
    /// An action or trigger has no `type`.
    MissingType,
    /// A property the type requires is absent.
    MissingInput,
    /// A property is present but its value is not acceptable.
    InvalidInput,
    /// `runAfter` names a missing or non-sibling action, or a status outside the four.
    InvalidRunAfter,
    /// `runAfter` edges form a cycle.
    RunAfterCycle,
    /// An expression names an action that does not exist.
    UnknownAction,
    /// An expression names an action of the wrong kind or out of reach (`items()` outside
    /// its loop, `result()` of a non-scope, `item()` outside an iteration, …).
    InvalidReference,
    /// `parameters()` names a parameter the definition does not declare.
    UndeclaredParameter,
    /// A variable is used or changed that no `InitializeVariable` declares.
    UnknownVariable,
    /// `listCallbackUrl()` outside the subscribe/unsubscribe inputs of an HttpWebhook.
    ListCallbackUrlNotAllowed,
    /// A `Response` action inside a `Foreach` or `Until`.
    ResponseInLoop,
    /// A `Response` action in a workflow without a `Request` trigger.
    ResponseWithoutRequestTrigger,
    /// A `Terminate` action inside a `Foreach` or `Until`.
    TerminateInLoop,
    /// Two actions (or triggers, variables, switch cases) with the same name.
    DuplicateName,
    /// A documented limit is exceeded (counts, nesting depth, name or expression length).
    LimitExceeded,
    /// An `authentication` type hookflow does not support (ManagedServiceIdentity).
    UnsupportedAuthentication,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "InvalidJson",
            ErrorCode::InvalidDocument => "InvalidDocument",
            ErrorCode::InvalidTemplate => "InvalidTemplate",
            ErrorCode::UnknownFunction => "UnknownFunction",
            ErrorCode::UnknownActionType => "UnknownActionType",
            ErrorCode::UnknownTriggerType => "UnknownTriggerType",
            ErrorCode::MissingType => "MissingType",
            ErrorCode::MissingInput => "MissingInput",
            ErrorCode::InvalidInput => "InvalidInput",
            ErrorCode::InvalidRunAfter => "InvalidRunAfter",
            ErrorCode::RunAfterCycle => "RunAfterCycle",
            ErrorCode::UnknownAction => "UnknownAction",
            ErrorCode::InvalidReference => "InvalidReference",
            ErrorCode::UndeclaredParameter => "UndeclaredParameter",
            ErrorCode::UnknownVariable => "UnknownVariable",
            ErrorCode::ListCallbackUrlNotAllowed => "ListCallbackUrlNotAllowed",
            ErrorCode::ResponseInLoop => "ResponseInLoop",
            ErrorCode::ResponseWithoutRequestTrigger => "ResponseWithoutRequestTrigger",
            ErrorCode::TerminateInLoop => "TerminateInLoop",
            ErrorCode::DuplicateName => "DuplicateName",
            ErrorCode::LimitExceeded => "LimitExceeded",
            ErrorCode::UnsupportedAuthentication => "UnsupportedAuthentication",
        }
    }

    /// Every code, for documentation and tests.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidJson,
        ErrorCode::InvalidDocument,
        ErrorCode::InvalidTemplate,
        ErrorCode::UnknownFunction,
        ErrorCode::UnknownActionType,
        ErrorCode::UnknownTriggerType,
        ErrorCode::MissingType,
        ErrorCode::MissingInput,
        ErrorCode::InvalidInput,
        ErrorCode::InvalidRunAfter,
        ErrorCode::RunAfterCycle,
        ErrorCode::UnknownAction,
        ErrorCode::InvalidReference,
        ErrorCode::UndeclaredParameter,
        ErrorCode::UnknownVariable,
        ErrorCode::ListCallbackUrlNotAllowed,
        ErrorCode::ResponseInLoop,
        ErrorCode::ResponseWithoutRequestTrigger,
        ErrorCode::TerminateInLoop,
        ErrorCode::DuplicateName,
        ErrorCode::LimitExceeded,
        ErrorCode::UnsupportedAuthentication,
    ];

    /// The code with this name, if any.
    pub fn parse(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An RFC 6901 JSON pointer under construction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Pointer(String);

impl Pointer {
    pub(crate) fn root() -> Pointer {
        Pointer(String::new())
    }

    /// The pointer one object key deeper.
    pub(crate) fn key(&self, key: &str) -> Pointer {
        let mut s = String::with_capacity(self.0.len() + key.len() + 1);
        s.push_str(&self.0);
        s.push('/');
        for c in key.chars() {
            match c {
                '~' => s.push_str("~0"),
                '/' => s.push_str("~1"),
                c => s.push(c),
            }
        }
        Pointer(s)
    }

    /// The pointer one array index deeper.
    pub(crate) fn index(&self, index: usize) -> Pointer {
        Pointer(format!("{}/{index}", self.0))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits an RFC 6901 pointer into its unescaped tokens.
pub(crate) fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Collects every problem of one validation pass.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    list: Vec<ValidationError>,
}

impl Errors {
    pub(crate) fn push(
        &mut self,
        pointer: &Pointer,
        action: Option<&str>,
        code: ErrorCode,
        message: impl Into<String>,
    ) {
        self.list.push(ValidationError {
            pointer: pointer.as_str().to_string(),
            action: action.map(str::to_string),
            code,
            message: message.into(),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(crate) fn into_vec(self) -> Vec<ValidationError> {
        self.list
    }
}

#[cfg(test)]
mod owner_tests {
    use super::*;

    fn error(pointer: &str) -> ValidationError {
        ValidationError {
            pointer: pointer.to_string(),
            action: Some("X".to_string()),
            code: ErrorCode::MissingInput,
            message: "m".to_string(),
        }
    }

    #[test]
    fn names_the_owner_by_the_collection_on_the_path() {
        assert_eq!(
            error("/triggers/X/inputs").to_string(),
            "/triggers/X/inputs: m (trigger 'X')"
        );
        assert_eq!(
            error("/definition/actions/X/inputs/triggers").to_string(),
            "/definition/actions/X/inputs/triggers: m (action 'X')"
        );
        assert_eq!(
            error("/properties/definition/triggers/X/inputs/schema/properties/actions").to_string(),
            "/properties/definition/triggers/X/inputs/schema/properties/actions: m (trigger 'X')"
        );
    }
}
