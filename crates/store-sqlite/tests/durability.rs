//! What only a durable store has: data survives reopening and a killed process, the
//! schema is versioned, and a database from a newer hookflow is refused.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, TimeZone, Utc};
use hookflow_store::conformance::fixture::{
    appending, create_workflow, entry, new_run, run_id, workflow,
};
use hookflow_store::{
    Acceptance, ActionKey, Append, CallbackInbox, Creation, ErrorKind, LeaseOwner, NewCallback,
    RunChanges, RunId, RunStore, TimerChange, TimerId, TimerStore, WorkQueue, WorkflowStore,
};
use hookflow_store_sqlite::{Options, SqliteStore, FILE_NAME, SCHEMA_VERSION};
use serde_json::json;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("instant")
        + Duration::seconds(secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopened_store_keeps_acknowledged_writes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let run = run_id(1);
    let callback_id = {
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        create_workflow(&store, "flow").await;
        store
            .create_run(new_run("flow", run.clone()))
            .await
            .expect("create");
        store
            .append(Append {
                run: run.clone(),
                expected_position: 1,
                lease: None,
                entries: vec![entry("Waiting", 1)],
                changes: RunChanges {
                    timers: vec![TimerChange::Schedule {
                        id: TimerId::new("timeout").expect("id"),
                        due: at(60),
                        payload: json!({"action": "Wait"}),
                    }],
                    ..RunChanges::default()
                },
            })
            .await
            .expect("append");
        let accepted = store
            .accept_callback(NewCallback {
                run: run.clone(),
                action: ActionKey::new("Wait"),
                idempotency_key: Some("evt".into()),
                payload: json!({"ok": true}),
                received_at: at(30),
            })
            .await
            .expect("accept");
        accepted.id()
        // Dropped here without any shutdown call.
    };

    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen");
    assert_eq!(store.get_run(&run).await.expect("run").position, 2);
    assert_eq!(store.load_journal(&run, 0).await.expect("journal").len(), 2);
    let due = store.due_timers(at(60), 10).await.expect("timers");
    assert_eq!(due.len(), 1, "a timer survives the restart and falls due");
    assert_eq!(due[0].payload, json!({"action": "Wait"}));
    let pending = store.pending_callbacks(&run).await.expect("callbacks");
    assert_eq!(pending.len(), 1);
    let repeat = store
        .accept_callback(NewCallback {
            run: run.clone(),
            action: ActionKey::new("Wait"),
            idempotency_key: Some("evt".into()),
            payload: json!({"ok": true}),
            received_at: at(31),
        })
        .await
        .expect("repeat");
    assert_eq!(
        repeat,
        Acceptance::Duplicate {
            original: callback_id
        }
    );
    let owner = LeaseOwner::new("after-restart").expect("owner");
    let leases = store
        .claim_runnable(&owner, 10, Duration::seconds(30), at(31))
        .await
        .expect("claim");
    assert_eq!(
        leases.len(),
        1,
        "the pending callback makes the run runnable"
    );
}

/// One process at a time serves a database; whoever opens it next knows the previous
/// holder is gone, so the leases it held are released at once rather than after their
/// duration (work a killed process had claimed resumes on restart without waiting).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_open_store_at_a_time_and_a_dead_holders_leases_are_released() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let run = run_id(1);
    {
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        create_workflow(&store, "flow").await;
        store
            .create_run(new_run("flow", run.clone()))
            .await
            .expect("create");
        store
            .accept_callback(NewCallback {
                run: run.clone(),
                action: ActionKey::new("Wait"),
                idempotency_key: None,
                payload: json!({}),
                received_at: at(1),
            })
            .await
            .expect("accept");
        let owner = LeaseOwner::new("before-crash").expect("owner");
        let leases = store
            .claim_runnable(&owner, 10, Duration::seconds(60), at(2))
            .await
            .expect("claim");
        assert_eq!(leases.len(), 1);

        let second = SqliteStore::open(Options::in_dir(dir.path()))
            .expect_err("a second open while the first is alive");
        assert_eq!(second.kind(), ErrorKind::Unavailable);
        assert!(
            second
                .to_string()
                .contains("in use by another hookflow process"),
            "{second}"
        );
        // Dropped holding the lease, as a killed process would.
    }
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen");
    let owner = LeaseOwner::new("after-restart").expect("owner");
    let leases = store
        .claim_runnable(&owner, 10, Duration::seconds(60), at(3))
        .await
        .expect("claim");
    assert_eq!(
        leases.len(),
        1,
        "claimable well before the old lease expires"
    );
}

#[tokio::test]
async fn schema_is_versioned_and_newer_databases_are_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    drop(SqliteStore::open(Options::in_dir(dir.path())).expect("create"));
    drop(SqliteStore::open(Options::in_dir(dir.path())).expect("reopen migrates nothing"));
    let path = dir.path().join(FILE_NAME);
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .expect("pretend a newer hookflow wrote it");
    }
    let error = SqliteStore::open(Options::in_dir(dir.path())).expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert!(!error.is_retryable());
    assert!(
        error.to_string().contains("newer"),
        "clear message: {error}"
    );
}

#[tokio::test]
async fn unwritable_location_is_unavailable_not_invalid() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = Options::in_dir(dir.path().join("missing").join("deeper"));
    let error = SqliteStore::open(options).expect_err("cannot open");
    assert_eq!(error.kind(), ErrorKind::Unavailable);
}

const CRASH_DIR: &str = "HOOKFLOW_STORE_CRASH_DIR";

/// The child half of `killed_process_loses_no_acknowledged_write` (the same test, re-run in
/// a child process with `CRASH_DIR` set): writes from several tasks as fast as it can and
/// prints each acknowledgement, until it is killed.
async fn crash_child(dir: String) {
    let store = SqliteStore::open(Options::in_dir(&dir)).expect("open");
    create_workflow(&store, "flow").await;
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<String>();
    for task in 0..8u64 {
        let store = store.clone();
        let sender = sender.clone();
        tokio::spawn(async move {
            for n in 0.. {
                let id = run_id(task * 1_000_000 + n);
                let created = store.create_run(new_run("flow", id.clone())).await;
                if !matches!(created, Ok(Creation::Created(_))) {
                    return;
                }
                let appended = store
                    .append(appending(&id, 1, vec![entry("Step", 1)]))
                    .await;
                if appended.is_err() || sender.send(id.to_string()).is_err() {
                    return;
                }
            }
        });
    }
    drop(sender);
    let mut out = std::io::stdout().lock();
    while let Some(id) = receiver.recv().await {
        // Printed only after the store answered, i.e. after the commit.
        let _ = writeln!(out, "ack {id}");
        let _ = out.flush();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_process_loses_no_acknowledged_write() {
    if let Ok(dir) = std::env::var(CRASH_DIR) {
        return crash_child(dir).await;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "durability::killed_process_loses_no_acknowledged_write",
            "--exact",
            "--nocapture",
        ])
        .env(CRASH_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("child stdout");
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("child output");
        if let Some(id) = line.strip_prefix("ack ") {
            acked.push(RunId::parse(id).expect("run id"));
            if acked.len() >= 300 {
                break;
            }
        }
    }
    // SIGKILL mid-batch: the writer has more requests in flight than were acknowledged.
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(
        acked.len() >= 300,
        "child acknowledged only {} writes",
        acked.len()
    );

    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen after kill");
    store
        .get_workflow(&workflow("flow"))
        .await
        .expect("workflow");
    for id in &acked {
        let run = store.get_run(id).await.expect("acknowledged run survives");
        assert_eq!(run.position, 2, "acknowledged append of {id} survives");
    }
}
