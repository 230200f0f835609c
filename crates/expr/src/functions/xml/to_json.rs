//! XML → JSON the way Newtonsoft's `JsonConvert.SerializeXmlNode` writes an `XmlDocument`:
//!
//! - the `<?xml …?>` declaration becomes `"?xml": {"@version", "@encoding", "@standalone"}`;
//! - attributes (namespace declarations included) become `"@name"` properties, first;
//! - an element with only text and no attributes becomes a string; an empty one `null`
//!   (`<a/>`) or `""` (`<a></a>`); anything else an object;
//! - children with the same name are grouped into an array under that name, groups in the
//!   order of their first appearance; text among elements is `"#text"`, processing
//!   instructions `"?target"`;
//! - names keep the document's prefixes, and `_xHHHH_` escapes are decoded.
//!
//! Values are always strings: XML has no numbers. Whitespace-only text is dropped, as
//! `XmlDocument` drops it on load. Comments are left out (Newtonsoft writes them as JSON
//! comments, which a JSON value cannot hold), and CDATA reads as text because the parser
//! merges it into the surrounding text.

use super::writer::{attr_qname, declared_here, element_qname, is_ignorable, is_self_closing};
use super::MAX_DEPTH;
use roxmltree::{Document, Node, NodeType};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Converts a parsed document; `source` is the text it was parsed from.
pub(super) fn document(source: &str, doc: &Document<'_>) -> Result<Value, String> {
    let mut object = Map::new();
    if let Some(declaration) = declaration(source) {
        object.insert("?xml".to_string(), declaration);
    }
    grouped_children(source, doc.root(), &mut object, 0)?;
    Ok(Value::Object(object))
}

/// The pseudo-attributes of `<?xml version="1.0" encoding="…" standalone="…"?>`, which
/// roxmltree checks but does not keep.
fn declaration(source: &str) -> Option<Value> {
    let rest = source.strip_prefix("<?xml")?;
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None; // `<?xml-stylesheet …?>` is an ordinary processing instruction
    }
    let body = rest.get(..rest.find("?>")?)?;
    let mut object = Map::new();
    for name in ["version", "encoding", "standalone"] {
        if let Some(value) = pseudo_attribute(body, name) {
            object.insert(format!("@{name}"), Value::String(value.to_string()));
        }
    }
    Some(Value::Object(object))
}

fn pseudo_attribute<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let start = body.find(name)? + name.len();
    let rest = body
        .get(start..)?
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = rest.get(1..)?;
    rest.get(..rest.find(quote)?)
}

/// The JSON property name of a child node; `None` for nodes that are left out.
fn property_name<'i>(source: &'i str, node: Node<'_, 'i>) -> Option<Cow<'i, str>> {
    match node.node_type() {
        NodeType::Element => Some(decode_name(element_qname(source, node))),
        NodeType::Text if !is_ignorable(node) => Some(Cow::Borrowed("#text")),
        NodeType::PI => node.pi().map(|pi| Cow::Owned(format!("?{}", pi.target))),
        _ => None,
    }
}

/// Writes the children of `parent` into `object`, same-named ones grouped into arrays.
fn grouped_children(
    source: &str,
    parent: Node<'_, '_>,
    object: &mut Map<String, Value>,
    depth: usize,
) -> Result<(), String> {
    let mut groups: Vec<(Cow<'_, str>, Vec<Node<'_, '_>>)> = Vec::new();
    let mut index: HashMap<Cow<'_, str>, usize> = HashMap::new();
    for child in parent.children() {
        let Some(name) = property_name(source, child) else {
            continue;
        };
        match index.get(&name) {
            Some(&i) => {
                if let Some(group) = groups.get_mut(i) {
                    group.1.push(child);
                }
            }
            None => {
                index.insert(name.clone(), groups.len());
                groups.push((name, vec![child]));
            }
        }
    }
    for (name, nodes) in groups {
        let value = match nodes.as_slice() {
            [single] => node_value(source, *single, depth)?,
            many => Value::Array(
                many.iter()
                    .map(|node| node_value(source, *node, depth))
                    .collect::<Result<_, _>>()?,
            ),
        };
        object.insert(name.into_owned(), value);
    }
    Ok(())
}

fn node_value(source: &str, node: Node<'_, '_>, depth: usize) -> Result<Value, String> {
    Ok(match node.node_type() {
        NodeType::Element => element_value(source, node, depth)?,
        NodeType::PI => Value::String(
            node.pi()
                .and_then(|pi| pi.value)
                .unwrap_or_default()
                .to_string(),
        ),
        _ => Value::String(node.text().unwrap_or_default().to_string()),
    })
}

fn element_value(source: &str, node: Node<'_, '_>, depth: usize) -> Result<Value, String> {
    if depth >= MAX_DEPTH {
        return Err(format!(
            "the XML nests elements deeper than {MAX_DEPTH} levels"
        ));
    }
    let has_attributes = node.attributes().len() > 0 || declared_here(node).next().is_some();
    if !has_attributes {
        let mut content = node
            .children()
            .filter(|c| !is_ignorable(*c) && !c.is_comment());
        match (content.next(), content.next()) {
            (None, _) if is_self_closing(source, node) => return Ok(Value::Null),
            (None, _) => return Ok(Value::String(String::new())),
            (Some(only), None) if only.is_text() => {
                return Ok(Value::String(only.text().unwrap_or_default().to_string()))
            }
            _ => {}
        }
    }
    let mut object = Map::new();
    for ns in declared_here(node) {
        let key = match ns.name() {
            Some(prefix) => format!("@xmlns:{prefix}"),
            None => "@xmlns".to_string(),
        };
        object.insert(key, Value::String(ns.uri().to_string()));
    }
    for attr in node.attributes() {
        let name = decode_name(attr_qname(source, &attr));
        object.insert(format!("@{name}"), Value::String(attr.value().to_string()));
    }
    grouped_children(source, node, &mut object, depth + 1)?;
    Ok(Value::Object(object))
}

/// `XmlConvert.DecodeName`: `_xHHHH_` (or `_xHHHHHHHH_`) stands for the character with
/// that code, which is how names that are not valid XML names get into documents.
pub(super) fn decode_name(name: &str) -> Cow<'_, str> {
    if !name.contains("_x") && !name.contains("_X") {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(pos) = rest.find('_') {
        let (before, from_underscore) = rest.split_at(pos);
        out.push_str(before);
        match escaped_char(from_underscore) {
            Some((c, used)) => {
                out.push(c);
                rest = from_underscore.get(used..).unwrap_or_default();
            }
            None => {
                out.push('_');
                rest = from_underscore.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character of an escape at the start of `text` and the escape's length.
fn escaped_char(text: &str) -> Option<(char, usize)> {
    let bytes = text.as_bytes();
    if !matches!(bytes.get(1), Some(b'x' | b'X')) {
        return None;
    }
    [4usize, 8].into_iter().find_map(|digits| {
        let hex = text.get(2..2 + digits)?;
        if bytes.get(2 + digits) != Some(&b'_') || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let code = u32::from_str_radix(hex, 16).ok()?;
        char::from_u32(code).map(|c| (c, digits + 3))
    })
}
