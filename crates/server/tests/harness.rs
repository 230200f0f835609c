//! Builds a router around a fresh [`Double`] and sends requests through it without a
//! socket.

use crate::double::Double;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use hookflow_server::{router, AdminKey, AppState, Settings};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const KEY: &str = "test-admin-key-0123456789";

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status and the `{"error":{"code","message"}}` shape; returns the error.
    pub fn expect_error(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        let body = self.json();
        let error = body.get("error").cloned().expect("an error object");
        assert_eq!(error["code"], code, "{body}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "a message: {body}"
        );
        error
    }
}

/// Sends `request` through a router over `state`, without a socket.
pub async fn send(state: &AppState, request: Request<Body>) -> Answer {
    let response = router(state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// A management request with the right key and a JSON body (or none).
pub async fn api_json(state: &AppState, method: Method, path: &str, body: Option<Value>) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
        .expect("request");
    send(state, request).await
}

pub struct Harness {
    pub double: Arc<Double>,
    state: AppState,
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with_settings(|_| {})
    }

    pub fn with_settings(adjust: impl FnOnce(&mut Settings)) -> Harness {
        let double = Arc::new(Double::new());
        let mut settings = Settings::new("https://flows.example.test".parse().expect("url"));
        adjust(&mut settings);
        let state = AppState::new(double.clone(), AdminKey::new(KEY).expect("key"), settings);
        Harness { double, state }
    }

    /// A management request with the right key.
    pub async fn api(&self, method: Method, path: &str, body: Option<&str>) -> Answer {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {KEY}"));
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let request = builder
            .body(Body::from(body.unwrap_or("").to_string()))
            .expect("request");
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        send(&self.state, request).await
    }

    /// Saves a small enabled workflow named `name`.
    pub async fn put_workflow(&self, name: &str) -> Answer {
        self.api(
            Method::PUT,
            &format!("/api/workflows/{name}"),
            Some(WORKFLOW),
        )
        .await
    }
}

pub const WORKFLOW: &str = r#"{"properties": {"definition": {
    "triggers": {"manual": {"type": "Request", "kind": "Http"}},
    "actions": {}}, "parameters": {"p": {"value": 1}}}}"#;
