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
    /// The origin of runs whose state is taken (a step is deciding): a callback arriving
    /// meanwhile — often a service calls back before its subscribe call has returned —
    /// still finds its run's workflow and version without a store read. Cleared when
    /// the state is put back; bounded by clearing it whole when it outgrows the capacity
    /// (entries of steps that failed are never put back).
    taken: HashMap<RunId, (WorkflowName, VersionId)>,
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
        let (_, loaded) = inner.runs.remove(run)?;
        if inner.taken.len() >= self.capacity.max(16) {
            inner.taken.clear();
        }
        inner
            .taken
            .insert(run.clone(), (loaded.workflow.clone(), loaded.version));
        Some(loaded)
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
            .or_else(|| inner.taken.get(run).cloned())
    }

    /// Keeps a run's state hot. A finished run gets no more inputs worth a cached state (a
    /// late callback or cancel reads the journal once), so it is not kept.
    pub(crate) fn put(&self, run: RunId, loaded: LoadedRun) {
        if loaded.state.completion().is_some() {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner.taken.remove(&run);
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
        inner.taken.remove(&run);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(workflow: &str) -> LoadedRun {
        LoadedRun {
            state: RunState::default(),
            position: 1,
            workflow: WorkflowName::new(workflow).expect("name"),
            version: VersionId(1),
            client_tracking_id: String::new(),
            written_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn run(n: u8) -> RunId {
        RunId::parse(&format!("01M8862MRZ2F181TS7HFX4EC{n:02}")).expect("run id")
    }

    #[test]
    fn a_taken_state_keeps_its_origin_visible_until_put_back() {
        let cache = StateCache::new(4);
        cache.put(run(1), loaded("flow"));
        let taken = cache.take(&run(1)).expect("cached");
        assert!(cache.take(&run(1)).is_none(), "one owner at a time");
        assert_eq!(cache.peek_position(&run(1)), None);
        let origin = cache.peek_origin(&run(1)).expect("origin while taken");
        assert_eq!(origin.0.as_str(), "flow");
        cache.put(run(1), taken);
        assert_eq!(cache.peek_position(&run(1)), Some(1));
        assert!(cache.inner.lock().expect("lock").taken.is_empty());
    }

    #[test]
    fn the_taken_origins_stay_bounded() {
        let cache = StateCache::new(2);
        for n in 0..40 {
            cache.put(run(n), loaded("flow"));
            // Taken and never put back, as after a failed step.
            cache.take(&run(n)).expect("cached");
        }
        assert!(cache.inner.lock().expect("lock").taken.len() <= 16);
    }

    #[test]
    fn the_cache_evicts_the_oldest_beyond_its_capacity() {
        let cache = StateCache::new(2);
        for n in 0..3 {
            cache.put(run(n), loaded("flow"));
        }
        assert_eq!(cache.peek_position(&run(0)), None);
        assert_eq!(cache.peek_position(&run(2)), Some(1));
    }
}
