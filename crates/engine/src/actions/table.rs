//! Table: an HTML or CSV table from an array, with given columns or headers taken from
//! the objects' property names.

use super::data::{from_array, object_keys, per_item};
use super::{invalid_template, text_of};
use crate::key::ActionKey;
use crate::schedule::{Completion, Machine};
use crate::source;
use crate::template::Part;
use hookflow_definition::CheckedAction;
use serde_json::{json, Value};

pub(crate) fn run(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(items) = from_array(m, action, key) else {
        return;
    };
    let inputs_part = action.inputs.as_ref().map(Part::of);
    let format = match inputs_part.and_then(|p| p.field("format")) {
        Some(p) => p
            .evaluate(&m.ctx(Some(action.id), key.indexes()))
            .map(|v| text_of(&v)),
        None => Ok("HTML".to_string()),
    };
    let format = match format {
        Ok(f) => f,
        Err(e) => return m.complete(action, key, invalid_template(action, &e, Value::Null)),
    };
    let inputs = json!({
        "from": items,
        "format": format,
        "columns": source::raw_input(m.def, action.name.as_str(), "columns"),
    });
    let html = if format.eq_ignore_ascii_case("html") {
        true
    } else if format.eq_ignore_ascii_case("csv") {
        false
    } else {
        let message = format!("The table format must be HTML or CSV, not '{format}'");
        return m.complete(
            action,
            key,
            Completion::failed("InvalidTemplate", message, inputs),
        );
    };

    // Columns: (header, one value per item).
    let mut columns: Vec<(String, Vec<Value>)> = Vec::new();
    match inputs_part
        .and_then(|p| p.field("columns"))
        .and_then(|p| p.elements())
    {
        Some(specs) => {
            for spec in specs {
                let header = match spec.field("header") {
                    Some(h) => match h.evaluate(&m.ctx(Some(action.id), key.indexes())) {
                        Ok(v) => text_of(&v),
                        Err(e) => {
                            return m.complete(action, key, invalid_template(action, &e, inputs))
                        }
                    },
                    None => String::new(),
                };
                let values = match spec.field("value") {
                    Some(v) => match per_item(m, action, key, v, &items) {
                        Ok(values) => values,
                        Err(e) => {
                            return m.complete(action, key, invalid_template(action, &e, inputs))
                        }
                    },
                    None => vec![Value::Null; items.len()],
                };
                columns.push((header, values));
            }
        }
        None => {
            for k in object_keys(&items) {
                let values = items
                    .iter()
                    .map(|i| i.get(&k).cloned().unwrap_or(Value::Null))
                    .collect();
                columns.push((k, values));
            }
        }
    }
    let body = if html {
        render_html(&columns, items.len())
    } else {
        render_csv(&columns, items.len())
    };
    m.complete(
        action,
        key,
        Completion::succeeded(inputs, json!({ "body": body })),
    );
}

fn render_html(columns: &[(String, Vec<Value>)], rows: usize) -> String {
    if columns.is_empty() {
        return String::new();
    }
    let mut out = String::from("<table><thead><tr>");
    for (header, _) in columns {
        out.push_str(&format!("<th>{}</th>", escape_html(header)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in 0..rows {
        out.push_str("<tr>");
        for (_, values) in columns {
            let cell = values.get(row).map(text_of).unwrap_or_default();
            out.push_str(&format!("<td>{}</td>", escape_html(&cell)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn render_csv(columns: &[(String, Vec<Value>)], rows: usize) -> String {
    if columns.is_empty() {
        return String::new();
    }
    let mut lines = Vec::with_capacity(rows + 1);
    lines.push(
        columns
            .iter()
            .map(|(h, _)| escape_csv(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    for row in 0..rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|(_, values)| escape_csv(&values.get(row).map(text_of).unwrap_or_default()))
            .collect();
        lines.push(cells.join(","));
    }
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes.
pub(crate) fn escape_csv(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
