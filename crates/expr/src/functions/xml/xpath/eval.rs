//! Evaluates parsed XPath 1.0 over a roxmltree document: the node model (elements, text,
//! attributes and namespace nodes in document order), the thirteen axes, node tests,
//! predicates, and the spec's conversion and comparison rules.

use super::super::writer::{attr_qname, element_qname, is_ignorable};
use super::syntax::{Axis, BinOp, Expr, NodeTest, Step};
use roxmltree::{Document, Node, NodeType};
use std::cell::{Cell, OnceCell};

/// A node of the XPath data model. roxmltree has no nodes for attributes and namespaces,
/// so those are their element plus an index.
#[derive(Debug, Clone, Copy)]
pub(super) enum XNode<'a, 'i> {
    Node(Node<'a, 'i>),
    Attr(Node<'a, 'i>, usize),
    Ns(Node<'a, 'i>, usize),
}

impl XNode<'_, '_> {
    /// Document order: an element, then its namespace nodes, its attributes, its children
    /// (roxmltree numbers nodes in document order).
    fn order_key(&self) -> (u32, u8, usize) {
        match self {
            XNode::Node(n) => (n.id().get(), 0, 0),
            XNode::Ns(n, i) => (n.id().get(), 1, *i),
            XNode::Attr(n, i) => (n.id().get(), 2, *i),
        }
    }
}

pub(super) enum XValue<'a, 'i> {
    Nodes(Vec<XNode<'a, 'i>>),
    Bool(bool),
    Num(f64),
    Str(String),
}

/// The evaluation context: the context node, its position and the context size.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a, 'i> {
    pub node: XNode<'a, 'i>,
    pub position: usize,
    pub size: usize,
}

/// How many nodes one evaluation may visit; `//*/preceding::*` is quadratic, and a
/// workflow expression must not be able to hold a worker for minutes.
const VISIT_BUDGET: u64 = 20_000_000;

pub(super) struct Evaluator<'a, 'i> {
    pub source: &'i str,
    pub doc: &'a Document<'i>,
    visits: Cell<u64>,
    /// Every prefix the document declares, first declaration winning; built on first use.
    prefixes: OnceCell<Vec<(&'a str, &'a str)>>,
}

type Result<T> = std::result::Result<T, String>;

impl<'a, 'i> Evaluator<'a, 'i> {
    pub fn new(source: &'i str, doc: &'a Document<'i>) -> Self {
        Evaluator {
            source,
            doc,
            visits: Cell::new(0),
            prefixes: OnceCell::new(),
        }
    }

    pub fn visit(&self, count: usize) -> Result<()> {
        let total = self.visits.get().saturating_add(count as u64);
        self.visits.set(total);
        if total > VISIT_BUDGET {
            return Err("the XPath expression visits too many nodes".to_string());
        }
        Ok(())
    }

    pub fn eval(&self, expr: &Expr, ctx: Ctx<'a, 'i>) -> Result<XValue<'a, 'i>> {
        Ok(match expr {
            Expr::Literal(s) => XValue::Str(s.clone()),
            Expr::Number(n) => XValue::Num(*n),
            Expr::Negate(e) => XValue::Num(-self.number(self.eval(e, ctx)?)),
            Expr::Call(func, args) => func.call(self, args, ctx)?,
            Expr::Binary(BinOp::Or, a, b) => {
                XValue::Bool(self.boolean(a, ctx)? || self.boolean(b, ctx)?)
            }
            Expr::Binary(BinOp::And, a, b) => {
                XValue::Bool(self.boolean(a, ctx)? && self.boolean(b, ctx)?)
            }
            Expr::Binary(BinOp::Union, a, b) => {
                let mut nodes = self.node_set(a, ctx)?;
                nodes.extend(self.node_set(b, ctx)?);
                sort_unique(&mut nodes);
                XValue::Nodes(nodes)
            }
            Expr::Binary(
                op @ (BinOp::Eq | BinOp::Neq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge),
                a,
                b,
            ) => {
                let (a, b) = (self.eval(a, ctx)?, self.eval(b, ctx)?);
                XValue::Bool(self.compare(*op, &a, &b)?)
            }
            Expr::Binary(op, a, b) => {
                let a = self.number(self.eval(a, ctx)?);
                let b = self.number(self.eval(b, ctx)?);
                XValue::Num(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    // Truncating remainder, sign of the dividend, as the spec requires.
                    _ => a % b,
                })
            }
            Expr::Path { absolute, steps } => {
                let start = if *absolute {
                    XNode::Node(self.doc.root())
                } else {
                    ctx.node
                };
                XValue::Nodes(self.steps(vec![start], steps)?)
            }
            Expr::Filter {
                primary,
                predicates,
                steps,
            } => {
                let XValue::Nodes(mut nodes) = self.eval(primary, ctx)? else {
                    return Err("predicates and paths can only follow a node-set".to_string());
                };
                for predicate in predicates {
                    nodes = self.filter(nodes, predicate)?;
                }
                XValue::Nodes(self.steps(nodes, steps)?)
            }
        })
    }

    fn boolean(&self, expr: &Expr, ctx: Ctx<'a, 'i>) -> Result<bool> {
        Ok(self.to_bool(&self.eval(expr, ctx)?))
    }

    pub fn node_set(&self, expr: &Expr, ctx: Ctx<'a, 'i>) -> Result<Vec<XNode<'a, 'i>>> {
        match self.eval(expr, ctx)? {
            XValue::Nodes(nodes) => Ok(nodes),
            _ => Err("the expression must evaluate to a node-set".to_string()),
        }
    }

    fn steps(&self, mut nodes: Vec<XNode<'a, 'i>>, steps: &[Step]) -> Result<Vec<XNode<'a, 'i>>> {
        for step in steps {
            let mut out = Vec::new();
            for node in &nodes {
                let mut found = self.axis(step.axis, *node)?;
                self.visit(found.len())?;
                found.retain(|n| self.matches(step.axis, &step.test, *n));
                for predicate in &step.predicates {
                    found = self.filter(found, predicate)?;
                }
                out.extend(found);
            }
            sort_unique(&mut out);
            nodes = out;
        }
        Ok(nodes)
    }

    /// Keeps the nodes (in axis order) for which the predicate holds: a number compares
    /// with the position, anything else converts to a boolean.
    fn filter(&self, nodes: Vec<XNode<'a, 'i>>, predicate: &Expr) -> Result<Vec<XNode<'a, 'i>>> {
        let size = nodes.len();
        let mut kept = Vec::new();
        for (i, node) in nodes.into_iter().enumerate() {
            let ctx = Ctx {
                node,
                position: i + 1,
                size,
            };
            let keep = match self.eval(predicate, ctx)? {
                XValue::Num(n) => n == (i + 1) as f64,
                other => self.to_bool(&other),
            };
            if keep {
                kept.push(node);
            }
        }
        Ok(kept)
    }

    /// The nodes on an axis from `node`, in axis order (reverse axes nearest first).
    fn axis(&self, axis: Axis, node: XNode<'a, 'i>) -> Result<Vec<XNode<'a, 'i>>> {
        let visible = |n: &Node<'a, 'i>| !is_ignorable(*n);
        let wrap = |n: Node<'a, 'i>| XNode::Node(n);
        let (element, own) = match node {
            XNode::Node(n) => (n, true),
            XNode::Attr(e, _) | XNode::Ns(e, _) => (e, false),
        };
        Ok(match axis {
            Axis::Itself => vec![node],
            Axis::Child if own => element.children().filter(visible).map(wrap).collect(),
            Axis::Descendant if own => element
                .descendants()
                .skip(1)
                .filter(visible)
                .map(wrap)
                .collect(),
            Axis::DescendantOrSelf if own => {
                element.descendants().filter(visible).map(wrap).collect()
            }
            Axis::DescendantOrSelf => vec![node],
            Axis::Child | Axis::Descendant => Vec::new(),
            Axis::Parent if own => element.parent().map(wrap).into_iter().collect(),
            Axis::Parent => vec![XNode::Node(element)],
            Axis::Ancestor | Axis::AncestorOrSelf => {
                let mut out = Vec::new();
                if axis == Axis::AncestorOrSelf {
                    out.push(node);
                }
                let first = if own { element.parent() } else { Some(element) };
                out.extend(first.into_iter().flat_map(|n| n.ancestors()).map(wrap));
                out
            }
            Axis::FollowingSibling if own => element
                .next_siblings()
                .skip(1)
                .filter(visible)
                .map(wrap)
                .collect(),
            Axis::PrecedingSibling if own => element
                .prev_siblings()
                .skip(1)
                .filter(visible)
                .map(wrap)
                .collect(),
            Axis::FollowingSibling | Axis::PrecedingSibling => Vec::new(),
            Axis::Following => {
                let mut out = Vec::new();
                if !own {
                    // An attribute is followed by its element's content.
                    out.extend(element.descendants().skip(1).filter(visible).map(wrap));
                }
                for ancestor in element.ancestors() {
                    for sibling in ancestor.next_siblings().skip(1) {
                        out.extend(sibling.descendants().filter(visible).map(wrap));
                        self.visit(1)?;
                    }
                }
                out
            }
            Axis::Preceding => {
                let before = element.id().get();
                let ancestors: Vec<_> = element.ancestors().map(|a| a.id()).collect();
                let mut out: Vec<_> = self
                    .doc
                    .descendants()
                    .skip(1)
                    .take_while(|n| n.id().get() < before)
                    .filter(|n| visible(n) && !ancestors.contains(&n.id()))
                    .map(wrap)
                    .collect();
                out.reverse();
                out
            }
            Axis::Attribute if own && element.is_element() => (0..element.attributes().len())
                .map(|i| XNode::Attr(element, i))
                .collect(),
            Axis::Namespace if own && element.is_element() => (0..element.namespaces().len())
                .map(|i| XNode::Ns(element, i))
                .collect(),
            Axis::Attribute | Axis::Namespace => Vec::new(),
        })
    }

    fn matches(&self, axis: Axis, test: &NodeTest, node: XNode<'a, 'i>) -> bool {
        let principal = match (axis, node) {
            (Axis::Attribute, XNode::Attr(..)) | (Axis::Namespace, XNode::Ns(..)) => true,
            (Axis::Attribute | Axis::Namespace, _) => false,
            (_, XNode::Node(n)) => n.is_element(),
            _ => false,
        };
        match test {
            NodeTest::Node => true,
            NodeTest::Any => principal,
            NodeTest::AnyIn(prefix) => {
                principal
                    && self
                        .resolve(prefix)
                        .is_some_and(|uri| self.namespace_uri(node) == uri)
            }
            NodeTest::Name(prefix, local) => {
                principal
                    && self.local_name(node) == local.as_str()
                    && match prefix {
                        Some(prefix) => self
                            .resolve(prefix)
                            .is_some_and(|uri| self.namespace_uri(node) == uri),
                        None => self.namespace_uri(node).is_empty(),
                    }
            }
            NodeTest::Text => matches!(node, XNode::Node(n) if n.is_text()),
            NodeTest::Comment => matches!(node, XNode::Node(n) if n.is_comment()),
            NodeTest::ProcessingInstruction(target) => match node {
                XNode::Node(n) => n
                    .pi()
                    .is_some_and(|pi| target.as_deref().is_none_or(|t| t == pi.target)),
                _ => false,
            },
        }
    }

    /// A prefix used in the expression: the documents's own declarations, as Logic Apps
    /// users write `/p:root/p:item` for documents that declare `p`.
    fn resolve(&self, prefix: &str) -> Option<&'a str> {
        if prefix == "xml" {
            return Some("http://www.w3.org/XML/1998/namespace");
        }
        let prefixes = self.prefixes.get_or_init(|| {
            let mut found: Vec<(&'a str, &'a str)> = Vec::new();
            for element in self.doc.descendants().filter(Node::is_element) {
                for ns in element.namespaces() {
                    if let Some(name) = ns.name() {
                        if !found.iter().any(|(p, _)| *p == name) {
                            found.push((name, ns.uri()));
                        }
                    }
                }
            }
            found
        });
        prefixes
            .iter()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| *uri)
    }

    /// Reports prefixes the document does not declare (before evaluating, so the error
    /// does not depend on whether a step is reached).
    pub fn check_prefixes(&self, prefixes: &[&str]) -> Result<()> {
        match prefixes.iter().find(|p| self.resolve(p).is_none()) {
            Some(prefix) => Err(format!("the namespace prefix '{prefix}' is not defined")),
            None => Ok(()),
        }
    }

    pub fn local_name(&self, node: XNode<'a, 'i>) -> &'a str {
        match node {
            XNode::Node(n) if n.is_element() => n.tag_name().name(),
            XNode::Node(n) => n.pi().map_or("", |pi| pi.target),
            XNode::Attr(e, i) => e.attributes().nth(i).map_or("", |a| a.name()),
            XNode::Ns(e, i) => e.namespaces().nth(i).and_then(|ns| ns.name()).unwrap_or(""),
        }
    }

    pub fn namespace_uri(&self, node: XNode<'a, 'i>) -> &'a str {
        match node {
            XNode::Node(n) => n.tag_name().namespace().unwrap_or(""),
            XNode::Attr(e, i) => e
                .attributes()
                .nth(i)
                .and_then(|a| a.namespace())
                .unwrap_or(""),
            XNode::Ns(..) => "",
        }
    }

    /// The qualified name with the document's prefix.
    pub fn name(&self, node: XNode<'a, 'i>) -> &'i str {
        match node {
            XNode::Node(n) if n.is_element() => element_qname(self.source, n),
            XNode::Node(n) => n.pi().map_or("", |pi| pi.target),
            XNode::Attr(e, i) => e
                .attributes()
                .nth(i)
                .map_or("", |a| attr_qname(self.source, &a)),
            XNode::Ns(e, i) => e.namespaces().nth(i).and_then(|ns| ns.name()).unwrap_or(""),
        }
    }

    pub fn string_value(&self, node: XNode<'a, 'i>) -> String {
        match node {
            XNode::Node(n) => match n.node_type() {
                NodeType::Root | NodeType::Element => n
                    .descendants()
                    .filter(|d| d.is_text() && !is_ignorable(*d))
                    .filter_map(|d| d.text())
                    .collect(),
                NodeType::PI => n.pi().and_then(|pi| pi.value).unwrap_or("").to_string(),
                NodeType::Text | NodeType::Comment => n.text().unwrap_or("").to_string(),
            },
            XNode::Attr(e, i) => e.attributes().nth(i).map_or("", |a| a.value()).to_string(),
            XNode::Ns(e, i) => e.namespaces().nth(i).map_or("", |ns| ns.uri()).to_string(),
        }
    }

    pub fn to_bool(&self, value: &XValue<'a, 'i>) -> bool {
        match value {
            XValue::Nodes(nodes) => !nodes.is_empty(),
            XValue::Bool(b) => *b,
            XValue::Num(n) => *n != 0.0 && !n.is_nan(),
            XValue::Str(s) => !s.is_empty(),
        }
    }

    pub fn number(&self, value: XValue<'a, 'i>) -> f64 {
        match value {
            XValue::Nodes(nodes) => nodes
                .first()
                .map_or(f64::NAN, |n| parse_number(&self.string_value(*n))),
            XValue::Bool(b) => f64::from(u8::from(b)),
            XValue::Num(n) => n,
            XValue::Str(s) => parse_number(&s),
        }
    }

    pub fn string(&self, value: XValue<'a, 'i>) -> String {
        match value {
            XValue::Nodes(nodes) => nodes
                .first()
                .map_or_else(String::new, |n| self.string_value(*n)),
            XValue::Bool(b) => b.to_string(),
            XValue::Num(n) => number_to_string(n),
            XValue::Str(s) => s,
        }
    }

    /// `=`, `!=`, `<`, … with node-sets compared node by node (XPath 1.0 §3.4).
    fn compare(&self, op: BinOp, a: &XValue<'a, 'i>, b: &XValue<'a, 'i>) -> Result<bool> {
        match (a, b) {
            (XValue::Nodes(x), XValue::Nodes(y)) => {
                let ys: Vec<String> = y.iter().map(|n| self.string_value(*n)).collect();
                for node in x {
                    let sx = self.string_value(*node);
                    self.visit(ys.len())?;
                    if ys
                        .iter()
                        .any(|sy| atoms(op, &Atom::Str(&sx), &Atom::Str(sy)))
                    {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            (XValue::Nodes(nodes), other) => self.compare_set(op, nodes, other, false),
            (other, XValue::Nodes(nodes)) => self.compare_set(op, nodes, other, true),
            (a, b) => Ok(atoms(op, &atom(a), &atom(b))),
        }
    }

    fn compare_set(
        &self,
        op: BinOp,
        nodes: &[XNode<'a, 'i>],
        other: &XValue<'a, 'i>,
        swapped: bool,
    ) -> Result<bool> {
        let ordered = |x: Atom<'_>, y: Atom<'_>| {
            if swapped {
                atoms(op, &y, &x)
            } else {
                atoms(op, &x, &y)
            }
        };
        Ok(match other {
            XValue::Bool(b) => ordered(Atom::Bool(!nodes.is_empty()), Atom::Bool(*b)),
            XValue::Num(n) => nodes.iter().any(|node| {
                ordered(
                    Atom::Num(parse_number(&self.string_value(*node))),
                    Atom::Num(*n),
                )
            }),
            XValue::Str(s) => nodes
                .iter()
                .any(|node| ordered(Atom::Str(&self.string_value(*node)), Atom::Str(s))),
            XValue::Nodes(_) => false,
        })
    }
}

enum Atom<'s> {
    Bool(bool),
    Num(f64),
    Str(&'s str),
}

fn atom<'s>(value: &'s XValue<'_, '_>) -> Atom<'s> {
    match value {
        XValue::Bool(b) => Atom::Bool(*b),
        XValue::Num(n) => Atom::Num(*n),
        XValue::Str(s) => Atom::Str(s),
        XValue::Nodes(nodes) => Atom::Bool(!nodes.is_empty()),
    }
}

fn atom_number(a: &Atom<'_>) -> f64 {
    match a {
        Atom::Bool(b) => f64::from(u8::from(*b)),
        Atom::Num(n) => *n,
        Atom::Str(s) => parse_number(s),
    }
}

fn atom_bool(a: &Atom<'_>) -> bool {
    match a {
        Atom::Bool(b) => *b,
        Atom::Num(n) => *n != 0.0 && !n.is_nan(),
        Atom::Str(s) => !s.is_empty(),
    }
}

fn atoms(op: BinOp, a: &Atom<'_>, b: &Atom<'_>) -> bool {
    if matches!(op, BinOp::Eq | BinOp::Neq) {
        let equal = match (a, b) {
            (Atom::Bool(_), _) | (_, Atom::Bool(_)) => atom_bool(a) == atom_bool(b),
            (Atom::Num(_), _) | (_, Atom::Num(_)) => atom_number(a) == atom_number(b),
            (Atom::Str(x), Atom::Str(y)) => x == y,
        };
        return equal == (op == BinOp::Eq);
    }
    let (x, y) = (atom_number(a), atom_number(b));
    match op {
        BinOp::Lt => x < y,
        BinOp::Le => x <= y,
        BinOp::Gt => x > y,
        _ => x >= y,
    }
}

pub(super) fn sort_unique(nodes: &mut Vec<XNode<'_, '_>>) {
    nodes.sort_by_key(XNode::order_key);
    nodes.dedup_by_key(|n| n.order_key());
}

/// XPath's `number()` of a string: optional whitespace, an optional minus, digits with an
/// optional fraction; anything else is NaN.
pub(super) fn parse_number(text: &str) -> f64 {
    let t = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let digits = t.strip_prefix('-').unwrap_or(t);
    let valid = !digits.is_empty()
        && digits != "."
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1;
    if !valid {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

/// A number as .NET's XPath writes it (round-trip digits; `NaN`, `Infinity`).
pub(super) fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else if n == 0.0 {
        "0".to_string()
    } else {
        crate::value::format_float(n)
    }
}
