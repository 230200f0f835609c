//! `xpath()`: XPath 1.0 — the language .NET's `System.Xml.XPath` implements, which Logic
//! Apps uses — evaluated over a roxmltree document.
//!
//! Evaluated here rather than by a crate: the maintained XPath crates implement XPath 2/3
//! (different comparison and typing rules), and the XPath 1.0 ones are unmaintained. The
//! evaluator bounds what one call may cost (nesting depth, nodes visited, result size).
//!
//! Prefixes in the expression resolve to the document's own declarations. Results: a
//! node-set is an array in document order (elements as their outer XML, text and
//! attributes as their values); a number, string or boolean is returned as it is, with
//! whole numbers as integers (`sum(…)` → `30`).

mod eval;
mod library;
mod syntax;

use super::writer::outer_xml;
use super::MAX_OUTPUT_CHARS;
use eval::{Ctx, Evaluator, XNode, XValue};
use roxmltree::{Document, NodeType};
use serde_json::Value;

pub(super) struct Compiled {
    expr: syntax::Expr,
    prefixes: Vec<String>,
}

pub(super) fn compile(expression: &str) -> Result<Compiled, String> {
    let expr = syntax::parse(expression)
        .map_err(|e| format!("'{expression}' is not a valid XPath expression: {e}"))?;
    let prefixes = expr.prefixes();
    Ok(Compiled { expr, prefixes })
}

pub(super) fn evaluate(
    compiled: &Compiled,
    source: &str,
    doc: &Document<'_>,
) -> Result<Value, String> {
    let evaluator = Evaluator::new(source, doc);
    let prefixes: Vec<&str> = compiled.prefixes.iter().map(String::as_str).collect();
    evaluator.check_prefixes(&prefixes)?;
    let ctx = Ctx {
        node: XNode::Node(doc.root()),
        position: 1,
        size: 1,
    };
    Ok(match evaluator.eval(&compiled.expr, ctx)? {
        XValue::Nodes(nodes) => {
            let mut items = Vec::with_capacity(nodes.len());
            let mut total = 0usize;
            for node in nodes {
                let text = node_text(&evaluator, node)?;
                total += text.len();
                if total > MAX_OUTPUT_CHARS {
                    return Err(format!(
                        "the result is longer than {MAX_OUTPUT_CHARS} characters"
                    ));
                }
                items.push(Value::String(text));
            }
            Value::Array(items)
        }
        XValue::Bool(b) => Value::Bool(b),
        XValue::Str(s) => Value::String(s),
        XValue::Num(n) => number_value(n),
    })
}

/// A node of the result: elements (and the document) as XML text, other nodes as their
/// string-values.
fn node_text<'a, 'i>(evaluator: &Evaluator<'a, 'i>, node: XNode<'a, 'i>) -> Result<String, String> {
    match node {
        XNode::Node(n) if matches!(n.node_type(), NodeType::Element | NodeType::Root) => {
            let mut out = String::new();
            outer_xml(evaluator.source, n, &mut out)?;
            Ok(out)
        }
        other => Ok(evaluator.string_value(other)),
    }
}

/// XPath numbers are doubles; whole ones are returned as integers, as the documented
/// `sum(/produce/item/count)` → `30` shows. NaN and infinities, which JSON cannot hold,
/// are returned as the strings XPath's `string()` gives them.
fn number_value(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() <= EXACT {
        return Value::from(n as i64);
    }
    crate::value::float_value(n).unwrap_or_else(|| Value::String(eval::number_to_string(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOC: &str = "<r xmlns:p='urn:p'><p:a x='1'>t</p:a><b>2<!--c--><?pi v?></b></r>";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the expression, compiling and evaluating returns, never panics.
        #[test]
        fn arbitrary_expressions_do_not_panic(
            expression in r#"[a-z:*/.@()\[\]|=!<>+\-"' 0-9,$é]{0,40}"#
        ) {
            if let Ok(compiled) = compile(&expression) {
                if let Ok(doc) = Document::parse(DOC) {
                    let _ = evaluate(&compiled, DOC, &doc);
                }
            }
        }
    }
}
