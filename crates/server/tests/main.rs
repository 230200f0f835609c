//! Tests of the HTTP edge: every route through `router(state).oneshot(req)` against the
//! in-memory test double, plus real sockets for TLS and graceful shutdown; `wired` runs
//! the same router over the real backend (runtime driver + `MemoryStore`).

mod auth;
mod callbacks;
mod designer;
mod double;
mod errors;
mod harness;
mod input;
mod operations;
mod runs;
mod serving;
mod triggers;
mod versions;
mod webhook_trigger;
mod wired;
mod workflows;
