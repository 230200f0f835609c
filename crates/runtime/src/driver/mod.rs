//! The driver: runs workflows over a store. It owns the life of runs on this node — trigger
//! intake, advancing runs through the engine one task per run, executing effects, durable
//! timers, callbacks, recovery after a restart — and nothing of their semantics (the
//! engine's) or of HTTP status codes (the server's).
//!
//! # How a run moves
//!
//! Every input (start, an effect's result, a callback, a timer, cancel) goes through one
//! step: load the run's state (a cache of hot runs, else its journal replayed), `decide`,
//! then **one** fenced store write carrying the new events and everything they change
//! (run summary, timers, runnable flag, consumed callback, action records). Only after that
//! write committed are the effects executed: outbound calls are spawned and feed their
//! result back as the next input; timers are already rows; `Respond` completes the waiting
//! trigger request. A write that lost a race (journal position or lease moved) reloads and
//! decides again.
//!
//! # Waiting costs nothing
//!
//! A run parked on a webhook or a timer holds no task, lock or cache entry it needs: the
//! timer row or the callback inbox makes it runnable again, and the [`work_loop`] claims it
//! under a lease.
//!
//! # At-least-once effects and recovery
//!
//! An append that dispatches outbound calls marks the run runnable at
//! `now + in_flight_grace`. When the result arrives, the next append sets it idle again.
//! If the process dies in between, the run comes due after the grace, is claimed, and the
//! unanswered requests are derived from its state (`hookflow_engine::outstanding_effects`:
//! the current attempt of an Http action awaiting its result, an unanswered subscribe, a
//! journaled unsubscribe without result) and sent again with the same key and attempt.
//! Requests still in flight on this node are known locally and not sent twice. A run
//! claimed earlier for other work (a callback, a timer) — possibly by another node while
//! this one's request is out — re-sends only what has been out for longer than the grace,
//! counted from the journal's last write.

mod advance;
mod concurrency;
mod counters;
mod deletion;
mod error;
mod intake;
mod ledger;
mod mailbox;
mod projection;
mod recurrence;
mod response;
mod run_lock;
mod start;
mod state_cache;
mod trigger_reconcile;
mod webhook_trigger;
pub mod work_loop;
mod workflow_cache;

pub use counters::CounterSnapshot;
pub use error::{ErrorKind, Result, RuntimeError};
pub use intake::{CallbackAnswer, CallbackRequest, CancelOutcome, TriggerOutcome, TriggerOutputs};
pub use response::{ResponseHandle, RunResponse};
pub use work_loop::WorkLoop;
pub use workflow_cache::WorkflowSnapshot;

use crate::clock::{Clock, SystemClock};
use crate::environment::{utc_now, OsRandomness, Randomness};
use crate::executor::Executor;
use crate::signing;
use chrono::{DateTime, Utc};
use hookflow_definition::{validate_document, CheckedDefinition};
use hookflow_engine::EngineConfig;
use hookflow_store::{
    AccessKey, AccessKeys, ActionRecord, Page, PageRequest, Run, RunId, RunQuery, RunStatus,
    SaveOutcome, Store, TriggerHistory, TriggerName, VersionId, VersionPrecondition, WaitingRuns,
    WorkflowName, WorkflowSave, WorkflowState,
};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Settings of the driver.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RuntimeConfig {
    /// The base of every callback URL (`--public-url`).
    pub public_base_url: String,
    /// This node's name on leases.
    pub node: hookflow_store::LeaseOwner,
    pub engine: EngineConfig,
    /// Hot runs whose state is kept in memory.
    pub state_cache_runs: usize,
    /// How often the work loop looks for due timers and runnable runs (real time).
    pub poll_interval: Duration,
    /// Runs claimed per pass of the work loop.
    pub claim_batch: usize,
    pub lease_duration: Duration,
    /// How long after dispatching an outbound call the run counts as abandoned if no
    /// result was written (then any node may claim it and send the call again). Longer
    /// than the outbound timeout, so a slow answer is not mistaken for a crash.
    pub in_flight_grace: Duration,
    /// Attempts of one input when the run keeps moving under us.
    pub max_conflict_retries: u32,
    /// How long a workflow read from the store serves trigger calls and callbacks before
    /// it is read again; changes made through this node apply at once, changes made by
    /// another node sharing the database within this time. Zero reads every time.
    pub workflow_cache_ttl: Duration,
}

impl RuntimeConfig {
    pub fn new(public_base_url: impl Into<String>, node: hookflow_store::LeaseOwner) -> Self {
        RuntimeConfig {
            public_base_url: public_base_url.into(),
            node,
            engine: EngineConfig::default(),
            state_cache_runs: 1024,
            poll_interval: Duration::from_secs(1),
            claim_batch: 64,
            lease_duration: Duration::from_secs(60),
            in_flight_grace: Duration::from_secs(150),
            max_conflict_retries: 8,
            workflow_cache_ttl: Duration::from_secs(1),
        }
    }
}

/// What the driver talks to besides the store: time, randomness, the network.
#[derive(Debug, Clone)]
pub struct Services {
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Randomness>,
    pub executor: Arc<dyn Executor>,
}

impl Services {
    /// The system clock, the OS random source, and this executor.
    pub fn system(executor: Arc<dyn Executor>) -> Services {
        Services {
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandomness),
            executor,
        }
    }
}

/// The driver. Cheap to clone; clones share everything.
pub struct Runtime<S: Store> {
    shared: Arc<Shared<S>>,
}

impl<S: Store> Clone for Runtime<S> {
    fn clone(&self) -> Self {
        Runtime {
            shared: self.shared.clone(),
        }
    }
}

impl<S: Store> fmt::Debug for Runtime<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

struct Shared<S> {
    store: S,
    services: Services,
    config: RuntimeConfig,
    /// Checked definitions by workflow version; versions are immutable, so entries never
    /// go stale (they go when the process does).
    definitions: Mutex<HashMap<(WorkflowName, VersionId), Arc<CheckedDefinition>>>,
    /// Workflows as trigger calls and callbacks need them.
    workflows: workflow_cache::WorkflowCache,
    /// Recurrence triggers and their next occurrences.
    recurrences: recurrence::RecurrenceSchedule,
    /// Held while a concurrency-limited trigger admits a run or a queued run starts, so
    /// counts and the runs they admit do not interleave on this node.
    admission: tokio::sync::Mutex<()>,
    counters: counters::Counters,
    states: state_cache::StateCache,
    locks: run_lock::RunLocks,
    mailboxes: mailbox::Mailboxes,
    responders: response::Responders,
    /// Outbound calls this process has sent and not yet fed back: (run, effect identity).
    in_flight: Mutex<HashSet<(RunId, String)>>,
    /// Effect tasks, so shutdown can stop them.
    tasks: Mutex<JoinSet<()>>,
    /// Pokes the work loop (a timer was scheduled, shutdown).
    wake: Notify,
    /// Notified whenever an outbound call of a run has ended and its result was fed back
    /// (a delete waits for its runs' unsubscribes).
    outbound_ended: Notify,
    /// The parts of the last run id handed out, so ids made in the same millisecond still
    /// sort in the order they were made (lists are newest first; queued runs start oldest
    /// first).
    last_run_id: Mutex<(u64, u128)>,
    /// The last waiting-runs count: when it was taken, what it cost, and the count.
    waiting: Mutex<Option<(std::time::Instant, Duration, WaitingRuns)>>,
}

impl<S: Store> Runtime<S> {
    pub fn new(store: S, config: RuntimeConfig, services: Services) -> Runtime<S> {
        let states = state_cache::StateCache::new(config.state_cache_runs);
        Runtime {
            shared: Arc::new(Shared {
                store,
                services,
                config,
                definitions: Mutex::new(HashMap::new()),
                workflows: workflow_cache::WorkflowCache::default(),
                recurrences: recurrence::RecurrenceSchedule::default(),
                admission: tokio::sync::Mutex::new(()),
                counters: counters::Counters::default(),
                states,
                locks: run_lock::RunLocks::default(),
                mailboxes: mailbox::Mailboxes::default(),
                responders: response::Responders::default(),
                in_flight: Mutex::new(HashSet::new()),
                waiting: Mutex::new(None),
                tasks: Mutex::new(JoinSet::new()),
                wake: Notify::new(),
                outbound_ended: Notify::new(),
                last_run_id: Mutex::new((0, 0)),
            }),
        }
    }

    /// The store, for the read side of the API.
    pub fn store(&self) -> &S {
        &self.shared.store
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    /// Runs started, runs finished by status and actions executed on this node since it
    /// started (for metrics).
    pub fn counters(&self) -> CounterSnapshot {
        self.shared.counters.snapshot()
    }

    /// Runs waiting for an action's callback and runs queued for a trigger concurrency
    /// slot, across the whole store (every node sharing a database sees the same counts),
    /// for metrics. Read from the store, so it includes runs parked before this process
    /// started. A count that was expensive (a million parked runs take most of a second)
    /// is reused for ten times what it cost, so scrapes cannot keep the store busy; a
    /// cheap one is taken fresh every time. Real time, not the injected clock: this is
    /// about the store's cost, not about the runs.
    pub async fn waiting_runs(&self) -> Result<WaitingRuns> {
        const EXPENSIVE: Duration = Duration::from_millis(50);
        let cached = *self
            .shared
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((at, cost, count)) = cached {
            if cost >= EXPENSIVE && at.elapsed() < cost * 10 {
                return Ok(count);
            }
        }
        let started = std::time::Instant::now();
        let count = self.shared.store.waiting_runs().await?;
        let cost = started.elapsed();
        *self
            .shared
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((std::time::Instant::now(), cost, count));
        Ok(count)
    }

    /// Outbound calls sent by this process and not yet answered (for metrics and tests:
    /// a run waiting for a callback or a timer has none).
    pub fn outbound_in_flight(&self) -> usize {
        self.in_flight().len()
    }

    /// A new run id: time-ordered, random below the millisecond, and increasing on this
    /// node even within one millisecond: as a monotonic ULID generator does, the first id
    /// of a millisecond draws its random part and the next ones add one to it (so a busy
    /// node asks the OS for randomness once a millisecond, not once a run; an id is no
    /// secret, every URL that carries one is signed).
    pub(crate) fn new_run_id(&self, now: DateTime<Utc>) -> RunId {
        const ENTROPY: u128 = (1u128 << 80) - 1;
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let mut last = self
            .shared
            .last_run_id
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let (millis, entropy) = if millis > last.0 || last.1 >= ENTROPY {
            (
                millis.max(last.0 + u64::from(last.1 >= ENTROPY)),
                self.shared.services.random.next_u128() & (ENTROPY >> 1),
            )
        } else {
            (last.0, last.1 + 1)
        };
        *last = (millis, entropy.min(ENTROPY));
        RunId::from_parts(last.0, last.1)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        utc_now(self.shared.services.clock.as_ref())
    }

    /// Validates and stores a new version of the workflow. The document may be a bare
    /// definition, `{"definition", "parameters"}` or `{"properties": {…}}`; the definition
    /// and the workflow-level parameter values are stored apart. Every validation error is
    /// returned at once.
    pub async fn save_workflow(
        &self,
        name: &str,
        document: &Value,
        state: WorkflowState,
    ) -> Result<SaveOutcome> {
        let name = WorkflowName::new(name)?;
        let checked =
            Arc::new(validate_document(document).map_err(RuntimeError::InvalidDefinition)?);
        let (definition, parameters) = split_document(document);
        let previous = match self.shared.store.get_workflow(&name).await {
            Ok(w) => Some(w),
            Err(e) if e.kind() == hookflow_store::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        if previous.is_none()
            && state == WorkflowState::Enabled
            && !webhook_trigger::webhook_triggers(&checked).is_empty()
        {
            return self.create_then_enable(&name, document).await;
        }
        let initial_keys = self.new_access_keys();
        let previous_side = match &previous {
            Some(w) => Some(self.current_side(w).await?),
            None => None,
        };
        let new_side = webhook_trigger::Side {
            definition: checked.clone(),
            keys: previous_side
                .as_ref()
                .map_or_else(|| initial_keys.clone(), |s| s.keys.clone()),
        };
        let save = WorkflowSave {
            name: name.clone(),
            definition,
            parameters,
            state,
            at: self.now(),
            // Subscriptions were made for the version we read: a concurrent save in
            // between makes this one a Conflict rather than silently overwriting it.
            expect: previous.as_ref().map_or(VersionPrecondition::Absent, |w| {
                VersionPrecondition::Current(w.version)
            }),
            initial_keys,
        };
        // An enabled save with a new or changed HttpWebhook trigger subscribes *before*
        // the version is stored; a subscribe that fails refuses the save.
        let mut records = webhook_trigger::Records::default();
        let plan = match self
            .subscribe_for_save(
                &name,
                previous.as_ref().zip(previous_side.as_ref()),
                &new_side,
                state,
                &mut records,
            )
            .await
        {
            Ok(plan) => plan,
            Err(error) => {
                self.write_records(&name, records).await;
                return Err(error);
            }
        };
        let outcome = match self.shared.store.put_workflow(save).await {
            Ok(outcome) => outcome,
            Err(error) => {
                self.undo(
                    &name,
                    previous_side.as_ref(),
                    &new_side,
                    &plan.subscribed_now,
                    &plan.replaced,
                    &mut records,
                    &plan.states,
                )
                .await?;
                self.write_records(&name, records).await;
                return Err(error.into());
            }
        };
        self.lock_definitions()
            .insert((name.clone(), outcome.workflow.version), checked);
        self.forget_workflow(&name);
        if let Some(old) = &previous_side {
            for trigger in &plan.removals {
                self.unsubscribe_trigger(
                    &name,
                    old,
                    trigger,
                    &mut records,
                    plan.states.get(trigger),
                )
                .await?;
            }
        }
        self.write_records(&name, records).await;
        Ok(outcome)
    }

    /// The first save of an enabled workflow with HttpWebhook triggers: stored disabled
    /// first, then enabled. The subscribes then happen for a workflow that exists, so each
    /// is recorded in the ledger before it is sent, and a crash before the enable is
    /// reconciled at start (a disabled workflow's trigger gets unsubscribed) instead of
    /// leaving a subscription at the service that nothing knows about. A refused subscribe
    /// deletes the workflow again: the save did not happen.
    async fn create_then_enable(
        &self,
        name: &WorkflowName,
        document: &Value,
    ) -> Result<SaveOutcome> {
        let created =
            Box::pin(self.save_workflow(name.as_str(), document, WorkflowState::Disabled)).await?;
        match self.enable_workflow(name).await {
            Ok(workflow) => Ok(SaveOutcome {
                workflow,
                created: created.created,
            }),
            Err(error) => {
                if let Err(e) = self.shared.store.delete_workflow(name).await {
                    tracing::warn!(workflow = %name, error = %e, "a refused first save left its disabled workflow behind");
                }
                self.forget_workflow(name);
                Err(error)
            }
        }
    }

    /// The checked definition of a stored version (parsed once, then cached).
    pub async fn definition(
        &self,
        workflow: &WorkflowName,
        version: VersionId,
    ) -> Result<Arc<CheckedDefinition>> {
        let cache_key = (workflow.clone(), version);
        if let Some(found) = self.lock_definitions().get(&cache_key) {
            return Ok(found.clone());
        }
        let stored = self.shared.store.get_version(workflow, version).await?;
        let document = json!({ "definition": stored.definition, "parameters": stored.parameters });
        let checked = validate_document(&document).map_err(|errors| RuntimeError::StoredData {
            what: format!("workflow {workflow} version {version}"),
            message: format!("{} validation errors", errors.len()),
        })?;
        let checked = Arc::new(checked);
        self.lock_definitions().insert(cache_key, checked.clone());
        Ok(checked)
    }

    /// The primary access key, for minting action callback URLs.
    pub(crate) async fn access_key(&self, workflow: &WorkflowName) -> Result<signing::AccessKey> {
        Ok(self.workflow_snapshot(workflow).await?.keys.primary.clone())
    }

    fn new_access_keys(&self) -> AccessKeys {
        let random = &self.shared.services.random;
        let key = || {
            let mut bytes = [0u8; 32];
            bytes[..16].copy_from_slice(&random.next_u128().to_le_bytes());
            bytes[16..].copy_from_slice(&random.next_u128().to_le_bytes());
            AccessKey(signing::AccessKey::from_bytes(bytes).to_base64url())
        };
        AccessKeys {
            primary: key(),
            secondary: key(),
        }
    }

    fn lock_definitions(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(WorkflowName, VersionId), Arc<CheckedDefinition>>> {
        self.shared
            .definitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    // ---- read side: thin pass-throughs for the management API ----

    pub async fn get_run(&self, run: &RunId) -> Result<Run> {
        Ok(self.shared.store.get_run(run).await?)
    }

    pub async fn list_runs(&self, query: RunQuery) -> Result<Page<Run>> {
        Ok(self.shared.store.list_runs(query).await?)
    }

    pub async fn list_actions(&self, run: &RunId) -> Result<Vec<ActionRecord>> {
        Ok(self.shared.store.list_actions(run).await?)
    }

    pub async fn get_action(&self, run: &RunId, name: &str) -> Result<ActionRecord> {
        Ok(self.shared.store.get_action(run, name).await?)
    }

    pub async fn list_repetitions(
        &self,
        run: &RunId,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<ActionRecord>> {
        Ok(self.shared.store.list_repetitions(run, name, page).await?)
    }

    pub async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        status: Option<RunStatus>,
        page: PageRequest,
    ) -> Result<Page<TriggerHistory>> {
        Ok(self
            .shared
            .store
            .list_trigger_histories(workflow, trigger, status, page)
            .await?)
    }
}

/// The definition object and the workflow-level parameter values of a document in any of
/// its three shapes (see `hookflow_definition::DocumentShape`).
fn split_document(document: &Value) -> (Value, Value) {
    let container = document
        .get("properties")
        .filter(|p| p.get("definition").is_some())
        .or_else(|| {
            document
                .get("definition")
                .filter(|d| d.is_object())
                .map(|_| document)
        });
    match container {
        Some(container) => (
            container.get("definition").cloned().unwrap_or(Value::Null),
            container
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| json!({})),
        ),
        None => (document.clone(), json!({})),
    }
}
