//! A Recurrence trigger on two nodes: both see each occurrence come due, the database
//! lets one of them create its run (the occurrence is the run's idempotency key).

use crate::harness::{definition, deploy, wait_until, Database, Node};
use serde_json::json;
use std::time::{Duration, Instant};

const WORKFLOW: &str = "ticking";

#[test]
fn each_occurrence_runs_once_across_nodes() {
    let Some(database) = Database::create() else {
        return;
    };
    let a = Node::start(&database, &[]);
    let triggers = json!({
        "tick": {"type": "Recurrence", "recurrence": {"frequency": "Second", "interval": 1}}
    });
    let actions = json!({"Note": {"type": "Compose", "inputs": "tick", "runAfter": {}}});
    let started = Instant::now();
    deploy(&a, WORKFLOW, &definition(triggers, actions));
    // Started after the save, B has the schedule from its first pass: both nodes fire.
    let b = Node::start(&database, &[]);
    wait_until("a few occurrences", || a.runs(WORKFLOW).len() >= 4);
    std::thread::sleep(Duration::from_secs(2));
    // Stop both nodes' schedules before counting.
    a.api("POST", &format!("/api/workflows/{WORKFLOW}/disable"), "");
    let elapsed = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(500));
    let runs = b.runs(WORKFLOW);
    // One run per second elapsed at most (plus the one a save may fire at once and one
    // for rounding); two nodes each firing would make about twice as many.
    let most = elapsed.floor() as usize + 2;
    assert!(
        runs.len() <= most,
        "{} runs in {elapsed:.1} s: an occurrence ran more than once",
        runs.len()
    );
    assert!(
        runs.iter()
            .all(|r| r["properties"]["status"] == "Succeeded"),
        "{runs:?}"
    );
}
