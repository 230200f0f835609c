//! `/api/workflows/{wf}/versions…` against the double: what the handlers parse and pass on.

use crate::double::Call;
use crate::harness::Harness;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn list_passes_top_and_get_names_the_version() {
    let h = Harness::new();
    let saved = h.put_workflow("wf").await.json();
    let version = saved["properties"]["version"].as_str().expect("version");

    let list = h
        .api(Method::GET, "/api/workflows/wf/versions?$top=3", None)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(list.json()["value"][0]["name"], version);
    match h.double.last_call() {
        Call::List(query) => assert_eq!(query.top, Some(3)),
        other => panic!("{other:?}"),
    }

    let got = h
        .api(
            Method::GET,
            &format!("/api/workflows/wf/versions/{version}"),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    let body = got.json();
    assert_eq!(body["name"], version);
    assert!(body["properties"]["definition"]["triggers"]["manual"].is_object());

    h.api(Method::GET, "/api/workflows/wf/versions/other", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "WorkflowVersionNotFound");
    h.api(Method::GET, "/api/workflows/wf/versions?$top=0", None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "InvalidQueryParameter");
}
