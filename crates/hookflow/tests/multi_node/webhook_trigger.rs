//! An HttpWebhook trigger on two nodes: subscribed exactly once (saving on one node,
//! starting more nodes), and callbacks spread over both nodes — repeats with the same
//! `Idempotency-Key` sent to the *other* node included — make exactly one run each.

use crate::harness::{
    definition, deploy, header, http, path_of, wait_until, Database, Node, Standin,
};
use serde_json::json;
use std::collections::BTreeMap;

const WORKFLOW: &str = "hooked";
const EVENTS: usize = 40;

#[test]
fn callbacks_spread_over_nodes_make_one_run_each() {
    let Some(database) = Database::create() else {
        return;
    };
    let standin = Standin::start();
    let a = Node::start(&database, &[]);
    let hook = format!("http://{}", standin.addr);
    let triggers = json!({
        "hook": {
            "type": "HttpWebhook",
            "inputs": {
                "subscribe": {"method": "POST", "uri": format!("{hook}/subscribe"),
                              "body": {"callbackUrl": "@{listCallbackUrl()}"}},
                "unsubscribe": {"method": "POST", "uri": format!("{hook}/unsubscribe"),
                                "body": {"callbackUrl": "@{listCallbackUrl()}"}}
            }
        }
    });
    let actions =
        json!({"Echo": {"type": "Compose", "inputs": "@triggerBody()?['n']", "runAfter": {}}});
    deploy(&a, WORKFLOW, &definition(triggers, actions));
    // A second node starting (and reconciling) must not subscribe again.
    let b = Node::start(&database, &[]);
    let nodes = [&a, &b];
    // Each node lists both once their heartbeats are in.
    for node in nodes {
        wait_until("both nodes listed", || {
            let listed = node.api("GET", "/api/nodes", "");
            let value = listed["value"].as_array().cloned().unwrap_or_default();
            value.len() == 2 && value.iter().filter(|n| n["self"] == true).count() == 1
        });
    }

    let subscriptions = standin.subscriptions();
    assert_eq!(
        subscriptions.len(),
        1,
        "one subscription: {subscriptions:?}"
    );
    let callback = path_of(
        subscriptions[0]["callbackUrl"]
            .as_str()
            .expect("callback URL"),
    );

    let mut run_of_event = BTreeMap::new();
    for n in 0..EVENTS {
        let body = json!({"n": n}).to_string();
        let key = format!("event-{n}");
        let first = nodes[n % 2];
        let (status, head, text) = http(
            first.addr(),
            "POST",
            &callback,
            &[("Idempotency-Key", &key)],
            &body,
        );
        assert_eq!(status, 202, "event {n}: {text}");
        let run = header(&head, "x-ms-workflow-run-id").expect("run id");
        // Every third event is delivered again, to the other node.
        if n % 3 == 0 {
            let other = nodes[(n + 1) % 2];
            let (status, head, text) = http(
                other.addr(),
                "POST",
                &callback,
                &[("Idempotency-Key", &key)],
                &body,
            );
            assert_eq!(status, 202, "repeat of event {n}: {text}");
            assert_eq!(
                header(&head, "x-ms-workflow-run-id").as_deref(),
                Some(run.as_str()),
                "a repeat names the original run"
            );
        }
        run_of_event.insert(n, run);
    }

    wait_until("every run succeeded", || {
        let runs = b.runs(WORKFLOW);
        runs.len() >= EVENTS
            && runs
                .iter()
                .all(|r| r["properties"]["status"] == "Succeeded")
    });
    let runs = a.runs(WORKFLOW);
    assert_eq!(runs.len(), EVENTS, "exactly one run per event");
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    for run in &runs {
        let n = run["properties"]["trigger"]["outputs"]["body"]["n"]
            .as_i64()
            .unwrap_or_else(|| panic!("run without its event: {run}"));
        *seen.entry(n).or_default() += 1;
    }
    assert!(seen.values().all(|count| *count == 1), "{seen:?}");
    assert_eq!(seen.len(), EVENTS);

    let subscribes = standin
        .requests()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/subscribe"))
        })
        .count();
    assert_eq!(subscribes, 1, "nobody subscribed again");
}
