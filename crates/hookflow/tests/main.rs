//! End-to-end tests of the `hookflow` binary's commands.

mod api_clients;
mod crash;
mod designer;
mod expr_eval;
mod harness;
mod multi_node;
mod samples;
mod serve;
mod validate;
mod walkthrough;
mod webhook_crash;
mod workflows;
