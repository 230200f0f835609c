//! PostgreSQL store tests against a real server (`HOOKFLOW_TEST_DATABASE_URL`).

mod conformance;
mod nodes;
mod support;
