//! XPath 1.0 syntax: tokens (with the spec's §3.7 disambiguation of `*` and operator
//! names) and a recursive-descent parser into an [`Expr`] tree.

use super::library::Func;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Axis {
    Ancestor,
    AncestorOrSelf,
    Attribute,
    Child,
    Descendant,
    DescendantOrSelf,
    Following,
    FollowingSibling,
    Namespace,
    Parent,
    Preceding,
    PrecedingSibling,
    /// `self::`
    Itself,
}

impl Axis {
    fn from_name(name: &str) -> Option<Axis> {
        Some(match name {
            "ancestor" => Axis::Ancestor,
            "ancestor-or-self" => Axis::AncestorOrSelf,
            "attribute" => Axis::Attribute,
            "child" => Axis::Child,
            "descendant" => Axis::Descendant,
            "descendant-or-self" => Axis::DescendantOrSelf,
            "following" => Axis::Following,
            "following-sibling" => Axis::FollowingSibling,
            "namespace" => Axis::Namespace,
            "parent" => Axis::Parent,
            "preceding" => Axis::Preceding,
            "preceding-sibling" => Axis::PrecedingSibling,
            "self" => Axis::Itself,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum NodeTest {
    /// `*`: any node of the axis' principal type.
    Any,
    /// `p:*`
    AnyIn(String),
    /// `name` or `p:name`
    Name(Option<String>, String),
    Text,
    Comment,
    Node,
    ProcessingInstruction(Option<String>),
}

#[derive(Debug, Clone)]
pub(super) struct Step {
    pub axis: Axis,
    pub test: NodeTest,
    pub predicates: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Or,
    And,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Union,
}

#[derive(Debug, Clone)]
pub(super) enum Expr {
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Negate(Box<Expr>),
    Literal(String),
    Number(f64),
    Call(Func, Vec<Expr>),
    /// A location path; absolute paths start at the document root.
    Path {
        absolute: bool,
        steps: Vec<Step>,
    },
    /// A primary expression with predicates, optionally followed by a path.
    Filter {
        primary: Box<Expr>,
        predicates: Vec<Expr>,
        steps: Vec<Step>,
    },
}

impl Expr {
    /// The namespace prefixes the expression's name tests use.
    pub fn prefixes(&self) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            let steps = match e {
                Expr::Path { steps, .. } | Expr::Filter { steps, .. } => steps.as_slice(),
                _ => &[],
            };
            for step in steps {
                if let NodeTest::AnyIn(p) | NodeTest::Name(Some(p), _) = &step.test {
                    if !found.contains(p) {
                        found.push(p.clone());
                    }
                }
            }
            stack.extend(e.children());
        }
        found
    }

    /// The direct sub-expressions, for the depth check.
    fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Binary(_, a, b) => vec![a, b],
            Expr::Negate(a) => vec![a],
            Expr::Literal(_) | Expr::Number(_) => Vec::new(),
            Expr::Call(_, args) => args.iter().collect(),
            Expr::Path { steps, .. } => steps.iter().flat_map(|s| &s.predicates).collect(),
            Expr::Filter {
                primary,
                predicates,
                steps,
            } => std::iter::once(&**primary)
                .chain(predicates)
                .chain(steps.iter().flat_map(|s| &s.predicates))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    DotDot,
    At,
    Comma,
    ColonColon,
    Slash,
    DoubleSlash,
    Op(BinOp),
    Minus,
    Literal(String),
    Number(f64),
    Variable(String),
    NameTest(NodeTest),
    NodeType(String),
    Function(String),
    AxisName(Axis),
}

impl Token {
    /// Whether a following `*` or name is an operator (XPath 1.0 §3.7).
    fn allows_operator(&self) -> bool {
        !matches!(
            self,
            Token::At
                | Token::ColonColon
                | Token::LParen
                | Token::LBracket
                | Token::Comma
                | Token::Slash
                | Token::DoubleSlash
                | Token::Op(_)
                | Token::Minus
        )
    }
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '\u{B7}')
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(pos, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let operator_context = tokens.last().is_some_and(Token::allows_operator);
        let rest = text.get(pos..).unwrap_or_default();
        let two = |s: &str| rest.starts_with(s);
        let (token, len) = match c {
            '(' => (Token::LParen, 1),
            ')' => (Token::RParen, 1),
            '[' => (Token::LBracket, 1),
            ']' => (Token::RBracket, 1),
            '@' => (Token::At, 1),
            ',' => (Token::Comma, 1),
            '|' => (Token::Op(BinOp::Union), 1),
            '+' => (Token::Op(BinOp::Add), 1),
            '-' => (Token::Minus, 1),
            '=' => (Token::Op(BinOp::Eq), 1),
            '!' if two("!=") => (Token::Op(BinOp::Neq), 2),
            '<' if two("<=") => (Token::Op(BinOp::Le), 2),
            '<' => (Token::Op(BinOp::Lt), 1),
            '>' if two(">=") => (Token::Op(BinOp::Ge), 2),
            '>' => (Token::Op(BinOp::Gt), 1),
            ':' if two("::") => (Token::ColonColon, 2),
            '/' if two("//") => (Token::DoubleSlash, 2),
            '/' => (Token::Slash, 1),
            '*' if operator_context => (Token::Op(BinOp::Mul), 1),
            '*' => (Token::NameTest(NodeTest::Any), 1),
            '.' if two("..") => (Token::DotDot, 2),
            '.' if !rest[1..].starts_with(|d: char| d.is_ascii_digit()) => (Token::Dot, 1),
            '0'..='9' | '.' => {
                let len = rest
                    .find(|d: char| !(d.is_ascii_digit() || d == '.'))
                    .unwrap_or(rest.len());
                let literal = &rest[..len];
                let number = literal
                    .parse::<f64>()
                    .map_err(|_| format!("'{literal}' is not a valid number"))?;
                (Token::Number(number), len)
            }
            '"' | '\'' => {
                let body = &rest[1..];
                let end = body
                    .find(c)
                    .ok_or_else(|| "a string literal is not closed".to_string())?;
                (Token::Literal(body[..end].to_string()), end + 2)
            }
            '$' => {
                let len = 1 + qname_len(&rest[1..]);
                (Token::Variable(rest[1..len].to_string()), len)
            }
            c if is_name_start(c) => name_token(rest, operator_context)?,
            other => return Err(format!("unexpected character '{other}'")),
        };
        tokens.push(token);
        // Every token ends on a char boundary: lengths are of ASCII text or found names.
        let end = pos + len;
        while chars.peek().is_some_and(|&(p, _)| p < end) {
            chars.next();
        }
    }
    Ok(tokens)
}

/// Length of an NCName at the start of `text`.
fn ncname_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !is_name_char(*c))
        .map_or(text.len(), |(i, _)| i)
}

/// Length of a QName (`name` or `prefix:name`) at the start of `text`.
fn qname_len(text: &str) -> usize {
    let first = ncname_len(text);
    let rest = &text[first..];
    match rest.strip_prefix(':') {
        Some(local) if !local.starts_with(':') && ncname_len(local) > 0 => {
            first + 1 + ncname_len(local)
        }
        _ => first,
    }
}

fn name_token(rest: &str, operator_context: bool) -> Result<(Token, usize), String> {
    let first = ncname_len(rest);
    let name = &rest[..first];
    if operator_context {
        let op = match name {
            "and" => BinOp::And,
            "or" => BinOp::Or,
            "mod" => BinOp::Mod,
            "div" => BinOp::Div,
            _ => return Err(format!("expected an operator but found '{name}'")),
        };
        return Ok((Token::Op(op), first));
    }
    let after = &rest[first..];
    if after.starts_with("::") {
        let axis = Axis::from_name(name).ok_or_else(|| format!("unknown axis '{name}'"))?;
        return Ok((Token::AxisName(axis), first));
    }
    if let Some(local) = after.strip_prefix(":*") {
        let _ = local;
        return Ok((
            Token::NameTest(NodeTest::AnyIn(name.to_string())),
            first + 2,
        ));
    }
    let len = qname_len(rest);
    let qname = &rest[..len];
    if rest[len..].trim_start().starts_with('(') {
        return Ok(match qname {
            "comment" | "text" | "node" | "processing-instruction" => {
                (Token::NodeType(qname.to_string()), len)
            }
            _ => (Token::Function(qname.to_string()), len),
        });
    }
    let test = match qname.split_once(':') {
        Some((prefix, local)) => NodeTest::Name(Some(prefix.to_string()), local.to_string()),
        None => NodeTest::Name(None, qname.to_string()),
    };
    Ok((Token::NameTest(test), len))
}

/// How deeply expressions may nest; the evaluator recurses once per level.
const MAX_NESTING: usize = 64;
const MAX_TREE_DEPTH: usize = 256;

pub(super) fn parse(text: &str) -> Result<Expr, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        nesting: 0,
    };
    let expr = parser.expr()?;
    if let Some(token) = parser.peek() {
        return Err(format!(
            "unexpected {} after the expression",
            describe(token)
        ));
    }
    check_depth(&expr)?;
    Ok(expr)
}

/// Long operator chains build deep trees without deep parser recursion; the evaluator
/// would recurse through them, so their depth is bounded here, without recursion.
fn check_depth(expr: &Expr) -> Result<(), String> {
    let mut stack = vec![(expr, 1usize)];
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_TREE_DEPTH {
            return Err("the expression is too deeply nested".to_string());
        }
        stack.extend(e.children().into_iter().map(|c| (c, depth + 1)));
    }
    Ok(())
}

fn describe(token: &Token) -> String {
    match token {
        Token::Literal(s) => format!("string '{s}'"),
        Token::Number(n) => format!("number {n}"),
        Token::NameTest(NodeTest::Name(_, n)) => format!("name '{n}'"),
        Token::Function(n) | Token::NodeType(n) => format!("'{n}('"),
        Token::RParen => "')'".to_string(),
        Token::RBracket => "']'".to_string(),
        Token::Comma => "','".to_string(),
        other => format!("{other:?}"),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    nesting: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &Token, what: &str) -> Result<(), String> {
        if self.eat(token) {
            return Ok(());
        }
        Err(match self.peek() {
            Some(found) => format!("expected {what} but found {}", describe(found)),
            None => format!("expected {what} but the expression ended"),
        })
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err("the expression is too deeply nested".to_string());
        }
        let result = self.binary(0);
        self.nesting -= 1;
        result
    }

    /// Precedence climbing over the left-associative binary operators.
    fn binary(&mut self, level: usize) -> Result<Expr, String> {
        const LEVELS: &[&[BinOp]] = &[
            &[BinOp::Or],
            &[BinOp::And],
            &[BinOp::Eq, BinOp::Neq],
            &[BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge],
            &[BinOp::Add, BinOp::Sub],
            &[BinOp::Mul, BinOp::Div, BinOp::Mod],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match self.peek() {
                Some(Token::Op(op)) if ops.contains(op) => *op,
                Some(Token::Minus) if ops.contains(&BinOp::Sub) => BinOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let mut negations = 0usize;
        while self.eat(&Token::Minus) {
            negations += 1;
        }
        let mut expr = self.union()?;
        // `--x` is `x`; only the parity matters.
        if negations % 2 == 1 {
            expr = Expr::Negate(Box::new(expr));
        }
        Ok(expr)
    }

    fn union(&mut self) -> Result<Expr, String> {
        let mut left = self.path()?;
        while self.eat(&Token::Op(BinOp::Union)) {
            let right = self.path()?;
            left = Expr::Binary(BinOp::Union, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn starts_step(token: Option<&Token>) -> bool {
        matches!(
            token,
            Some(
                Token::Dot
                    | Token::DotDot
                    | Token::At
                    | Token::AxisName(_)
                    | Token::NameTest(_)
                    | Token::NodeType(_)
            )
        )
    }

    fn path(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(Token::Slash) => {
                self.pos += 1;
                let steps = if Self::starts_step(self.peek()) {
                    self.relative_path()?
                } else {
                    Vec::new()
                };
                Ok(Expr::Path {
                    absolute: true,
                    steps,
                })
            }
            Some(Token::DoubleSlash) => {
                self.pos += 1;
                let mut steps = vec![descendant_or_self()];
                steps.extend(self.relative_path()?);
                Ok(Expr::Path {
                    absolute: true,
                    steps,
                })
            }
            token if Self::starts_step(token) => Ok(Expr::Path {
                absolute: false,
                steps: self.relative_path()?,
            }),
            _ => self.filter(),
        }
    }

    fn filter(&mut self) -> Result<Expr, String> {
        let primary = self.primary()?;
        let predicates = self.predicates()?;
        let steps = match self.peek() {
            Some(Token::Slash) => {
                self.pos += 1;
                self.relative_path()?
            }
            Some(Token::DoubleSlash) => {
                self.pos += 1;
                let mut steps = vec![descendant_or_self()];
                steps.extend(self.relative_path()?);
                steps
            }
            _ => Vec::new(),
        };
        if predicates.is_empty() && steps.is_empty() {
            return Ok(primary);
        }
        Ok(Expr::Filter {
            primary: Box::new(primary),
            predicates,
            steps,
        })
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::LParen) => {
                let expr = self.expr()?;
                self.expect(&Token::RParen, "')'")?;
                Ok(expr)
            }
            Some(Token::Literal(s)) => Ok(Expr::Literal(s)),
            Some(Token::Number(n)) => Ok(Expr::Number(n)),
            Some(Token::Variable(name)) => {
                Err(format!("variables are not supported (found '${name}')"))
            }
            Some(Token::Function(name)) => {
                let func = Func::lookup(&name)
                    .ok_or_else(|| format!("'{name}()' is not an XPath 1.0 function"))?;
                self.expect(&Token::LParen, "'('")?;
                let mut args = Vec::new();
                if !self.eat(&Token::RParen) {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(&Token::RParen) {
                            break;
                        }
                        self.expect(&Token::Comma, "',' or ')'")?;
                    }
                }
                func.check_arity(args.len())?;
                Ok(Expr::Call(func, args))
            }
            Some(other) => Err(format!("unexpected {}", describe(&other))),
            None => Err("the expression ended unexpectedly".to_string()),
        }
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, String> {
        let mut predicates = Vec::new();
        while self.eat(&Token::LBracket) {
            predicates.push(self.expr()?);
            self.expect(&Token::RBracket, "']'")?;
        }
        Ok(predicates)
    }

    fn relative_path(&mut self) -> Result<Vec<Step>, String> {
        let mut steps = vec![self.step()?];
        loop {
            if self.eat(&Token::Slash) {
                steps.push(self.step()?);
            } else if self.eat(&Token::DoubleSlash) {
                steps.push(descendant_or_self());
                steps.push(self.step()?);
            } else {
                return Ok(steps);
            }
        }
    }

    fn step(&mut self) -> Result<Step, String> {
        let axis = match self.peek() {
            Some(Token::Dot) => {
                self.pos += 1;
                return Ok(Step {
                    axis: Axis::Itself,
                    test: NodeTest::Node,
                    predicates: Vec::new(),
                });
            }
            Some(Token::DotDot) => {
                self.pos += 1;
                return Ok(Step {
                    axis: Axis::Parent,
                    test: NodeTest::Node,
                    predicates: Vec::new(),
                });
            }
            Some(Token::At) => {
                self.pos += 1;
                Axis::Attribute
            }
            Some(Token::AxisName(axis)) => {
                let axis = *axis;
                self.pos += 1;
                self.expect(&Token::ColonColon, "'::'")?;
                axis
            }
            _ => Axis::Child,
        };
        let test = match self.next() {
            Some(Token::NameTest(test)) => test,
            Some(Token::NodeType(kind)) => {
                self.expect(&Token::LParen, "'('")?;
                let test = match kind.as_str() {
                    "text" => NodeTest::Text,
                    "comment" => NodeTest::Comment,
                    "node" => NodeTest::Node,
                    _ => match self.peek() {
                        Some(Token::Literal(target)) => {
                            let target = target.clone();
                            self.pos += 1;
                            NodeTest::ProcessingInstruction(Some(target))
                        }
                        _ => NodeTest::ProcessingInstruction(None),
                    },
                };
                self.expect(&Token::RParen, "')'")?;
                test
            }
            Some(other) => {
                return Err(format!(
                    "expected a node test but found {}",
                    describe(&other)
                ))
            }
            None => return Err("expected a node test but the expression ended".to_string()),
        };
        Ok(Step {
            axis,
            test,
            predicates: self.predicates()?,
        })
    }
}

fn descendant_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: NodeTest::Node,
        predicates: Vec::new(),
    }
}
