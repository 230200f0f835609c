//! Issue 3: SIGKILL the real binary while requests are being accepted, restart it on
//! the same data directory, and prove that every request answered 202 produced exactly
//! one run, that it completes, and that no other run exists except for requests whose
//! answer the kill cut off (CONTRACT §4: 202 only after the event is durably stored).

use super::serve::{data_dir_arg, Served};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "crash-admin-key";
const WORKFLOW: &str = "crash";
const SENDERS: usize = 6;
/// The kill comes once this many requests were accepted (or after `LOAD_DEADLINE`).
const KILL_AFTER_ACCEPTED: usize = 40;
const LOAD_DEADLINE: Duration = Duration::from_secs(60);

/// A Request trigger without Response (so the callback answers 202 at once), a Compose
/// and a short Wait, so that the runs accepted last are still in flight at the kill.
const DEFINITION: &str = r#"{
  "definition": {
    "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
    "contentVersion": "1.0.0.0",
    "triggers": {
      "manual": { "type": "Request", "kind": "Http", "inputs": { "method": "POST" } }
    },
    "actions": {
      "Echo": { "type": "Compose", "inputs": "@triggerBody()?['n']", "runAfter": {} },
      "Pause": {
        "type": "Wait",
        "inputs": { "interval": { "count": 2, "unit": "Second" } },
        "runAfter": { "Echo": [ "Succeeded" ] }
      }
    },
    "outputs": {}
  }
}"#;

/// What became of one request, by its marker `n`.
#[derive(Debug, Clone)]
enum Outcome {
    /// Never reached the server (connection refused): must have no run.
    NotSent,
    /// Written, but the answer never (completely) arrived: may or may not have a run.
    Cut,
    /// 202 with the run id.
    Accepted(String),
    /// Any other answer: must have no run.
    Answered(u16, String),
}

fn cli(addr: SocketAddr, args: &[&str]) -> String {
    crate::harness::cli(addr, KEY, args)
}

/// One POST of `{"n": n}` on its own connection.
fn fire(addr: SocketAddr, path: &str, n: u64) -> Outcome {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return Outcome::NotSent;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let body = format!("{{\"n\": {n}}}");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        // Part of it may have arrived: treat as cut, the strictest allowance.
        return Outcome::Cut;
    }
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let Some((head, rest)) = text.split_once("\r\n\r\n") else {
        return Outcome::Cut;
    };
    let status: u16 = match head.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
        Some(status) => status,
        None => return Outcome::Cut,
    };
    if status != 202 {
        if read.is_err() {
            return Outcome::Cut;
        }
        return Outcome::Answered(status, rest.to_string());
    }
    // The status line and headers arrived whole: the 202 was given.
    let run = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("x-ms-workflow-run-id")
            .then(|| value.trim().to_string())
    });
    Outcome::Accepted(run.unwrap_or_else(|| panic!("a 202 without x-ms-workflow-run-id: {head}")))
}

/// Every run of the workflow, following `nextLink`.
fn all_runs(served: &Served) -> Vec<Value> {
    let mut runs = Vec::new();
    let mut next = format!("/api/workflows/{WORKFLOW}/runs?$top=25");
    loop {
        let (status, body) = served.get(&next, Some(KEY));
        assert_eq!(status, 200, "{next}: {body}");
        let page: Value = serde_json::from_str(&body).expect("JSON page");
        runs.extend(page["value"].as_array().expect("value").iter().cloned());
        match page["nextLink"].as_str() {
            Some(link) => {
                let at = link
                    .find("/api/")
                    .unwrap_or_else(|| panic!("nextLink {link}"));
                next = link[at..].to_string();
            }
            None => return runs,
        }
    }
}

#[test]
fn sigkill_under_load_loses_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(&tmp.path().join("data"));
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &dir,
        "--admin-key",
        KEY,
    ];
    let served = Served::start(&args, &[]);
    let file = tmp.path().join("crash.json");
    std::fs::write(&file, DEFINITION).expect("write definition");
    cli(
        served.addr,
        &["deploy", file.to_str().expect("utf-8"), "--name", WORKFLOW],
    );
    let url = cli(served.addr, &["callback-url", WORKFLOW, "manual"])
        .trim()
        .to_string();
    let path = url
        .strip_prefix(&format!("http://{}", served.addr))
        .unwrap_or_else(|| panic!("the URL {url} is on this server"))
        .to_string();

    // Load: several senders, each request with a unique marker.
    let outcomes: Arc<Mutex<BTreeMap<u64, Outcome>>> = Arc::default();
    let accepted = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (outcomes, accepted, stop, counter, path) = (
                outcomes.clone(),
                accepted.clone(),
                stop.clone(),
                counter.clone(),
                path.clone(),
            );
            let addr = served.addr;
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let outcome = fire(addr, &path, n);
                    let refused = matches!(outcome, Outcome::NotSent);
                    if matches!(outcome, Outcome::Accepted(_)) {
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    outcomes.lock().expect("lock").insert(n, outcome);
                    if refused {
                        return;
                    }
                }
            })
        })
        .collect();

    let deadline = Instant::now() + LOAD_DEADLINE;
    while accepted.load(Ordering::SeqCst) < KILL_AFTER_ACCEPTED {
        assert!(
            Instant::now() < deadline,
            "only {} requests accepted in {LOAD_DEADLINE:?}: {:?}\n{}",
            accepted.load(Ordering::SeqCst),
            outcomes
                .lock()
                .expect("lock")
                .values()
                .take(5)
                .collect::<Vec<_>>(),
            served.stderr()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL (std's Child::kill) while the senders are still sending.
    let killed_at = chrono::Utc::now();
    let status = served.kill();
    assert!(!status.success(), "killed, not exited: {status:?}");
    stop.store(true, Ordering::SeqCst);
    for sender in senders {
        sender.join().expect("sender");
    }
    let outcomes = std::mem::take(&mut *outcomes.lock().expect("lock"));

    // Restart on the same data directory (all senders are done, so none can reach it).
    let again = Served::start(&args, &[]);
    let deadline = Instant::now() + Duration::from_secs(90);
    let runs = loop {
        let runs = all_runs(&again);
        let done = runs.iter().all(|r| {
            r["properties"]["status"] != "Running" && r["properties"]["status"] != "Waiting"
        });
        if done {
            break runs;
        }
        assert!(
            Instant::now() < deadline,
            "runs still not done 90 s after the restart: {:?}\n{}",
            runs.iter()
                .map(|r| (&r["name"], &r["properties"]["status"]))
                .collect::<Vec<_>>(),
            again.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    };

    // Runs by marker.
    let mut by_marker: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut resumed = 0;
    for run in &runs {
        let name = run["name"].as_str().expect("name").to_string();
        let props = &run["properties"];
        assert_eq!(props["status"], "Succeeded", "every run completes: {run}");
        let n = props["trigger"]["outputs"]["body"]["n"]
            .as_u64()
            .unwrap_or_else(|| panic!("the run's trigger body carries the marker: {run}"));
        by_marker.entry(n).or_default().push(name);
        let end: chrono::DateTime<chrono::Utc> = props["endTime"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("an endTime: {run}"));
        if end > killed_at {
            resumed += 1;
        }
    }
    for (n, names) in &by_marker {
        assert_eq!(names.len(), 1, "marker {n} ran more than once: {names:?}");
    }

    let mut cut = BTreeSet::new();
    let mut cut_with_run = 0;
    let mut count_accepted = 0;
    for (n, outcome) in &outcomes {
        let run = by_marker.get(n).map(|names| &names[0]);
        match outcome {
            Outcome::Accepted(id) => {
                count_accepted += 1;
                assert_eq!(run, Some(id), "the 202 of marker {n} has exactly its run");
            }
            Outcome::Cut => {
                cut.insert(*n);
                if run.is_some() {
                    cut_with_run += 1;
                }
            }
            Outcome::NotSent => assert_eq!(run, None, "marker {n} was never sent"),
            Outcome::Answered(status, body) => {
                assert_eq!(run, None, "marker {n} answered {status} ({body}) has a run")
            }
        }
    }
    for n in by_marker.keys() {
        assert!(
            outcomes.contains_key(n),
            "a run for marker {n} that was never sent"
        );
    }
    assert!(count_accepted >= KILL_AFTER_ACCEPTED);
    assert!(
        resumed > 0,
        "some runs were in flight at the kill and completed after the restart"
    );
    eprintln!(
        "crash: {} sent, {count_accepted} accepted, {} cut by the kill ({cut_with_run} of them \
         ran), {} runs, {resumed} completed after the kill",
        outcomes.len(),
        cut.len(),
        runs.len()
    );
    let (exit, out) = again.stop_with("TERM");
    assert_eq!(exit.code(), Some(0), "{out}");
}
