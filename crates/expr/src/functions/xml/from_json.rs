//! JSON → XML text the way Newtonsoft's `JsonConvert.DeserializeXmlNode` builds an
//! `XmlDocument` (and `OuterXml` then writes it):
//!
//! - the object must have exactly one property for the root element (besides an optional
//!   `"?xml"` declaration and processing instructions), and it cannot be an array;
//! - `"@name"` → attribute (`"@xmlns"` / `"@xmlns:p"` declare namespaces), `"#text"` → text,
//!   `"#cdata-section"` → CDATA, `"#comment"` → comment, `"?target"` → processing
//!   instruction, `"?xml"` → the declaration;
//! - an array → one element per item, all with the property's name (an array inside an
//!   array → an element of that name wrapping the inner items);
//! - null or `{}` → an empty element `<a />`; numbers as .NET writes them, booleans as
//!   `true`/`false`;
//! - names that are not valid XML names are escaped with `XmlConvert.EncodeName`
//!   (`"first name"` → `first_x0020_name`).

use super::writer::{push_escaped_attr, push_escaped_text};
use super::{MAX_DEPTH, MAX_OUTPUT_CHARS};
use serde_json::{Map, Value};
use std::borrow::Cow;

pub(super) fn to_xml(root: &Map<String, Value>) -> Result<String, String> {
    let mut builder = Builder {
        out: String::new(),
        prefixes: Vec::new(),
    };
    let mut has_root = false;
    for (name, value) in root {
        if name == "?xml" {
            if !builder.out.is_empty() {
                return Err("the '?xml' declaration must be the first property".to_string());
            }
            builder.declaration(value)?;
        } else if let Some(target) = name.strip_prefix('?') {
            builder.instruction(target, value)?;
        } else if name == "#comment" {
            builder.comment(value)?;
        } else if name.starts_with('@') || name.starts_with('#') {
            return Err(format!(
                "the root property '{name}' cannot be converted: the root must be an element"
            ));
        } else if has_root {
            return Err(
                "the JSON root object has more than one property; it must have a single \
                 property for the root element"
                    .to_string(),
            );
        } else if value.is_array() {
            return Err(format!(
                "the root property '{name}' is an array; the root element must be a single \
                 element (wrap the array in an object)"
            ));
        } else {
            builder.element(name, value, 0)?;
            has_root = true;
        }
    }
    if !has_root {
        return Err("the JSON object has no property for the root element".to_string());
    }
    Ok(builder.out)
}

struct Builder {
    out: String,
    /// Namespace prefixes declared on the path to the current element.
    prefixes: Vec<String>,
}

impl Builder {
    fn declaration(&mut self, value: &Value) -> Result<(), String> {
        let Value::Object(fields) = value else {
            return Err(
                "the '?xml' declaration must be an object of '@version', '@encoding' \
                 and '@standalone'"
                    .to_string(),
            );
        };
        let field = |name: &str| fields.get(name).and_then(primitive_text);
        let version = field("@version").unwrap_or(Cow::Borrowed("1.0"));
        self.out.push_str("<?xml version=\"");
        push_escaped_attr(&mut self.out, &version);
        self.out.push('"');
        for name in ["encoding", "standalone"] {
            if let Some(text) = field(&format!("@{name}")) {
                self.out.push(' ');
                self.out.push_str(name);
                self.out.push_str("=\"");
                push_escaped_attr(&mut self.out, &text);
                self.out.push('"');
            }
        }
        self.out.push_str("?>");
        Ok(())
    }

    fn instruction(&mut self, target: &str, value: &Value) -> Result<(), String> {
        if target.is_empty() || target.eq_ignore_ascii_case("xml") {
            return Err(format!("'?{target}' is not a valid processing instruction"));
        }
        self.out.push_str("<?");
        self.out.push_str(&encode_name(target));
        let text = text_of(value, "a processing instruction")?;
        if !text.is_empty() {
            self.out.push(' ');
            // `?>` would end the instruction early; XML has no escape for it.
            self.out.push_str(&text.replace("?>", "? >"));
        }
        self.out.push_str("?>");
        Ok(())
    }

    fn comment(&mut self, value: &Value) -> Result<(), String> {
        for item in items(value) {
            let text = text_of(item, "a comment")?;
            self.out.push_str("<!--");
            self.out.push_str(&text.replace("--", "- -"));
            self.out.push_str("-->");
        }
        Ok(())
    }

    fn element(&mut self, name: &str, value: &Value, depth: usize) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(format!("the JSON nests deeper than {MAX_DEPTH} levels"));
        }
        if self.out.len() > MAX_OUTPUT_CHARS {
            return Err(format!(
                "the XML is longer than {MAX_OUTPUT_CHARS} characters"
            ));
        }
        if name.is_empty() {
            return Err("a property with an empty name cannot be converted to XML".to_string());
        }
        let mark = self.prefixes.len();
        let qname = encode_name(name);
        self.out.push('<');
        self.out.push_str(&qname);
        if let Value::Object(fields) = value {
            self.attributes(fields)?;
        }
        self.check_prefix(name)?;
        match value {
            Value::Null => self.out.push_str(" />"),
            Value::Object(fields) if fields.keys().all(|k| k.starts_with('@')) => {
                self.out.push_str(" />");
            }
            Value::Object(fields) => {
                self.out.push('>');
                self.content(fields, depth)?;
                self.close(&qname);
            }
            Value::Array(items) => {
                // An array directly inside an array: Newtonsoft wraps its items in an
                // element of the same name.
                self.out.push('>');
                for item in items {
                    self.element(name, item, depth + 1)?;
                }
                self.close(&qname);
            }
            primitive => {
                self.out.push('>');
                if let Some(text) = primitive_text(primitive) {
                    push_escaped_text(&mut self.out, &text);
                }
                self.close(&qname);
            }
        }
        self.prefixes.truncate(mark);
        Ok(())
    }

    fn close(&mut self, qname: &str) {
        self.out.push_str("</");
        self.out.push_str(qname);
        self.out.push('>');
    }

    fn attributes(&mut self, fields: &Map<String, Value>) -> Result<(), String> {
        let attributes = || {
            fields
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix('@')?, v)))
        };
        // Declarations first, so prefixes used by any attribute of this element resolve.
        for (name, _) in attributes() {
            if let Some(prefix) = name.strip_prefix("xmlns:") {
                self.prefixes.push(prefix.to_string());
            }
        }
        for (name, value) in attributes() {
            if name.is_empty() {
                return Err("a property named '@' cannot be converted to an attribute".to_string());
            }
            if !name.starts_with("xmlns") {
                self.check_prefix(name)?;
            }
            let text = match value {
                Value::Array(_) | Value::Object(_) => {
                    return Err(format!(
                        "the attribute '@{name}' must have a string, number, boolean or null value"
                    ))
                }
                other => primitive_text(other).unwrap_or_default(),
            };
            self.out.push(' ');
            self.out.push_str(&encode_name(name));
            self.out.push_str("=\"");
            push_escaped_attr(&mut self.out, &text);
            self.out.push('"');
        }
        Ok(())
    }

    /// A prefixed name needs its prefix declared on the way (`xml` is always bound).
    fn check_prefix(&self, name: &str) -> Result<(), String> {
        match name.split_once(':') {
            Some((prefix, _)) if prefix != "xml" && !self.prefixes.iter().any(|p| p == prefix) => {
                Err(format!(
                    "the namespace prefix '{prefix}' of '{name}' is not declared (add an \
                     '@xmlns:{prefix}' property)"
                ))
            }
            _ => Ok(()),
        }
    }

    fn content(&mut self, fields: &Map<String, Value>, depth: usize) -> Result<(), String> {
        for (name, value) in fields {
            match name.as_str() {
                n if n.starts_with('@') => {}
                "#text" | "#whitespace" | "#significant-whitespace" => {
                    for item in items(value) {
                        push_escaped_text(&mut self.out, &text_of(item, "text")?);
                    }
                }
                "#cdata-section" => {
                    for item in items(value) {
                        let text = text_of(item, "a CDATA section")?;
                        self.out.push_str("<![CDATA[");
                        self.out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
                        self.out.push_str("]]>");
                    }
                }
                "#comment" => self.comment(value)?,
                "?xml" => {
                    return Err(
                        "the '?xml' declaration can only be a property of the root object"
                            .to_string(),
                    )
                }
                n if n.starts_with('?') => self.instruction(&n[1..], value)?,
                _ => match value {
                    Value::Array(items) => {
                        for item in items {
                            self.element(name, item, depth + 1)?;
                        }
                    }
                    _ => self.element(name, value, depth + 1)?,
                },
            }
        }
        Ok(())
    }
}

/// The items of an array, or the value itself.
fn items(value: &Value) -> impl Iterator<Item = &Value> {
    let (many, one) = match value {
        Value::Array(items) => (items.as_slice(), None),
        other => (&[][..], Some(other)),
    };
    many.iter().chain(one)
}

fn text_of<'v>(value: &'v Value, what: &str) -> Result<Cow<'v, str>, String> {
    match value {
        Value::Array(_) | Value::Object(_) => Err(format!(
            "{what} must have a string, number, boolean or null value"
        )),
        other => Ok(primitive_text(other).unwrap_or_default()),
    }
}

/// A JSON primitive as XML text, as Newtonsoft converts it; `None` for null.
fn primitive_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Bool(true) => Some(Cow::Borrowed("true")),
        Value::Bool(false) => Some(Cow::Borrowed("false")),
        Value::Number(n) => Some(Cow::Owned(match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) => crate::value::format_float(f),
            _ => n.to_string(),
        })),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// `XmlConvert.EncodeName`: characters that cannot appear in an XML name (at that
/// position) become `_xHHHH_`; an underscore that would read as such an escape is escaped
/// itself, so `decode_name` gives the original back.
pub(super) fn encode_name(name: &str) -> Cow<'_, str> {
    let needs = |(i, (pos, c)): (usize, (usize, char))| {
        let valid = if i == 0 {
            is_name_start(c)
        } else {
            is_name_char(c)
        };
        !valid || (c == '_' && reads_as_escape(name.get(pos..).unwrap_or_default()))
    };
    if !name.char_indices().enumerate().any(needs) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for (i, (pos, c)) in name.char_indices().enumerate() {
        if needs((i, (pos, c))) {
            let code = u32::from(c);
            if code > 0xFFFF {
                out.push_str(&format!("_x{code:08X}_"));
            } else {
                out.push_str(&format!("_x{code:04X}_"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn reads_as_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    matches!(bytes.get(1), Some(b'x' | b'X'))
        && bytes.get(6) == Some(&b'_')
        && bytes
            .get(2..6)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
}

/// XML 1.0 (fifth edition) `NameStartChar`.
fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (fifth edition) `NameChar`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_objects_are_refused_not_overflowing() {
        // Run state can hold values deeper than any JSON text the parser would accept.
        let mut value = Value::Null;
        for _ in 0..300 {
            let mut map = Map::new();
            map.insert("a".to_string(), value);
            value = Value::Object(map);
        }
        let Value::Object(root) = value else {
            unreachable!("built as an object")
        };
        let error = to_xml(&root).err().unwrap_or_default();
        assert!(error.contains("deeper than"), "{error}");
    }

    #[test]
    fn names_round_trip_through_escapes() {
        for name in ["a b", "1x", "_x0041_", "ok", "é:x", "a😀b"] {
            let encoded = encode_name(name);
            assert_eq!(super::super::to_json::decode_name(&encoded), name);
        }
        assert_eq!(encode_name("a😀b"), "a😀b");
        assert_eq!(encode_name("1\u{1F600}"), "_x0031_\u{1F600}");
        assert_eq!(encode_name("a\u{FFFF}"), "a_xFFFF_");
    }
}
