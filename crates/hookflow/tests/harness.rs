//! The pieces of an end-to-end test with nodes: a fresh PostgreSQL database, nodes (the
//! real binary, on that database or on SQLite in a data directory), the stand-in as a
//! process, and raw HTTP with headers.

use super::serve::{data_dir_arg, Served};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const KEY: &str = "multi-node-admin-key";
pub const DEADLINE: Duration = Duration::from_secs(90);

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn admin_url() -> String {
    std::env::var("HOOKFLOW_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

async fn admin(url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    client.batch_execute(sql).await
}

/// A database of its own for one test; dropped (connections forced out) at the end.
pub struct Database {
    admin_url: String,
    name: String,
    pub url: String,
}

impl Database {
    /// `None` (after saying why) when no server answers outside CI; in CI a missing
    /// server fails the test.
    pub fn create() -> Option<Database> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin_url = admin_url();
        let name = format!(
            "hf_e2e_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        if let Err(error) = block_on(admin(&admin_url, &format!("CREATE DATABASE {name}"))) {
            if std::env::var_os("CI").is_some() {
                panic!("PostgreSQL at {admin_url} is not usable ({error}) and CI is set");
            }
            eprintln!(
                "SKIPPED: PostgreSQL at {admin_url} is not usable ({error}); start it or set \
                 HOOKFLOW_TEST_DATABASE_URL to run the multi-node tests"
            );
            return None;
        }
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base.to_string())
            .unwrap_or_else(|| admin_url.clone());
        Some(Database {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        })
    }
}

impl Database {
    /// Runs SQL on the test's database (crash-state injection, checks).
    pub fn execute(&self, sql: &str) {
        block_on(admin(&self.url, sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(error) = block_on(admin(&self.admin_url, &sql)) {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}

/// `hookflow serve` on a free port with this data directory, the tests' admin key and
/// `extra` flags.
fn serve(data_dir: &std::path::Path, extra: &[&str]) -> Served {
    let data = data_dir_arg(data_dir);
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data,
        "--admin-key",
        KEY,
    ];
    args.extend_from_slice(extra);
    Served::start(&args, &[])
}

/// One `hookflow serve`, on the shared database or on SQLite.
pub struct Node {
    pub served: Served,
    _dir: Option<tempfile::TempDir>,
}

impl Node {
    pub fn start(database: &Database, extra: &[&str]) -> Node {
        let dir = tempfile::tempdir().expect("tmp");
        let mut args = vec!["--database", database.url.as_str()];
        args.extend_from_slice(extra);
        Node {
            served: serve(&dir.path().join("data"), &args),
            _dir: Some(dir),
        }
    }

    /// A node on the SQLite store in `data_dir`, which the caller keeps (to restart on it).
    pub fn on_sqlite(data_dir: &std::path::Path, extra: &[&str]) -> Node {
        Node {
            served: serve(data_dir, extra),
            _dir: None,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.served.addr
    }

    /// An admin API call that must succeed; its JSON answer.
    pub fn api(&self, method: &str, path: &str, body: &str) -> Value {
        let (status, text) = self.served.request(method, path, Some(KEY), body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Every run of `workflow`, following `nextLink`.
    pub fn runs(&self, workflow: &str) -> Vec<Value> {
        let mut runs = Vec::new();
        let mut next = format!("/api/workflows/{workflow}/runs?$top=250");
        loop {
            let page = self.api("GET", &next, "");
            runs.extend(page["value"].as_array().cloned().unwrap_or_default());
            match page["nextLink"].as_str() {
                Some(link) => {
                    next = link
                        .split_once("://")
                        .and_then(|(_, rest)| rest.split_once('/'))
                        .map(|(_, path)| format!("/{path}"))
                        .expect("nextLink path")
                }
                None => return runs,
            }
        }
    }

    /// A counter from `/metrics`.
    pub fn metric(&self, name: &str) -> f64 {
        let (_, text) = self.served.get("/metrics", None);
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
    }
}

/// Runs the `hookflow` CLI against the server at `addr` with `key`; its standard output.
/// Panics (with its standard error) when it fails.
pub fn cli(addr: SocketAddr, key: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args(args)
        .env("HOOKFLOW_SERVER", format!("http://{addr}"))
        .env("HOOKFLOW_ADMIN_KEY", key)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("hookflow runs");
    assert!(
        output.status.success(),
        "hookflow {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Polls `check` until it holds or the deadline passes (then panics with `what`).
pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `hookflow standin` as a process.
pub struct Standin {
    child: Child,
    pub addr: SocketAddr,
}

impl Standin {
    pub fn start() -> Standin {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hookflow"))
            .args(["standin", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("stand-in starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining: the stand-in prints a line per request.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let addr = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("stand-in prints its address");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.trim().parse().expect("address");
            }
        };
        Standin { child, addr }
    }

    fn get(&self, path: &str) -> Value {
        let (status, _, body) = http(self.addr, "GET", path, &[], "");
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    pub fn subscriptions(&self) -> Vec<Value> {
        self.get("/subscriptions")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn requests(&self) -> Vec<Value> {
        self.get("/requests")
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

/// `url` (a callback URL some node minted) sent to `node` instead: the signature covers
/// the path and query, not the host, so any node can take it.
pub fn path_of(url: &str) -> String {
    url.split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, path)| format!("/{path}"))
        .unwrap_or_else(|| panic!("not a URL: {url}"))
}

/// One request on its own connection: status, head, body.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    (status, head.to_string(), body.to_string())
}

/// A header's value from a response head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Deploys `definition` (the object under `properties.definition`) as an enabled workflow.
pub fn deploy(node: &Node, name: &str, definition: &Value) {
    let body = serde_json::json!({"properties": {"definition": definition, "state": "Enabled"}});
    node.api("PUT", &format!("/api/workflows/{name}"), &body.to_string());
}

/// The standard header of a definition.
pub fn definition(triggers: Value, actions: Value) -> Value {
    serde_json::json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": triggers,
        "actions": actions,
        "outputs": {}
    })
}
