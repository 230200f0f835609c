//! Translating between the engine and the store: events to opaque journal entries and
//! back, and what one decision changes in the store's side tables (run summary, timers,
//! action records), computed from the run state before and after the decision.

use super::error::{Result, RuntimeError};
use chrono::{DateTime, Utc};
use hookflow_engine::{ActionKey, Event, RunState, Status, TimerRecord};
use hookflow_store::{
    ActionRecord, JournalEntry, RunStatus, RunSummary, StoredEntry, TimerChange, TimerId,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// Journal entries for events; the entry's `kind` is the event's type tag, the payload the
/// whole serialised event (so decoding needs nothing but the payload).
pub(crate) fn encode(events: &[Event], at: DateTime<Utc>) -> Result<Vec<JournalEntry>> {
    events
        .iter()
        .map(|event| {
            let payload = serde_json::to_string(event).map_err(|e| RuntimeError::StoredData {
                what: "event".into(),
                message: e.to_string(),
            })?;
            Ok(JournalEntry::from_text(event.kind(), payload, at))
        })
        .collect()
}

/// The run's events from its journal. Its `RunStarted` entry is written without the
/// trigger outputs, which the run row keeps (one stored copy, not two): they are put back
/// from `trigger_outputs`, the row's. An entry written with them keeps its own.
pub(crate) fn decode(
    run: &str,
    entries: Vec<StoredEntry>,
    trigger_outputs: Option<Value>,
) -> Result<Vec<Event>> {
    let mut events = entries
        .into_iter()
        .map(|stored| {
            serde_json::from_str(&stored.entry.payload).map_err(|e| RuntimeError::StoredData {
                what: format!("run {run} journal entry {}", stored.position),
                message: e.to_string(),
            })
        })
        .collect::<Result<Vec<Event>>>()?;
    if let Some(Event::RunStarted { trigger, .. }) = events.first_mut() {
        if trigger.outputs.is_null() {
            trigger.outputs = trigger_outputs.unwrap_or_default();
        }
    }
    Ok(events)
}

pub(crate) fn run_status(status: Status) -> RunStatus {
    match status {
        Status::Waiting => RunStatus::Waiting,
        Status::Succeeded => RunStatus::Succeeded,
        Status::Failed => RunStatus::Failed,
        Status::Cancelled => RunStatus::Cancelled,
        Status::TimedOut => RunStatus::TimedOut,
        Status::Skipped => RunStatus::Skipped,
        Status::Aborted => RunStatus::Aborted,
        // Running, and whatever the engine adds later, shows as Running until it ends.
        _ => RunStatus::Running,
    }
}

/// The store's name for an engine action instance (`Inner[3,0]` → `Inner` @ `000003-000000`).
pub(crate) fn store_key(key: &ActionKey) -> hookflow_store::ActionKey {
    let repetition = key
        .indexes()
        .iter()
        .map(|&i| u32::try_from(i).unwrap_or(u32::MAX))
        .collect();
    hookflow_store::ActionKey::in_repetition(key.name(), repetition)
}

/// The run summary when the run completed with these events.
pub(crate) fn summary(state: &RunState) -> Option<RunSummary> {
    let completion = state.completion()?;
    let non_null = |v: &Value| (!v.is_null()).then(|| v.clone());
    Some(RunSummary {
        status: run_status(completion.status),
        end_time: Some(completion.at),
        outputs: non_null(&completion.outputs),
        error: non_null(&completion.error),
    })
}

/// Timer rows to write: timers new in `after` are scheduled, timers gone are cancelled
/// (fired, dropped with their action, or cleared by the run's completion).
pub(crate) fn timer_changes(
    before: &BTreeMap<hookflow_engine::TimerId, TimerRecord>,
    after: &BTreeMap<hookflow_engine::TimerId, TimerRecord>,
) -> Result<Vec<TimerChange>> {
    let mut changes = Vec::new();
    for (id, timer) in after {
        if before.get(id) != Some(timer) {
            let payload =
                serde_json::to_value(&timer.purpose).map_err(|e| RuntimeError::StoredData {
                    what: format!("timer {id}"),
                    message: e.to_string(),
                })?;
            changes.push(TimerChange::Schedule {
                id: TimerId::new(id.0.clone())?,
                due: timer.due,
                payload,
            });
        }
    }
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        changes.push(TimerChange::Cancel {
            id: TimerId::new(id.0.clone())?,
        });
    }
    Ok(changes)
}

/// The action records the API shows for every action instance these events touched.
/// Secured inputs/outputs (`runtimeConfiguration.secureData`) are not stored at all: the
/// API can only show what the store has, so masking here is the safe place.
pub(crate) fn action_records(events: &[Event], state: &RunState) -> Vec<ActionRecord> {
    // In the order first touched; the set keeps a step of many loop repetitions linear.
    let mut touched: Vec<&ActionKey> = Vec::new();
    let mut seen: HashSet<&ActionKey> = HashSet::new();
    for event in events {
        let key = match event {
            Event::ActionStarted { key, .. }
            | Event::BranchChosen { key, .. }
            | Event::LoopStarted { key, .. }
            | Event::IterationCompleted { key, .. }
            | Event::ActionCompleted { key, .. }
            | Event::WebhookSubscribed { key, .. }
            | Event::CallbackReceived { key, .. }
            | Event::UnsubscribeRequested { key, .. }
            | Event::UnsubscribeRecorded { key, .. } => key,
            _ => continue,
        };
        if seen.insert(key) {
            touched.push(key);
        }
    }
    let non_null = |v: &Value| (!v.is_null()).then(|| v.clone());
    touched
        .into_iter()
        .filter_map(|key| {
            let record = state.action(key)?;
            Some(ActionRecord {
                key: store_key(key),
                status: run_status(record.status),
                code: record.code.clone(),
                start_time: Some(record.started_at),
                end_time: record.ended_at,
                inputs: non_null(&record.inputs).filter(|_| !record.secure.inputs),
                outputs: non_null(&record.outputs).filter(|_| !record.secure.outputs),
                error: non_null(&record.error),
            })
        })
        .collect()
}
