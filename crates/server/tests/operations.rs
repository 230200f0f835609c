//! `/healthz`, `/metrics` and `/api/openapi.json`.

use crate::harness::Harness;
use axum::http::{Method, StatusCode};
use hookflow_server::model::HealthStatus;
use hookflow_server::placeholder::NotWired;
use hookflow_server::{router, AdminKey, AppState, Settings};
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn healthz_follows_the_backend() {
    let h = Harness::new();
    let ok = h.api(Method::GET, "/healthz", None).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["status"], "Healthy");
    h.double.set_health(HealthStatus::Degraded);
    assert_eq!(
        h.api(Method::GET, "/healthz", None).await.status,
        StatusCode::OK
    );
    h.double.set_health(HealthStatus::Unhealthy);
    let down = h.api(Method::GET, "/healthz", None).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.json()["status"], "Unhealthy");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_add_the_backend_families() {
    let h = Harness::new();
    h.api(Method::GET, "/api/workflows/some-name", None).await;
    h.api(Method::GET, "/api/workflows/other-name", None).await;
    let answer = h.api(Method::GET, "/metrics", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.headers["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/plain; version=0.0.4")));
    let text = answer.text();
    assert!(
        text.contains(
            r#"hookflow_http_requests_total{method="GET",route="/api/workflows/{wf}",status="404"} 2"#
        ),
        "{text}"
    );
    assert!(
        !text.contains("some-name"),
        "concrete paths never become labels"
    );
    assert!(text.contains("# TYPE hookflow_http_request_duration_seconds histogram"));
    assert!(
        text.contains(r#"hookflow_runs_waiting{workflow="orders"} 3"#),
        "{text}"
    );
    assert!(
        text.contains("# TYPE hookflow_callbacks_accepted_total counter"),
        "{text}"
    );
    assert!(
        text.contains("hookflow_callbacks_accepted_total 7"),
        "{text}"
    );
    assert!(
        !text.contains("not a valid name"),
        "invalid families are skipped"
    );
}

#[tokio::test]
async fn openapi_lists_every_route_and_the_bearer_scheme() {
    let h = Harness::new();
    let answer = h.api(Method::GET, "/api/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/workflows",
        "/api/workflows/{wf}",
        "/api/workflows/{wf}/enable",
        "/api/workflows/{wf}/disable",
        "/api/workflows/{wf}/regenerateAccessKey",
        "/api/workflows/{wf}/versions",
        "/api/workflows/{wf}/versions/{version}",
        "/api/workflows/{wf}/triggers",
        "/api/workflows/{wf}/triggers/{t}",
        "/api/workflows/{wf}/triggers/{t}/listCallbackUrl",
        "/api/workflows/{wf}/triggers/{t}/run",
        "/api/workflows/{wf}/triggers/{t}/histories",
        "/api/workflows/{wf}/triggers/{t}/histories/{h}/resubmit",
        "/api/workflows/{wf}/runs",
        "/api/workflows/{wf}/runs/{run}",
        "/api/workflows/{wf}/runs/{run}/cancel",
        "/api/workflows/{wf}/runs/{run}/actions",
        "/api/workflows/{wf}/runs/{run}/actions/{a}",
        "/api/workflows/{wf}/runs/{run}/actions/{a}/repetitions",
        "/workflows/{wf}/triggers/{t}/paths/invoke",
        "/workflows/{wf}/triggers/{t}/paths/invoke/{relativePath}",
        "/workflows/{wf}/runs/{run}/actions/{a}/run",
        "/healthz",
        "/metrics",
        "/api/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the document");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["admin_key"]["scheme"],
        "bearer"
    );
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for schema in [
        "Workflow",
        "Run",
        "RunAction",
        "ErrorResponse",
        "CallbackUrl",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
}

#[tokio::test]
async fn the_placeholder_backend_is_honest() {
    let state = AppState::new(
        Arc::new(NotWired),
        AdminKey::new("k").expect("key"),
        Settings::new("http://127.0.0.1:7071".parse().expect("url")),
    );
    let send = |request| router(state.clone()).oneshot(request);
    let request = axum::http::Request::builder()
        .uri("/api/workflows")
        .header("authorization", "Bearer k")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = send(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["error"]["code"], "NotImplemented");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("engine is not wired yet")));

    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/workflows/wf/triggers/manual/paths/invoke")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = send(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

    let request = axum::http::Request::builder()
        .uri("/healthz")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = send(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
}
