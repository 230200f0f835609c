//! Runs: the run record (summary the API lists), its journal, and the one fenced write that
//! advances a run together with every side table its effects need.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::action::ActionRecord;
use crate::error::{Error, Result};
use crate::history::TriggerHistory;
use crate::id::{CallbackId, HistoryId, RunId, TriggerName, VersionId, WorkflowName};
use crate::journal::{JournalEntry, StoredEntry};
use crate::lease::{Lease, Runnable};
use crate::ledger::LedgerChange;
use crate::page::{Page, PageRequest};
use crate::timer::TimerChange;

/// The status vocabulary of runs, actions and trigger histories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    Running,
    Waiting,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    Skipped,
    Aborted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "Running",
            RunStatus::Waiting => "Waiting",
            RunStatus::Succeeded => "Succeeded",
            RunStatus::Failed => "Failed",
            RunStatus::Cancelled => "Cancelled",
            RunStatus::TimedOut => "TimedOut",
            RunStatus::Skipped => "Skipped",
            RunStatus::Aborted => "Aborted",
        }
    }

    pub fn parse(value: &str) -> Result<Self> {
        Ok(match value {
            "Running" => RunStatus::Running,
            "Waiting" => RunStatus::Waiting,
            "Succeeded" => RunStatus::Succeeded,
            "Failed" => RunStatus::Failed,
            "Cancelled" => RunStatus::Cancelled,
            "TimedOut" => RunStatus::TimedOut,
            "Skipped" => RunStatus::Skipped,
            "Aborted" => RunStatus::Aborted,
            _ => return Err(Error::invalid("status", format!("'{value}'"))),
        })
    }

    /// Whether nothing more happens to a run in this status.
    pub fn is_terminal(self) -> bool {
        !matches!(self, RunStatus::Running | RunStatus::Waiting)
    }
}

/// The trigger part of a run record.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTrigger {
    pub name: TriggerName,
    pub status: RunStatus,
    pub code: Option<String>,
    pub outputs: Option<Value>,
    pub at: DateTime<Utc>,
}

/// A run as the API lists it. `position` is the journal length, the fence for appends.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: RunId,
    pub workflow: WorkflowName,
    pub version: VersionId,
    pub status: RunStatus,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub trigger: RunTrigger,
    pub outputs: Option<Value>,
    pub error: Option<Value>,
    pub client_tracking_id: String,
    pub position: u64,
}

/// The summary fields a run's progress changes; each replaces the stored field.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub status: RunStatus,
    pub end_time: Option<DateTime<Utc>>,
    pub outputs: Option<Value>,
    pub error: Option<Value>,
}

/// Everything written together with journal entries, in the same transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunChanges {
    pub summary: Option<RunSummary>,
    pub timers: Vec<TimerChange>,
    /// `None` leaves the runnable time as it is.
    pub runnable: Option<Runnable>,
    /// Callbacks this write applied; Conflict if one was consumed already.
    pub consume_callbacks: Vec<CallbackId>,
    pub ledger: Vec<LedgerChange>,
    /// Action records to create or replace.
    pub actions: Vec<ActionRecord>,
}

/// A run to create: the record and its first journal entries in one durable write (what a
/// trigger callback's 202 waits for).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub id: RunId,
    pub workflow: WorkflowName,
    pub version: VersionId,
    pub status: RunStatus,
    pub start_time: DateTime<Utc>,
    pub trigger: RunTrigger,
    pub client_tracking_id: String,
    /// The trigger request's `Idempotency-Key` / `webhook-id`: a second run with the same
    /// key for the same workflow and trigger is not created.
    pub idempotency_key: Option<String>,
    pub entries: Vec<JournalEntry>,
    pub changes: RunChanges,
    /// Whether the firing that started the run is recorded in the trigger history, as
    /// [`NewRun::fired_history`]: the run's trigger record under the run's id, which is
    /// what a fired trigger's history is in Logic Apps. (A store may keep it as the run row
    /// itself rather than a copy.)
    pub records_history: bool,
}

impl NewRun {
    /// The trigger history entry of the firing that started this run.
    pub fn fired_history(&self) -> TriggerHistory {
        TriggerHistory {
            workflow: self.workflow.clone(),
            trigger: self.trigger.name.clone(),
            id: self.id.clone().into(),
            start_time: self.trigger.at,
            end_time: Some(self.trigger.at),
            status: self.trigger.status,
            code: self.trigger.code.clone(),
            fired: true,
            run: Some(self.id.clone()),
            inputs: None,
            outputs: self.trigger.outputs.clone(),
            error: None,
        }
    }
}

/// The outcome of [`RunStore::create_run`].
#[derive(Debug, Clone, PartialEq)]
pub enum Creation {
    Created(Box<Run>),
    /// A run with the same trigger idempotency key exists; nothing was written.
    Duplicate {
        original: RunId,
    },
}

/// A fenced write to a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Append {
    pub run: RunId,
    /// The journal length the writer saw; Conflict if another writer advanced it.
    pub expected_position: u64,
    /// The writer's lease, if it holds one; Conflict if the run was claimed since.
    pub lease: Option<Lease>,
    pub entries: Vec<JournalEntry>,
    pub changes: RunChanges,
}

/// Which runs to list.
#[derive(Debug, Clone, PartialEq)]
pub struct RunQuery {
    pub workflow: WorkflowName,
    pub status: Option<RunStatus>,
    pub page: PageRequest,
}

/// How many unfinished runs are waiting, store-wide, by what they wait for (for metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaitingRuns {
    /// Runs not finished with at least one action record in status `Waiting` (an
    /// HttpWebhook action subscribed and waiting for its callback). A run waiting in
    /// several actions counts once.
    pub callback: u64,
    /// Runs in status `Waiting`: queued for a trigger concurrency slot, not started.
    pub queued: u64,
}

/// Runs, journals, action records and trigger histories.
pub trait RunStore {
    /// Creates the run and writes its first entries and changes durably. NotFound if the
    /// workflow does not exist; Conflict if the run id exists.
    fn create_run(&self, run: NewRun) -> impl Future<Output = Result<Creation>> + Send;

    /// Appends entries at `expected_position` with the changes, atomically; returns the new
    /// position. Nothing is written if any part fails.
    fn append(&self, append: Append) -> impl Future<Output = Result<u64>> + Send;

    /// The journal from position `from` on.
    fn load_journal(
        &self,
        run: &RunId,
        from: u64,
    ) -> impl Future<Output = Result<Vec<StoredEntry>>> + Send;

    fn get_run(&self, run: &RunId) -> impl Future<Output = Result<Run>> + Send;

    /// A workflow's runs, newest first.
    fn list_runs(&self, query: RunQuery) -> impl Future<Output = Result<Page<Run>>> + Send;

    /// One record per action name: the one outside loops, or the most recently written
    /// repetition. Ordered by name.
    fn list_actions(&self, run: &RunId) -> impl Future<Output = Result<Vec<ActionRecord>>> + Send;

    /// The record `list_actions` shows for `name`.
    fn get_action(
        &self,
        run: &RunId,
        name: &str,
    ) -> impl Future<Output = Result<ActionRecord>> + Send;

    /// Every repetition of `name`, ordered by repetition.
    fn list_repetitions(
        &self,
        run: &RunId,
        name: &str,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<ActionRecord>>> + Send;

    /// Records a history without a run (the trigger was skipped or failed). Conflict if
    /// the id exists; NotFound if the workflow does not.
    fn record_trigger_history(
        &self,
        history: TriggerHistory,
    ) -> impl Future<Output = Result<()>> + Send;

    fn get_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        id: &HistoryId,
    ) -> impl Future<Output = Result<TriggerHistory>> + Send;

    /// A trigger's histories, newest first; only those in `status` when it is given. The
    /// filter is applied before paging, so a page is short only when it is the last one.
    fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        status: Option<RunStatus>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<TriggerHistory>>> + Send;

    /// The waiting runs of every workflow, counted in one consistent read. Scraped every
    /// few seconds, so durable backends answer it from indexes holding only waiting rows
    /// (its cost follows the number of waiting runs, not of all runs ever kept).
    fn waiting_runs(&self) -> impl Future<Output = Result<WaitingRuns>> + Send;
}
