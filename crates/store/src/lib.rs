//! Storage for hookflow: the traits every backend implements, the records they keep, an
//! in-memory store, and (feature `conformance`) the suite every backend must pass.
//!
//! This crate owns *what* is stored and the guarantees of each write: a run is a journal
//! of opaque entries (`kind` + JSON payload) advanced by fenced appends (expected journal
//! position, optional lease epoch) that write, in the same transaction, the run summary,
//! timers, the runnable flag, consumed callbacks, webhook ledger entries and action
//! records. Runnable work is claimed under leases, so several nodes can share one
//! database. Callbacks are accepted idempotently.
//!
//! It must not depend on the engine's event types, SQL, HTTP or a clock: times come in as
//! arguments (`now`), so tests drive leases and timers without sleeping. Backends live in
//! their own crates (`hookflow-store-sqlite`, later PostgreSQL).
//!
//! The traits use `async fn`-style methods returning `Send` futures, so the runtime can be
//! generic over [`Store`] and spawn work on a multi-threaded executor without boxing.

mod action;
mod callback;
pub mod columns;
mod error;
mod history;
mod id;
mod journal;
mod lease;
mod ledger;
pub mod memory;
mod page;
mod run;
pub mod sql_row;
mod timer;
pub mod timestamp;
mod workflow;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use action::ActionRecord;
pub use callback::{Acceptance, Callback, CallbackInbox, NewCallback};
pub use error::{Entity, Error, ErrorKind, Result};
pub use history::TriggerHistory;
pub use id::{
    ActionKey, CallbackId, HistoryId, LeaseOwner, LedgerId, Repetition, RunId, TimerId,
    TriggerName, VersionId, WorkflowName,
};
pub use journal::{JournalEntry, StoredEntry};
pub use lease::{Lease, Runnable, WorkQueue};
pub use ledger::{
    LedgerChange, LedgerEntry, LedgerOperation, LedgerState, LedgerTarget, LedgerUpdate,
    SubscriptionLedger,
};
pub use memory::MemoryStore;
pub use page::{Continuation, Page, PageRequest, MAX_PAGE};
pub use run::{
    Append, Creation, NewRun, Run, RunChanges, RunQuery, RunStatus, RunStore, RunSummary,
    RunTrigger, WaitingRuns,
};
pub use timer::{Timer, TimerChange, TimerStore};
pub use workflow::{
    AccessKey, AccessKeys, Exchange, KeyType, SaveOutcome, SubscriptionStatus, TriggerState,
    VersionPrecondition, Workflow, WorkflowSave, WorkflowState, WorkflowStore, WorkflowVersion,
};

/// Everything a backend provides. Cloning is cheap (a handle); clones share the data.
pub trait Store:
    WorkflowStore
    + RunStore
    + TimerStore
    + CallbackInbox
    + WorkQueue
    + SubscriptionLedger
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: WorkflowStore
        + RunStore
        + TimerStore
        + CallbackInbox
        + WorkQueue
        + SubscriptionLedger
        + Clone
        + Send
        + Sync
        + 'static
{
}
