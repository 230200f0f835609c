//! `/api/workflows/{wf}/versions` over the real backend: every save is a version that
//! can be read back, and a run keeps pointing at the version it started on.

use super::{no_response, Wired, PUBLIC};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn second_version() -> Value {
    json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Other": {"type": "Compose", "inputs": "v2", "runAfter": {}}}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_save_is_a_version_and_a_run_keeps_the_one_it_started_on() {
    let w = Wired::new();
    let first = w.put("orders", no_response()).await.json();
    let v1 = first["properties"]["version"]
        .as_str()
        .expect("v1")
        .to_string();
    let path = w.callback_path("orders", "manual", None).await;
    let fired = w.call(&path, "application/json", r#"{"n":1}"#).await;
    assert_eq!(fired.status, StatusCode::ACCEPTED, "{}", fired.text());
    let runs = w.finished_runs("orders").await;
    let run = runs[0]["name"].as_str().expect("run name").to_string();

    let second = w.put("orders", second_version()).await.json();
    let v2 = second["properties"]["version"]
        .as_str()
        .expect("v2")
        .to_string();
    assert_ne!(v1, v2);

    let list = w.get_json("/api/workflows/orders/versions").await;
    let names: Vec<&str> = list["value"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(names, [v2.as_str(), v1.as_str()], "newest first: {list}");

    for (version, action) in [(&v1, "Keep"), (&v2, "Other")] {
        let got = w
            .get_json(&format!("/api/workflows/orders/versions/{version}"))
            .await;
        assert_eq!(got["name"], version.as_str());
        assert_eq!(got["properties"]["version"], version.as_str());
        assert_eq!(got["properties"]["state"], "Enabled");
        let actions = &got["properties"]["definition"]["actions"];
        assert!(actions[action].is_object(), "{version}: {got}");
        assert_eq!(actions.as_object().map(|a| a.len()), Some(1), "{got}");
        assert!(got["properties"]["createdTime"].is_string());
        assert!(got["properties"]["changedTime"].is_string());
    }

    // The run started before the second save still names the first version.
    let shown = w
        .get_json(&format!("/api/workflows/orders/runs/{run}"))
        .await;
    assert_eq!(shown["properties"]["version"], v1.as_str(), "{shown}");
    assert_eq!(shown["properties"]["workflow"]["name"], v1.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_page_with_top_and_next_link() {
    let w = Wired::new();
    for _ in 0..3 {
        w.put("paged", no_response()).await;
    }
    let first = w.get_json("/api/workflows/paged/versions?$top=2").await;
    assert_eq!(first["value"].as_array().map(Vec::len), Some(2), "{first}");
    let next = first["nextLink"].as_str().expect("a nextLink");
    let rest = w
        .get_json(next.strip_prefix(PUBLIC).expect("on the public URL"))
        .await;
    assert_eq!(rest["value"].as_array().map(Vec::len), Some(1), "{rest}");
    assert!(rest.get("nextLink").is_none(), "{rest}");
    let versions: Vec<&Value> = [&first, &rest]
        .iter()
        .flat_map(|p| p["value"].as_array().into_iter().flatten())
        .map(|v| &v["name"])
        .collect();
    let mut sorted = versions.clone();
    sorted.sort_by(|a, b| b.as_str().cmp(&a.as_str()));
    sorted.dedup();
    assert_eq!(versions, sorted, "newest first, no repeats");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_workflows_and_versions_are_not_found() {
    let w = Wired::new();
    w.put("known", no_response()).await;
    let not_found = |answer: crate::harness::Answer, code: &str| {
        answer.expect_error(StatusCode::NOT_FOUND, code);
    };
    not_found(
        w.api(Method::GET, "/api/workflows/nope/versions", None)
            .await,
        "WorkflowNotFound",
    );
    not_found(
        w.api(Method::GET, "/api/workflows/nope/versions/1", None)
            .await,
        "WorkflowNotFound",
    );
    // Like a malformed run id, a malformed version id names nothing.
    for version in ["99", "abc", "-1"] {
        not_found(
            w.api(
                Method::GET,
                &format!("/api/workflows/known/versions/{version}"),
                None,
            )
            .await,
            "WorkflowVersionNotFound",
        );
    }
    w.api(
        Method::GET,
        "/api/workflows/known/versions?$filter=status%20eq%20%27Running%27",
        None,
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "InvalidFilter");
}
