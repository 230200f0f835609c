//! The workflow definition language's expressions.
//!
//! A JSON string value in a definition is a [`Template`]: plain text, a whole expression
//! (`@add(1, 2)`, whose result keeps its JSON type) or text with `@{…}` interpolations
//! (always a string). Templates are parsed once into an AST with source spans and then
//! evaluated many times against an [`EvalContext`].
//!
//! This crate owns the syntax and every function of the catalogue. It performs no I/O and
//! reads no clock or randomness of its own: `utcNow()`, `guid()` and `rand()` ask the
//! context, so an engine can journal their values and replay them. It must not depend on
//! the definition model, the engine or any storage.

mod ast;
mod context;
mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod template;
pub mod value;

pub use ast::{CallRef, Expr, ExprKind, Member, Span};
pub use context::{EmptyContext, EvalContext, StaticContext};
pub use error::{Error, ErrorKind};
pub use functions::{all as all_functions, lookup as lookup_function, time_zone, FunctionInfo};
pub use template::{Segment, Template};

/// Parses a bare expression (the text after `@`, or inside `@{…}`).
pub fn parse_expression(source: &str) -> Result<Expr, Error> {
    parser::parse(source, 0)
}

/// Parses a JSON string value and evaluates it in one step.
pub fn evaluate_str(value: &str, ctx: &dyn EvalContext) -> Result<serde_json::Value, Error> {
    Template::parse(value)?.evaluate(ctx)
}
