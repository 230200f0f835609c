//! A JSON string value of a definition: literal text, one whole expression, or text with
//! `@{…}` interpolations.

use crate::ast::{CallRef, Expr, Span};
use crate::context::EvalContext;
use crate::error::{Error, ErrorKind};
use crate::eval;
use crate::functions;
use crate::parser;
use serde_json::Value;

/// Longest expression the language accepts (the documented limit).
pub const MAX_EXPRESSION_CHARS: usize = 8192;

#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// No expression: the text as it is (with `@@` already unescaped).
    Literal(String),
    /// `@expr`: the result keeps its JSON type.
    Expression(Expr),
    /// Text with `@{expr}` parts: the result is always a string.
    Interpolated(Vec<Segment>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Text(String),
    Expr(Expr),
}

impl Template {
    /// Parses a JSON string value as the definition language reads it.
    pub fn parse(value: &str) -> Result<Template, Error> {
        if let Some(rest) = value.strip_prefix("@@") {
            return Ok(Template::Literal(format!("@{rest}")));
        }
        if value.starts_with('@') && !value.starts_with("@{") {
            check_length(value)?;
            return Ok(Template::Expression(parser::parse(&value[1..], 1)?));
        }
        let mut segments = Vec::new();
        let mut text = String::new();
        let mut pos = 0;
        while let Some(found) = value[pos..].find('@') {
            let at = pos + found;
            text.push_str(&value[pos..at]);
            let rest = &value[at..];
            if rest.starts_with("@@{") {
                text.push_str("@{");
                pos = at + 3;
            } else if rest.starts_with("@{") {
                check_length(value)?;
                let body_start = at + 2;
                let body_end = closing_brace(value, body_start)?;
                if !text.is_empty() {
                    segments.push(Segment::Text(std::mem::take(&mut text)));
                }
                let expr = parser::parse(&value[body_start..body_end], body_start)?;
                segments.push(Segment::Expr(expr));
                pos = body_end + 1;
            } else {
                text.push('@');
                pos = at + 1;
            }
        }
        text.push_str(&value[pos..]);
        if segments.is_empty() {
            return Ok(Template::Literal(text));
        }
        if !text.is_empty() {
            segments.push(Segment::Text(text));
        }
        Ok(Template::Interpolated(segments))
    }

    /// True when the value holds at least one expression.
    pub fn is_dynamic(&self) -> bool {
        !matches!(self, Template::Literal(_))
    }

    pub fn evaluate(&self, ctx: &dyn EvalContext) -> Result<Value, Error> {
        match self {
            Template::Literal(text) => Ok(Value::String(text.clone())),
            Template::Expression(expr) => eval::evaluate(expr, ctx),
            Template::Interpolated(segments) => {
                let mut out = String::new();
                for segment in segments {
                    match segment {
                        Segment::Text(text) => out.push_str(text),
                        Segment::Expr(expr) => {
                            functions::append_text(&mut out, &eval::evaluate(expr, ctx)?)
                        }
                    }
                }
                Ok(Value::String(out))
            }
        }
    }

    /// The expressions in this value, in order.
    pub fn expressions(&self) -> Vec<&Expr> {
        match self {
            Template::Literal(_) => Vec::new(),
            Template::Expression(expr) => vec![expr],
            Template::Interpolated(segments) => segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Expr(e) => Some(e),
                    Segment::Text(_) => None,
                })
                .collect(),
        }
    }

    /// Calls `visit` for every function call in every expression of this value.
    pub fn visit_calls<'a>(&'a self, visit: &mut dyn FnMut(CallRef<'a>)) {
        for expr in self.expressions() {
            expr.visit_calls(visit);
        }
    }
}

fn check_length(value: &str) -> Result<(), Error> {
    if value.chars().count() > MAX_EXPRESSION_CHARS {
        return Err(Error::new(
            ErrorKind::TooLong {
                limit: MAX_EXPRESSION_CHARS,
            },
            Span::new(0, value.len()),
        ));
    }
    Ok(())
}

/// The index of the `}` that closes an `@{` whose body starts at `start`; braces inside
/// string literals do not count.
fn closing_brace(value: &str, start: usize) -> Result<usize, Error> {
    let mut in_string = false;
    for (i, c) in value[start..].char_indices() {
        match c {
            '\'' => in_string = !in_string,
            '}' if !in_string => return Ok(start + i),
            _ => {}
        }
    }
    Err(Error::syntax(
        "'@{' is not closed by '}'",
        Span::new(start - 2, value.len()),
    ))
}
