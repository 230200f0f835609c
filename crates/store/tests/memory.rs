//! `MemoryStore` passes the conformance suite.

use hookflow_store::MemoryStore;

async fn fresh() -> (MemoryStore, ()) {
    (MemoryStore::new(), ())
}

hookflow_store::conformance_tests!(fresh);
