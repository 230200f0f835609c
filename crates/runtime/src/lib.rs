//! The shell around the pure engine: the part of hookflow that performs I/O.
//!
//! The engine decides (`decide(state, input) -> events + effects`); this crate acts. It
//! owns:
//!
//! - [`outbound`]: executing one outbound HTTP request — the `Http`, `Subscribe` and
//!   `Unsubscribe` effects and the subscribe-on-save of webhook triggers — with Logic
//!   Apps' body encoding, workflow headers, TLS (rustls, TLS 1.2 minimum) and a shared,
//!   pooled client;
//! - [`auth`]: outbound `authentication` (Basic, Raw, ClientCertificate,
//!   ActiveDirectoryOAuth) and the masked, recorded form of a request for run history;
//! - [`retry`]: the retry-policy arithmetic (which outcome is retried, after how long);
//! - [`signing`]: workflow access keys and the signed callback URLs of triggers and
//!   webhook actions;
//! - [`clock`]: the injected clock (token expiry, `Retry-After` dates).
//!
//! It must not decide workflow semantics: whether a response fails an action, whether to
//! retry durably, what a run does next — that is the engine's. [`outbound`] makes exactly
//! one attempt per call; the engine journals attempts and schedules retries as timers.
//! Secrets (passwords, client secrets, keys, tokens) never reach logs, errors or history.

pub mod auth;
pub mod clock;
pub mod driver;
pub mod environment;
pub mod executor;
pub mod outbound;
pub mod retry;
pub mod signing;
