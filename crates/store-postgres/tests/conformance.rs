//! `PostgresStore` passes the conformance suite, each test in a fresh schema.

use crate::support::fresh;

hookflow_store::conformance_tests!(optional fresh);
