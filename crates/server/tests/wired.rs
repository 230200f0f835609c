//! The router with the real backend: `RuntimeBackend` over the runtime driver and the
//! in-memory store, requests through `router(state).oneshot(req)`. These check that the
//! management API and the callback endpoints really run workflows, and that each runtime
//! outcome becomes the contract's status code.

use crate::harness::{Answer, KEY};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use hookflow_runtime::driver::{Runtime, RuntimeConfig, Services, WorkLoop};
use hookflow_runtime::executor::HttpExecutor;
use hookflow_runtime::outbound::{ClientConfig, OutboundClient};
use hookflow_runtime::signing::{self, ActionUrlParams};
use hookflow_server::{AdminKey, AppState, RuntimeBackend, Settings};
use hookflow_store::{LeaseOwner, MemoryStore, WorkflowName, WorkflowStore};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const PUBLIC: &str = "https://flows.example.test";

struct Wired {
    state: AppState,
    runtime: Runtime<MemoryStore>,
    _work_loop: WorkLoop,
}

impl Wired {
    fn new() -> Wired {
        Wired::with_response_timeout(Settings::DEFAULT_RESPONSE_TIMEOUT)
    }

    fn with_response_timeout(timeout: Duration) -> Wired {
        let client = OutboundClient::new(ClientConfig::default()).expect("client");
        let mut config = RuntimeConfig::new(PUBLIC, LeaseOwner::new("test").expect("owner"));
        config.poll_interval = Duration::from_millis(20);
        let runtime = Runtime::new(
            MemoryStore::new(),
            config,
            Services::system(Arc::new(HttpExecutor::new(client))),
        );
        let work_loop = runtime.start();
        let mut settings = Settings::new(PUBLIC.parse().expect("url"));
        settings.response_timeout = timeout;
        let backend = Arc::new(RuntimeBackend::new(runtime.clone()));
        let state = AppState::new(backend, AdminKey::new(KEY).expect("key"), settings);
        Wired {
            state,
            runtime,
            _work_loop: work_loop,
        }
    }

    async fn send(&self, request: Request<Body>) -> Answer {
        crate::harness::send(&self.state, request).await
    }

    async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        crate::harness::api_json(&self.state, method, path, body).await
    }

    /// A GET of the management API that must answer 200: its JSON body.
    async fn get_json(&self, path: &str) -> Value {
        let answer = self.api(Method::GET, path, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text());
        answer.json()
    }

    async fn put(&self, name: &str, definition: Value) -> Answer {
        let body = json!({ "properties": { "definition": definition } });
        self.api(Method::PUT, &format!("/api/workflows/{name}"), Some(body))
            .await
    }

    /// The path and query of the trigger's signed URL (the router has no host).
    async fn callback_path(&self, workflow: &str, trigger: &str, body: Option<Value>) -> String {
        let answer = self
            .api(
                Method::POST,
                &format!("/api/workflows/{workflow}/triggers/{trigger}/listCallbackUrl"),
                body,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        let url = answer.json()["value"].as_str().expect("a URL").to_string();
        url.strip_prefix(PUBLIC)
            .expect("on the public URL")
            .to_string()
    }

    async fn call(&self, path: &str, content_type: &str, body: &str) -> Answer {
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", content_type)
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// The line of `/metrics` for one series (name and labels, as rendered), value
    /// included.
    async fn metric(&self, series: &str) -> String {
        let request = Request::builder()
            .uri("/metrics")
            .body(Body::empty())
            .expect("request");
        let metrics = self.send(request).await.text();
        metrics
            .lines()
            .find(|l| l.strip_prefix(series).is_some_and(|v| v.starts_with(' ')))
            .unwrap_or_else(|| panic!("no {series} in {metrics}"))
            .to_string()
    }

    /// The workflow's runs once they all reached a final status.
    async fn finished_runs(&self, workflow: &str) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let runs = self
                .get_json(&format!("/api/workflows/{workflow}/runs"))
                .await["value"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let running = runs.iter().any(|r| {
                matches!(
                    r["properties"]["status"].as_str(),
                    Some("Running" | "Waiting")
                )
            });
            if !running {
                return runs;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "runs still running: {runs:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn hello() -> Value {
    json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"method": "POST"}}},
        "actions": {
            "Greeting": {
                "type": "Compose",
                "inputs": "@concat('Hello, ', triggerBody()?['name'], '!')",
                "runAfter": {}
            },
            "Response": {
                "type": "Response",
                "inputs": {"statusCode": 201,
                           "headers": {"x-greeted": "yes", "Content-Disposition": "inline",
                                       "Content-Length": "1", "Set-Cookie": "a=b",
                                       "Last-Modified": "yesterday"},
                           "body": {"message": "@outputs('Greeting')"}},
                "runAfter": {"Greeting": ["Succeeded"]}
            }
        }
    })
}

fn no_response() -> Value {
    json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Keep": {"type": "Compose", "inputs": "@triggerBody()", "runAfter": {}}}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_creates_then_updates_and_refuses_invalid_definitions() {
    let w = Wired::new();
    let created = w.put("hello", hello()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let workflow = created.json();
    assert_eq!(workflow["name"], "hello");
    assert_eq!(workflow["properties"]["state"], "Enabled");
    assert_eq!(workflow["properties"]["definition"], hello());
    let updated = w.put("hello", hello()).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text());
    assert_ne!(
        updated.json()["properties"]["version"],
        workflow["properties"]["version"],
        "every save is a new version"
    );

    let invalid = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "A": {"type": "Compose", "inputs": "@concat(", "runAfter": {}},
            "B": {"type": "Compose", "inputs": 1, "runAfter": {"Missing": ["Succeeded"]}}
        }
    });
    let answer = w.put("broken", invalid).await;
    let error = answer.expect_error(StatusCode::BAD_REQUEST, "InvalidDefinition");
    let targets: Vec<&str> = error["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["target"].as_str())
        .collect();
    assert!(targets.len() >= 2, "every error: {error}");
    assert!(
        targets
            .iter()
            .any(|t| t.starts_with("/properties/definition/actions/A")),
        "{targets:?}"
    );
    assert!(
        targets
            .iter()
            .any(|t| t.starts_with("/properties/definition/actions/B")),
        "{targets:?}"
    );
    w.api(Method::GET, "/api/workflows/broken", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowNotFound");

    let list = w.api(Method::GET, "/api/workflows", None).await;
    assert_eq!(list.json()["value"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_call_runs_the_workflow_and_gets_its_response() {
    let w = Wired::new();
    w.put("hello", hello()).await;
    let path = w.callback_path("hello", "manual", None).await;
    assert!(
        path.starts_with("/workflows/hello/triggers/manual/paths/invoke?"),
        "{path}"
    );

    let answer = w.call(&path, "application/json", r#"{"name":"Ada"}"#).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(answer.json(), json!({"message": "Hello, Ada!"}));
    assert_eq!(answer.headers["x-greeted"], "yes");
    assert_eq!(answer.headers["content-disposition"], "inline");
    // Left out as in Logic Apps: the server frames the answer, no cookies or caching.
    assert!(answer.headers.get("set-cookie").is_none());
    assert!(answer.headers.get("last-modified").is_none());
    assert_ne!(
        answer.headers.get("content-length").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    assert!(answer.headers["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("application/json")));

    let runs = w.finished_runs("hello").await;
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["properties"]["status"], "Succeeded", "{run}");
    assert_eq!(run["properties"]["trigger"]["name"], "manual");
    let outputs = &run["properties"]["trigger"]["outputs"];
    assert_eq!(outputs["body"], json!({"name": "Ada"}));
    assert!(outputs["queries"].get("sig").is_none(), "{outputs}");
    let name = run["name"].as_str().expect("run name");

    let actions = w
        .api(
            Method::GET,
            &format!("/api/workflows/hello/runs/{name}/actions"),
            None,
        )
        .await;
    let actions = actions.json();
    let by_name = |n: &str| {
        actions["value"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == n).cloned())
            .unwrap_or_else(|| panic!("action {n} in {actions}"))
    };
    assert_eq!(by_name("Greeting")["properties"]["status"], "Succeeded");
    assert_eq!(by_name("Greeting")["properties"]["outputs"], "Hello, Ada!");
    assert_eq!(by_name("Response")["properties"]["status"], "Succeeded");
    let one = w
        .api(
            Method::GET,
            &format!("/api/workflows/hello/runs/{name}/actions/Greeting"),
            None,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text());
    assert!(one.json()["properties"]["startTime"].is_string());
    w.api(
        Method::GET,
        &format!("/api/workflows/hello/runs/{name}/actions/Nope"),
        None,
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "ActionNotFound");
    let got = w
        .api(
            Method::GET,
            &format!("/api/workflows/hello/runs/{name}"),
            None,
        )
        .await;
    assert_eq!(got.json()["properties"]["status"], "Succeeded");
    w.api(Method::GET, "/api/workflows/hello/runs/nope", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "RunNotFound");
    // A run id is not usable under another workflow's path.
    w.put("other", no_response()).await;
    w.api(
        Method::GET,
        &format!("/api/workflows/other/runs/{name}"),
        None,
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "RunNotFound");
    let filtered = w
        .api(
            Method::GET,
            "/api/workflows/hello/runs?$filter=status%20eq%20'Failed'",
            None,
        )
        .await;
    assert_eq!(filtered.json()["value"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_are_checked_before_anything_runs() {
    let w = Wired::new();
    w.put("hello", hello()).await;
    let path = w.callback_path("hello", "manual", None).await;

    let (base, query) = path.split_once('?').expect("query");
    let wrong_sig: String = query
        .split('&')
        .map(|p| {
            if p.starts_with("sig=") {
                "sig=AAAA".to_string()
            } else {
                p.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    w.call(&format!("{base}?{wrong_sig}"), "application/json", "{}")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "InvalidSignature");
    w.call(base, "application/json", "{}")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "InvalidSignature");
    // The manual trigger's signature does not grant another trigger.
    let other = path.replace("/triggers/manual/", "/triggers/other/");
    w.call(&other, "application/json", "{}")
        .await
        .expect_error(StatusCode::FORBIDDEN, "WrongOperation");
    let expired = w
        .callback_path(
            "hello",
            "manual",
            Some(json!({"notAfter": "2020-01-01T00:00:00Z"})),
        )
        .await;
    w.call(&expired, "application/json", "{}")
        .await
        .expect_error(StatusCode::FORBIDDEN, "ExpiredSignature");
    let unknown = path.replace("/workflows/hello/", "/workflows/nobody/");
    w.call(&unknown, "application/json", "{}")
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowNotFound");
    assert!(w.finished_runs("hello").await.is_empty(), "nothing ran");

    // Disabled: a valid signature is refused with 403; enabling lets it through again.
    w.api(Method::POST, "/api/workflows/hello/disable", None)
        .await;
    w.call(&path, "application/json", r#"{"name":"x"}"#)
        .await
        .expect_error(StatusCode::FORBIDDEN, "WorkflowDisabled");
    w.api(Method::POST, "/api/workflows/hello/enable", None)
        .await;
    let ok = w.call(&path, "application/json", r#"{"name":"x"}"#).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());

    // A regenerated key stops the URLs it signed.
    let regenerated = w
        .api(
            Method::POST,
            "/api/workflows/hello/regenerateAccessKey",
            Some(json!({"keyType": "Primary"})),
        )
        .await;
    assert!(regenerated.status.is_success(), "{}", regenerated.text());
    w.call(&path, "application/json", "{}")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "InvalidSignature");
    let fresh = w.callback_path("hello", "manual", None).await;
    let ok = w.call(&fresh, "application/json", r#"{"name":"y"}"#).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_response_the_call_is_accepted_and_outputs_are_recorded() {
    let w = Wired::new();
    w.put("plain", no_response()).await;
    let path = w.callback_path("plain", "manual", None).await;
    let answer = w
        .call(&format!("{path}&extra=yes"), "text/plain", "just text")
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let run_id = answer.headers["x-ms-workflow-run-id"]
        .to_str()
        .expect("run id")
        .to_string();
    let runs = w.finished_runs("plain").await;
    assert_eq!(runs[0]["name"], run_id.as_str());
    assert_eq!(runs[0]["properties"]["status"], "Succeeded");
    let outputs = &runs[0]["properties"]["trigger"]["outputs"];
    assert_eq!(outputs["body"], "just text");
    assert_eq!(outputs["queries"], json!({"extra": "yes"}));
    assert_eq!(outputs["headers"]["content-type"], "text/plain");

    let binary = w
        .call(&path, "application/octet-stream", "\u{1}\u{2}")
        .await;
    assert_eq!(binary.status, StatusCode::ACCEPTED);
    let runs = w.finished_runs("plain").await;
    let envelope = runs
        .iter()
        .map(|r| &r["properties"]["trigger"]["outputs"]["body"])
        .find(|b| b.get("$content").is_some())
        .expect("an enveloped body");
    assert_eq!(envelope["$content-type"], "application/octet-stream");
    assert_eq!(envelope["$content"], "AQI=");

    // By hand, through the management API.
    let fired = w
        .api(
            Method::POST,
            "/api/workflows/plain/triggers/manual/run",
            Some(json!({"by": "hand"})),
        )
        .await;
    assert!(fired.status.is_success(), "{}", fired.text());
    assert_eq!(w.finished_runs("plain").await.len(), 3);

    let histories = w
        .api(
            Method::GET,
            "/api/workflows/plain/triggers/manual/histories",
            None,
        )
        .await;
    assert_eq!(histories.json()["value"].as_array().map(Vec::len), Some(3));
    let triggers = w
        .api(Method::GET, "/api/workflows/plain/triggers", None)
        .await;
    assert_eq!(triggers.json()["value"][0]["properties"]["type"], "Request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_and_late_responses_are_502_and_504() {
    let w = Wired::with_response_timeout(Duration::from_millis(300));
    let skipped = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Fine": {"type": "Compose", "inputs": 1, "runAfter": {}},
            "Response": {"type": "Response", "inputs": {"statusCode": 200},
                         "runAfter": {"Fine": ["Failed"]}}
        }
    });
    w.put("skips", skipped).await;
    let path = w.callback_path("skips", "manual", None).await;
    w.call(&path, "application/json", "{}")
        .await
        .expect_error(StatusCode::BAD_GATEWAY, "ActionResponseSkipped");

    let slow = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Pause": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Hour"}},
                      "runAfter": {}},
            "Response": {"type": "Response", "inputs": {"statusCode": 200},
                         "runAfter": {"Pause": ["Succeeded"]}}
        }
    });
    w.put("slow", slow).await;
    let path = w.callback_path("slow", "manual", None).await;
    w.call(&path, "application/json", "{}")
        .await
        .expect_error(StatusCode::GATEWAY_TIMEOUT, "ActionResponseTimedOut");

    // The waiting run can be cancelled; a second cancel is a conflict.
    let runs = w
        .api(Method::GET, "/api/workflows/slow/runs", None)
        .await
        .json();
    let name = runs["value"][0]["name"].as_str().expect("run").to_string();
    let cancel = format!("/api/workflows/slow/runs/{name}/cancel");
    let answer = w.api(Method::POST, &cancel, None).await;
    assert!(answer.status.is_success(), "{}", answer.text());
    let runs = w.finished_runs("slow").await;
    assert_eq!(runs[0]["properties"]["status"], "Cancelled");
    w.api(Method::POST, &cancel, None)
        .await
        .expect_error(StatusCode::CONFLICT, "RunAlreadyCompleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_callbacks_are_signed_and_must_name_a_webhook_action() {
    let w = Wired::new();
    w.put("plain", no_response()).await;
    let path = w.callback_path("plain", "manual", None).await;
    let answer = w.call(&path, "application/json", "{}").await;
    let run = answer.headers["x-ms-workflow-run-id"]
        .to_str()
        .expect("run id")
        .to_string();
    let keys = w
        .runtime
        .store()
        .access_keys(&WorkflowName::new("plain").expect("name"))
        .await
        .expect("keys");
    let key = signing::AccessKey::from_base64url(&keys.primary.0).expect("key");
    let url = signing::mint_action_url(&ActionUrlParams {
        public_base: PUBLIC,
        workflow: "plain",
        run: &run,
        action: "Keep",
        key: &key,
    });
    let action_path = url.value.strip_prefix(PUBLIC).expect("public").to_string();
    // Keep is a Compose: there is no webhook action of that name to call back.
    w.call(&action_path, "application/json", "{}")
        .await
        .expect_error(StatusCode::NOT_FOUND, "ActionNotFound");
    let forged = action_path.replace("sig=", "sig=A");
    w.call(&forged, "application/json", "{}")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "InvalidSignature");
    // Signed for one run, used for another: wrong operation.
    let other_run = action_path.replace(&format!("/runs/{run}/"), "/runs/someone-else/");
    w.call(&other_run, "application/json", "{}")
        .await
        .expect_error(StatusCode::FORBIDDEN, "WrongOperation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_the_workflow_and_health_is_healthy() {
    let w = Wired::new();
    w.put("hello", hello()).await;
    let health = w
        .send(
            Request::get("/healthz")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "Healthy");
    let deleted = w.api(Method::DELETE, "/api/workflows/hello", None).await;
    assert!(deleted.status.is_success(), "{}", deleted.text());
    w.api(Method::GET, "/api/workflows/hello", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowNotFound");
    w.api(Method::GET, "/api/workflows/hello/runs", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowNotFound");
}

/// The `/metrics` series of runs parked in a webhook action, and of runs queued for a
/// trigger concurrency slot.
const CALLBACK_WAITING: &str = "hookflow_runs_waiting{reason=\"callback\"}";
const QUEUED: &str = "hookflow_runs_waiting{reason=\"queued\"}";

/// A service that accepts every subscribe and unsubscribe (200), on a real socket, so the
/// real outbound executor subscribes the webhook action.
async fn accepting_service() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(|| async { "{}" });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_webhook_action_takes_one_callback_then_answers_409() {
    let w = Wired::new();
    let service = accepting_service().await;
    let definition = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Approval": {
                "type": "HttpWebhook",
                "inputs": {
                    "subscribe": {"method": "POST", "uri": format!("{service}/subscribe"),
                                  "body": {"callbackUrl": "@{listCallbackUrl()}"}},
                    "unsubscribe": {"method": "POST", "uri": format!("{service}/unsubscribe")}
                },
                "runAfter": {}
            }
        }
    });
    let saved = w.put("approve", definition).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text());
    let path = w.callback_path("approve", "manual", None).await;
    let answer = w.call(&path, "application/json", "{}").await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let run = answer.headers["x-ms-workflow-run-id"]
        .to_str()
        .expect("run id")
        .to_string();
    let action_url = format!("/api/workflows/approve/runs/{run}/actions/Approval");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while w.api(Method::GET, &action_url, None).await.json()["properties"]["status"] != "Waiting" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the action never waited"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        w.metric(CALLBACK_WAITING).await,
        format!("{CALLBACK_WAITING} 1"),
        "the parked run is counted"
    );
    assert_eq!(w.metric(QUEUED).await, format!("{QUEUED} 0"));

    let keys = w
        .runtime
        .store()
        .access_keys(&WorkflowName::new("approve").expect("name"))
        .await
        .expect("keys");
    let key = signing::AccessKey::from_base64url(&keys.primary.0).expect("key");
    let url = signing::mint_action_url(&ActionUrlParams {
        public_base: PUBLIC,
        workflow: "approve",
        run: &run,
        action: "Approval",
        key: &key,
    });
    let callback = url.value.strip_prefix(PUBLIC).expect("public").to_string();
    let send = |idempotency: Option<&'static str>| {
        let mut builder = Request::builder()
            .method("POST")
            .uri(&callback)
            .header("content-type", "application/json");
        if let Some(key) = idempotency {
            builder = builder.header("idempotency-key", key);
        }
        builder
            .body(Body::from(r#"{"approved":true}"#))
            .expect("request")
    };
    let first = w.send(send(Some("cb-1"))).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text());
    let repeat = w.send(send(Some("cb-1"))).await;
    assert_eq!(
        repeat.status,
        StatusCode::ACCEPTED,
        "a repeat gets the original 202"
    );

    let runs = w.finished_runs("approve").await;
    assert_eq!(runs[0]["properties"]["status"], "Succeeded", "{runs:?}");
    assert_eq!(
        w.metric(CALLBACK_WAITING).await,
        format!("{CALLBACK_WAITING} 0"),
        "the callback resumed the run"
    );
    let action = w.api(Method::GET, &action_url, None).await.json();
    assert_eq!(
        action["properties"]["outputs"]["body"],
        json!({"approved": true})
    );

    w.send(send(None))
        .await
        .expect_error(StatusCode::CONFLICT, "ActionNotWaiting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_paths_are_minted_and_bound_to_parameters() {
    let w = Wired::new();
    let definition = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http",
                                "inputs": {"method": "GET", "relativePath": "orders/{id}"}}},
        "actions": {"Keep": {"type": "Compose", "inputs": "@triggerOutputs()", "runAfter": {}}}
    });
    w.put("orders", definition).await;
    let answer = w
        .api(
            Method::POST,
            "/api/workflows/orders/triggers/manual/listCallbackUrl",
            None,
        )
        .await;
    let minted = answer.json();
    assert_eq!(minted["method"], "GET", "{minted}");
    assert_eq!(minted["relativePathParameters"], json!(["id"]), "{minted}");
    assert_eq!(minted["queries"]["sp"], "/triggers/manual/run", "{minted}");
    let url = minted["value"].as_str().expect("url");
    let path = url
        .strip_prefix(PUBLIC)
        .expect("public")
        .replace("%7Bid%7D", "42")
        .replace("{id}", "42");
    assert!(path.contains("/paths/invoke/orders/42?"), "{path}");
    let answer = w
        .send(Request::get(&path).body(Body::empty()).expect("request"))
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let runs = w.finished_runs("orders").await;
    let outputs = &runs[0]["properties"]["trigger"]["outputs"];
    assert_eq!(
        outputs["relativePathParameters"],
        json!({"id": "42"}),
        "{outputs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_trigger_queue_answers_429_and_a_queued_run_starts_when_a_slot_frees() {
    let w = Wired::new();
    let service = accepting_service().await;
    let definition = json!({
        "triggers": {"manual": {
            "type": "Request", "kind": "Http",
            "runtimeConfiguration": {"concurrency": {"runs": 1, "maximumWaitingRuns": 1}}
        }},
        "actions": {
            "Approval": {
                "type": "HttpWebhook",
                "inputs": {"subscribe": {"method": "POST", "uri": format!("{service}/subscribe")}},
                "runAfter": {}
            }
        }
    });
    let saved = w.put("limited", definition).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text());
    let path = w.callback_path("limited", "manual", None).await;
    let run_of = |answer: &Answer| {
        answer.headers["x-ms-workflow-run-id"]
            .to_str()
            .expect("run id")
            .to_string()
    };
    let first = w.call(&path, "application/json", "{}").await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text());
    let second = w.call(&path, "application/json", "{}").await;
    assert_eq!(second.status, StatusCode::ACCEPTED, "{}", second.text());
    let queued = run_of(&second);
    let status = |run: String| {
        let w = &w;
        async move {
            w.api(
                Method::GET,
                &format!("/api/workflows/limited/runs/{run}"),
                None,
            )
            .await
            .json()["properties"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    assert_eq!(status(queued.clone()).await, "Waiting");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while w.metric(CALLBACK_WAITING).await != format!("{CALLBACK_WAITING} 1") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first run never parked in its webhook action"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(w.metric(QUEUED).await, format!("{QUEUED} 1"));
    let refused = w.call(&path, "application/json", "{}").await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text()
    );
    assert_eq!(refused.json()["error"]["code"], "TooManyRequests");
    assert!(refused.headers.contains_key("retry-after"));

    let cancel = w
        .api(
            Method::POST,
            &format!("/api/workflows/limited/runs/{}/cancel", run_of(&first)),
            None,
        )
        .await;
    assert!(cancel.status.is_success(), "{}", cancel.text());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while status(queued.clone()).await != "Running" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the queued run never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(w.metric(QUEUED).await, format!("{QUEUED} 0"));
    // The queued run now parks in the webhook action in turn; the cancelled first run,
    // finished, is no longer counted.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let approval = w
            .api(
                Method::GET,
                &format!("/api/workflows/limited/runs/{queued}/actions/Approval"),
                None,
            )
            .await;
        if approval.status == StatusCode::OK && approval.json()["properties"]["status"] == "Waiting"
        {
            // Read after the action is seen waiting: nothing resumes it in this test.
            assert_eq!(
                w.metric(CALLBACK_WAITING).await,
                format!("{CALLBACK_WAITING} 1")
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the started run never parked in its webhook action"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_runs_started_completed_and_actions_executed() {
    let w = Wired::new();
    let saved = w.put("counted", hello()).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text());
    let path = w.callback_path("counted", "manual", None).await;
    for _ in 0..3 {
        let answer = w.call(&path, "application/json", r#"{"name":"Ada"}"#).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    }
    w.finished_runs("counted").await;
    assert_eq!(
        w.metric("hookflow_runs_started_total").await,
        "hookflow_runs_started_total 3"
    );
    assert_eq!(
        w.metric("hookflow_runs_completed_total{status=\"Succeeded\"}")
            .await,
        "hookflow_runs_completed_total{status=\"Succeeded\"} 3"
    );
    assert!(w
        .metric("hookflow_runs_completed_total{status=\"Failed\"}")
        .await
        .ends_with(" 0"));
    // hello() runs one Compose and one Response per run.
    assert_eq!(
        w.metric("hookflow_actions_executed_total").await,
        "hookflow_actions_executed_total 6"
    );
    // Nothing waits once every run finished.
    for reason in ["callback", "queued"] {
        let series = format!("hookflow_runs_waiting{{reason=\"{reason}\"}}");
        assert_eq!(w.metric(&series).await, format!("{series} 0"));
    }
}

mod list_filters;
mod request_checks;
mod secured;
mod versions;
