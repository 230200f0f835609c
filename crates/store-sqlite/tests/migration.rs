//! Data written by an older schema reads back after the migrations that followed.

use hookflow_store::conformance::fixture::{
    create_workflow, manual_histories, new_run, run_id, trigger, workflow,
};
use hookflow_store::{HistoryId, RunStore};
use hookflow_store_sqlite::{Options, SqliteStore, FILE_NAME};

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
    {
        let conn = rusqlite::Connection::open(dir.path().join(FILE_NAME)).expect("raw open");
        conn.execute_batch("ALTER TABLE run DROP COLUMN fired_history; PRAGMA user_version = 4")
            .expect("back to schema 4");
    }
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
