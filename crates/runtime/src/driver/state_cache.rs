//! A bounded cache of hot runs' states with their journal position, so advancing a busy
//! run does not replay its journal each time. A stale entry is harmless: the append's
//! position fence refuses it and the driver reloads.

use hookflow_engine::RunState;
use hookflow_store::{RunId, VersionId, WorkflowName};
use std::collections::{HashMap, VecDeque};
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
    /// When the journal was last written: outbound calls dispatched then are not
    /// abandoned before `written_at + in_flight_grace`.
    pub written_at: chrono::DateTime<chrono::Utc>,
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
    /// Puts in order, oldest first, with the tick each put had. An entry whose tick no
    /// longer matches the map's was put again or taken since; it is skipped when evicting
    /// (and dropped when the queue is rebuilt), which keeps eviction O(1) amortised.
    order: VecDeque<(u64, RunId)>,
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

    /// The journal position cached for a run, if its state is cached (a started run).
    pub(crate) fn peek_position(&self, run: &RunId) -> Option<u64> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.runs.get(run).map(|(_, loaded)| loaded.position)
    }

    /// The workflow and version of a cached run.
    pub(crate) fn peek_origin(&self, run: &RunId) -> Option<(WorkflowName, VersionId)> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .runs
            .get(run)
            .map(|(_, loaded)| (loaded.workflow.clone(), loaded.version))
    }

    /// Keeps a run's state hot. A finished run gets no more inputs worth a cached state (a
    /// late callback or cancel reads the journal once), so it is not kept.
    pub(crate) fn put(&self, run: RunId, loaded: LoadedRun) {
        if loaded.state.completion().is_some() {
            return;
        }
        self.insert(run, loaded);
    }

    /// Keeps a run's state hot even when the run finished: its last step sent outbound
    /// calls (an unsubscribe after the callback that completed it), whose results come
    /// back to it shortly and would otherwise replay the journal from the store.
    pub(crate) fn put_awaiting_results(&self, run: RunId, loaded: LoadedRun) {
        self.insert(run, loaded);
    }

    fn insert(&self, run: RunId, loaded: LoadedRun) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        inner.order.push_back((tick, run.clone()));
        inner.runs.insert(run, (tick, loaded));
        while inner.runs.len() > self.capacity {
            let Some((tick, oldest)) = inner.order.pop_front() else {
                break;
            };
            if inner.runs.get(&oldest).is_some_and(|(t, _)| *t == tick) {
                inner.runs.remove(&oldest);
            }
        }
        if inner.order.len() > 4 * self.capacity.max(16) {
            let Inner { runs, order, .. } = &mut *inner;
            order.retain(|(tick, id)| runs.get(id).is_some_and(|(t, _)| t == tick));
        }
    }
}
