//! `$filter` on paged lists over the real backend: the store filters before it cuts the
//! page, so with `$top` every page but the last is full and `nextLink` leads to the
//! remaining matches — not a short or empty page with more matches behind it.

use super::{no_response, Wired, PUBLIC};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

impl Wired {
    /// One page of a list: its item names and the path and query its `nextLink` points to.
    async fn list_page(&self, path: &str) -> (Vec<String>, Option<String>) {
        let page = self.get_json(path).await;
        let names = page["value"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|item| item["name"].as_str().expect("a name").to_string())
            .collect();
        let next = page.get("nextLink").map(|link| {
            let link = link.as_str().expect("nextLink is a URL");
            link.strip_prefix(PUBLIC)
                .expect("nextLink on the public URL")
                .to_string()
        });
        (names, next)
    }

    /// Every page from `path` on, checking that each page with a `nextLink` is full.
    async fn all_pages(&self, path: &str, top: usize) -> Vec<Vec<String>> {
        let mut pages = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(path) = next {
            let (names, link) = self.list_page(&path).await;
            if link.is_some() {
                assert_eq!(names.len(), top, "a page with a nextLink is full: {path}");
            }
            pages.push(names);
            next = link;
        }
        pages
    }

    async fn put_in_state(&self, name: &str, state: &str) {
        let body = json!({ "properties": { "definition": no_response(), "state": state } });
        let answer = self
            .api(Method::PUT, &format!("/api/workflows/{name}"), Some(body))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflows_filtered_by_state_fill_every_page_but_the_last() {
    let w = Wired::new();
    // Disabled workflows before and between the enabled ones: filtering a fetched page
    // would give [b] then [e] then [h].
    for (name, state) in [
        ("a", "Disabled"),
        ("b", "Enabled"),
        ("c", "Disabled"),
        ("d", "Disabled"),
        ("e", "Enabled"),
        ("f", "Disabled"),
        ("g", "Disabled"),
        ("h", "Enabled"),
        ("i", "Disabled"),
    ] {
        w.put_in_state(name, state).await;
    }

    let first = "/api/workflows?$top=2&$filter=state%20eq%20'Enabled'";
    let (names, next) = w.list_page(first).await;
    assert_eq!(names, ["b", "e"], "a full first page");
    let next = next.expect("a nextLink to the third enabled workflow");
    let (names, after) = w.list_page(&next).await;
    assert_eq!(names, ["h"]);
    assert!(after.is_none(), "no page after the last enabled workflow");

    let disabled = w
        .all_pages("/api/workflows?$top=2&$filter=state%20eq%20'Disabled'", 2)
        .await;
    assert_eq!(
        disabled,
        [vec!["a", "c"], vec!["d", "f"], vec!["g", "i"]],
        "disabled workflows in full pages"
    );
}

fn conditional() -> Value {
    json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http",
            "conditions": [{"expression": "@equals(triggerBody()?['go'], true)"}]}},
        "actions": {"Keep": {"type": "Compose", "inputs": "@triggerBody()", "runAfter": {}}}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_histories_filtered_by_status_fill_every_page_but_the_last() {
    let w = Wired::new();
    let put = w.put("gate", conditional()).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
    let path = w.callback_path("gate", "manual", None).await;
    // Fired calls (Succeeded histories) among skipped ones (conditions false).
    for go in [false, true, false, false, true, false, false, true, false] {
        let body = json!({ "go": go }).to_string();
        let answer = w.call(&path, "application/json", &body).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    }

    // Ids are time-ordered but calls within one millisecond may tie on time, so the
    // expected order is the unfiltered list's, not the order of the calls.
    let histories = "/api/workflows/gate/triggers/manual/histories";
    let answer = w.api(Method::GET, histories, None).await;
    let all = answer.json()["value"].as_array().cloned().expect("a list");
    assert_eq!(all.len(), 9, "{all:?}");
    let with_status = |status: &str| -> Vec<String> {
        all.iter()
            .filter(|h| h["properties"]["status"] == status)
            .map(|h| h["name"].as_str().expect("a name").to_string())
            .collect()
    };

    for (status, count) in [("Succeeded", 3), ("Skipped", 6)] {
        let expected = with_status(status);
        assert_eq!(expected.len(), count, "{status}: {all:?}");
        let pages = w
            .all_pages(
                &format!("{histories}?$top=2&$filter=status%20eq%20'{status}'"),
                2,
            )
            .await;
        assert_eq!(pages.len(), count.div_ceil(2), "{status}: {pages:?}");
        assert_eq!(pages.concat(), expected, "{status} histories in order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_actions_page_by_name_with_top() {
    let w = Wired::new();
    let compose = |after: Value| json!({"type": "Compose", "inputs": 1, "runAfter": after});
    let definition = json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Alpha": compose(json!({})),
            "Bravo": compose(json!({"Alpha": ["Succeeded"]})),
            "Charlie": compose(json!({"Bravo": ["Succeeded"]}))
        }
    });
    let put = w.put("three", definition).await;
    assert!(put.status.is_success(), "{}", put.text());
    let path = w.callback_path("three", "manual", None).await;
    let fired = w.call(&path, "application/json", "{}").await;
    assert_eq!(fired.status, StatusCode::ACCEPTED, "{}", fired.text());
    let runs = w.finished_runs("three").await;
    let run = runs[0]["name"].as_str().expect("run name").to_string();
    let actions = format!("/api/workflows/three/runs/{run}/actions");

    let pages = w.all_pages(&format!("{actions}?$top=2"), 2).await;
    assert_eq!(pages, [vec!["Alpha", "Bravo"], vec!["Charlie"]]);
    let (all, next) = w.list_page(&actions).await;
    assert_eq!(all, ["Alpha", "Bravo", "Charlie"]);
    assert_eq!(next, None, "without $top every action is one page");
}
