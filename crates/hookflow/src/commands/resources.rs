//! The management commands: `deploy`, `workflows …`, `runs …`, `callback-url` — thin
//! clients of the REST API that print tables (or the server's JSON with `--json`).

use super::api_client::{print_json, print_table, segment, text, ApiClient, ServerArgs};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum WorkflowsCommand {
    /// List workflows.
    List,
    /// Show one workflow (definition, state, version).
    Show { name: String },
    /// Enable a workflow (webhook triggers subscribe).
    Enable { name: String },
    /// Disable a workflow (webhook triggers unsubscribe).
    Disable { name: String },
    /// Delete a workflow (cancels its running runs).
    Delete { name: String },
}

#[derive(Debug, clap::Subcommand)]
pub enum RunsCommand {
    /// List a workflow's runs, newest first.
    List {
        workflow: String,
        /// At most this many runs.
        #[arg(long)]
        top: Option<u32>,
        /// Only runs with this status (Running, Waiting, Succeeded, Failed, Cancelled, …).
        #[arg(long)]
        status: Option<String>,
    },
    /// Show a run and its actions.
    Show { workflow: String, run: String },
    /// Cancel a run.
    Cancel { workflow: String, run: String },
}

/// `deploy FILE --name NAME [--disabled]`.
pub fn deploy(server: &ServerArgs, file: &Path, name: &str, disabled: bool) -> Result<(), String> {
    let doc = super::read_json(file)?;
    let (definition, parameters) = split_document(&doc);
    let mut properties = json!({
        "definition": definition,
        "state": if disabled { "Disabled" } else { "Enabled" },
    });
    if let Some(parameters) = parameters {
        properties["parameters"] = parameters.clone();
    }
    let client = ApiClient::new(server)?;
    let (status, answer) = client.call(
        Method::PUT,
        &format!("/workflows/{}", segment(name)),
        Some(&json!({ "properties": properties })),
    )?;
    if server.wants_json() {
        return print_json(&answer);
    }
    let verb = if status == 201 { "created" } else { "updated" };
    println!("{verb} workflow '{name}'");
    Ok(())
}

/// The definition and parameter values of any of the three document shapes.
fn split_document(doc: &Value) -> (&Value, Option<&Value>) {
    if let Some(properties) = doc
        .get("properties")
        .filter(|p| p.get("definition").is_some())
    {
        return (&properties["definition"], properties.get("parameters"));
    }
    if let Some(definition) = doc.get("definition") {
        return (definition, doc.get("parameters"));
    }
    (doc, None)
}

pub fn workflows(server: &ServerArgs, command: &WorkflowsCommand) -> Result<(), String> {
    let client = ApiClient::new(server)?;
    let (method, path, action) = match command {
        WorkflowsCommand::List => {
            let (_, answer) = client.call(Method::GET, "/workflows", None)?;
            if server.wants_json() {
                return print_json(&answer);
            }
            let rows: Vec<Vec<String>> = answer["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|w| {
                    vec![
                        text(w, "/name"),
                        text(w, "/properties/state"),
                        text(w, "/properties/version"),
                        text(w, "/properties/changedTime"),
                    ]
                })
                .collect();
            print_table(&["NAME", "STATE", "VERSION", "CHANGED"], &rows);
            return Ok(());
        }
        WorkflowsCommand::Show { name } => {
            let (_, answer) =
                client.call(Method::GET, &format!("/workflows/{}", segment(name)), None)?;
            return print_json(&answer);
        }
        WorkflowsCommand::Enable { name } => (
            Method::POST,
            format!("/workflows/{}/enable", segment(name)),
            "enabled",
        ),
        WorkflowsCommand::Disable { name } => (
            Method::POST,
            format!("/workflows/{}/disable", segment(name)),
            "disabled",
        ),
        WorkflowsCommand::Delete { name } => (
            Method::DELETE,
            format!("/workflows/{}", segment(name)),
            "deleted",
        ),
    };
    let (_, answer) = client.call(method, &path, None)?;
    if server.wants_json() && !answer.is_null() {
        return print_json(&answer);
    }
    println!("{action}");
    Ok(())
}

pub fn runs(server: &ServerArgs, command: &RunsCommand) -> Result<(), String> {
    let client = ApiClient::new(server)?;
    match command {
        RunsCommand::List {
            workflow,
            top,
            status,
        } => {
            let mut query = Vec::new();
            if let Some(top) = top {
                query.push(format!("$top={top}"));
            }
            if let Some(status) = status {
                let filter = format!("status eq '{}'", status.replace('\'', "''"));
                query.push(format!("$filter={}", segment(&filter)));
            }
            let path = format!(
                "/workflows/{}/runs{}{}",
                segment(workflow),
                if query.is_empty() { "" } else { "?" },
                query.join("&")
            );
            let (_, answer) = client.call(Method::GET, &path, None)?;
            if server.wants_json() {
                return print_json(&answer);
            }
            let rows: Vec<Vec<String>> = answer["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    vec![
                        text(r, "/name"),
                        text(r, "/properties/status"),
                        text(r, "/properties/startTime"),
                        text(r, "/properties/endTime"),
                    ]
                })
                .collect();
            print_table(&["RUN", "STATUS", "START", "END"], &rows);
            Ok(())
        }
        RunsCommand::Show { workflow, run } => {
            let base = format!("/workflows/{}/runs/{}", segment(workflow), segment(run));
            let (_, run) = client.call(Method::GET, &base, None)?;
            let (_, actions) = client.call(Method::GET, &format!("{base}/actions"), None)?;
            if server.wants_json() {
                return print_json(&json!({ "run": run, "actions": actions }));
            }
            println!(
                "run {}: {} (started {}, ended {})",
                text(&run, "/name"),
                text(&run, "/properties/status"),
                text(&run, "/properties/startTime"),
                text(&run, "/properties/endTime"),
            );
            let rows: Vec<Vec<String>> = actions["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    vec![
                        text(a, "/name"),
                        text(a, "/properties/status"),
                        text(a, "/properties/code"),
                        text(a, "/properties/startTime"),
                    ]
                })
                .collect();
            print_table(&["ACTION", "STATUS", "CODE", "START"], &rows);
            Ok(())
        }
        RunsCommand::Cancel { workflow, run } => {
            let path = format!(
                "/workflows/{}/runs/{}/cancel",
                segment(workflow),
                segment(run)
            );
            client.call(Method::POST, &path, None)?;
            println!("cancelled");
            Ok(())
        }
    }
}

/// `callback-url NAME TRIGGER`: prints the trigger's signed URL.
pub fn callback_url(server: &ServerArgs, workflow: &str, trigger: &str) -> Result<(), String> {
    let client = ApiClient::new(server)?;
    let path = format!(
        "/workflows/{}/triggers/{}/listCallbackUrl",
        segment(workflow),
        segment(trigger)
    );
    let (_, answer) = client.call(Method::POST, &path, Some(&json!({})))?;
    if server.wants_json() {
        return print_json(&answer);
    }
    match answer["value"].as_str() {
        Some(url) => {
            println!("{url}");
            Ok(())
        }
        None => Err(format!("error: the server's answer has no URL: {answer}")),
    }
}

/// The file argument of `deploy`.
#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The definition file (bare definition, workflow.json or resource).
    pub file: PathBuf,
    /// The workflow's name.
    #[arg(long)]
    pub name: String,
    /// Deploy it disabled (webhook triggers do not subscribe).
    #[arg(long)]
    pub disabled: bool,
}
