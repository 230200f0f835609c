//! The conformance suite every backend runs: each test is a generic async fn taking a fresh
//! store, and [`conformance_tests!`](crate::conformance_tests) expands them into
//! `#[tokio::test]`s for a backend:
//!
//! ```text
//! async fn fresh() -> (MyStore, tempfile::TempDir) { /* … */ }
//! hookflow_store::conformance_tests!(fresh);
//! ```
//!
//! The factory returns the store and a guard kept alive for the test (a temporary
//! directory, a database handle). Tests pass times explicitly, so leases and timers are
//! tested without sleeping. Failures panic with a message naming what broke.

mod concurrency;
pub mod fixture;
mod ledger;
mod new_run;
mod queue;
mod run;
mod workflow;

pub use concurrency::*;
pub use ledger::*;
pub use new_run::*;
pub use queue::*;
pub use run::*;
pub use workflow::*;

/// Expands every conformance test into a `#[tokio::test]` calling `$factory().await`,
/// which returns `(store, guard)`. The calling crate needs `tokio` (with `macros` and
/// `rt-multi-thread`) as a dev-dependency.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@list each $factory);
    };
    // For backends needing a server: the factory returns `Option<(store, guard)>`, `None`
    // meaning "skip" (the factory says why; it must refuse to skip in CI).
    (optional $factory:path) => {
        $crate::conformance_tests!(@list optional $factory);
    };
    (@list $mode:ident $factory:path) => {
        $crate::conformance_tests!(@$mode $factory;
            workflow_save_creates_versions,
            workflow_save_preconditions,
            workflow_list_pages,
            workflow_list_filters_by_state,
            workflow_delete_removes_runs,
            workflow_state_and_keys,
            workflow_trigger_state,
            invalid_input_is_invalid,
            create_run_writes_record_and_journal,
            create_run_conflicts,
            create_run_is_idempotent_by_trigger_key,
            append_is_fenced_by_position,
            long_writes_keep_their_order,
            append_updates_summary,
            append_is_atomic,
            create_run_applies_its_changes,
            list_runs_pages_and_filters,
            action_records,
            trigger_histories,
            trigger_histories_filter_by_status,
            waiting_runs_count_parked_and_queued_runs,
            timers_fall_due,
            callbacks_are_idempotent,
            callback_makes_run_runnable,
            claims_respect_due_time_and_leases,
            claims_follow_timers_and_limits,
            ledger_records_and_reconciles,
            ledger_written_with_appends,
            ledger_outlives_its_workflow,
            concurrent_appends_one_winner_per_position,
            concurrent_callbacks_deduplicate,
            concurrent_claims_are_disjoint,
            concurrent_run_creation,
        );
    };
    (@each $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $factory().await;
                $crate::conformance::$name(store).await;
            }
        )*
    };
    (@optional $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some((store, _guard)) = $factory().await else {
                    return;
                };
                $crate::conformance::$name(store).await;
            }
        )*
    };
}
