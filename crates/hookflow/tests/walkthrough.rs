//! The README's webhook walk-through, step by step, with the real binary and the real
//! stand-in service (`hookflow standin`) as separate processes: an approval run parks in
//! its HttpWebhook action and resumes on the stand-in's callback; a webhook trigger
//! subscribes on deploy, starts a run per event, and unsubscribes on disable.

use super::serve::{data_dir_arg, Served};
use crate::harness::{self, http, wait_until, Standin};
use serde_json::Value;

const KEY: &str = "walkthrough-key";

fn cli(served: &Served, args: &[&str]) -> String {
    harness::cli(served.addr, KEY, args)
}

/// The example with the stand-in's address instead of its default `127.0.0.1:7080`.
fn example(name: &str, standin: &Standin, dir: &std::path::Path) -> String {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("example");
    let target = dir.join(name);
    std::fs::write(
        &target,
        text.replace("http://127.0.0.1:7080", &format!("http://{}", standin.addr)),
    )
    .expect("write");
    target.to_str().expect("utf-8").to_string()
}

#[test]
fn the_webhook_walkthrough_works_as_the_readme_says() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(&tmp.path().join("data"));
    let served = Served::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &dir,
            "--admin-key",
            KEY,
        ],
        &[],
    );
    let standin = Standin::start();

    // 1. An approval waits in its HttpWebhook action.
    let approval = example("approval-webhook-action.json", &standin, tmp.path());
    cli(&served, &["deploy", &approval, "--name", "approval"]);
    let url = cli(&served, &["callback-url", "approval", "manual"]);
    let path = url
        .trim()
        .strip_prefix(&format!("http://{}", served.addr))
        .expect("on this server")
        .to_string();
    let (status, _, body) = http(
        served.addr,
        "POST",
        &path,
        &[],
        r#"{"item":"laptop","amount":1200}"#,
    );
    assert_eq!(status, 202, "{body}");
    wait_until("the stand-in has the subscription", || {
        standin.subscriptions().len() == 1
    });
    let runs = cli(&served, &["runs", "list", "approval"]);
    assert!(runs.contains("Running"), "the run waits: {runs}");

    // 2. The stand-in calls every subscriber back; the run resumes and finishes.
    let (status, _, body) = http(standin.addr, "POST", "/events", &[], r#"{"approved":true}"#);
    assert_eq!(status, 200, "{body}");
    wait_until("the approval run succeeded", || {
        cli(&served, &["runs", "list", "approval"]).contains("Succeeded")
    });
    let run_id = cli(&served, &["runs", "list", "approval", "--json"]);
    let runs: Value = serde_json::from_str(&run_id).expect("JSON");
    let run = runs["value"][0]["name"]
        .as_str()
        .expect("a run")
        .to_string();
    let (status, body) = served.request(
        "GET",
        &format!("/api/workflows/approval/runs/{run}/actions/Approved"),
        Some(KEY),
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Approved: laptop"), "{body}");
    // Completed, the action unsubscribed.
    wait_until("the approval unsubscribed", || {
        standin.subscriptions()[0]["state"] == "Unsubscribed"
    });

    // 3. A webhook trigger subscribes when deployed, runs once per event, and
    //    unsubscribes when disabled.
    let orders = example("webhook-trigger.json", &standin, tmp.path());
    cli(&served, &["deploy", &orders, "--name", "orders"]);
    let active = |standin: &Standin| {
        standin
            .subscriptions()
            .iter()
            .filter(|s| s["state"] == "Active")
            .count()
    };
    assert_eq!(active(&standin), 1, "subscribed on deploy");
    let event = r#"{"id":"A-1","lines":[{"qty":2,"price":15}]}"#;
    let (status, _, body) = http(standin.addr, "POST", "/events", &[], event);
    assert_eq!(status, 200, "{body}");
    wait_until("the order run succeeded", || {
        cli(&served, &["runs", "list", "orders"]).contains("Succeeded")
    });
    cli(&served, &["workflows", "disable", "orders"]);
    assert_eq!(active(&standin), 0, "unsubscribed on disable");
    let (exit, out) = served.stop_with("TERM");
    assert_eq!(exit.code(), Some(0), "{out}");
}
