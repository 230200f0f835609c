//! The management API client behind `deploy`, `workflows`, `runs` and `callback-url`:
//! where the server is, the admin key, and turning `{"error":{…}}` answers into messages.

use serde_json::Value;
use std::path::PathBuf;

/// How to reach the server; shared by every client command.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Base URL of the hookflow server.
    #[arg(
        long,
        global = true,
        env = "HOOKFLOW_SERVER",
        default_value = "http://127.0.0.1:7071"
    )]
    server: String,
    /// The admin key; when absent, the one `serve` stored in the data directory is used.
    #[arg(
        long,
        global = true,
        env = "HOOKFLOW_ADMIN_KEY",
        hide_env_values = true
    )]
    admin_key: Option<String>,
    /// Where `serve` keeps its data (to find its admin key).
    #[arg(
        long,
        global = true,
        env = "HOOKFLOW_DATA_DIR",
        default_value = "./hookflow-data"
    )]
    data_dir: PathBuf,
    /// Print the server's JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

impl ServerArgs {
    pub fn wants_json(&self) -> bool {
        self.json
    }
}

#[derive(Debug)]
pub struct ApiClient {
    base: String,
    key: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl ApiClient {
    pub fn new(args: &ServerArgs) -> Result<ApiClient, String> {
        let key = match &args.admin_key {
            Some(key) => key.clone(),
            None => {
                let path = args.data_dir.join("admin-key");
                std::fs::read_to_string(&path)
                    .map(|k| k.trim().to_string())
                    .map_err(|e| {
                        format!(
                            "error: no admin key: pass --admin-key or set HOOKFLOW_ADMIN_KEY (reading {} failed: {e})",
                            path.display()
                        )
                    })?
            }
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("error: cannot start the async runtime: {e}"))?;
        Ok(ApiClient {
            base: args.server.trim_end_matches('/').to_string(),
            key,
            http: reqwest::Client::new(),
            runtime,
        })
    }

    /// Sends a request to `path` (under `/api`) and returns the status and JSON body (null
    /// when empty); a 4xx/5xx becomes an error message built from the `{"error"}` body.
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let url = format!("{}/api{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.runtime.block_on(async {
            let response = request.send().await.map_err(|e| {
                format!(
                    "error: cannot reach the hookflow server at {}: {e}",
                    self.base
                )
            })?;
            let status = response.status().as_u16();
            let text = response
                .text()
                .await
                .map_err(|e| format!("error: reading the server's answer failed: {e}"))?;
            let json = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            if status >= 400 {
                return Err(describe_error(status, &json));
            }
            Ok((status, json))
        })
    }
}

/// `error: CODE (STATUS): message` plus one line per detail (`pointer: message`).
fn describe_error(status: u16, body: &Value) -> String {
    let error = &body["error"];
    let code = error["code"].as_str().unwrap_or("Error");
    let message = error["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string());
    let mut text = format!("error: {code} ({status}): {message}");
    for detail in error["details"].as_array().into_iter().flatten() {
        let target = detail["target"].as_str().unwrap_or("");
        let message = detail["message"].as_str().unwrap_or("");
        text.push_str(&format!("\n  {target}: {message}"));
    }
    text
}

/// Percent-encodes one path segment (workflow, run, trigger or action names).
pub fn segment(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Prints rows as aligned columns under a header.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    println!("{}", line(header.iter().map(|h| h.to_string()).collect()));
    for row in rows {
        println!("{}", line(row.clone()));
    }
}

/// A string field of a JSON value by pointer, or "" when absent.
pub fn text(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

pub fn print_json(value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| format!("error: cannot print the answer: {e}"))?;
    println!("{text}");
    Ok(())
}
