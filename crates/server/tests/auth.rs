//! `/api` needs `Authorization: Bearer <admin key>`; the public endpoints do not.

use crate::harness::{Harness, KEY};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

/// Every management route, with a method it accepts.
const MANAGEMENT: &[(&str, &str)] = &[
    ("GET", "/api/workflows"),
    ("PUT", "/api/workflows/wf"),
    ("GET", "/api/workflows/wf"),
    ("DELETE", "/api/workflows/wf"),
    ("POST", "/api/workflows/wf/enable"),
    ("POST", "/api/workflows/wf/disable"),
    ("POST", "/api/workflows/wf/regenerateAccessKey"),
    ("GET", "/api/workflows/wf/triggers"),
    ("GET", "/api/workflows/wf/triggers/t"),
    ("POST", "/api/workflows/wf/triggers/t/listCallbackUrl"),
    ("POST", "/api/workflows/wf/triggers/t/run"),
    ("GET", "/api/workflows/wf/triggers/t/histories"),
    ("POST", "/api/workflows/wf/triggers/t/histories/h/resubmit"),
    ("GET", "/api/workflows/wf/runs"),
    ("GET", "/api/workflows/wf/runs/r"),
    ("POST", "/api/workflows/wf/runs/r/cancel"),
    ("GET", "/api/workflows/wf/runs/r/actions"),
    ("GET", "/api/workflows/wf/runs/r/actions/a"),
    ("GET", "/api/workflows/wf/runs/r/actions/a/repetitions"),
];

fn request(method: &str, path: &str, authorization: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(path);
    if let Some(value) = authorization {
        builder = builder.header("authorization", value);
    }
    builder.body(Body::empty()).expect("request")
}

#[tokio::test]
async fn every_management_route_refuses_a_missing_or_wrong_key_before_the_backend() {
    let h = Harness::new();
    for (method, path) in MANAGEMENT {
        for authorization in [
            None,
            Some("Bearer wrong-key"),
            Some(&format!("Bearer {KEY}x")[..]),
            Some(&format!("Basic {KEY}")[..]),
            Some("Bearer"),
            Some(""),
        ] {
            let answer = h.send(request(method, path, authorization)).await;
            answer.expect_error(StatusCode::UNAUTHORIZED, "AuthenticationFailed");
            assert_eq!(
                answer.headers.get("www-authenticate").map(|v| v.as_bytes()),
                Some(&b"Bearer"[..]),
                "{method} {path}"
            );
        }
    }
    assert!(h.double.calls().is_empty(), "the backend was never asked");
}

#[tokio::test]
async fn the_right_key_reaches_every_management_route() {
    let h = Harness::new();
    for (method, path) in MANAGEMENT {
        let auth = format!("Bearer {KEY}");
        let answer = h.send(request(method, path, Some(&auth))).await;
        assert_ne!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_ne!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        if answer.status == StatusCode::NOT_FOUND {
            // A resource the double does not have, never an unknown route.
            assert_ne!(
                answer.json()["error"]["code"],
                "NotFound",
                "{method} {path}"
            );
        }
    }
    // Bodyless PUT/POSTs are refused as bad input (400); the rest reached the backend.
    assert!(h.double.calls().len() >= MANAGEMENT.len() - 2);
}

#[tokio::test]
async fn the_scheme_is_case_insensitive() {
    let h = Harness::new();
    let answer = h
        .send(request(
            "GET",
            "/api/workflows",
            Some(&format!("bearer {KEY}")),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
}

#[tokio::test]
async fn public_endpoints_need_no_key() {
    let h = Harness::new();
    for path in [
        "/healthz",
        "/metrics",
        "/api/openapi.json",
        "/workflows/wf/triggers/manual/paths/invoke",
        "/workflows/wf/runs/r/actions/a/run",
    ] {
        let method = if path.starts_with("/workflows") {
            "POST"
        } else {
            "GET"
        };
        let answer = h.send(request(method, path, None)).await;
        assert!(answer.status.is_success(), "{path}: {}", answer.status);
    }
}
