//! The driver over real stores: runs from trigger to completion, outbound calls against
//! stand-in servers on `127.0.0.1:0`, webhook callbacks, cancel, restart and recovery.

mod concurrency;
mod continuation;
mod crash_store;
mod deletion;
mod harness;
mod inputs_together;
mod lifecycle;
mod recurrence;
mod restart;
mod trigger_crash;
mod webhook;
