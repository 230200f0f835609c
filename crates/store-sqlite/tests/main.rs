//! hookflow-store-sqlite tests.
