//! The two writes that advance runs — `create_run` and `append` — and the side tables they
//! change together (summary, timers, callbacks, ledger, action records).
//!
//! The writer thread is the one serial part of the store (group commit), so it should only
//! run SQL: every JSON column is serialised beforehand by the caller's task
//! ([`CreateText::of`], [`ChangesText::of`]), on whichever worker thread it runs.
//!
//! Both make every check that can fail before their first change (fence, workflow,
//! idempotency key, callbacks, ledger), so they run without a savepoint of their own.
//! Only an SQL failure can fail them later; the writer then rolls back their whole batch.

use hookflow_store::{
    ActionRecord, Append, Creation, Entity, Error, LedgerChange, NewRun, Result, Run, RunChanges,
    RunId, Runnable, TimerChange, TriggerHistory,
};
use rusqlite::{params, Connection};

use crate::codec::{
    execute, exists, insert_new, json_text, micros, opt_json_text, opt_micros, query_optional,
    signed, stored, unsigned,
};
use crate::journal::{self, Segment};
use crate::ledger::{check_changes, insert_entry, update_entry};
use crate::workflow::require_workflow;

/// The JSON columns of an action record, as text.
struct ActionText {
    inputs: Option<String>,
    outputs: Option<String>,
    error: Option<String>,
}

/// The JSON columns of a run's changes, as text: all of an `append` that is JSON besides
/// its journal entries (which already are text).
pub(crate) struct ChangesText {
    summary_outputs: Option<String>,
    summary_error: Option<String>,
    actions: Vec<ActionText>,
}

impl ChangesText {
    /// Moves the action records' documents out as it serialises them: the writer thread
    /// needs only their text, and a run's action inputs and outputs can be large, so they
    /// are freed here on the caller's thread rather than on the one serial thread.
    pub(crate) fn of(changes: &mut RunChanges) -> ChangesText {
        let summary = changes.summary.as_ref();
        ChangesText {
            summary_outputs: summary.and_then(|s| opt_json_text(&s.outputs)),
            summary_error: summary.and_then(|s| opt_json_text(&s.error)),
            actions: changes
                .actions
                .iter_mut()
                .map(|a| ActionText {
                    inputs: opt_json_text(&a.inputs.take()),
                    outputs: opt_json_text(&a.outputs.take()),
                    error: opt_json_text(&a.error.take()),
                })
                .collect(),
        }
    }
}

/// The JSON columns of a trigger history, as text.
pub(crate) struct HistoryText {
    inputs: Option<String>,
    outputs: Option<String>,
    error: Option<String>,
}

impl HistoryText {
    pub(crate) fn of(history: &TriggerHistory) -> HistoryText {
        HistoryText {
            inputs: opt_json_text(&history.inputs),
            outputs: opt_json_text(&history.outputs),
            error: opt_json_text(&history.error),
        }
    }
}

/// Everything of a `create_run` that is JSON, as text.
pub(crate) struct CreateText {
    trigger_outputs: Option<String>,
    journal: Option<Segment>,
    changes: ChangesText,
}

impl CreateText {
    /// See [`ChangesText::of`]; the run's own columns stay (the created run is returned),
    /// its entries move into their row.
    pub(crate) fn of(new: &mut NewRun) -> Result<CreateText> {
        Ok(CreateText {
            trigger_outputs: opt_json_text(&new.trigger.outputs),
            journal: Segment::of(std::mem::take(&mut new.entries))?,
            changes: ChangesText::of(&mut new.changes),
        })
    }
}

/// Every check of `changes` that can fail, made before the write changes a row, so the
/// write needs no savepoint (`commit::Isolation::ChecksFirst`): each callback consumed is
/// the run's and still pending, each ledger change can be made.
fn check_side_tables(
    conn: &Connection,
    run: &RunId,
    workflow: &str,
    changes: &RunChanges,
) -> Result<()> {
    for callback in &changes.consume_callbacks {
        let consumed: Option<i64> = query_optional(
            conn,
            "SELECT consumed FROM callback WHERE id = ?1 AND run = ?2",
            params![signed(callback.0)?, run.as_str()],
            |row| row.get(0),
        )?;
        match consumed {
            None => return Err(Error::not_found(Entity::Callback, callback)),
            Some(0) => {}
            Some(_) => {
                return Err(Error::AlreadyConsumed {
                    run: run.to_string(),
                    id: callback.0,
                })
            }
        }
    }
    check_changes(conn, &changes.ledger, workflow)
}

/// Writes the parts of `changes` other than the summary and the runnable time (which
/// `create` puts in the run row itself and `append` writes in [`append`]), once
/// [`check_side_tables`] has passed.
fn apply_side_tables(
    conn: &Connection,
    run: &RunId,
    changes: RunChanges,
    texts: ChangesText,
) -> Result<()> {
    let id = run.as_str();
    for change in changes.timers {
        match change {
            TimerChange::Schedule {
                id: timer,
                due,
                payload,
            } => execute(
                conn,
                "INSERT OR REPLACE INTO timer (run, id, due, payload) VALUES (?1, ?2, ?3, ?4)",
                params![id, timer.as_str(), micros(due), json_text(&payload)],
            )?,
            TimerChange::Cancel { id: timer } => execute(
                conn,
                "DELETE FROM timer WHERE run = ?1 AND id = ?2",
                params![id, timer.as_str()],
            )?,
        };
    }
    for callback in changes.consume_callbacks {
        execute(
            conn,
            "UPDATE callback SET consumed = 1 WHERE id = ?1",
            [signed(callback.0)?],
        )?;
    }
    for change in changes.ledger {
        match change {
            LedgerChange::Record(entry) => insert_entry(conn, &entry)?,
            LedgerChange::Update(update) => update_entry(conn, &update)?,
        }
    }
    for (record, text) in changes.actions.iter().zip(texts.actions) {
        upsert_action(conn, id, record, text)?;
    }
    Ok(())
}

fn upsert_action(
    conn: &Connection,
    run: &str,
    record: &ActionRecord,
    text: ActionText,
) -> Result<()> {
    execute(
        conn,
        // Replacing the row (not updating it in place) gives it the next rowid, which is
        // what orders a run's records by their last write (migration 8).
        "INSERT OR REPLACE INTO action (run, name, repetition, status, code, start_time, \
         end_time, inputs, outputs, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            run,
            record.key.name,
            record.key.repetition.name(),
            record.status.as_str(),
            record.code,
            opt_micros(record.start_time),
            opt_micros(record.end_time),
            text.inputs,
            text.outputs,
            text.error
        ],
    )?;
    Ok(())
}

/// The columns of [`crate::run`]'s history queries, read from a run that is its own fired
/// history (migration 5).
pub(crate) const FIRED_HISTORY_COLUMNS: &str = "workflow, trigger_name, id, trigger_at, \
     trigger_at, trigger_status, trigger_code, 1, id, NULL, trigger_outputs, NULL";

/// Records a history given on its own (a fired run's is the run row); Conflict if its id
/// is taken, by a recorded history (the primary key checks) or a run's.
pub(crate) fn insert_history(
    conn: &Connection,
    history: &TriggerHistory,
    text: HistoryText,
) -> Result<()> {
    let taken_by_a_run = exists(
        conn,
        "SELECT 1 FROM run WHERE id = ?1 AND workflow = ?2 AND trigger_name = ?3 \
         AND fired_history = 1",
        params![
            history.id.as_str(),
            history.workflow.as_str(),
            history.trigger.as_str()
        ],
    )?;
    if taken_by_a_run {
        return Err(Error::already_exists(Entity::TriggerHistory, &history.id));
    }
    insert_new(
        conn,
        "INSERT INTO trigger_history (workflow, trigger, id, start_time, end_time, status, code, \
         fired, run, inputs, outputs, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            history.workflow.as_str(),
            history.trigger.as_str(),
            history.id.as_str(),
            micros(history.start_time),
            opt_micros(history.end_time),
            history.status.as_str(),
            history.code,
            history.fired,
            history.run.as_ref().map(RunId::as_str),
            text.inputs,
            text.outputs,
            text.error
        ],
        Entity::TriggerHistory,
        &history.id,
    )
}

fn runnable_column(runnable: Runnable) -> Option<i64> {
    match runnable {
        Runnable::At(at) => Some(micros(at)),
        Runnable::Idle => None,
    }
}

/// Creates the run with its first entries and changes. The run row is written once, with
/// its summary and runnable time already in it (an update right after the insert would
/// move the row in every index it is in).
pub(crate) fn create(conn: &Connection, mut new: NewRun, text: CreateText) -> Result<Creation> {
    require_workflow(conn, &new.workflow)?;
    if let Some(key) = &new.idempotency_key {
        let original: Option<String> = query_optional(
            conn,
            "SELECT id FROM run WHERE workflow = ?1 AND trigger_name = ?2 AND idempotency_key = ?3",
            params![new.workflow.as_str(), new.trigger.name.as_str(), key],
            |row| row.get(0),
        )?;
        if let Some(original) = original {
            return Ok(Creation::Duplicate {
                original: stored(RunId::parse(&original))?,
            });
        }
    }
    // The run's history id is the run's: taken if a history was recorded under it.
    if new.records_history
        && exists(
            conn,
            "SELECT 1 FROM trigger_history WHERE workflow = ?1 AND trigger = ?2 AND id = ?3",
            params![
                new.workflow.as_str(),
                new.trigger.name.as_str(),
                new.id.as_str()
            ],
        )?
    {
        return Err(Error::already_exists(Entity::TriggerHistory, &new.id));
    }
    check_side_tables(conn, &new.id, new.workflow.as_str(), &new.changes)?;
    let summary = new.changes.summary.take();
    let runnable = new.changes.runnable.take().and_then(runnable_column);
    let status = summary.as_ref().map_or(new.status, |s| s.status);
    let end_time = summary.as_ref().and_then(|s| s.end_time);
    let position = Segment::count(&text.journal);
    // The primary key is the check that the id is new.
    insert_new(
        conn,
        "INSERT INTO run (id, workflow, version, status, start_time, end_time, trigger_name, \
         trigger_status, trigger_code, trigger_outputs, trigger_at, outputs, error, \
         client_tracking_id, position, idempotency_key, runnable_at, fired_history) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            new.id.as_str(),
            new.workflow.as_str(),
            signed(new.version.0)?,
            status.as_str(),
            micros(new.start_time),
            opt_micros(end_time),
            new.trigger.name.as_str(),
            new.trigger.status.as_str(),
            new.trigger.code,
            text.trigger_outputs,
            micros(new.trigger.at),
            text.changes.summary_outputs,
            text.changes.summary_error,
            new.client_tracking_id,
            signed(position)?,
            new.idempotency_key,
            runnable,
            new.records_history
        ],
        Entity::Run,
        &new.id,
    )?;
    if let Some(segment) = text.journal {
        journal::insert(conn, &new.id, 0, segment)?;
    }
    // A callback names an existing run, so none can wait for this one yet: no inbox check.
    apply_side_tables(conn, &new.id, new.changes, text.changes)?;
    // Built from what was written rather than read back: one query less per run.
    Ok(Creation::Created(Box::new(Run {
        id: new.id,
        workflow: new.workflow,
        version: new.version,
        status,
        start_time: new.start_time,
        end_time,
        trigger: new.trigger,
        outputs: summary.as_ref().and_then(|s| s.outputs.clone()),
        error: summary.and_then(|s| s.error),
        client_tracking_id: new.client_tracking_id,
        position,
    })))
}

/// The runnable time an append leaves: the one it sets (`?3`: whether it sets one, `?4`:
/// the time) or the one there was, but never later than the first pending callback.
macro_rules! next_runnable {
    () => {
        "runnable_at = (SELECT CASE \
            WHEN p.first IS NULL THEN r.next \
            WHEN r.next IS NULL OR p.first < r.next THEN p.first \
            ELSE r.next END \
          FROM (SELECT CASE WHEN ?3 THEN ?4 ELSE run.runnable_at END AS next) AS r, \
               (SELECT MIN(received_at) AS first FROM callback \
                WHERE callback.run = ?1 AND consumed = 0) AS p)"
    };
}

/// Appends at the expected position, under the lease if one is given.
pub(crate) fn append(
    conn: &Connection,
    mut append: Append,
    entries: Option<Segment>,
    mut text: ChangesText,
) -> Result<u64> {
    let fence: Option<(i64, Option<String>, i64, String)> = query_optional(
        conn,
        "SELECT position, lease_owner, lease_epoch, workflow FROM run WHERE id = ?1",
        [append.run.as_str()],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
    )?;
    let (position, owner, epoch, workflow) =
        fence.ok_or_else(|| Error::not_found(Entity::Run, &append.run))?;
    let (position, epoch) = (unsigned(position)?, unsigned(epoch)?);
    if position != append.expected_position {
        return Err(Error::PositionConflict {
            run: append.run.to_string(),
            expected: append.expected_position,
            actual: position,
        });
    }
    if let Some(lease) = &append.lease {
        if lease.epoch != epoch || owner.as_deref() != Some(lease.owner.as_str()) {
            return Err(Error::LeaseLost {
                run: append.run.to_string(),
                epoch: lease.epoch,
                current: epoch,
            });
        }
    }
    check_side_tables(conn, &append.run, &workflow, &append.changes)?;
    let id = append.run.as_str();
    let new_position = position + Segment::count(&entries);
    if let Some(segment) = entries {
        journal::insert(conn, &append.run, position, segment)?;
    }
    let summary = append.changes.summary.take();
    let runnable = append.changes.runnable.take();
    let summary_outputs = text.summary_outputs.take();
    let summary_error = text.summary_error.take();
    apply_side_tables(conn, &append.run, append.changes, text)?;
    // One update for the fence, the runnable time and (when the run finished) the
    // summary; the status columns are set only then, so other appends leave the status
    // indexes alone. Pending callbacks keep the run runnable whatever the write said, so a
    // callback accepted while the run was being processed is never parked.
    let runnable_set = runnable.is_some();
    let runnable_at = runnable.and_then(runnable_column);
    match summary {
        None => execute(
            conn,
            concat!(
                "UPDATE run SET position = ?2, ",
                next_runnable!(),
                " WHERE id = ?1"
            ),
            params![id, signed(new_position)?, runnable_set, runnable_at],
        )?,
        Some(summary) => execute(
            conn,
            concat!(
                "UPDATE run SET position = ?2, ",
                next_runnable!(),
                ", status = ?5, end_time = ?6, outputs = ?7, error = ?8 WHERE id = ?1"
            ),
            params![
                id,
                signed(new_position)?,
                runnable_set,
                runnable_at,
                summary.status.as_str(),
                opt_micros(summary.end_time),
                summary_outputs,
                summary_error
            ],
        )?,
    };
    Ok(new_position)
}
