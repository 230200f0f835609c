//! Data written by an older schema reads back after the migrations that followed.

use hookflow_store::conformance::fixture::{
    self, appending, create_workflow, entry, manual_histories, new_run, run_id, trigger, workflow,
};
use hookflow_store::{
    ActionKey, ActionRecord, HistoryId, PageRequest, RunChanges, RunStatus, RunStore,
};
use hookflow_store_sqlite::{Options, SqliteStore, FILE_NAME};
use std::path::Path;

/// Undoes migration 8: action records in a WITHOUT ROWID table, ordered within a run by
/// `seq`.
const UNDO_8: &str = "
CREATE TABLE action_with_seq (
    run TEXT NOT NULL, name TEXT NOT NULL, repetition TEXT NOT NULL, seq INTEGER NOT NULL,
    status TEXT NOT NULL, code TEXT, start_time INTEGER, end_time INTEGER, inputs TEXT,
    outputs TEXT, error TEXT, PRIMARY KEY (run, name, repetition)
) STRICT, WITHOUT ROWID;
INSERT INTO action_with_seq
    SELECT run, name, repetition, ROW_NUMBER() OVER (PARTITION BY run ORDER BY rowid), status,
        code, start_time, end_time, inputs, outputs, error FROM action;
DROP TABLE action;
ALTER TABLE action_with_seq RENAME TO action;
CREATE INDEX action_waiting ON action (run) WHERE status = 'Waiting';
PRAGMA user_version = 7;";

/// Undoes migration 7: the journal's rows of one write each become rows of one entry, in
/// the table migration 1 made.
const UNDO_7: &str = "
CREATE TABLE journal_by_entry (
    run TEXT NOT NULL, position INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
    at INTEGER NOT NULL, PRIMARY KEY (run, position)
) STRICT, WITHOUT ROWID;
INSERT INTO journal_by_entry
    SELECT j.run, j.position + e.key, e.value ->> 0, e.value -> 2, e.value ->> 1
    FROM journal AS j, json_each(j.entries) AS e;
DROP TABLE journal;
ALTER TABLE journal_by_entry RENAME TO journal;
PRAGMA user_version = 6;";

/// Undoes migrations 6 and 5: every run in the status index, no `fired_history` column.
const UNDO_6_AND_5: &str = "
DROP INDEX run_by_status;
CREATE INDEX run_by_status ON run (workflow, status, id);
ALTER TABLE run DROP COLUMN fired_history;
PRAGMA user_version = 4;";

/// Turns the database in `dir` back into what the given undo scripts' schema wrote.
fn undo(dir: &Path, scripts: &[&str]) {
    let conn = rusqlite::Connection::open(dir.join(FILE_NAME)).expect("raw open");
    for script in scripts {
        conn.execute_batch(script).expect("an older schema");
    }
}

/// Before migration 7 the journal had a row per entry; after it, a write's entries read
/// back the same, at the same positions, whole or from a position within a write.
#[tokio::test]
async fn journals_written_before_migration_7_read_back_the_same() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut run = new_run("flow", run_id(1));
    run.entries = vec![entry("RunStarted", 0), entry("ActionCompleted", 1)];
    let later = vec![entry("ActionCompleted", 2), entry("RunCompleted", 3)];
    let written = {
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        create_workflow(&store, "flow").await;
        store.create_run(run.clone()).await.expect("run");
        store
            .append(appending(&run.id, 2, later))
            .await
            .expect("append");
        store.load_journal(&run.id, 0).await.expect("journal")
    };
    assert_eq!(written.len(), 4);
    undo(dir.path(), &[UNDO_8, UNDO_7]);
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen migrates");
    assert_eq!(store.load_journal(&run.id, 0).await.expect("all"), written);
    assert_eq!(
        store.load_journal(&run.id, 1).await.expect("from 1"),
        written[1..]
    );
    // A write after the migration goes on from the migrated ones.
    store
        .append(appending(&run.id, 4, vec![entry("RunCompleted", 4)]))
        .await
        .expect("append after");
    let all = store.load_journal(&run.id, 3).await.expect("from 3");
    assert_eq!(all.iter().map(|e| e.position).collect::<Vec<_>>(), [3, 4]);
}

/// A fixture record with outputs over 1,000 bytes, as the rows migration 8 is for.
fn record(name: &str, repetition: Vec<u32>, status: RunStatus, n: i64) -> ActionRecord {
    ActionRecord {
        outputs: Some(serde_json::json!({"text": "x".repeat(1500)})),
        ..fixture::action(name, repetition, status, n)
    }
}

/// Before migration 8 a run's action records were ordered by `seq`; after it they read
/// back the same, the latest written repetition is still the one shown, and a write after
/// the migration is the latest.
#[tokio::test]
async fn action_records_written_before_migration_8_read_back_the_same() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut run = new_run("flow", run_id(1));
    run.changes.actions = vec![
        record("Loop", vec![], RunStatus::Running, 1),
        record("Inner", vec![0], RunStatus::Succeeded, 2),
        record("Inner", vec![2], RunStatus::Succeeded, 3),
    ];
    let mut later = appending(&run.id, 1, vec![entry("ActionCompleted", 1)]);
    later.changes = RunChanges {
        actions: vec![record("Inner", vec![1], RunStatus::Failed, 4)],
        ..RunChanges::default()
    };
    let (shown, repetitions) = {
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        create_workflow(&store, "flow").await;
        store.create_run(run.clone()).await.expect("run");
        store.append(later).await.expect("append");
        (
            store.list_actions(&run.id).await.expect("actions"),
            store
                .list_repetitions(&run.id, "Inner", PageRequest::first(10))
                .await
                .expect("repetitions")
                .items,
        )
    };
    let inner = shown.iter().find(|a| a.key.name == "Inner").expect("shown");
    assert_eq!(inner.key, ActionKey::in_repetition("Inner", vec![1]));
    undo(dir.path(), &[UNDO_8]);
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen migrates");
    assert_eq!(store.list_actions(&run.id).await.expect("actions"), shown);
    let after = store
        .list_repetitions(&run.id, "Inner", PageRequest::first(10))
        .await
        .expect("repetitions");
    assert_eq!(after.items, repetitions);
    let mut rewrite = appending(&run.id, 2, vec![entry("ActionCompleted", 2)]);
    rewrite.changes = RunChanges {
        actions: vec![record("Inner", vec![0], RunStatus::Succeeded, 5)],
        ..RunChanges::default()
    };
    store.append(rewrite).await.expect("append after");
    let inner = store.get_action(&run.id, "Inner").await.expect("inner");
    assert_eq!(inner, record("Inner", vec![0], RunStatus::Succeeded, 5));
}

/// Before migration 5 a fired run's history was a copy in `trigger_history`; from it on,
/// the run row is the history. Both kinds are listed together, newest first, and each
/// can be read by id.
#[tokio::test]
async fn fired_histories_copied_before_migration_5_are_listed_with_the_runs_own() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let old = new_run("flow", run_id(1));
    {
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        create_workflow(&store, "flow").await;
        // What a schema-4 database holds: the run, and its history as a separate row.
        store.create_run(old.clone()).await.expect("old run");
        store
            .record_trigger_history(old.fired_history())
            .await
            .expect("old history row");
    }
    undo(dir.path(), &[UNDO_8, UNDO_7, UNDO_6_AND_5]);
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("reopen migrates");
    let mut new = new_run("flow", run_id(2));
    new.records_history = true;
    store.create_run(new.clone()).await.expect("new run");

    assert_eq!(
        manual_histories(&store).await,
        vec![new.fired_history(), old.fired_history()]
    );
    for run in [&old, &new] {
        let id = HistoryId::from(run.id.clone());
        assert_eq!(
            store
                .get_trigger_history(&workflow("flow"), &trigger("manual"), &id)
                .await
                .expect("by id"),
            run.fired_history()
        );
    }
}
