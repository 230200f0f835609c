//! Bad input is a 4xx with a JSON error, never a 500 or axum's plain-text rejection.

use crate::harness::{Harness, KEY};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

#[tokio::test]
async fn malformed_json_is_400_invalid_json() {
    let h = Harness::new();
    for body in [
        "{",
        "{\"properties\": }",
        "not json",
        "{} trailing",
        "\u{0}",
    ] {
        let answer = h.api(Method::PUT, "/api/workflows/wf", Some(body)).await;
        answer.expect_error(StatusCode::BAD_REQUEST, "InvalidJson");
    }
    assert!(h.double.calls().is_empty());
}

#[tokio::test]
async fn wrong_shapes_are_400_with_the_pointer_of_the_wrong_value() {
    let h = Harness::new();
    for (body, pointer) in [
        (
            r#"{"properties": {"definition": {}, "state": "Sleeping"}}"#,
            Some("/properties/state"),
        ),
        (
            r#"{"properties": {"definition": {}, "parameters": {"p": 3}}}"#,
            Some("/properties/parameters/p"),
        ),
        (r#"{"properties": "x"}"#, Some("/properties")),
        (r#"{"props": {}}"#, Some("/props")),
        ("[]", None),
    ] {
        let answer = h.api(Method::PUT, "/api/workflows/wf", Some(body)).await;
        let error = answer.expect_error(StatusCode::BAD_REQUEST, "InvalidRequestContent");
        assert_eq!(
            error["details"][0]["target"].as_str(),
            pointer,
            "{body}: {error}"
        );
    }
}

#[tokio::test]
async fn an_empty_body_where_one_is_required_is_400() {
    let h = Harness::new();
    h.api(Method::PUT, "/api/workflows/wf", None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "InvalidRequestContent");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_everywhere() {
    let h = Harness::with_settings(|s| s.max_body_size = 64);
    let big = format!(
        r#"{{"properties": {{"definition": {{"x": "{}"}}}}}}"#,
        "a".repeat(100)
    );
    h.api(Method::PUT, "/api/workflows/wf", Some(&big))
        .await
        .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge");
    for uri in [
        "/workflows/wf/triggers/t/paths/invoke",
        "/workflows/wf/triggers/t/paths/invoke/a/b",
        "/workflows/wf/runs/r/actions/a/run",
    ] {
        let request = Request::builder()
            .method("POST")
            .uri(uri)
            .body(Body::from(big.clone()))
            .expect("request");
        let error = h
            .send(request)
            .await
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("64")));
    }
    let request = Request::builder()
        .method("POST")
        .uri("/api/workflows/wf/triggers/t/run")
        .header("authorization", format!("Bearer {KEY}"))
        .body(Body::from(big.clone()))
        .expect("request");
    h.send(request)
        .await
        .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge");
    assert!(h.double.calls().is_empty(), "nothing reached the backend");
    // At the limit is fine.
    let request = Request::builder()
        .method("POST")
        .uri("/workflows/wf/triggers/t/paths/invoke")
        .body(Body::from("x".repeat(64)))
        .expect("request");
    assert_eq!(h.send(request).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let h = Harness::new();
    h.api(Method::GET, "/api/nothing/here", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "NotFound");
    h.api(Method::GET, "/nothing", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "NotFound");
    h.api(Method::POST, "/api/workflows/wf", Some("{}"))
        .await
        .expect_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    h.api(Method::DELETE, "/healthz", None)
        .await
        .expect_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
}

#[tokio::test]
async fn undecodable_path_segments_are_400() {
    let h = Harness::new();
    h.api(Method::GET, "/api/workflows/%FF%FE", None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "InvalidPath");
}
