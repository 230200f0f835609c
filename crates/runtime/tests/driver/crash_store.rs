//! A store that "dies" at a chosen write: from then on that write, and every later call,
//! never completes — as if the process had been killed just before it. Tests abort the
//! operation, shut the runtime down and start a new one on the inner store, which holds
//! exactly what was written before the crash point. It also counts run appends and can
//! hold them back, so a test can have inputs arrive while a run's write is under way.

use chrono::{DateTime, Duration, Utc};
use hookflow_store::{
    Acceptance, AccessKey, AccessKeys, ActionRecord, Append, Callback, CallbackInbox, Creation,
    HistoryId, KeyType, Lease, LeaseOwner, LedgerEntry, LedgerId, LedgerUpdate, NewCallback,
    NewRun, Page, PageRequest, Result, Run, RunId, RunQuery, RunStatus, RunStore, SaveOutcome,
    StoredEntry, SubscriptionLedger, Timer, TimerStore, TriggerHistory, TriggerName, TriggerState,
    VersionId, WaitingRuns, WorkQueue, Workflow, WorkflowName, WorkflowSave, WorkflowState,
    WorkflowStore, WorkflowVersion,
};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Where the process dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// Just before a workflow version is stored.
    PutWorkflow,
    /// Just before any trigger state is written.
    PutTriggerState,
    /// Just before the workflow's state is set to this.
    SetWorkflowState(WorkflowState),
    /// Just before a run's first step after the one that created it is stored.
    Append,
    /// Never.
    Never,
}

#[derive(Debug, Clone)]
pub struct CrashingStore<S> {
    inner: S,
    at: CrashPoint,
    crashed: Arc<AtomicBool>,
    appends: Arc<AtomicUsize>,
    held: Arc<AtomicBool>,
    released: Arc<Notify>,
}

impl<S> CrashingStore<S> {
    pub fn new(inner: S, at: CrashPoint) -> Self {
        CrashingStore {
            inner,
            at,
            crashed: Arc::new(AtomicBool::new(false)),
            appends: Arc::new(AtomicUsize::new(0)),
            held: Arc::new(AtomicBool::new(false)),
            released: Arc::new(Notify::new()),
        }
    }

    /// How many run appends were asked for so far.
    pub fn appends(&self) -> usize {
        self.appends.load(Ordering::SeqCst)
    }

    /// From now on a run append waits (counted) until `release_appends`.
    pub fn hold_appends(&self) {
        self.held.store(true, Ordering::SeqCst);
    }

    pub fn release_appends(&self) {
        self.held.store(false, Ordering::SeqCst);
        self.released.notify_waiters();
    }

    /// Whether the crash point was reached.
    pub fn crashed(&self) -> bool {
        self.crashed.load(Ordering::SeqCst)
    }

    /// `call` unless the process is dead (or dies here): then it never completes.
    async fn unless_dead<T>(&self, dies_here: bool, call: impl Future<Output = T>) -> T {
        if dies_here {
            self.crashed.store(true, Ordering::SeqCst);
        }
        if self.crashed() {
            std::future::pending::<()>().await;
        }
        call.await
    }
}

impl<S: WorkflowStore + Sync> WorkflowStore for CrashingStore<S> {
    async fn put_workflow(&self, save: WorkflowSave) -> Result<SaveOutcome> {
        let dies = self.at == CrashPoint::PutWorkflow;
        self.unless_dead(dies, self.inner.put_workflow(save)).await
    }
    async fn get_workflow(&self, name: &WorkflowName) -> Result<Workflow> {
        self.unless_dead(false, self.inner.get_workflow(name)).await
    }
    async fn list_workflows(
        &self,
        state: Option<WorkflowState>,
        page: PageRequest,
    ) -> Result<Page<Workflow>> {
        self.unless_dead(false, self.inner.list_workflows(state, page))
            .await
    }
    async fn delete_workflow(&self, name: &WorkflowName) -> Result<()> {
        self.unless_dead(false, self.inner.delete_workflow(name))
            .await
    }
    async fn set_workflow_state(
        &self,
        name: &WorkflowName,
        state: WorkflowState,
        at: DateTime<Utc>,
    ) -> Result<Workflow> {
        let dies = self.at == CrashPoint::SetWorkflowState(state);
        self.unless_dead(dies, self.inner.set_workflow_state(name, state, at))
            .await
    }
    async fn get_version(
        &self,
        name: &WorkflowName,
        version: VersionId,
    ) -> Result<WorkflowVersion> {
        self.unless_dead(false, self.inner.get_version(name, version))
            .await
    }
    async fn list_versions(
        &self,
        name: &WorkflowName,
        page: PageRequest,
    ) -> Result<Page<WorkflowVersion>> {
        self.unless_dead(false, self.inner.list_versions(name, page))
            .await
    }
    async fn access_keys(&self, name: &WorkflowName) -> Result<AccessKeys> {
        self.unless_dead(false, self.inner.access_keys(name)).await
    }
    async fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
        new_key: AccessKey,
    ) -> Result<AccessKeys> {
        self.unless_dead(
            false,
            self.inner.regenerate_access_key(name, key_type, new_key),
        )
        .await
    }
    async fn put_trigger_state(&self, name: &WorkflowName, state: TriggerState) -> Result<()> {
        let dies = self.at == CrashPoint::PutTriggerState;
        self.unless_dead(dies, self.inner.put_trigger_state(name, state))
            .await
    }
    async fn get_trigger_state(
        &self,
        name: &WorkflowName,
        trigger: &TriggerName,
    ) -> Result<Option<TriggerState>> {
        self.unless_dead(false, self.inner.get_trigger_state(name, trigger))
            .await
    }
    async fn list_trigger_states(&self, name: &WorkflowName) -> Result<Vec<TriggerState>> {
        self.unless_dead(false, self.inner.list_trigger_states(name))
            .await
    }
}

impl<S: RunStore + Sync> RunStore for CrashingStore<S> {
    async fn create_run(&self, run: NewRun) -> Result<Creation> {
        self.unless_dead(false, self.inner.create_run(run)).await
    }
    async fn append(&self, append: Append) -> Result<u64> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        loop {
            // Registered before the test, so a release in between is not missed.
            let released = self.released.notified();
            if !self.held.load(Ordering::SeqCst) {
                break;
            }
            released.await;
        }
        let dies = self.at == CrashPoint::Append;
        self.unless_dead(dies, self.inner.append(append)).await
    }
    async fn load_journal(&self, run: &RunId, from: u64) -> Result<Vec<StoredEntry>> {
        self.unless_dead(false, self.inner.load_journal(run, from))
            .await
    }
    async fn get_run(&self, run: &RunId) -> Result<Run> {
        self.unless_dead(false, self.inner.get_run(run)).await
    }
    async fn list_runs(&self, query: RunQuery) -> Result<Page<Run>> {
        self.unless_dead(false, self.inner.list_runs(query)).await
    }
    async fn list_actions(&self, run: &RunId) -> Result<Vec<ActionRecord>> {
        self.unless_dead(false, self.inner.list_actions(run)).await
    }
    async fn get_action(&self, run: &RunId, name: &str) -> Result<ActionRecord> {
        self.unless_dead(false, self.inner.get_action(run, name))
            .await
    }
    async fn list_repetitions(
        &self,
        run: &RunId,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<ActionRecord>> {
        self.unless_dead(false, self.inner.list_repetitions(run, name, page))
            .await
    }
    async fn record_trigger_history(&self, history: TriggerHistory) -> Result<()> {
        self.unless_dead(false, self.inner.record_trigger_history(history))
            .await
    }
    async fn get_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        id: &HistoryId,
    ) -> Result<TriggerHistory> {
        self.unless_dead(false, self.inner.get_trigger_history(workflow, trigger, id))
            .await
    }
    async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        status: Option<RunStatus>,
        page: PageRequest,
    ) -> Result<Page<TriggerHistory>> {
        self.unless_dead(
            false,
            self.inner
                .list_trigger_histories(workflow, trigger, status, page),
        )
        .await
    }
    async fn waiting_runs(&self) -> Result<WaitingRuns> {
        self.unless_dead(false, self.inner.waiting_runs()).await
    }
}

impl<S: TimerStore + Sync> TimerStore for CrashingStore<S> {
    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Timer>> {
        self.unless_dead(false, self.inner.due_timers(now, limit))
            .await
    }
    async fn run_timers(&self, run: &RunId) -> Result<Vec<Timer>> {
        self.unless_dead(false, self.inner.run_timers(run)).await
    }
}

impl<S: CallbackInbox + Sync> CallbackInbox for CrashingStore<S> {
    async fn accept_callback(&self, callback: NewCallback) -> Result<Acceptance> {
        self.unless_dead(false, self.inner.accept_callback(callback))
            .await
    }
    async fn pending_callbacks(&self, run: &RunId) -> Result<Vec<Callback>> {
        self.unless_dead(false, self.inner.pending_callbacks(run))
            .await
    }
}

impl<S: WorkQueue + Sync> WorkQueue for CrashingStore<S> {
    async fn claim_runnable(
        &self,
        owner: &LeaseOwner,
        limit: usize,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Lease>> {
        self.unless_dead(
            false,
            self.inner.claim_runnable(owner, limit, lease_duration, now),
        )
        .await
    }
    async fn renew_lease(
        &self,
        lease: &Lease,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Lease> {
        self.unless_dead(false, self.inner.renew_lease(lease, lease_duration, now))
            .await
    }
    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        self.unless_dead(false, self.inner.release_lease(lease))
            .await
    }
}

impl<S: SubscriptionLedger + Sync> SubscriptionLedger for CrashingStore<S> {
    async fn record_ledger(&self, entry: LedgerEntry) -> Result<()> {
        self.unless_dead(false, self.inner.record_ledger(entry))
            .await
    }
    async fn update_ledger(&self, update: LedgerUpdate) -> Result<LedgerEntry> {
        self.unless_dead(false, self.inner.update_ledger(update))
            .await
    }
    async fn get_ledger_entry(&self, id: &LedgerId) -> Result<LedgerEntry> {
        self.unless_dead(false, self.inner.get_ledger_entry(id))
            .await
    }
    async fn unsettled_ledger(&self, limit: usize) -> Result<Vec<LedgerEntry>> {
        self.unless_dead(false, self.inner.unsettled_ledger(limit))
            .await
    }
    async fn workflow_ledger(&self, workflow: &WorkflowName) -> Result<Vec<LedgerEntry>> {
        self.unless_dead(false, self.inner.workflow_ledger(workflow))
            .await
    }
}
