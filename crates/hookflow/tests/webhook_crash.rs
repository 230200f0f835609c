//! Issue 4: runs parked in HttpWebhook actions survive SIGKILL of the real binary on
//! SQLite. Callbacks answered 202 just before the kill resume their runs after the
//! restart; callbacks sent after the restart resume theirs; webhook timeouts that came due
//! while the process was down fire on start and take the `TimedOut` branch. Every run is
//! subscribed once and unsubscribed once — nothing lost, nothing twice, except an
//! unsubscribe the kill may have cut off between sending and recording its answer, which
//! is sent again after the restart (at-least-once for effects in flight at a crash).

use crate::harness::{definition, deploy, http, path_of, wait_until, Node, Standin};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Runs per workflow.
const RUNS: usize = 8;
/// The impatient workflow's webhook timeout; the process stays down longer than this.
const SHORT_TIMEOUT: Duration = Duration::from_secs(3);
/// A call without a recorded answer counts as abandoned this soon (the run's due time is
/// written with the call, so both processes need it).
const GRACE: &str = "--in-flight-grace=2";

fn workflow(hook: &str, timeout: &str) -> Value {
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
            "limit": {"timeout": timeout},
            "runAfter": {}
        },
        "Done": {"type": "Compose", "inputs": "@body('Wait_for_event')",
                 "runAfter": {"Wait_for_event": ["Succeeded"]}},
        "Gave_up": {"type": "Compose", "inputs": "timed out",
                    "runAfter": {"Wait_for_event": ["TimedOut"]}},
        // One leaf joining both branches, so a handled timeout leaves the run Succeeded
        // (a branch ending in a skipped action would take its predecessor's status).
        "Finish": {"type": "Compose", "inputs": "finished",
                   "runAfter": {"Done": ["Succeeded", "Skipped"],
                                "Gave_up": ["Succeeded", "Skipped"]}}
    });
    definition(triggers, actions)
}

/// Starts `RUNS` runs of `name`, each with its `n` in the body.
fn start_runs(node: &Node, name: &str, offset: usize) {
    let url = node.api(
        "POST",
        &format!("/api/workflows/{name}/triggers/manual/listCallbackUrl"),
        "",
    )["value"]
        .as_str()
        .expect("callback URL")
        .to_string();
    for n in offset..offset + RUNS {
        let body = json!({"n": n}).to_string();
        let (status, _, text) = http(node.addr(), "POST", &path_of(&url), &[], &body);
        assert_eq!(status, 202, "start {n}: {text}");
    }
}

/// The callback path of each subscribed run, by its `n`.
fn callback_paths(standin: &Standin) -> BTreeMap<usize, String> {
    standin
        .subscriptions()
        .iter()
        .map(|s| {
            let n = s["request"]["n"]
                .as_str()
                .expect("n")
                .parse()
                .expect("number");
            let url = s["callbackUrl"].as_str().expect("callback URL");
            (n, path_of(url))
        })
        .collect()
}

fn call_back(node: &Node, path: &str, n: usize) -> u16 {
    let key = format!("event-{n}");
    let body = json!({"approved": n}).to_string();
    http(
        node.addr(),
        "POST",
        path,
        &[("Idempotency-Key", key.as_str())],
        &body,
    )
    .0
}

/// How often the stand-in saw each callback URL (by path) in calls to `endpoint`.
fn calls_per_url(standin: &Standin, endpoint: &str) -> BTreeMap<String, usize> {
    let mut calls = BTreeMap::new();
    for request in standin.requests() {
        if request["path"].as_str() == Some(endpoint) {
            let url = request["body"]["callbackUrl"].as_str().unwrap_or("");
            *calls.entry(path_of(url)).or_default() += 1;
        }
    }
    calls
}

#[test]
fn parked_runs_survive_sigkill_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let standin = Standin::start();
    let hook = format!("http://{}", standin.addr);
    let node = Node::on_sqlite(&data, &[GRACE]);
    deploy(&node, "patient", &workflow(&hook, "PT1H"));
    let short = format!("PT{}S", SHORT_TIMEOUT.as_secs());
    deploy(&node, "impatient", &workflow(&hook, &short));
    start_runs(&node, "patient", 0);
    start_runs(&node, "impatient", RUNS);
    wait_until("every run subscribed", || {
        standin.subscriptions().len() >= 2 * RUNS
    });
    let subscribed_at = Instant::now();
    let paths = callback_paths(&standin);
    assert_eq!(paths.len(), 2 * RUNS, "one subscribe per run");
    // Every subscribe answer recorded (the action waits — or, on a slow machine, an
    // impatient one already timed out), so no subscribe is left to send again.
    for name in ["patient", "impatient"] {
        wait_until("every subscribe answer recorded", || {
            node.runs(name).iter().all(|run| {
                let id = run["name"].as_str().expect("run name");
                let action = node.api(
                    "GET",
                    &format!("/api/workflows/{name}/runs/{id}/actions/Wait_for_event"),
                    "",
                );
                let status = &action["properties"]["status"];
                status == "Waiting" || (name == "impatient" && status == "TimedOut")
            })
        });
    }

    // Half of the patient runs are called back, answered 202, and the process is killed
    // at once: whether they resumed before the kill or not, they must resume once.
    for n in 0..RUNS / 2 {
        assert_eq!(call_back(&node, &paths[&n], n), 202, "callback {n}");
    }
    node.served.kill();

    // Stay down until the impatient runs' timeouts have passed.
    let down_until = subscribed_at + SHORT_TIMEOUT + Duration::from_secs(1);
    std::thread::sleep(down_until.saturating_duration_since(Instant::now()));
    let node = Node::on_sqlite(&data, &[GRACE]);

    for n in RUNS / 2..RUNS {
        assert_eq!(call_back(&node, &paths[&n], n), 202, "callback {n}");
    }
    // A sender's retry of an accepted callback gets the original answer.
    assert_eq!(call_back(&node, &paths[&0], 0), 202, "repeat of callback 0");

    let finished = |name: &str| {
        let runs = node.runs(name);
        runs.len() == RUNS
            && runs
                .iter()
                .all(|r| r["properties"]["status"] == "Succeeded")
    };
    wait_until("every run finished", || {
        finished("patient") && finished("impatient")
    });
    wait_until("every run unsubscribed", || {
        calls_per_url(&standin, "/unsubscribe")
            .values()
            .sum::<usize>()
            >= 2 * RUNS
    });

    for run in node.runs("patient") {
        let id = run["name"].as_str().expect("run name");
        let done = node.api(
            "GET",
            &format!("/api/workflows/patient/runs/{id}/actions/Done"),
            "",
        );
        assert!(
            done["properties"]["outputs"]["approved"].is_u64(),
            "the callback body is the action's output: {done}"
        );
    }
    for run in node.runs("impatient") {
        let id = run["name"].as_str().expect("run name");
        let waited = node.api(
            "GET",
            &format!("/api/workflows/impatient/runs/{id}/actions/Wait_for_event"),
            "",
        );
        assert_eq!(waited["properties"]["status"], "TimedOut", "{waited}");
        assert_eq!(waited["properties"]["code"], "ActionTimedOut", "{waited}");
        let gave_up = node.api(
            "GET",
            &format!("/api/workflows/impatient/runs/{id}/actions/Gave_up"),
            "",
        );
        assert_eq!(gave_up["properties"]["status"], "Succeeded", "{gave_up}");
    }

    // Nothing twice: the restart subscribed nothing again, and each run was unsubscribed
    // once (a resumed run once, a timed-out run once before its TimedOut) — but for the
    // runs called back right before the kill, whose unsubscribe may have been cut off.
    let subscribes = calls_per_url(&standin, "/subscribe");
    assert_eq!(subscribes.len(), 2 * RUNS, "{subscribes:?}");
    assert!(subscribes.values().all(|&c| c == 1), "{subscribes:?}");
    let unsubscribes = calls_per_url(&standin, "/unsubscribe");
    assert_eq!(unsubscribes.len(), 2 * RUNS, "{unsubscribes:?}");
    for (n, path) in &paths {
        let count = unsubscribes[path];
        if *n < RUNS / 2 {
            assert!((1..=2).contains(&count), "run {n}: {count} unsubscribes");
        } else {
            assert_eq!(count, 1, "run {n}: {count} unsubscribes");
        }
    }
}
