//! A bounded cache of hot runs' states with their journal position, so advancing a busy
//! run does not replay its journal each time. A stale entry is harmless: the append's
//! position fence refuses it and the driver reloads.

use hookflow_engine::RunState;
use hookflow_store::{RunId, VersionId, WorkflowName};
use std::collections::HashMap;
use std::sync::Mutex;

/// A run as the driver needs it to decide.
#[derive(Debug, Clone)]
pub(crate) struct LoadedRun {
    pub state: RunState,
    /// The journal length `state` folds; the fence of the next append.
    pub position: u64,
    pub workflow: WorkflowName,
    pub version: VersionId,
    pub client_tracking_id: String,
}

#[derive(Debug)]
pub(crate) struct StateCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    tick: u64,
    runs: HashMap<RunId, (u64, LoadedRun)>,
}

impl StateCache {
    pub(crate) fn new(capacity: usize) -> StateCache {
        StateCache {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Removes and returns the entry: the caller owns the state while it decides and puts
    /// it back only after its append succeeded.
    pub(crate) fn take(&self, run: &RunId) -> Option<LoadedRun> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.runs.remove(run).map(|(_, loaded)| loaded)
    }

    pub(crate) fn put(&self, run: RunId, loaded: LoadedRun) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        inner.runs.insert(run, (tick, loaded));
        if inner.runs.len() > self.capacity {
            // Evicting is a linear scan; it runs only when full and the cache is small
            // (hundreds to a few thousand runs), which beats a linked structure's upkeep
            // on every hit.
            let oldest = inner
                .runs
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                inner.runs.remove(&oldest);
            }
        }
    }
}
