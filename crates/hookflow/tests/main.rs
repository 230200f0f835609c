//! End-to-end tests of the `hookflow` binary's commands.

mod api_clients;
mod crash;
mod expr_eval;
mod samples;
mod serve;
mod validate;
mod workflows;
