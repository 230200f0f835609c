//! The real binary running a workflow end to end: deploy with the CLI, call the signed
//! URL, read the run back with the CLI, and find it all again after a restart.

use super::serve::{data_dir_arg, Served};
use std::io::{Read, Write};
use std::net::TcpStream;

const KEY: &str = "e2e-admin-key";

fn cli(served: &Served, args: &[&str]) -> String {
    crate::harness::cli(served.addr, KEY, args)
}

/// POSTs JSON to a path of the server; the answer's status and body.
fn post_json(served: &Served, path_and_query: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(served.addr).expect("connect");
    let request = format!(
        "POST {path_and_query} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn deploy_call_and_list_a_run_and_keep_it_across_restarts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(&tmp.path().join("data"));
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &dir,
        "--admin-key",
        KEY,
    ];
    let served = Served::start(&args, &[]);

    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/request-response.json"
    );
    cli(&served, &["deploy", example, "--name", "hello"]);
    let url = cli(&served, &["callback-url", "hello", "manual"]);
    let url = url.trim();
    let prefix = format!("http://{}", served.addr);
    let path = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("the URL {url} is on this server ({prefix})"));
    assert!(path.contains("sig="), "{url}");

    let (status, body) = post_json(&served, path, r#"{"name":"Ada"}"#);
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).expect("JSON answer");
    assert_eq!(answer, serde_json::json!({"message": "Hello, Ada!"}));

    // A tampered signature is refused before anything runs.
    let (status, body) = post_json(&served, &path.replace("sig=", "sig=x"), "{}");
    assert_eq!(status, 401, "{body}");

    let runs = cli(&served, &["runs", "list", "hello"]);
    assert!(runs.contains("Succeeded"), "{runs}");
    assert_eq!(runs.matches("Succeeded").count(), 1, "one run: {runs}");

    let (exit, out) = served.stop_with("TERM");
    assert_eq!(exit.code(), Some(0), "{out}");

    // Same data directory: the workflow, its keys and its run are still there.
    let again = Served::start(&args, &[]);
    let workflows = cli(&again, &["workflows", "list"]);
    assert!(workflows.contains("hello"), "{workflows}");
    let runs_again = cli(&again, &["runs", "list", "hello"]);
    assert_eq!(runs_again, runs, "the run survives the restart");
    let url_again = cli(&again, &["callback-url", "hello", "manual"]);
    let path_again = url_again
        .trim()
        .strip_prefix(&format!("http://{}", again.addr))
        .expect("same server")
        .to_string();
    let (status, body) = post_json(&again, &path_again, r#"{"name":"Grace"}"#);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Hello, Grace!"), "{body}");
    let (exit, out) = again.stop_with("TERM");
    assert_eq!(exit.code(), Some(0), "{out}");
}

/// A Recurrence trigger fires on its own from the served binary's work loop.
#[test]
fn a_recurrence_trigger_fires_on_its_schedule() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(&tmp.path().join("data"));
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &dir,
        "--admin-key",
        KEY,
    ];
    let served = Served::start(&args, &[]);
    let definition = tmp.path().join("tick.json");
    std::fs::write(
        &definition,
        r#"{"definition": {
          "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
          "triggers": {"every_second": {"type": "Recurrence", "recurrence": {"frequency": "Second", "interval": 1}}},
          "actions": {"Tick": {"type": "Compose", "inputs": "@utcNow()", "runAfter": {}}}
        }}"#,
    )
    .expect("write");
    let file = definition.to_str().expect("utf-8 path");
    cli(&served, &["deploy", file, "--name", "ticker"]);
    // One run at the save, then one a second; the work loop looks every second.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let runs = cli(&served, &["runs", "list", "ticker"]);
        if runs.matches("Succeeded").count() >= 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "fewer than three runs in 20 s: {runs}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // Disabled, it stops.
    cli(&served, &["workflows", "disable", "ticker"]);
    let count = || {
        (cli(&served, &["runs", "list", "ticker"]))
            .lines()
            .filter(|l| l.contains("Succeeded") || l.contains("Running"))
            .count()
    };
    let before = count();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(count(), before, "no run after disabling");
    let (exit, out) = served.stop_with("TERM");
    assert_eq!(exit.code(), Some(0), "{out}");
}
