//! Inputs posted for a run by effect tasks, waiting for its lock: the task that gets the
//! lock takes every one waiting and applies them with one write (see
//! `Runtime::advance_boxed`). A run has an entry only while inputs wait.

use super::advance::{Step, Stepped};
use super::error::Result;
use hookflow_store::RunId;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// One posted input and where its answer goes.
pub(crate) struct Queued {
    pub step: Step,
    pub reply: oneshot::Sender<Result<Stepped>>,
}

#[derive(Default)]
pub(crate) struct Mailboxes {
    waiting: Mutex<HashMap<RunId, Vec<Queued>>>,
}

impl Mailboxes {
    /// Posts `step` for `run`; the answer comes when whoever takes it has applied it.
    pub(crate) fn post(&self, run: &RunId, step: Step) -> oneshot::Receiver<Result<Stepped>> {
        let (reply, answer) = oneshot::channel();
        self.lock()
            .entry(run.clone())
            .or_default()
            .push(Queued { step, reply });
        answer
    }

    /// Every input waiting for `run`, oldest first.
    pub(crate) fn take(&self, run: &RunId) -> Vec<Queued> {
        self.lock().remove(run).unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RunId, Vec<Queued>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}
