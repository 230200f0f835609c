//! The callback inbox: a webhook callback is stored durably before its 202, deduplicated
//! by the sender's idempotency key (`Idempotency-Key` / `webhook-id`), and later consumed
//! by the journal append that applies it. Whether the action still waits is the engine's
//! decision, not the inbox's.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::Result;
use crate::id::{ActionKey, CallbackId, RunId};

/// A callback arriving for a run's action.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCallback {
    pub run: RunId,
    pub action: ActionKey,
    pub idempotency_key: Option<String>,
    /// Headers, body, whatever the HTTP layer captured (opaque to the store).
    pub payload: Value,
    pub received_at: DateTime<Utc>,
}

/// The outcome of [`CallbackInbox::accept_callback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// Stored; the run is runnable.
    Accepted { id: CallbackId },
    /// The same idempotency key was already accepted for this action; nothing changed.
    /// The HTTP layer answers as it did the first time.
    Duplicate { original: CallbackId },
}

impl Acceptance {
    pub fn id(self) -> CallbackId {
        match self {
            Acceptance::Accepted { id } => id,
            Acceptance::Duplicate { original } => original,
        }
    }
}

/// A stored callback.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    pub id: CallbackId,
    pub run: RunId,
    pub action: ActionKey,
    pub idempotency_key: Option<String>,
    pub payload: Value,
    pub received_at: DateTime<Utc>,
    pub consumed: bool,
}

/// The durable inbox of callbacks. Consuming happens in `RunStore::append`.
pub trait CallbackInbox {
    /// Stores the callback and marks the run runnable in one durable write; NotFound if the
    /// run does not exist. Consumed callbacks are kept, so a late repeat is still a
    /// Duplicate.
    fn accept_callback(
        &self,
        callback: NewCallback,
    ) -> impl Future<Output = Result<Acceptance>> + Send;

    /// The run's callbacks not yet consumed, in arrival order.
    fn pending_callbacks(&self, run: &RunId) -> impl Future<Output = Result<Vec<Callback>>> + Send;
}
