//! Recursive-descent parser: tokens to [`Expr`], resolving function names (case-insensitive)
//! and checking arities, so evaluation never looks a name up again.

use crate::ast::{Expr, ExprKind, Member, Span};
use crate::error::{Error, ErrorKind};
use crate::functions;
use crate::lexer::{Lexer, Token};

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

struct Parser<'s> {
    lexer: Lexer<'s>,
    current: Token,
    current_span: Span,
    depth: usize,
}

/// Parses `source` (an expression body) whose first byte sits at `base` in the whole value.
pub(crate) fn parse(source: &str, base: usize) -> Result<Expr, Error> {
    let mut lexer = Lexer::new(source, base);
    let (current, current_span) = lexer.next_token()?;
    let mut parser = Parser {
        lexer,
        current,
        current_span,
        depth: 0,
    };
    if parser.current == Token::End {
        return Err(Error::syntax(
            "the expression is empty",
            parser.current_span,
        ));
    }
    let expr = parser.expression()?;
    if parser.current != Token::End {
        return Err(Error::syntax(
            format!(
                "unexpected {} after the end of the expression",
                parser.current.describe()
            ),
            parser.current_span,
        ));
    }
    Ok(expr)
}

impl Parser<'_> {
    fn advance(&mut self) -> Result<(Token, Span), Error> {
        let (next, span) = self.lexer.next_token()?;
        let prev = std::mem::replace(&mut self.current, next);
        let prev_span = std::mem::replace(&mut self.current_span, span);
        Ok((prev, prev_span))
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<Span, Error> {
        if self.current == token {
            Ok(self.advance()?.1)
        } else {
            Err(Error::syntax(
                format!("expected {what} but found {}", self.current.describe()),
                self.current_span,
            ))
        }
    }

    fn expression(&mut self) -> Result<Expr, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::syntax(
                format!("the expression nests deeper than {MAX_DEPTH} levels"),
                self.current_span,
            ));
        }
        let mut expr = self.primary()?;
        loop {
            let null_safe = self.current == Token::Question;
            if null_safe {
                self.advance()?;
            }
            match self.current {
                Token::Dot => {
                    self.advance()?;
                    let (token, span) = self.advance()?;
                    let name = match token {
                        Token::Ident(name) => name,
                        Token::Str(name) => name,
                        Token::Int(n) => n.to_string(),
                        other => {
                            return Err(Error::syntax(
                                format!(
                                    "expected a property name after '.' but found {}",
                                    other.describe()
                                ),
                                span,
                            ))
                        }
                    };
                    let span = expr.span.to(span);
                    expr = Expr {
                        kind: ExprKind::Member {
                            target: Box::new(expr),
                            member: Member::Name(name),
                            null_safe,
                        },
                        span,
                    };
                }
                Token::LBracket => {
                    self.advance()?;
                    let index = self.expression()?;
                    let close = self.expect(Token::RBracket, "']'")?;
                    let span = expr.span.to(close);
                    let member = match index.kind {
                        ExprKind::Str(name) => Member::Name(name),
                        _ => Member::Index(Box::new(index)),
                    };
                    expr = Expr {
                        kind: ExprKind::Member {
                            target: Box::new(expr),
                            member,
                            null_safe,
                        },
                        span,
                    };
                }
                _ if null_safe => {
                    return Err(Error::syntax(
                        format!(
                            "expected '.' or '[' after '?' but found {}",
                            self.current.describe()
                        ),
                        self.current_span,
                    ))
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(expr)
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let (token, span) = self.advance()?;
        let kind = match token {
            Token::Int(n) => ExprKind::Int(n),
            Token::Float(f) => ExprKind::Float(f),
            Token::Str(s) => ExprKind::Str(s),
            Token::LBracket => {
                let (items, close) = self.list(Token::RBracket, "']'")?;
                return Ok(Expr {
                    kind: ExprKind::Array(items),
                    span: span.to(close),
                });
            }
            Token::Ident(name) => {
                if self.current != Token::LParen {
                    return match name.to_ascii_lowercase().as_str() {
                        "true" => Ok(Expr { kind: ExprKind::Bool(true), span }),
                        "false" => Ok(Expr { kind: ExprKind::Bool(false), span }),
                        "null" => Ok(Expr { kind: ExprKind::Null, span }),
                        _ => Err(Error::syntax(
                            format!("'{name}' is not a value; a function call needs parentheses, a text needs single quotes"),
                            span,
                        )),
                    };
                }
                self.advance()?; // '('
                let (args, close) = self.list(Token::RParen, "')'")?;
                let call_span = span.to(close);
                let function = functions::lookup_spec(&name).ok_or_else(|| {
                    Error::new(ErrorKind::UnknownFunction { name: name.clone() }, span)
                })?;
                function.check_arity(args.len(), call_span)?;
                return Ok(Expr {
                    kind: ExprKind::Call { function, args },
                    span: call_span,
                });
            }
            other => {
                return Err(Error::syntax(
                    format!("expected a value but found {}", other.describe()),
                    span,
                ))
            }
        };
        Ok(Expr { kind, span })
    }

    /// Comma-separated expressions up to `close`; returns them and the closing span.
    fn list(&mut self, close: Token, close_text: &str) -> Result<(Vec<Expr>, Span), Error> {
        let mut items = Vec::new();
        if self.current == close {
            return Ok((items, self.advance()?.1));
        }
        loop {
            items.push(self.expression()?);
            if self.current == Token::Comma {
                self.advance()?;
                continue;
            }
            let end = self.expect(close.clone(), &format!("',' or {close_text}"))?;
            return Ok((items, end));
        }
    }
}
