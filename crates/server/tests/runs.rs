//! `/api/workflows/{wf}/runs…`.

use crate::double::Call;
use crate::harness::Harness;
use axum::http::{Method, StatusCode};
use hookflow_server::model::Status;
use hookflow_server::query::Filter;

#[tokio::test]
async fn list_runs_with_a_status_filter_and_top() {
    let h = Harness::new();
    h.put_workflow("wf").await;
    let all = h.api(Method::GET, "/api/workflows/wf/runs", None).await;
    assert_eq!(all.json()["value"].as_array().map(Vec::len), Some(2));

    let running = h
        .api(
            Method::GET,
            "/api/workflows/wf/runs?$top=5&$filter=status%20eq%20%27Running%27",
            None,
        )
        .await;
    assert_eq!(running.status, StatusCode::OK, "{}", running.text());
    let value = running.json()["value"].clone();
    assert_eq!(value.as_array().map(Vec::len), Some(1));
    assert_eq!(value[0]["properties"]["status"], "Running");
    assert_eq!(value[0]["properties"]["trigger"]["name"], "manual");
    match h.double.last_call() {
        Call::List(query) => {
            assert_eq!(query.top, Some(5));
            assert_eq!(query.filter, Some(Filter::Status(Status::Running)));
        }
        other => panic!("{other:?}"),
    }
    h.api(Method::GET, "/api/workflows/nope/runs", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowNotFound");
}

#[tokio::test]
async fn bad_top_and_filters_are_400_with_a_message() {
    let h = Harness::new();
    h.put_workflow("wf").await;
    for (query, code) in [
        ("$top=0", "InvalidQueryParameter"),
        ("$top=-1", "InvalidQueryParameter"),
        ("$top=abc", "InvalidQueryParameter"),
        ("$top=100000", "InvalidQueryParameter"),
        ("$filter=status%20eq%20Running", "InvalidFilter"),
        ("$filter=status%20eq%20'Exploded'", "InvalidFilter"),
        ("$filter=status%20ne%20'Running'", "InvalidFilter"),
        ("$filter=startTime%20gt%20'2020'", "InvalidFilter"),
        (
            "$filter=status%20eq%20'Running'%20or%20status%20eq%20'Failed'",
            "InvalidFilter",
        ),
        ("$filter=", "InvalidFilter"),
    ] {
        let answer = h
            .api(
                Method::GET,
                &format!("/api/workflows/wf/runs?{query}"),
                None,
            )
            .await;
        let error = answer.expect_error(StatusCode::BAD_REQUEST, code);
        if code == "InvalidFilter" {
            assert!(
                error["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("status eq '<value>'")),
                "{query}: {error}"
            );
        }
    }
}

#[tokio::test]
async fn a_continuation_becomes_an_absolute_next_link() {
    let h = Harness::new();
    h.put_workflow("wf").await;
    h.double.set_continuation("page 2");
    let answer = h
        .api(
            Method::GET,
            "/api/workflows/wf/runs?$top=1&$filter=status%20eq%20'Running'",
            None,
        )
        .await;
    let next = answer.json()["nextLink"]
        .as_str()
        .expect("nextLink")
        .to_string();
    assert!(
        next.starts_with("https://flows.example.test/api/workflows/wf/runs?"),
        "{next}"
    );
    let query = next.split_once('?').map(|(_, q)| q).expect("query");
    let again = h
        .api(
            Method::GET,
            &format!("/api/workflows/wf/runs?{query}"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    match h.double.last_call() {
        Call::List(q) => {
            assert_eq!(q.skip_token.as_deref(), Some("page 2"));
            assert_eq!(q.top, Some(1));
            assert_eq!(q.filter, Some(Filter::Status(Status::Running)));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn get_and_cancel_a_run() {
    let h = Harness::new();
    let run = h
        .api(Method::GET, "/api/workflows/wf/runs/run-1", None)
        .await;
    assert_eq!(run.status, StatusCode::OK);
    let body = run.json();
    assert_eq!(body["name"], "run-1");
    assert_eq!(body["properties"]["startTime"], "2025-01-02T03:04:05Z");
    assert_eq!(body["properties"]["trigger"]["outputs"]["body"]["x"], 1);
    h.api(Method::GET, "/api/workflows/wf/runs/run-9", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "RunNotFound");
    let cancelled = h
        .api(Method::POST, "/api/workflows/wf/runs/run-1/cancel", None)
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
}

#[tokio::test]
async fn actions_action_and_repetitions() {
    let h = Harness::new();
    let list = h
        .api(
            Method::GET,
            "/api/workflows/wf/runs/run-1/actions?$filter=status%20eq%20'Waiting'",
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(list.json()["value"][0]["properties"]["status"], "Waiting");
    let action = h
        .api(
            Method::GET,
            "/api/workflows/wf/runs/run-1/actions/Wait",
            None,
        )
        .await;
    assert_eq!(action.json()["name"], "Wait");
    assert_eq!(
        action.json()["properties"]["inputs"]["uri"],
        "https://example.test/subscribe"
    );
    let reps = h
        .api(
            Method::GET,
            "/api/workflows/wf/runs/run-1/actions/Wait/repetitions",
            None,
        )
        .await;
    assert_eq!(reps.status, StatusCode::OK);
    assert_eq!(reps.json()["value"][0]["name"], "Wait");
}
