//! The API client commands against a stand-in management API: the requests they send
//! (method, path, admin key, body) and how they print answers and errors.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// One request the stand-in API received: method, path with query, Authorization, body.
type SeenRequest = (String, String, String, Value);

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<SeenRequest>>>);

/// Answers like the management API would and records (method, path+query, auth, body).
async fn api(
    State(seen): State<Seen>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.to_string();
    seen.0
        .lock()
        .expect("lock")
        .push((method.to_string(), path.clone(), auth, body));
    match (method.as_str(), path.as_str()) {
        ("PUT", "/api/workflows/orders") => (StatusCode::CREATED, axum::Json(json!({"name": "orders"}))).into_response(),
        ("PUT", "/api/workflows/broken") => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"code": "InvalidDefinition", "message": "the definition has 1 error",
                "details": [{"code": "UnknownActionType", "message": "action type 'Nope' is not supported", "target": "/definition/actions/B/type"}]}})),
        )
            .into_response(),
        ("GET", "/api/workflows") => axum::Json(json!({"value": [
            {"name": "orders", "properties": {"state": "Enabled", "version": "3", "changedTime": "2026-01-01T00:00:00Z"}}
        ]}))
        .into_response(),
        ("GET", "/api/workflows/orders/runs?$top=5&$filter=status%20eq%20%27Running%27") => axum::Json(json!({"value": [
            {"name": "RUN1", "properties": {"status": "Running", "startTime": "2026-01-01T00:00:01Z"}}
        ]}))
        .into_response(),
        ("POST", "/api/workflows/orders/triggers/manual/listCallbackUrl") => {
            axum::Json(json!({"value": "http://127.0.0.1:7071/workflows/orders/triggers/manual/paths/invoke?sig=abc"})).into_response()
        }
        ("POST", "/api/workflows/orders/disable") => StatusCode::OK.into_response(),
        _ => (StatusCode::NOT_FOUND, axum::Json(json!({"error": {"code": "NotFound", "message": "no such thing"}}))).into_response(),
    }
}

struct Api {
    base: String,
    seen: Seen,
    _runtime: tokio::runtime::Runtime,
}

fn start_api() -> Api {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let seen = Seen::default();
    let app = axum::Router::new().fallback(api).with_state(seen.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    runtime.spawn(async move { axum::serve(listener, app).await });
    Api {
        base: format!("http://{addr}"),
        seen,
        _runtime: runtime,
    }
}

fn hookflow(api: &Api, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args(args)
        .env("HOOKFLOW_SERVER", &api.base)
        .env("HOOKFLOW_ADMIN_KEY", "test-key")
        .output()
        .expect("the hookflow binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn deploy_sends_the_definition_and_state_with_the_admin_key() {
    let api = start_api();
    let file = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(
        file.path(),
        r#"{"definition": {"triggers": {}, "actions": {}}, "kind": "Stateful"}"#,
    )
    .expect("write");
    let path = file.path().to_str().expect("utf-8");
    let out = stdout(&hookflow(
        &api,
        &["deploy", path, "--name", "orders", "--disabled"],
    ));
    assert_eq!(out, "created workflow 'orders'\n");
    let seen = api.seen.0.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let (method, path, auth, body) = &seen[0];
    assert_eq!(
        (method.as_str(), path.as_str(), auth.as_str()),
        ("PUT", "/api/workflows/orders", "Bearer test-key")
    );
    assert_eq!(
        body,
        &json!({"properties": {"definition": {"triggers": {}, "actions": {}}, "state": "Disabled"}})
    );
}

#[test]
fn validation_errors_are_printed_with_their_pointers() {
    let api = start_api();
    let file = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(
        file.path(),
        r#"{"triggers": {}, "actions": {"B": {"type": "Nope"}}}"#,
    )
    .expect("write");
    let output = hookflow(
        &api,
        &[
            "deploy",
            file.path().to_str().expect("utf-8"),
            "--name",
            "broken",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("InvalidDefinition (400)"), "{stderr}");
    assert!(
        stderr.contains("/definition/actions/B/type: action type 'Nope'"),
        "{stderr}"
    );
}

#[test]
fn lists_runs_filters_and_callback_urls() {
    let api = start_api();
    let workflows = stdout(&hookflow(&api, &["workflows", "list"]));
    assert!(workflows.starts_with("NAME"), "{workflows}");
    assert!(workflows.contains("orders  Enabled  3"), "{workflows}");

    let runs = stdout(&hookflow(
        &api,
        &[
            "runs", "list", "orders", "--top", "5", "--status", "Running",
        ],
    ));
    assert!(runs.contains("RUN1  Running"), "{runs}");

    let url = stdout(&hookflow(&api, &["callback-url", "orders", "manual"]));
    assert_eq!(
        url,
        "http://127.0.0.1:7071/workflows/orders/triggers/manual/paths/invoke?sig=abc\n"
    );

    assert_eq!(
        stdout(&hookflow(&api, &["workflows", "disable", "orders"])),
        "disabled\n"
    );

    let json = stdout(&hookflow(&api, &["workflows", "list", "--json"]));
    let parsed: Value = serde_json::from_str(&json).expect("--json prints JSON");
    assert_eq!(parsed["value"][0]["name"], "orders");
}

#[test]
fn errors_name_the_problem() {
    let api = start_api();
    let missing = hookflow(&api, &["runs", "show", "orders", "NOPE"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("NotFound (404): no such thing"));

    let unreachable = Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args([
            "workflows",
            "list",
            "--server",
            "http://127.0.0.1:9",
            "--admin-key",
            "k",
        ])
        .output()
        .expect("runs");
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unreachable.stderr).contains("cannot reach the hookflow server")
    );

    let no_key = Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args(["workflows", "list", "--data-dir", "/nonexistent-hookflow"])
        .env_remove("HOOKFLOW_ADMIN_KEY")
        .output()
        .expect("runs");
    assert_eq!(no_key.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_key.stderr).contains("no admin key"));
}
