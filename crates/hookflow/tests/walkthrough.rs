//! The README's webhook walk-through, step by step, with the real binary and the real
//! stand-in service (`hookflow standin`) as separate processes: an approval run parks in
//! its HttpWebhook action and resumes on the stand-in's callback; a webhook trigger
//! subscribes on deploy, starts a run per event, and unsubscribes on disable.

use super::serve::{data_dir_arg, Served};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "walkthrough-key";

/// `hookflow standin` on a free port; killed on drop.
struct Standin {
    child: Child,
    addr: SocketAddr,
}

impl Standin {
    fn start() -> Standin {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hookflow"))
            .args(["standin", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("standin starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a first line").expect("readable");
        let addr = first
            .strip_prefix("stand-in listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .parse()
            .expect("an address");
        // Keep draining what it prints, so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Standin { child, addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn subscriptions(&self) -> Vec<Value> {
        let (status, body) = http(self.addr, "GET", "/subscriptions", "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body)
            .expect("JSON")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange with a JSON body; the status and body of the answer.
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
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

fn cli(served: &Served, args: &[&str]) -> String {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args(args)
        .env("HOOKFLOW_SERVER", format!("http://{}", served.addr))
        .env("HOOKFLOW_ADMIN_KEY", KEY)
        .output()
        .expect("hookflow runs");
    assert!(
        output.status.success(),
        "hookflow {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The example with the stand-in's address instead of its default `127.0.0.1:7080`.
fn example(name: &str, standin: &Standin, dir: &std::path::Path) -> String {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("example");
    let target = dir.join(name);
    std::fs::write(
        &target,
        text.replace("http://127.0.0.1:7080", &standin.url()),
    )
    .expect("write");
    target.to_str().expect("utf-8").to_string()
}

fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_webhook_walkthrough_works_as_the_readme_says() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(&tmp.path().join("data"));
    let served = Served::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &dir,
            "--admin-key",
            KEY,
        ],
        &[],
    );
    let standin = Standin::start();

    // 1. An approval waits in its HttpWebhook action.
    let approval = example("approval-webhook-action.json", &standin, tmp.path());
    cli(&served, &["deploy", &approval, "--name", "approval"]);
    let url = cli(&served, &["callback-url", "approval", "manual"]);
    let path = url
        .trim()
        .strip_prefix(&format!("http://{}", served.addr))
        .expect("on this server")
        .to_string();
    let (status, body) = http(
        served.addr,
        "POST",
        &path,
        r#"{"item":"laptop","amount":1200}"#,
    );
    assert_eq!(status, 202, "{body}");
    eventually("the stand-in has the subscription", || {
        standin.subscriptions().len() == 1
    });
    let runs = cli(&served, &["runs", "list", "approval"]);
    assert!(runs.contains("Running"), "the run waits: {runs}");

    // 2. The stand-in calls every subscriber back; the run resumes and finishes.
    let (status, body) = http(standin.addr, "POST", "/events", r#"{"approved":true}"#);
    assert_eq!(status, 200, "{body}");
    eventually("the approval run succeeded", || {
        cli(&served, &["runs", "list", "approval"]).contains("Succeeded")
    });
    let run_id = cli(&served, &["runs", "list", "approval", "--json"]);
    let runs: Value = serde_json::from_str(&run_id).expect("JSON");
    let run = runs["value"][0]["name"]
        .as_str()
        .expect("a run")
        .to_string();
    let (status, body) = served.request(
        "GET",
        &format!("/api/workflows/approval/runs/{run}/actions/Approved"),
        Some(KEY),
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Approved: laptop"), "{body}");
    // Completed, the action unsubscribed.
    eventually("the approval unsubscribed", || {
        standin.subscriptions()[0]["state"] == "Unsubscribed"
    });

    // 3. A webhook trigger subscribes when deployed, runs once per event, and
    //    unsubscribes when disabled.
    let orders = example("webhook-trigger.json", &standin, tmp.path());
    cli(&served, &["deploy", &orders, "--name", "orders"]);
    let active = |standin: &Standin| {
        standin
            .subscriptions()
            .iter()
            .filter(|s| s["state"] == "Active")
            .count()
    };
    assert_eq!(active(&standin), 1, "subscribed on deploy");
    let event = r#"{"id":"A-1","lines":[{"qty":2,"price":15}]}"#;
    let (status, body) = http(standin.addr, "POST", "/events", event);
    assert_eq!(status, 200, "{body}");
    eventually("the order run succeeded", || {
        cli(&served, &["runs", "list", "orders"]).contains("Succeeded")
    });
    cli(&served, &["workflows", "disable", "orders"]);
    assert_eq!(active(&standin), 0, "unsubscribed on disable");
    let (exit, out) = served.stop_with("TERM");
    assert_eq!(exit.code(), Some(0), "{out}");
}
