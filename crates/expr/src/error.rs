use crate::ast::Span;

/// An error from parsing or evaluating an expression, with the place in the source text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind} (at position {})", span.start + 1)]
pub struct Error {
    pub kind: ErrorKind,
    /// Byte range in the JSON string value that was parsed.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    #[error("syntax error: {message}")]
    Syntax { message: String },
    #[error("the expression is longer than {limit} characters")]
    TooLong { limit: usize },
    #[error("unknown function '{name}'")]
    UnknownFunction { name: String },
    #[error("function '{function}' expects {expected} argument(s) but was given {given}")]
    Arity {
        function: &'static str,
        expected: String,
        given: usize,
    },
    /// A function rejected one of its arguments (`argument` is 1-based) or failed as a whole.
    #[error("{}", describe_function_error(function, *argument, message))]
    Function {
        function: &'static str,
        argument: Option<usize>,
        message: String,
    },
    /// Selecting a property or index that is not there (without `?`), or on the wrong type.
    #[error("{message}")]
    Selection { message: String },
}

fn describe_function_error(function: &str, argument: Option<usize>, message: &str) -> String {
    match argument {
        Some(n) => format!("function '{function}', argument {n}: {message}"),
        None => format!("function '{function}': {message}"),
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, span: Span) -> Self {
        Error { kind, span }
    }

    pub(crate) fn syntax(message: impl Into<String>, span: Span) -> Self {
        Error::new(
            ErrorKind::Syntax {
                message: message.into(),
            },
            span,
        )
    }
}
