//! `/api/workflows[/{wf}]`.

use crate::double::Call;
use crate::harness::{Harness, WORKFLOW};
use axum::http::{Method, StatusCode};
use hookflow_server::model::WorkflowState;
use hookflow_server::query::Filter;

#[tokio::test]
async fn put_creates_with_201_then_updates_with_200() {
    let h = Harness::new();
    let created = h.put_workflow("orders").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let body = created.json();
    assert_eq!(body["name"], "orders");
    assert_eq!(body["properties"]["state"], "Enabled");
    assert_eq!(body["properties"]["parameters"]["p"]["value"], 1);
    assert!(body["properties"]["definition"]["triggers"]["manual"].is_object());
    let updated = h.put_workflow("orders").await;
    assert_eq!(updated.status, StatusCode::OK);
}

#[tokio::test]
async fn put_passes_the_state_and_refuses_bad_names() {
    let h = Harness::new();
    let answer = h
        .api(
            Method::PUT,
            "/api/workflows/off",
            Some(r#"{"properties":{"definition":{},"state":"Disabled"}}"#),
        )
        .await;
    assert_eq!(answer.json()["properties"]["state"], "Disabled");
    for bad in ["a%20b", "semi%3Bcolon", &"x".repeat(81)] {
        let answer = h
            .api(
                Method::PUT,
                &format!("/api/workflows/{bad}"),
                Some(WORKFLOW),
            )
            .await;
        answer.expect_error(StatusCode::BAD_REQUEST, "InvalidResourceName");
    }
}

#[tokio::test]
async fn get_list_and_delete() {
    let h = Harness::new();
    h.put_workflow("a").await;
    h.put_workflow("b").await;
    let got = h.api(Method::GET, "/api/workflows/a", None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["name"], "a");

    let list = h.api(Method::GET, "/api/workflows", None).await.json();
    let names: Vec<_> = list["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|w| w["name"].clone())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert!(list.get("nextLink").is_none());

    let deleted = h.api(Method::DELETE, "/api/workflows/a", None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    h.api(Method::GET, "/api/workflows/a", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowNotFound");
    h.api(Method::DELETE, "/api/workflows/a", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowNotFound");
}

#[tokio::test]
async fn list_filters_on_state() {
    let h = Harness::new();
    h.put_workflow("a").await;
    let answer = h
        .api(
            Method::GET,
            "/api/workflows?$filter=state%20eq%20'Disabled'",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["value"], serde_json::json!([]));
    match h.double.last_call() {
        Call::List(query) => assert_eq!(query.filter, Some(Filter::State(WorkflowState::Disabled))),
        other => panic!("{other:?}"),
    }
    h.api(
        Method::GET,
        "/api/workflows?$filter=status%20eq%20'Running'",
        None,
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "InvalidFilter");
}

#[tokio::test]
async fn enable_disable_and_regenerate_reach_the_backend() {
    let h = Harness::new();
    for (path, body, op, args) in [
        (
            "/api/workflows/wf/enable",
            None,
            "enable_workflow",
            vec!["wf"],
        ),
        (
            "/api/workflows/wf/disable",
            None,
            "disable_workflow",
            vec!["wf"],
        ),
        (
            "/api/workflows/wf/regenerateAccessKey",
            Some(r#"{"keyType":"Secondary"}"#),
            "regenerate_access_key",
            vec!["wf", "Secondary"],
        ),
    ] {
        let answer = h.api(Method::POST, path, body).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text());
        match h.double.last_call() {
            Call::Other {
                op: got,
                args: got_args,
            } => {
                assert_eq!(got, op);
                assert_eq!(got_args, args);
            }
            other => panic!("{other:?}"),
        }
    }
    h.api(
        Method::POST,
        "/api/workflows/wf/regenerateAccessKey",
        Some(r#"{"keyType":"Tertiary"}"#),
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "InvalidRequestContent");
    h.api(Method::POST, "/api/workflows/wf/regenerateAccessKey", None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "InvalidRequestContent");
}
