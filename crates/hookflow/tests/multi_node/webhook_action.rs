//! Runs parked in an HttpWebhook action, started on both nodes, resume when called back
//! at either node; a callback delivered to *both* nodes (same `Idempotency-Key`, at the
//! same moment) resumes its run once — the stand-in sees one unsubscribe per run.

use crate::harness::{definition, deploy, http, path_of, wait_until, Database, Node, Standin};
use serde_json::json;
use std::collections::BTreeMap;

const WORKFLOW: &str = "parked";
const RUNS: usize = 24;

#[test]
fn parked_runs_resume_once_whichever_node_is_called() {
    let Some(database) = Database::create() else {
        return;
    };
    let standin = Standin::start();
    let a = Node::start(&database, &[]);
    let b = Node::start(&database, &[]);
    let nodes = [&a, &b];
    let hook = format!("http://{}", standin.addr);
    let triggers = json!({"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}});
    let actions = json!({
        "Wait_for_event": {
            "type": "HttpWebhook",
            "inputs": {
                "subscribe": {"method": "POST", "uri": format!("{hook}/subscribe"),
                              "body": {"callbackUrl": "@{listCallbackUrl()}",
                                       "n": "@{triggerBody()?['n']}"}},
                "unsubscribe": {"method": "POST", "uri": format!("{hook}/unsubscribe"),
                                "body": {"callbackUrl": "@{listCallbackUrl()}"}}
            },
            "runAfter": {}
        },
        "Done": {"type": "Compose", "inputs": "@body('Wait_for_event')",
                 "runAfter": {"Wait_for_event": ["Succeeded"]}}
    });
    deploy(&a, WORKFLOW, &definition(triggers, actions));
    let url = a.api(
        "POST",
        &format!("/api/workflows/{WORKFLOW}/triggers/manual/listCallbackUrl"),
        "",
    )["value"]
        .as_str()
        .expect("callback URL")
        .to_string();
    let trigger = path_of(&url);
    for n in 0..RUNS {
        let (status, _, text) = http(
            nodes[n % 2].addr(),
            "POST",
            &trigger,
            &[],
            &json!({"n": n}).to_string(),
        );
        assert_eq!(status, 202, "start {n}: {text}");
    }
    wait_until("every run subscribed", || {
        standin.subscriptions().len() >= RUNS
    });
    let subscriptions = standin.subscriptions();
    assert_eq!(subscriptions.len(), RUNS, "one subscribe per run");

    // Each callback goes to both nodes at once with one key; half the runs are called
    // back first at the node that did not start them.
    let mut senders = Vec::new();
    for (i, subscription) in subscriptions.iter().enumerate() {
        let path = path_of(subscription["callbackUrl"].as_str().expect("callback URL"));
        let n = subscription["request"]["n"].clone();
        for node in [nodes[i % 2].addr(), nodes[(i + 1) % 2].addr()] {
            let path = path.clone();
            let body = json!({"approved": true, "n": n}).to_string();
            let key = format!("approval-{i}");
            senders.push(std::thread::spawn(move || {
                http(
                    node,
                    "POST",
                    &path,
                    &[("Idempotency-Key", key.as_str())],
                    &body,
                )
                .0
            }));
        }
    }
    for sender in senders {
        let status = sender.join().expect("sender");
        assert_eq!(status, 202, "a delivery (or its repeat) is accepted");
    }

    wait_until("every run succeeded", || {
        let runs = a.runs(WORKFLOW);
        runs.len() == RUNS
            && runs
                .iter()
                .all(|r| r["properties"]["status"] == "Succeeded")
    });
    // Resumed once: the action completed once, so it was unsubscribed once.
    wait_until("every run unsubscribed", || {
        standin
            .requests()
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/unsubscribe"))
            })
            .count()
            >= RUNS
    });
    let mut unsubscribes: BTreeMap<String, usize> = BTreeMap::new();
    for request in standin.requests() {
        if request["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/unsubscribe"))
        {
            let url = request["body"]["callbackUrl"]
                .as_str()
                .unwrap_or("")
                .to_string();
            *unsubscribes.entry(url).or_default() += 1;
        }
    }
    assert_eq!(unsubscribes.len(), RUNS, "{unsubscribes:?}");
    assert!(
        unsubscribes.values().all(|count| *count == 1),
        "no run resumed twice: {unsubscribes:?}"
    );
    for run in a.runs(WORKFLOW) {
        let id = run["name"].as_str().expect("run name");
        let done = b.api(
            "GET",
            &format!("/api/workflows/{WORKFLOW}/runs/{id}/actions/Done"),
            "",
        );
        assert_eq!(
            done["properties"]["outputs"]["approved"],
            json!(true),
            "{done}"
        );
    }
}
