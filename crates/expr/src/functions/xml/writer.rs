//! Writing XML text: escaping, and a parsed node's outer XML as .NET's `OuterXml` gives it
//! (double-quoted attributes, `<a />` for elements written empty, insignificant whitespace
//! dropped, and the namespace declarations the node needs even when an ancestor made them).

use super::{MAX_DEPTH, MAX_OUTPUT_CHARS};
use roxmltree::{Attribute, Namespace, Node, NodeType};

pub(super) fn push_escaped_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

pub(super) fn push_escaped_attr(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Whitespace-only text between markup, which `XmlDocument` drops when it loads a document
/// (`PreserveWhitespace` is off), so neither `json()` nor `xpath()` sees it.
pub(super) fn is_ignorable(node: Node<'_, '_>) -> bool {
    node.is_text()
        && node
            .text()
            .is_some_and(|t| t.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')))
}

/// An element's qualified name as written in the source (`p:name`); roxmltree keeps only
/// the expanded name, but names in results and JSON keys use the document's prefixes.
pub(super) fn element_qname<'i>(source: &'i str, node: Node<'_, 'i>) -> &'i str {
    let rest = source.get(node.range().start + 1..).unwrap_or_default();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    match rest.get(..end) {
        Some(name) if !name.is_empty() => name,
        _ => node.tag_name().name(),
    }
}

/// An attribute's qualified name as written in the source.
pub(super) fn attr_qname<'i>(source: &'i str, attr: &Attribute<'_, 'i>) -> &'i str {
    source.get(attr.range_qname()).unwrap_or(attr.name())
}

/// Whether the element was written `<a/>` rather than `<a></a>` (.NET keeps the
/// difference: `IsEmpty`).
pub(super) fn is_self_closing(source: &str, node: Node<'_, '_>) -> bool {
    source
        .get(node.range())
        .is_some_and(|text| text.ends_with("/>"))
}

/// The namespace declarations made on this element (in scope here but not in the parent).
pub(super) fn declared_here<'a, 'i>(
    node: Node<'a, 'i>,
) -> impl Iterator<Item = &'a Namespace<'i>> + 'a {
    let parent = node.parent_element();
    node.namespaces().filter(move |ns| {
        parent.is_none_or(|p| {
            !p.namespaces()
                .any(|outer| outer.name() == ns.name() && outer.uri() == ns.uri())
        })
    })
}

/// Appends the outer XML of `node` (an element, text, comment, PI or the whole document).
pub(super) fn outer_xml(source: &str, node: Node<'_, '_>, out: &mut String) -> Result<(), String> {
    let mut scope = Vec::new();
    write_node(source, node, &mut scope, out, 0)
}

/// Prefix bindings written so far on the path from the result's top element.
type Scope<'a> = Vec<(&'a str, &'a str)>;

fn write_node<'d, 'i: 'd>(
    source: &'i str,
    node: Node<'d, 'i>,
    scope: &mut Scope<'d>,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    match node.node_type() {
        NodeType::Root => {
            for child in node.children() {
                write_node(source, child, scope, out, depth)?;
            }
        }
        NodeType::Element => write_element(source, node, scope, out, depth)?,
        NodeType::Text => {
            if !is_ignorable(node) {
                push_escaped_text(out, node.text().unwrap_or_default());
            }
        }
        NodeType::Comment => {
            out.push_str("<!--");
            out.push_str(node.text().unwrap_or_default());
            out.push_str("-->");
        }
        NodeType::PI => {
            if let Some(pi) = node.pi() {
                out.push_str("<?");
                out.push_str(pi.target);
                if let Some(value) = pi.value {
                    out.push(' ');
                    out.push_str(value);
                }
                out.push_str("?>");
            }
        }
    }
    Ok(())
}

fn lookup<'a>(scope: &Scope<'a>, prefix: &str) -> Option<&'a str> {
    scope
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| *uri)
}

fn declare<'a>(scope: &mut Scope<'a>, out: &mut String, prefix: &'a str, uri: &'a str) {
    if prefix.is_empty() {
        out.push_str(" xmlns=\"");
    } else {
        out.push_str(" xmlns:");
        out.push_str(prefix);
        out.push_str("=\"");
    }
    push_escaped_attr(out, uri);
    out.push('"');
    scope.push((prefix, uri));
}

fn write_element<'d, 'i: 'd>(
    source: &'i str,
    node: Node<'d, 'i>,
    scope: &mut Scope<'d>,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    if depth >= MAX_DEPTH {
        return Err(format!(
            "the XML nests elements deeper than {MAX_DEPTH} levels"
        ));
    }
    if out.len() > MAX_OUTPUT_CHARS {
        return Err(format!(
            "the result is longer than {MAX_OUTPUT_CHARS} characters"
        ));
    }
    let mark = scope.len();
    let qname = element_qname(source, node);
    out.push('<');
    out.push_str(qname);
    for ns in declared_here(node) {
        declare(scope, out, ns.name().unwrap_or_default(), ns.uri());
    }
    let prefix = qname.split_once(':').map_or("", |(p, _)| p);
    let uri = node.tag_name().namespace().unwrap_or_default();
    let bound = lookup(scope, prefix).unwrap_or_default();
    if prefix != "xml" && bound != uri {
        declare(scope, out, prefix, uri);
    }
    for attr in node.attributes() {
        let name = attr_qname(source, &attr);
        if let (Some((prefix, _)), Some(uri)) = (name.split_once(':'), attr.namespace()) {
            if prefix != "xml" && lookup(scope, prefix) != Some(uri) {
                declare(scope, out, prefix, uri);
            }
        }
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        push_escaped_attr(out, attr.value());
        out.push('"');
    }
    let mut children = node.children().filter(|c| !is_ignorable(*c)).peekable();
    if children.peek().is_none() {
        if is_self_closing(source, node) {
            out.push_str(" />");
        } else {
            out.push_str("></");
            out.push_str(qname);
            out.push('>');
        }
    } else {
        out.push('>');
        for child in children {
            write_node(source, child, scope, out, depth + 1)?;
        }
        out.push_str("</");
        out.push_str(qname);
        out.push('>');
    }
    scope.truncate(mark);
    Ok(())
}
