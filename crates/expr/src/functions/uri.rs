//! URI functions: the parsing family (`uriHost`, `uriPath`, `uriPathAndQuery`, `uriPort`,
//! `uriQuery`, `uriScheme`), which reads the parts of an absolute URI as .NET's `System.Uri`
//! reports them, and the component family (`uriComponent`, `uriComponentToString`,
//! `uriComponentToBinary`, `encodeUriComponent`, `decodeUriComponent`), which escapes and
//! unescapes like `Uri.EscapeDataString` / `Uri.UnescapeDataString`.

use super::{Args, FnError, FunctionSpec};
use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use std::borrow::Cow;
use url::Url;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::pure("decodeUriComponent", 1, Some(1), uri_component_to_string),
    FunctionSpec::pure("encodeUriComponent", 1, Some(1), uri_component),
    FunctionSpec::pure("uriComponent", 1, Some(1), uri_component),
    FunctionSpec::pure("uriComponentToBinary", 1, Some(1), uri_component_to_binary),
    FunctionSpec::pure("uriComponentToString", 1, Some(1), uri_component_to_string),
    FunctionSpec::pure("uriHost", 1, Some(1), uri_host),
    FunctionSpec::pure("uriPath", 1, Some(1), uri_path),
    FunctionSpec::pure("uriPathAndQuery", 1, Some(1), uri_path_and_query),
    FunctionSpec::pure("uriPort", 1, Some(1), uri_port),
    FunctionSpec::pure("uriQuery", 1, Some(1), uri_query),
    FunctionSpec::pure("uriScheme", 1, Some(1), uri_scheme),
];

/// What `Uri.EscapeDataString` leaves alone: the RFC 3986 unreserved characters.
const DATA_STRING: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn absolute_uri(args: &Args<'_>) -> Result<Url, FnError> {
    let text = args.str(0)?;
    Url::parse(text.trim()).map_err(|e| {
        FnError::arg(
            0,
            format!("expected a well-formed absolute URI but the value '{text}' is not one ({e})"),
        )
    })
}

fn uri_host(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = absolute_uri(args)?;
    Ok(Value::String(
        uri.host_str().unwrap_or_default().to_string(),
    ))
}

/// `Uri.AbsolutePath`: the escaped path, `/` when the URI has none.
fn path_of(uri: &Url) -> &str {
    match uri.path() {
        "" => "/",
        path => path,
    }
}

fn uri_path(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = absolute_uri(args)?;
    Ok(Value::String(path_of(&uri).to_string()))
}

fn uri_path_and_query(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = absolute_uri(args)?;
    let mut out = path_of(&uri).to_string();
    if let Some(query) = uri.query() {
        out.push('?');
        out.push_str(query);
    }
    Ok(Value::String(out))
}

fn uri_port(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = absolute_uri(args)?;
    let port = uri
        .port()
        .map(i64::from)
        .or_else(|| default_port(uri.scheme()))
        // `Uri.Port` is -1 for a scheme without a known default port.
        .unwrap_or(-1);
    Ok(Value::from(port))
}

/// The default ports `System.Uri` knows, by scheme.
fn default_port(scheme: &str) -> Option<i64> {
    Some(match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        "gopher" => 70,
        "nntp" => 119,
        "telnet" => 23,
        "ldap" => 389,
        "mailto" => 25,
        "net.tcp" => 808,
        _ => return None,
    })
}

fn uri_query(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = absolute_uri(args)?;
    // `Uri.Query` includes the `?`, and is empty when there is no query.
    Ok(Value::String(match uri.query() {
        Some(query) => format!("?{query}"),
        None => String::new(),
    }))
}

fn uri_scheme(args: &Args<'_>) -> Result<Value, FnError> {
    let uri = absolute_uri(args)?;
    Ok(Value::String(uri.scheme().to_string()))
}

/// The text a component function works on: strings as they are, numbers and booleans as
/// `string()` shows them, null as empty.
fn component_text<'v>(args: &'v Args<'_>) -> Result<Cow<'v, str>, FnError> {
    match args.get(0) {
        Value::String(s) => Ok(Cow::Borrowed(s)),
        Value::Array(_) | Value::Object(_) => args.str(0).map(Cow::Borrowed),
        other => Ok(Cow::Owned(crate::value::to_display_string(other))),
    }
}

fn uri_component(args: &Args<'_>) -> Result<Value, FnError> {
    let text = component_text(args)?;
    Ok(Value::String(
        utf8_percent_encode(&text, DATA_STRING).to_string(),
    ))
}

fn uri_component_to_string(args: &Args<'_>) -> Result<Value, FnError> {
    let text = component_text(args)?;
    // Escapes that do not form UTF-8 become U+FFFD rather than failing the call.
    Ok(Value::String(
        percent_decode_str(&text).decode_utf8_lossy().into_owned(),
    ))
}

fn uri_component_to_binary(args: &Args<'_>) -> Result<Value, FnError> {
    let text = component_text(args)?;
    let bytes: Vec<u8> = percent_decode_str(&text).collect();
    Ok(json!({
        "$content-type": "application/octet-stream",
        "$content": base64::engine::general_purpose::STANDARD.encode(bytes),
    }))
}
