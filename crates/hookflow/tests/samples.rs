//! Public Logic Apps sample definitions (`crates/definition/tests/samples/valid/`) run by
//! the real binary: deployed with the CLI, called on their signed callback URLs (or fired
//! through the management API), with a stand-in HTTP service on loopback playing the
//! services their HTTP actions call. Every result is read back through the management API
//! (`GET /api/workflows/{wf}/runs/{run}` and `…/actions`), polling with deadlines.

use super::serve::{data_dir_arg, Served};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "samples-admin-key";
const DEADLINE: Duration = Duration::from_secs(60);

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/../definition/tests/samples/valid/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("sample JSON")
}

/// One `hookflow serve` on a fresh data directory.
struct Hookflow {
    served: Served,
    tmp: tempfile::TempDir,
}

impl Hookflow {
    fn start() -> Hookflow {
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
        Hookflow { served, tmp }
    }

    /// `hookflow deploy FILE --name NAME` with the document written to a file as is.
    fn deploy(&self, name: &str, document: &Value) {
        let file = self.tmp.path().join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(document).expect("JSON")).expect("write");
        let output = Command::new(env!("CARGO_BIN_EXE_hookflow"))
            .arg("deploy")
            .arg(&file)
            .args(["--name", name])
            .env("HOOKFLOW_SERVER", format!("http://{}", self.served.addr))
            .env("HOOKFLOW_ADMIN_KEY", KEY)
            .output()
            .expect("hookflow runs");
        assert!(
            output.status.success(),
            "deploy {name} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn api(&self, method: &str, path: &str, body: &str) -> Value {
        let (status, text) = self.served.request(method, path, Some(KEY), body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
    }

    /// The signed callback URL's path and query on this server.
    fn callback_path(&self, wf: &str, trigger: &str) -> String {
        let url = self.api(
            "POST",
            &format!("/api/workflows/{wf}/triggers/{trigger}/listCallbackUrl"),
            "{}",
        );
        let value = url["value"].as_str().expect("value").to_string();
        let prefix = format!("http://{}", self.served.addr);
        value
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{value} is on {prefix}"))
            .to_string()
    }

    fn run_names(&self, wf: &str) -> BTreeSet<String> {
        let runs = self.api("GET", &format!("/api/workflows/{wf}/runs"), "");
        runs["value"]
            .as_array()
            .expect("runs")
            .iter()
            .map(|r| r["name"].as_str().expect("name").to_string())
            .collect()
    }

    /// The one run of `wf` not in `before`, once it exists.
    fn new_run(&self, wf: &str, before: &BTreeSet<String>) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let now = self.run_names(wf);
            let new: Vec<_> = now.difference(before).cloned().collect();
            match new.len() {
                0 => {}
                1 => return new.into_iter().next().expect("one"),
                _ => panic!("more than one new run of {wf}: {new:?}"),
            }
            assert!(Instant::now() < deadline, "no new run of {wf}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The run once it has finished (any status but Running/Waiting).
    fn finished_run(&self, wf: &str, run: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let value = self.api("GET", &format!("/api/workflows/{wf}/runs/{run}"), "");
            let status = value["properties"]["status"].as_str().expect("status");
            if !matches!(status, "Running" | "Waiting" | "Queued" | "Pending") {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "run {wf}/{run} still {status}: {value:#}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The run's top-level actions by name (properties only).
    fn actions(&self, wf: &str, run: &str) -> BTreeMap<String, Value> {
        let list = self.api(
            "GET",
            &format!("/api/workflows/{wf}/runs/{run}/actions"),
            "",
        );
        list["value"]
            .as_array()
            .expect("actions")
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().expect("name").to_string(),
                    a["properties"].clone(),
                )
            })
            .collect()
    }
}

fn status_of(actions: &BTreeMap<String, Value>, name: &str) -> String {
    actions
        .get(name)
        .unwrap_or_else(|| panic!("no action {name}: {actions:#?}"))["status"]
        .as_str()
        .expect("status")
        .to_string()
}

/// A raw HTTP/1.1 exchange: status, lower-cased headers and the (de-chunked) body.
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, BTreeMap<String, String>, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(DEADLINE))
        .expect("read timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head: {text}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        out
    } else {
        rest.to_string()
    };
    (status, headers, body)
}

/// What the stand-in service saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: HeaderMap,
}

#[derive(Default)]
struct ServiceState {
    seen: Mutex<Vec<Seen>>,
    /// Calls per path so far (for "fail first, then succeed").
    counts: Mutex<BTreeMap<String, u32>>,
}

/// The stand-in for the services the samples call, on its own thread and runtime:
/// - `/status/{code}` answers `code` with a JSON body;
/// - `/flaky` answers 500 the first time, then 200 with `{"items": [{"ID": …}, …]}`;
/// - `/jobs` answers 202 with `Location: /jobs/1/status` and `Retry-After: 1`; the status
///   URL answers 202 (again `Retry-After: 1`) once, then 200 with the job's result.
struct Service {
    addr: SocketAddr,
    state: Arc<ServiceState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Service {
    fn start() -> Service {
        let state = Arc::new(ServiceState::default());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = Router::new()
            .route("/status/{code}", any(status_code))
            .route("/flaky", any(flaky))
            .route("/jobs", any(job_start))
            .route("/jobs/{id}/status", any(job_status))
            .with_state(state.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, router)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .expect("stand-in serves");
            });
        });
        Service {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("lock").clone()
    }

    fn seen_on(&self, path: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.uri.split('?').next() == Some(path))
            .collect()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Records the request; returns how many calls its path has had, this one included.
fn record(state: &ServiceState, method: &Method, uri: &Uri, headers: &HeaderMap) -> u32 {
    state.seen.lock().expect("lock").push(Seen {
        method: method.to_string(),
        uri: uri.to_string(),
        headers: headers.clone(),
    });
    let mut counts = state.counts.lock().expect("lock");
    let count = counts.entry(uri.path().to_string()).or_insert(0);
    *count += 1;
    *count
}

fn json_response(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).expect("status"),
        axum::Json(body),
    )
        .into_response()
}

async fn status_code(
    State(state): State<Arc<ServiceState>>,
    UrlPath(code): UrlPath<u16>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, &method, &uri, &headers);
    json_response(code, json!({"answered": code}))
}

async fn flaky(
    State(state): State<Arc<ServiceState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match record(&state, &method, &uri, &headers) {
        1 => json_response(500, json!({"error": "try again"})),
        _ => json_response(200, json!({"items": [{"ID": "MSFT"}, {"ID": "CTSO"}]})),
    }
}

fn host(headers: &HeaderMap) -> String {
    headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string()
}

async fn job_start(
    State(state): State<Arc<ServiceState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, &method, &uri, &headers);
    let host = host(&headers);
    let mut response = json_response(202, json!({"state": "accepted"}));
    let h = response.headers_mut();
    h.insert(
        "location",
        format!("http://{host}/jobs/1/status")
            .parse()
            .expect("value"),
    );
    h.insert("retry-after", "1".parse().expect("value"));
    response
}

async fn job_status(
    State(state): State<Arc<ServiceState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match record(&state, &method, &uri, &headers) {
        1 => {
            // Still running: 202 again with the same headers as the first answer (the
            // engine treats a 202 without `Location` as final).
            let mut response = json_response(202, json!({"state": "running"}));
            let h = response.headers_mut();
            h.insert(
                "location",
                format!("http://{}{}", host(&headers), uri.path())
                    .parse()
                    .expect("value"),
            );
            h.insert("retry-after", "1".parse().expect("value"));
            response
        }
        _ => json_response(200, json!({"state": "done", "result": 42})),
    }
}

/// `docs-if-terminate-resource.json`: Request (relative path `/address/{postalCode}`) →
/// InitializeVariable → If `n > threshold` (5 by the resource's parameter value) with a
/// Response in the true branch and a Terminate (Failed) in the else branch.
#[test]
fn request_if_response_takes_each_branch() {
    let hookflow = Hookflow::start();
    hookflow.deploy("condition", &sample("docs-if-terminate-resource.json"));
    let path = hookflow.callback_path("condition", "manual");
    assert!(path.contains("{postalCode}"), "{path}");
    let path = path.replace("{postalCode}", "98052");
    let addr = hookflow.served.addr;

    // n = 7 > 5: the true branch answers with the path parameter.
    let before = hookflow.run_names("condition");
    let (status, headers, body) = call(addr, "POST", &path, r#"{"n": 7}"#);
    assert_eq!(status, 200, "{body}");
    assert!(
        headers
            .get("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{headers:?}"
    );
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer, json!({"postalCode": "98052"}));
    let run = hookflow.new_run("condition", &before);
    let finished = hookflow.finished_run("condition", &run);
    assert_eq!(
        finished["properties"]["status"], "Succeeded",
        "{finished:#}"
    );
    let actions = hookflow.actions("condition", &run);
    assert_eq!(status_of(&actions, "Initialize_variable"), "Succeeded");
    assert_eq!(status_of(&actions, "Condition"), "Succeeded");
    assert_eq!(status_of(&actions, "Response"), "Succeeded");
    assert_eq!(status_of(&actions, "Terminate"), "Skipped");

    // n = 3: the else branch terminates the run as Failed; the Response is skipped, so
    // the caller gets 502 ActionResponseSkipped.
    let before = hookflow.run_names("condition");
    let (status, _, body) = call(addr, "POST", &path, r#"{"n": 3}"#);
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("ActionResponseSkipped"), "{body}");
    let run = hookflow.new_run("condition", &before);
    let finished = hookflow.finished_run("condition", &run);
    let props = &finished["properties"];
    assert_eq!(props["status"], "Failed", "{finished:#}");
    assert_eq!(
        props["error"]["code"], "Unexpected response",
        "{finished:#}"
    );
    assert_eq!(
        props["error"]["message"], "n is not above the threshold",
        "{finished:#}"
    );
    let actions = hookflow.actions("condition", &run);
    assert_eq!(status_of(&actions, "Initialize_variable"), "Succeeded");
    // Terminate "cancels any actions in progress": the If around it is one.
    assert_eq!(
        status_of(&actions, "Condition"),
        "Cancelled",
        "{actions:#?}"
    );
    assert_eq!(status_of(&actions, "Terminate"), "Succeeded");
    assert_eq!(status_of(&actions, "Response"), "Skipped");
}

/// `templates-trycatch.json` with one HTTP action added to the Try scope (calling the
/// stand-in, which answers the status code the request asks for); the rest of the
/// template is kept as it is, so a failed Try ends in the Catch's Terminate (Failed).
fn trycatch(service: &Service) -> Value {
    let mut doc = sample("templates-trycatch.json");
    // Adapted: the stand-in's `/status/{code}`; 4xx is not retried by the default policy.
    doc["actions"]["Try"]["actions"]["Call_Service"] = json!({
        "type": "Http",
        "inputs": {
            "method": "GET",
            "uri": format!("{}@{{triggerBody()?['code']}}", service.url("/status/"))
        },
        "runAfter": { "Business_Logic": ["Succeeded"] }
    });
    doc
}

#[test]
fn try_catch_scope_with_result() {
    let service = Service::start();
    let hookflow = Hookflow::start();
    hookflow.deploy("trycatch", &trycatch(&service));
    let trigger = "When_a_HTTP_request_is_received";
    let path = hookflow.callback_path("trycatch", trigger);
    let addr = hookflow.served.addr;

    // The service fails (400): Try fails, Catch runs, its Terminate fails the run.
    let before = hookflow.run_names("trycatch");
    let (status, headers, body) = call(addr, "POST", &path, r#"{"code": 400}"#);
    assert_eq!(status, 202, "no Response action: {body}");
    let run = headers
        .get("x-ms-workflow-run-id")
        .cloned()
        .unwrap_or_else(|| hookflow.new_run("trycatch", &before));
    let finished = hookflow.finished_run("trycatch", &run);
    let props = &finished["properties"];
    assert_eq!(props["status"], "Failed", "{finished:#}");
    assert_eq!(props["error"]["code"], "500", "{finished:#}");
    let message = props["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("There was an error processing messages."),
        "{message}"
    );
    assert!(message.contains("Call_Service"), "{message}");
    assert_eq!(
        service.seen_on("/status/400").len(),
        1,
        "4xx is not retried"
    );

    let actions = hookflow.actions("trycatch", &run);
    assert_eq!(status_of(&actions, "Try"), "Failed", "{actions:#?}");
    assert_eq!(status_of(&actions, "Business_Logic"), "Succeeded");
    assert_eq!(status_of(&actions, "Call_Service"), "Failed");
    assert_eq!(
        actions["Call_Service"]["outputs"]["statusCode"],
        json!(400),
        "{actions:#?}"
    );
    // Terminate "cancels any actions in progress": the Catch scope around it is one.
    assert_eq!(status_of(&actions, "Catch"), "Cancelled", "{actions:#?}");
    assert_eq!(status_of(&actions, "Compensation_Logic"), "Succeeded");
    assert_eq!(status_of(&actions, "Filter_Try_Scope_Errors"), "Succeeded");
    assert_eq!(status_of(&actions, "Format_Errors"), "Succeeded");
    assert_eq!(status_of(&actions, "Terminate"), "Succeeded");

    // result('Try') filtered to the failed action: its name, status and outputs.
    let filtered = &actions["Filter_Try_Scope_Errors"]["outputs"]["body"];
    let filtered = filtered
        .as_array()
        .unwrap_or_else(|| panic!("Query outputs body: {actions:#?}"));
    assert_eq!(filtered.len(), 1, "{filtered:#?}");
    assert_eq!(filtered[0]["name"], "Call_Service", "{filtered:#?}");
    assert_eq!(filtered[0]["status"], "Failed", "{filtered:#?}");
    assert_eq!(
        filtered[0]["outputs"]["statusCode"],
        json!(400),
        "{filtered:#?}"
    );
    let formatted = &actions["Format_Errors"]["outputs"]["body"];
    assert_eq!(formatted[0]["action"], "Call_Service", "{formatted:#?}");
    assert_eq!(formatted[0]["errorResult"], filtered[0], "{formatted:#?}");

    // The service answers 200: Try succeeds, Catch is skipped, the run succeeds.
    let before = hookflow.run_names("trycatch");
    let (status, _, body) = call(addr, "POST", &path, r#"{"code": 200}"#);
    assert_eq!(status, 202, "{body}");
    let run = hookflow.new_run("trycatch", &before);
    let finished = hookflow.finished_run("trycatch", &run);
    assert_eq!(
        finished["properties"]["status"], "Succeeded",
        "{finished:#}"
    );
    let actions = hookflow.actions("trycatch", &run);
    assert_eq!(status_of(&actions, "Try"), "Succeeded");
    assert_eq!(status_of(&actions, "Call_Service"), "Succeeded");
    assert_eq!(status_of(&actions, "Catch"), "Skipped");
    for inner in ["Compensation_Logic", "Filter_Try_Scope_Errors", "Terminate"] {
        if actions.contains_key(inner) {
            assert_eq!(status_of(&actions, inner), "Skipped", "{inner}");
        }
    }
}

/// `docs-foreach-variables.json` as it is: a sequential Foreach incrementing a counter and
/// appending to an array and a string, then SetVariable, DecrementVariable and a Response.
#[test]
fn foreach_with_variables() {
    let hookflow = Hookflow::start();
    hookflow.deploy("foreach", &sample("docs-foreach-variables.json"));
    let path = hookflow.callback_path("foreach", "manual");
    let addr = hookflow.served.addr;

    let before = hookflow.run_names("foreach");
    let body = json!({"Attachments": [{"Name": "a.txt"}, {"Name": "b.pdf"}, {"Name": "c.png"}]});
    let (status, _, answer) = call(addr, "POST", &path, &body.to_string());
    assert_eq!(status, 200, "{answer}");
    let answer: Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(
        answer,
        json!({
            "count": -1,
            "names": ["a.txt", "b.pdf", "c.png"],
            "joined": "a.txt;b.pdf;c.png;"
        })
    );
    let run = hookflow.new_run("foreach", &before);
    let finished = hookflow.finished_run("foreach", &run);
    assert_eq!(
        finished["properties"]["status"], "Succeeded",
        "{finished:#}"
    );
    let actions = hookflow.actions("foreach", &run);
    for name in [
        "Initialize_variable",
        "Initialize_array",
        "Initialize_string",
        "For_each",
        "Set_variable",
        "Decrement_variable",
        "Response",
    ] {
        assert_eq!(status_of(&actions, name), "Succeeded", "{name}");
    }
    // Each of the three repetitions of the sequential loop, in order.
    let repetitions = hookflow.api(
        "GET",
        &format!("/api/workflows/foreach/runs/{run}/actions/Append_to_array_variable/repetitions"),
        "",
    );
    let repetitions = repetitions["value"].as_array().expect("repetitions");
    assert_eq!(repetitions.len(), 3, "{repetitions:#?}");
    for r in repetitions {
        assert_eq!(r["properties"]["status"], "Succeeded", "{r:#}");
    }

    // No attachments: nothing appended; the counter still ends at -1.
    let before = hookflow.run_names("foreach");
    let (status, _, answer) = call(addr, "POST", &path, r#"{"Attachments": []}"#);
    assert_eq!(status, 200, "{answer}");
    let answer: Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(answer, json!({"count": -1, "names": [], "joined": ""}));
    let run = hookflow.new_run("foreach", &before);
    let finished = hookflow.finished_run("foreach", &run);
    assert_eq!(
        finished["properties"]["status"], "Succeeded",
        "{finished:#}"
    );
}

/// `docs-http-retry-policy.json`, adapted: the URI points at the stand-in's `/flaky`
/// (500, then 200), the policy's intervals are the smallest validation allows (PT5S),
/// and the 15-minute Delay is one second. Its Recurrence trigger is fired by hand.
#[test]
fn http_retry_policy_retries_a_500() {
    let service = Service::start();
    let hookflow = Hookflow::start();
    let mut doc = sample("docs-http-retry-policy.json");
    let http = &mut doc["definition"]["actions"]["HTTP"]["inputs"];
    http["uri"] = json!(service.url("/flaky"));
    http["retryPolicy"]["interval"] = json!("PT5S");
    http["retryPolicy"]["maximumInterval"] = json!("PT5S");
    doc["definition"]["actions"]["Delay"]["inputs"]["interval"] =
        json!({"count": 1, "unit": "Second"});
    hookflow.deploy("retry", &doc);

    let fired = hookflow.api("POST", "/api/workflows/retry/triggers/Recurrence/run", "");
    let run = fired["run"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("fired without a run: {fired:#}"))
        .to_string();
    let finished = hookflow.finished_run("retry", &run);
    assert_eq!(
        finished["properties"]["status"], "Succeeded",
        "{finished:#}"
    );

    let seen = service.seen_on("/flaky");
    assert_eq!(seen.len(), 2, "one failure, one retry: {seen:#?}");
    for s in &seen {
        assert_eq!(s.method, "GET");
        assert!(s.uri.contains("api-version=2018-01-01"), "{}", s.uri);
        // Logic Apps omits `Accept-*` headers (but `Accept-version`) from HTTP actions.
        assert!(s.headers.get("accept-language").is_none(), "{s:#?}");
        // Basic myUser:not-a-real-secret (the resource's parameter value).
        assert_eq!(
            s.headers.get("authorization").map(|v| v.as_bytes()),
            Some(&b"Basic bXlVc2VyOm5vdC1hLXJlYWwtc2VjcmV0"[..])
        );
    }

    let actions = hookflow.actions("retry", &run);
    for name in ["HTTP", "Delay", "Parse_JSON", "Join", "Create_HTML_table"] {
        assert_eq!(
            status_of(&actions, name),
            "Succeeded",
            "{name}: {actions:#?}"
        );
    }
    assert_eq!(actions["HTTP"]["outputs"]["statusCode"], json!(200));
    let table = actions["Create_HTML_table"]["outputs"]["body"]
        .as_str()
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert!(table.contains("<th>Stock_ID</th>"), "{table}");
    assert!(table.contains("<td>MSFT</td>"), "{table}");
    assert!(table.contains("<td>CTSO</td>"), "{table}");
}

/// `logicapps-testframework-http-action.json`, adapted: its HTTP action POSTs to the
/// stand-in's `/jobs`, which answers 202 with `Location` and `Retry-After: 1`; the action
/// polls the Location (202 once more, then 200) and the Response returns the final body.
#[test]
fn http_action_follows_the_202_polling_pattern() {
    let service = Service::start();
    let hookflow = Hookflow::start();
    let mut doc = sample("logicapps-testframework-http-action.json");
    doc["definition"]["actions"]["HTTP"]["inputs"] = json!({
        "method": "POST",
        "uri": service.url("/jobs"),
        "body": {"job": "report"}
    });
    hookflow.deploy("polling", &doc);
    let path = hookflow.callback_path("polling", "manual");

    let before = hookflow.run_names("polling");
    let (status, _, body) = call(hookflow.served.addr, "POST", &path, "{}");
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer, json!({"state": "done", "result": 42}));

    let run = hookflow.new_run("polling", &before);
    let finished = hookflow.finished_run("polling", &run);
    assert_eq!(
        finished["properties"]["status"], "Succeeded",
        "{finished:#}"
    );
    let actions = hookflow.actions("polling", &run);
    assert_eq!(status_of(&actions, "HTTP"), "Succeeded", "{actions:#?}");
    assert_eq!(status_of(&actions, "Response"), "Succeeded");
    assert_eq!(actions["HTTP"]["outputs"]["statusCode"], json!(200));
    assert_eq!(
        actions["HTTP"]["outputs"]["body"],
        json!({"state": "done", "result": 42})
    );

    assert_eq!(service.seen_on("/jobs").len(), 1, "the job starts once");
    let polls = service.seen_on("/jobs/1/status");
    assert_eq!(polls.len(), 2, "202 once more, then 200: {polls:#?}");
    assert!(polls.iter().all(|p| p.method == "GET"), "{polls:#?}");
}
