//! `SqliteStore` passes the conformance suite, each test on a fresh file.

use hookflow_store_sqlite::{Options, SqliteStore};

async fn fresh() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
    (store, dir)
}

hookflow_store::conformance_tests!(fresh);
