//! Builders the conformance tests share: fixed instants (no clock), names, saves, runs.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use crate::{
    AccessKey, AccessKeys, ActionKey, ActionRecord, Append, Creation, ErrorKind, JournalEntry,
    NewRun, Page, PageRequest, Run, RunChanges, RunId, RunStatus, RunTrigger, Store,
    TriggerHistory, TriggerName, VersionPrecondition, WorkflowName, WorkflowSave, WorkflowState,
};

/// `secs` seconds after a fixed instant; every test time is built from this.
pub fn at(secs: i64) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("fixed base instant is valid");
    base + Duration::seconds(secs)
}

pub fn workflow(name: &str) -> WorkflowName {
    WorkflowName::new(name).expect("test workflow names are valid")
}

pub fn trigger(name: &str) -> TriggerName {
    TriggerName::new(name).expect("test trigger names are valid")
}

/// A run id that sorts by `n` (its time part is `n` milliseconds).
pub fn run_id(n: u64) -> RunId {
    RunId::from_parts(1_700_000_000_000 + n, u128::from(n) * 7919)
}

pub fn keys(seed: &str) -> AccessKeys {
    AccessKeys {
        primary: AccessKey(format!("{seed}-primary")),
        secondary: AccessKey(format!("{seed}-secondary")),
    }
}

pub fn save(name: &str, definition: Value, secs: i64) -> WorkflowSave {
    WorkflowSave {
        name: workflow(name),
        definition,
        parameters: json!({}),
        state: WorkflowState::Enabled,
        at: at(secs),
        expect: VersionPrecondition::Any,
        initial_keys: keys(name),
    }
}

/// Saves a workflow with a trivial definition.
pub async fn create_workflow<S: Store>(store: &S, name: &str) {
    store
        .put_workflow(save(name, json!({"actions": {}}), 0))
        .await
        .expect("workflow saved");
}

pub fn entry(kind: &str, n: u64) -> JournalEntry {
    JournalEntry::new(kind, &json!({ "n": n }), at(n as i64))
}

/// An append of `entries` alone to `run` at `position`: no lease, no other changes.
pub fn appending(run: &RunId, position: u64, entries: Vec<JournalEntry>) -> Append {
    Append {
        run: run.clone(),
        expected_position: position,
        lease: None,
        entries,
        changes: RunChanges::default(),
    }
}

/// A run of `workflow` with one `RunStarted` entry and nothing else.
pub fn new_run(workflow_name: &str, id: RunId) -> NewRun {
    NewRun {
        id,
        workflow: workflow(workflow_name),
        version: crate::VersionId(1),
        status: RunStatus::Running,
        start_time: at(1),
        trigger: RunTrigger {
            name: trigger("manual"),
            status: RunStatus::Succeeded,
            code: Some("OK".into()),
            outputs: Some(json!({"body": {"hello": "world"}})),
            at: at(1),
        },
        client_tracking_id: "tracking".into(),
        idempotency_key: None,
        entries: vec![entry("RunStarted", 0)],
        changes: RunChanges::default(),
        records_history: false,
    }
}

/// A page of the trigger histories of `flow`/`manual` (in `status`, if given), newest first.
pub async fn manual_history_page<S: Store>(
    store: &S,
    status: Option<RunStatus>,
    page: PageRequest,
) -> Page<TriggerHistory> {
    store
        .list_trigger_histories(&workflow("flow"), &trigger("manual"), status, page)
        .await
        .expect("histories")
}

/// The first 10 trigger histories of `flow`/`manual`, newest first.
pub async fn manual_histories<S: Store>(store: &S) -> Vec<TriggerHistory> {
    manual_history_page(store, None, PageRequest::first(10))
        .await
        .items
}

/// Creates a run and returns its record.
pub async fn create_run<S: Store>(store: &S, new: NewRun) -> Run {
    match store.create_run(new).await.expect("run created") {
        Creation::Created(run) => *run,
        Creation::Duplicate { original } => panic!("unexpected duplicate of {original}"),
    }
}

/// Asserts an error of `kind`.
pub fn assert_kind<T: std::fmt::Debug>(result: crate::Result<T>, kind: ErrorKind) {
    match result {
        Err(e) => assert_eq!(e.kind(), kind, "wrong kind for error: {e}"),
        Ok(value) => panic!("expected a {kind:?} error, got {value:?}"),
    }
}

/// An action record: `n` sets its times, inputs and outputs; it has ended if `status` is
/// terminal.
pub fn action(name: &str, repetition: Vec<u32>, status: RunStatus, n: i64) -> ActionRecord {
    ActionRecord {
        key: ActionKey::in_repetition(name, repetition),
        status,
        code: Some("OK".into()),
        start_time: Some(at(n)),
        end_time: if status.is_terminal() {
            Some(at(n + 1))
        } else {
            None
        },
        inputs: Some(json!({"n": n})),
        outputs: Some(json!({"out": n})),
        error: None,
    }
}
