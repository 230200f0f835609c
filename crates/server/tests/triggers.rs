//! `/api/workflows/{wf}/triggers…`.

use crate::double::Call;
use crate::harness::Harness;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use hookflow_server::model::{KeyType, Status};
use hookflow_server::query::Filter;

#[tokio::test]
async fn list_and_get_triggers() {
    let h = Harness::new();
    let list = h.api(Method::GET, "/api/workflows/wf/triggers", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["value"][0]["properties"]["type"], "Request");
    h.api(Method::GET, "/api/workflows/wf/triggers/nope", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "TriggerNotFound");
}

#[tokio::test]
async fn list_callback_url_with_and_without_a_body() {
    let h = Harness::new();
    let answer = h
        .api(
            Method::POST,
            "/api/workflows/wf/triggers/manual/listCallbackUrl",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["method"], "POST");
    assert_eq!(body["queries"]["api-version"], "2016-10-01");
    assert_eq!(body["queries"]["sp"], "/triggers/manual/run");
    assert!(body["value"].as_str().expect("value").contains("sig=abc"));
    match h.double.last_call() {
        Call::CallbackUrl(request) => assert_eq!(request, Default::default()),
        other => panic!("{other:?}"),
    }

    h.api(
        Method::POST,
        "/api/workflows/wf/triggers/manual/listCallbackUrl",
        Some(r#"{"notAfter":"2030-01-01T00:00:00Z","keyType":"Secondary"}"#),
    )
    .await;
    match h.double.last_call() {
        Call::CallbackUrl(request) => {
            assert_eq!(request.key_type, Some(KeyType::Secondary));
            assert_eq!(
                request.not_after.map(|t| t.to_rfc3339()),
                Some("2030-01-01T00:00:00+00:00".into())
            );
        }
        other => panic!("{other:?}"),
    }
    h.api(
        Method::POST,
        "/api/workflows/wf/triggers/manual/listCallbackUrl",
        Some(r#"{"notAfter":"tomorrow"}"#),
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "InvalidRequestContent");
}

#[tokio::test]
async fn run_passes_the_body_and_answers_202_with_the_run() {
    let h = Harness::new();
    let request = Request::builder()
        .method("POST")
        .uri("/api/workflows/wf/triggers/manual/run?x=1")
        .header("authorization", format!("Bearer {}", crate::harness::KEY))
        .header("content-type", "text/plain")
        .body(Body::from("not json, and that is fine"))
        .expect("request");
    let answer = h.send(request).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    assert_eq!(answer.json()["run"]["name"], "run-fired");
    assert_eq!(answer.headers["x-ms-workflow-run-id"], "run-fired");
    match h.double.last_call() {
        Call::RunTrigger {
            workflow,
            trigger,
            request,
        } => {
            assert_eq!((workflow.as_str(), trigger.as_str()), ("wf", "manual"));
            assert_eq!(&request.body[..], b"not json, and that is fine");
            assert_eq!(request.content_type.as_deref(), Some("text/plain"));
            assert_eq!(request.queries, [("x".to_string(), "1".to_string())]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn histories_filter_and_resubmit() {
    let h = Harness::new();
    let answer = h
        .api(
            Method::GET,
            "/api/workflows/wf/triggers/manual/histories?$top=10&$filter=status%20eq%20'Failed'",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["value"][0]["properties"]["fired"], true);
    match h.double.last_call() {
        Call::List(query) => {
            assert_eq!(query.top, Some(10));
            assert_eq!(query.filter, Some(Filter::Status(Status::Failed)));
        }
        other => panic!("{other:?}"),
    }
    h.api(
        Method::GET,
        "/api/workflows/wf/triggers/manual/histories?$filter=fired%20eq%20true",
        None,
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "InvalidFilter");

    let resubmitted = h
        .api(
            Method::POST,
            "/api/workflows/wf/triggers/manual/histories/run-1/resubmit",
            None,
        )
        .await;
    assert_eq!(resubmitted.status, StatusCode::ACCEPTED);
    assert_eq!(resubmitted.json()["run"]["name"], "run-resubmitted");
}
