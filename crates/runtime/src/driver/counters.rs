//! What this node did since it started, for `/metrics`: runs started, runs finished by
//! status, actions executed. Plain atomics bumped where the driver already knows the fact
//! (no store reads at scrape time, nothing kept per run).

use hookflow_engine::{Event, Status};
use std::sync::atomic::{AtomicU64, Ordering};

/// The statuses a run can finish with, in the order they are reported.
const FINISHED: [Status; 6] = [
    Status::Succeeded,
    Status::Failed,
    Status::Cancelled,
    Status::TimedOut,
    Status::Skipped,
    Status::Aborted,
];

#[derive(Debug, Default)]
pub(crate) struct Counters {
    runs_started: AtomicU64,
    runs_finished: [AtomicU64; FINISHED.len()],
    actions_executed: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterSnapshot {
    pub runs_started: u64,
    /// Runs finished, by final status (every status listed, zeros included).
    pub runs_finished: Vec<(&'static str, u64)>,
    pub actions_executed: u64,
}

impl Counters {
    pub(crate) fn run_started(&self) {
        self.runs_started.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn run_finished(&self, status: Status) {
        if let Some(i) = FINISHED.iter().position(|s| *s == status) {
            self.runs_finished[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts the actions a decision completed (written, so they happened).
    pub(crate) fn events_written(&self, events: &[Event]) {
        let completed = events
            .iter()
            .filter(|e| matches!(e, Event::ActionCompleted { .. }))
            .count() as u64;
        if completed > 0 {
            self.actions_executed
                .fetch_add(completed, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            runs_started: self.runs_started.load(Ordering::Relaxed),
            runs_finished: FINISHED
                .iter()
                .zip(&self.runs_finished)
                .map(|(s, n)| (s.as_str(), n.load(Ordering::Relaxed)))
                .collect(),
            actions_executed: self.actions_executed.load(Ordering::Relaxed),
        }
    }
}
