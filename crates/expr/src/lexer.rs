//! Splits expression text into tokens. Spans are byte offsets into the whole JSON string
//! value, so an error inside `@{…}` points at the right place in what the user wrote.

use crate::ast::Span;
use crate::error::Error;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Ident(String),
    Int(i64),
    Float(f64),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Question,
    End,
}

impl Token {
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Ident(name) => format!("'{name}'"),
            Token::Int(n) => format!("number {n}"),
            Token::Float(f) => format!("number {f}"),
            Token::Str(_) => "a string literal".to_string(),
            Token::LParen => "'('".to_string(),
            Token::RParen => "')'".to_string(),
            Token::LBracket => "'['".to_string(),
            Token::RBracket => "']'".to_string(),
            Token::Comma => "','".to_string(),
            Token::Dot => "'.'".to_string(),
            Token::Question => "'?'".to_string(),
            Token::End => "the end of the expression".to_string(),
        }
    }
}

pub(crate) struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    /// Offset of `src` inside the whole JSON string value.
    base: usize,
    /// After a '.', the next word is a property name, which may hold characters (such as
    /// '-' or a leading digit) that no identifier may.
    after_dot: bool,
    /// Whether the previous token ends a value (so a following '.' selects a member rather
    /// than starting a number such as `.3`).
    after_value: bool,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn is_property_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '-' | '@' | '#' | ':')
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(src: &'s str, base: usize) -> Self {
        Lexer {
            src,
            pos: 0,
            base,
            after_dot: false,
            after_value: false,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    pub(crate) fn next_token(&mut self) -> Result<(Token, Span), Error> {
        let token = self.scan()?;
        self.after_value = matches!(
            token.0,
            Token::Ident(_)
                | Token::Int(_)
                | Token::Float(_)
                | Token::Str(_)
                | Token::RParen
                | Token::RBracket
        );
        Ok(token)
    }

    fn scan(&mut self) -> Result<(Token, Span), Error> {
        while let Some(c) = self.peek_char() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let start = self.pos;
        let after_dot = std::mem::take(&mut self.after_dot);
        let Some(c) = self.peek_char() else {
            return Ok((Token::End, self.span(start, start)));
        };
        if after_dot && is_property_char(c) {
            while let Some(c) = self.peek_char().filter(|c| is_property_char(*c)) {
                self.pos += c.len_utf8();
            }
            let name = self.src[start..self.pos].to_string();
            return Ok((Token::Ident(name), self.span(start, self.pos)));
        }
        let single = |tok: Token, lexer: &mut Self| {
            lexer.pos += 1;
            Ok((tok, lexer.span(start, start + 1)))
        };
        match c {
            '(' => single(Token::LParen, self),
            ')' => single(Token::RParen, self),
            '[' => single(Token::LBracket, self),
            ']' => single(Token::RBracket, self),
            ',' => single(Token::Comma, self),
            '?' => single(Token::Question, self),
            // `.3` is a number where a value may start (`sub(10.3, .3)`).
            '.' if !self.after_value
                && self.src[self.pos + 1..].starts_with(|c: char| c.is_ascii_digit()) =>
            {
                self.number(start)
            }
            '.' => {
                self.after_dot = true;
                single(Token::Dot, self)
            }
            '\'' => self.string(start),
            '"' => Err(Error::syntax(
                "string literals use single quotes ('text'), not double quotes",
                self.span(start, start + 1),
            )),
            c if c.is_ascii_digit() || c == '-' || c == '+' => self.number(start),
            c if is_ident_start(c) => {
                while let Some(c) = self.peek_char().filter(|c| is_ident_continue(*c)) {
                    self.pos += c.len_utf8();
                }
                let name = self.src[start..self.pos].to_string();
                Ok((Token::Ident(name), self.span(start, self.pos)))
            }
            other => Err(Error::syntax(
                format!("unexpected character '{other}'"),
                self.span(start, start + other.len_utf8()),
            )),
        }
    }

    fn string(&mut self, start: usize) -> Result<(Token, Span), Error> {
        self.pos += 1; // opening quote
        let mut text = String::new();
        loop {
            let rest = &self.src[self.pos..];
            match rest.find('\'') {
                None => {
                    return Err(Error::syntax(
                        "unterminated string literal",
                        self.span(start, self.src.len()),
                    ))
                }
                Some(i) => {
                    text.push_str(&rest[..i]);
                    self.pos += i + 1;
                    // '' inside a literal is one quote.
                    if self.src[self.pos..].starts_with('\'') {
                        text.push('\'');
                        self.pos += 1;
                    } else {
                        return Ok((Token::Str(text), self.span(start, self.pos)));
                    }
                }
            }
        }
    }

    fn number(&mut self, start: usize) -> Result<(Token, Span), Error> {
        let bytes = self.src.as_bytes();
        let mut end = self.pos;
        if matches!(bytes.get(end), Some(b'-' | b'+')) {
            end += 1;
        }
        let digits_start = end;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        let mut is_float = false;
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            is_float = true;
            end += 1;
            while bytes.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut exp_end = end + 1;
            if matches!(bytes.get(exp_end), Some(b'-' | b'+')) {
                exp_end += 1;
            }
            if bytes.get(exp_end).is_some_and(u8::is_ascii_digit) {
                is_float = true;
                end = exp_end;
                while bytes.get(end).is_some_and(u8::is_ascii_digit) {
                    end += 1;
                }
            }
        }
        let text = &self.src[start..end];
        let span = self.span(start, end.max(start + 1));
        if end == digits_start {
            return Err(Error::syntax("expected a number", span));
        }
        self.pos = end;
        if !is_float {
            if let Ok(n) = text.parse::<i64>() {
                return Ok((Token::Int(n), span));
            }
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok((Token::Float(f), span)),
            _ => Err(Error::syntax(
                format!("'{text}' is not a valid number"),
                span,
            )),
        }
    }
}
