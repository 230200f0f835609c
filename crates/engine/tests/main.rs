//! Engine scenarios: a builder drives `decide` with a fake environment and a manual
//! clock; every scenario's journal is replayed on drop and must rebuild the same state.
//! Recorded journals under `tests/journals/` are replayed on every build.

mod control;
mod data;
mod http;
mod journals;
mod recovery;
mod scenario;
mod trigger;
mod webhook;
