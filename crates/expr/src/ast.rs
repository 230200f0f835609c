use crate::functions::FunctionSpec;

/// A byte range in the JSON string value the expression came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub(crate) fn to(self, other: Span) -> Span {
        Span::new(self.start, other.end)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Expr>),
    /// A function call; the function was resolved (and its arity checked) when parsing.
    Call {
        function: &'static FunctionSpec,
        args: Vec<Expr>,
    },
    /// `.name`, `['name']` or `[expr]`, optionally null-safe (`?.`, `?[`).
    Member {
        target: Box<Expr>,
        member: Member,
        null_safe: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    Name(String),
    Index(Box<Expr>),
}

/// A function call found while walking an expression, for validators.
#[derive(Debug, Clone, Copy)]
pub struct CallRef<'a> {
    /// The function's canonical name (as the catalogue spells it).
    pub name: &'static str,
    pub args: &'a [Expr],
    pub span: Span,
}

impl Expr {
    /// The value of a string literal, if this is one.
    pub fn as_str_literal(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Calls `visit` for every function call in this expression, outermost first.
    pub fn visit_calls<'a>(&'a self, visit: &mut dyn FnMut(CallRef<'a>)) {
        match &self.kind {
            ExprKind::Call { function, args } => {
                visit(CallRef {
                    name: function.name,
                    args,
                    span: self.span,
                });
                for arg in args {
                    arg.visit_calls(visit);
                }
            }
            ExprKind::Array(items) => {
                for item in items {
                    item.visit_calls(visit);
                }
            }
            ExprKind::Member { target, member, .. } => {
                target.visit_calls(visit);
                if let Member::Index(index) = member {
                    index.visit_calls(visit);
                }
            }
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_) => {}
        }
    }
}
