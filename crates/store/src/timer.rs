//! Durable timers: rows with a due time, so a run waiting on one holds no task and the
//! timer survives restarts. A run with a due timer is runnable (see `lease`).

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::Result;
use crate::id::{RunId, TimerId};

/// A scheduled timer.
#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    pub run: RunId,
    pub id: TimerId,
    pub due: DateTime<Utc>,
    /// What the runtime needs when it fires (opaque to the store).
    pub payload: Value,
}

/// A timer change made with a journal append.
#[derive(Debug, Clone, PartialEq)]
pub enum TimerChange {
    /// Creates the timer, or moves it if the id is already scheduled.
    Schedule {
        id: TimerId,
        due: DateTime<Utc>,
        payload: Value,
    },
    /// Removes the timer; nothing happens if it is not scheduled (it may have fired).
    Cancel { id: TimerId },
}

/// Reading timers. Timers are written only with journal appends.
pub trait TimerStore {
    /// Timers due at `now` (due ≤ now), earliest first, across all runs.
    fn due_timers(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Timer>>> + Send;

    /// Every timer of a run, earliest first.
    fn run_timers(&self, run: &RunId) -> impl Future<Output = Result<Vec<Timer>>> + Send;
}
