//! SIGKILL one of two nodes while both accept runs: the survivor finishes every run the
//! dead node accepted (its timers, its abandoned work after the lease or grace ran out),
//! takes over the leases the dead node held (left behind as a crash point: a node killed
//! in the middle of a work-loop pass), nothing accepted is lost and no request makes two
//! runs.

use crate::harness::{definition, deploy, header, http, path_of, wait_until, Database, Node};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpStream;

const WORKFLOW: &str = "steady";
const BEFORE_KILL: usize = 30;
const AFTER_KILL: usize = 20;

/// What became of one request.
enum Sent {
    Accepted(String),
    /// The answer was cut off by the kill: a run may or may not exist.
    Cut,
}

fn send(addr: std::net::SocketAddr, path: &str, n: usize) -> Sent {
    if TcpStream::connect(addr).is_err() {
        return Sent::Cut;
    }
    let result =
        std::panic::catch_unwind(|| http(addr, "POST", path, &[], &json!({"n": n}).to_string()));
    match result {
        Ok((202, head, _)) => {
            Sent::Accepted(header(&head, "x-ms-workflow-run-id").expect("run id"))
        }
        _ => Sent::Cut,
    }
}

#[test]
fn a_killed_node_loses_nothing_and_nothing_runs_twice() {
    let Some(database) = Database::create() else {
        return;
    };
    // Short leases and grace, so the survivor takes over within the test's patience.
    let fast = ["--lease-duration", "2", "--in-flight-grace", "3"];
    let a = Node::start(&database, &fast);
    let b = Node::start(&database, &fast);
    let triggers = json!({"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}});
    let actions = json!({
        "Echo": {"type": "Compose", "inputs": "@triggerBody()?['n']", "runAfter": {}},
        "Pause": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Second"}},
                  "runAfter": {"Echo": ["Succeeded"]}},
        "Done": {"type": "Compose", "inputs": "@outputs('Echo')",
                 "runAfter": {"Pause": ["Succeeded"]}}
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

    let mut outcomes: BTreeMap<usize, Sent> = BTreeMap::new();
    for n in 0..BEFORE_KILL {
        let node = if n % 2 == 0 { &a } else { &b };
        outcomes.insert(n, send(node.addr(), &trigger, n));
    }
    // Kill A while its runs wait on their timers (and it may be driving some).
    let a_name = a.api("GET", "/api/nodes", "")["value"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["self"] == true))
        .and_then(|n| n["name"].as_str())
        .expect("A lists itself")
        .to_string();
    let a_addr = a.addr();
    let status = a.served.kill();
    assert!(!status.success());
    // Crash point: A died in the middle of a work-loop pass, holding leases on runs it
    // had claimed. Leave exactly that behind (leases of A, live for two more seconds) on
    // every unfinished run nobody holds, so the survivor must wait them out and take over.
    database.execute(&format!(
        "UPDATE run SET lease_owner = '{a_name}', lease_epoch = lease_epoch + 1, \
         lease_expires = (extract(epoch from clock_timestamp()) * 1000000)::bigint + 2000000 \
         WHERE status IN ('Running', 'Waiting') AND lease_owner IS NULL"
    ));
    for n in BEFORE_KILL..BEFORE_KILL + AFTER_KILL {
        let addr = if n % 2 == 0 { a_addr } else { b.addr() };
        outcomes.insert(n, send(addr, &trigger, n));
    }
    let accepted: BTreeSet<String> = outcomes
        .values()
        .filter_map(|o| match o {
            Sent::Accepted(run) => Some(run.clone()),
            Sent::Cut => None,
        })
        .collect();
    assert!(
        accepted.len() >= BEFORE_KILL,
        "A and B accepted before the kill"
    );

    wait_until("every accepted run finished on the survivor", || {
        let runs = b.runs(WORKFLOW);
        let done: BTreeSet<String> = runs
            .iter()
            .filter(|r| r["properties"]["status"] == "Succeeded")
            .filter_map(|r| r["name"].as_str().map(str::to_string))
            .collect();
        accepted.is_subset(&done)
    });
    let runs = b.runs(WORKFLOW);
    let mut per_event: BTreeMap<i64, usize> = BTreeMap::new();
    for run in &runs {
        let n = run["properties"]["trigger"]["outputs"]["body"]["n"]
            .as_i64()
            .expect("event marker");
        *per_event.entry(n).or_default() += 1;
        assert_ne!(
            run["properties"]["status"], "Failed",
            "no run failed: {run}"
        );
    }
    assert!(
        per_event.values().all(|count| *count == 1),
        "no request made two runs: {per_event:?}"
    );
    // Runs whose 202 was cut off may exist; nothing else does.
    assert!(runs.len() <= outcomes.len());
    assert!(runs.len() >= accepted.len());
    let takeovers = b.metric("hookflow_lease_takeovers_total");
    let claimed = b.metric("hookflow_claimed_runs_total");
    eprintln!(
        "survivor claimed {claimed} runs, {takeovers} of them taken over from expired leases"
    );
    assert!(claimed > 0.0, "the survivor drove the dead node's timers");
    assert!(takeovers > 0.0, "the dead node's leases were taken over");
}
