//! Runs, journals, action records and trigger histories in SQLite, and the one write that
//! applies `RunChanges` (shared by `create_run` and `append`).

use hookflow_store::{
    ActionKey, ActionRecord, Append, Creation, Entity, Error, HistoryId, JournalEntry,
    LedgerChange, NewRun, Page, PageRequest, Repetition, Result, Run, RunChanges, RunId, RunQuery,
    RunStatus, RunStore, RunTrigger, Runnable, StoredEntry, TimerChange, TriggerHistory,
    TriggerName, VersionId, WorkflowName,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::codec::{
    collect, json, json_text, micros, opt_json, opt_json_text, opt_micros, opt_time, signed,
    stored, time, unsigned, Sql,
};
use crate::ledger::{record_entry, update_entry};
use crate::workflow::require_workflow;
use crate::SqliteStore;

const RUN_COLUMNS: &str = "id, workflow, version, status, start_time, end_time, trigger_name, \
     trigger_status, trigger_code, trigger_outputs, trigger_at, outputs, error, \
     client_tracking_id, position";

fn run_row(row: &Row) -> Result<Run> {
    Ok(Run {
        id: stored(RunId::parse(&row.get::<_, String>(0).sql()?))?,
        workflow: stored(WorkflowName::new(row.get::<_, String>(1).sql()?))?,
        version: VersionId(unsigned(row.get(2).sql()?)?),
        status: stored(RunStatus::parse(&row.get::<_, String>(3).sql()?))?,
        start_time: time(row.get(4).sql()?)?,
        end_time: opt_time(row.get(5).sql()?)?,
        trigger: RunTrigger {
            name: stored(TriggerName::new(row.get::<_, String>(6).sql()?))?,
            status: stored(RunStatus::parse(&row.get::<_, String>(7).sql()?))?,
            code: row.get(8).sql()?,
            outputs: opt_json(row.get(9).sql()?)?,
            at: time(row.get(10).sql()?)?,
        },
        outputs: opt_json(row.get(11).sql()?)?,
        error: opt_json(row.get(12).sql()?)?,
        client_tracking_id: row.get(13).sql()?,
        position: unsigned(row.get(14).sql()?)?,
    })
}

pub(crate) fn load_run(conn: &Connection, id: &RunId) -> Result<Run> {
    conn.query_row(
        &format!("SELECT {RUN_COLUMNS} FROM run WHERE id = ?1"),
        [id.as_str()],
        |row| Ok(run_row(row)),
    )
    .optional()
    .sql()?
    .ok_or_else(|| Error::not_found(Entity::Run, id))?
}

pub(crate) fn require_run(conn: &Connection, id: &RunId) -> Result<()> {
    let found: Option<i64> = conn
        .query_row("SELECT 1 FROM run WHERE id = ?1", [id.as_str()], |row| {
            row.get(0)
        })
        .optional()
        .sql()?;
    found
        .map(|_| ())
        .ok_or_else(|| Error::not_found(Entity::Run, id))
}

fn insert_entries(
    conn: &Connection,
    run: &RunId,
    from: u64,
    entries: &[JournalEntry],
) -> Result<()> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO journal (run, position, kind, payload, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .sql()?;
    for (offset, entry) in entries.iter().enumerate() {
        stmt.execute(params![
            run.as_str(),
            signed(from + offset as u64)?,
            entry.kind,
            json_text(&entry.payload),
            micros(entry.at)
        ])
        .sql()?;
    }
    Ok(())
}

/// Writes every part of `changes` for an existing run. Any error leaves partial writes
/// behind: the caller's savepoint rolls them back.
fn apply_changes(conn: &Connection, run: &RunId, changes: RunChanges) -> Result<()> {
    let id = run.as_str();
    if let Some(summary) = changes.summary {
        conn.execute(
            "UPDATE run SET status = ?2, end_time = ?3, outputs = ?4, error = ?5 WHERE id = ?1",
            params![
                id,
                summary.status.as_str(),
                opt_micros(summary.end_time),
                opt_json_text(&summary.outputs),
                opt_json_text(&summary.error)
            ],
        )
        .sql()?;
    }
    for change in changes.timers {
        match change {
            TimerChange::Schedule {
                id: timer,
                due,
                payload,
            } => conn
                .execute(
                    "INSERT OR REPLACE INTO timer (run, id, due, payload) VALUES (?1, ?2, ?3, ?4)",
                    params![id, timer.as_str(), micros(due), json_text(&payload)],
                )
                .sql()?,
            TimerChange::Cancel { id: timer } => conn
                .execute(
                    "DELETE FROM timer WHERE run = ?1 AND id = ?2",
                    params![id, timer.as_str()],
                )
                .sql()?,
        };
    }
    for callback in changes.consume_callbacks {
        let consumed: Option<i64> = conn
            .query_row(
                "SELECT consumed FROM callback WHERE id = ?1 AND run = ?2",
                params![signed(callback.0)?, id],
                |row| row.get(0),
            )
            .optional()
            .sql()?;
        match consumed {
            None => return Err(Error::not_found(Entity::Callback, callback)),
            Some(0) => {}
            Some(_) => {
                return Err(Error::AlreadyConsumed {
                    run: id.to_owned(),
                    id: callback.0,
                })
            }
        }
        conn.execute(
            "UPDATE callback SET consumed = 1 WHERE id = ?1",
            [signed(callback.0)?],
        )
        .sql()?;
    }
    for change in changes.ledger {
        match change {
            LedgerChange::Record(entry) => record_entry(conn, &entry)?,
            LedgerChange::Update(update) => {
                update_entry(conn, &update)?;
            }
        }
    }
    for record in changes.actions {
        upsert_action(conn, id, &record)?;
    }
    if let Some(runnable) = changes.runnable {
        let at = match runnable {
            Runnable::At(at) => Some(micros(at)),
            Runnable::Idle => None,
        };
        conn.execute(
            "UPDATE run SET runnable_at = ?2 WHERE id = ?1",
            params![id, at],
        )
        .sql()?;
    }
    // Pending callbacks keep the run runnable whatever the write said, so a callback
    // accepted while the run was being processed is never parked.
    conn.execute(
        "UPDATE run SET runnable_at = \
           CASE WHEN p.first IS NULL THEN runnable_at \
                WHEN runnable_at IS NULL OR p.first < runnable_at THEN p.first \
                ELSE runnable_at END \
         FROM (SELECT MIN(received_at) AS first FROM callback WHERE run = ?1 AND consumed = 0) AS p \
         WHERE id = ?1",
        [id],
    )
    .sql()?;
    Ok(())
}

fn upsert_action(conn: &Connection, run: &str, record: &ActionRecord) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO action (run, name, repetition, seq, status, code, start_time, \
         end_time, inputs, outputs, error) VALUES (?1, ?2, ?3, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM action WHERE run = ?1), \
         ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            run,
            record.key.name,
            record.key.repetition.name(),
            record.status.as_str(),
            record.code,
            opt_micros(record.start_time),
            opt_micros(record.end_time),
            opt_json_text(&record.inputs),
            opt_json_text(&record.outputs),
            opt_json_text(&record.error)
        ],
    )
    .sql()?;
    Ok(())
}

const ACTION_COLUMNS: &str =
    "name, repetition, status, code, start_time, end_time, inputs, outputs, error";

fn action_row(row: &Row) -> Result<ActionRecord> {
    Ok(ActionRecord {
        key: ActionKey {
            name: row.get(0).sql()?,
            repetition: stored(Repetition::parse(&row.get::<_, String>(1).sql()?))?,
        },
        status: stored(RunStatus::parse(&row.get::<_, String>(2).sql()?))?,
        code: row.get(3).sql()?,
        start_time: opt_time(row.get(4).sql()?)?,
        end_time: opt_time(row.get(5).sql()?)?,
        inputs: opt_json(row.get(6).sql()?)?,
        outputs: opt_json(row.get(7).sql()?)?,
        error: opt_json(row.get(8).sql()?)?,
    })
}

/// The record shown for each action name: outside loops if there is one, else the latest
/// written repetition.
const SHOWN_ACTIONS: &str = "SELECT name, repetition, status, code, start_time, end_time, \
     inputs, outputs, error FROM ( \
       SELECT *, ROW_NUMBER() OVER (PARTITION BY name \
         ORDER BY repetition = '' DESC, seq DESC) AS pick FROM action WHERE run = ?1 \
     ) WHERE pick = 1";

fn insert_history(conn: &Connection, history: &TriggerHistory) -> Result<()> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM trigger_history WHERE workflow = ?1 AND trigger = ?2 AND id = ?3",
            params![
                history.workflow.as_str(),
                history.trigger.as_str(),
                history.id.as_str()
            ],
            |row| row.get(0),
        )
        .optional()
        .sql()?;
    if exists.is_some() {
        return Err(Error::already_exists(Entity::TriggerHistory, &history.id));
    }
    conn.execute(
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
            opt_json_text(&history.inputs),
            opt_json_text(&history.outputs),
            opt_json_text(&history.error)
        ],
    )
    .sql()?;
    Ok(())
}

const HISTORY_COLUMNS: &str = "workflow, trigger, id, start_time, end_time, status, code, fired, \
     run, inputs, outputs, error";

fn history_row(row: &Row) -> Result<TriggerHistory> {
    Ok(TriggerHistory {
        workflow: stored(WorkflowName::new(row.get::<_, String>(0).sql()?))?,
        trigger: stored(TriggerName::new(row.get::<_, String>(1).sql()?))?,
        id: stored(HistoryId::new(row.get::<_, String>(2).sql()?))?,
        start_time: time(row.get(3).sql()?)?,
        end_time: opt_time(row.get(4).sql()?)?,
        status: stored(RunStatus::parse(&row.get::<_, String>(5).sql()?))?,
        code: row.get(6).sql()?,
        fired: row.get(7).sql()?,
        run: row
            .get::<_, Option<String>>(8)
            .sql()?
            .map(|id| stored(RunId::parse(&id)))
            .transpose()?,
        inputs: opt_json(row.get(9).sql()?)?,
        outputs: opt_json(row.get(10).sql()?)?,
        error: opt_json(row.get(11).sql()?)?,
    })
}

fn create(conn: &Connection, new: NewRun) -> Result<Creation> {
    require_workflow(conn, &new.workflow)?;
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM run WHERE id = ?1",
            [new.id.as_str()],
            |row| row.get(0),
        )
        .optional()
        .sql()?;
    if exists.is_some() {
        return Err(Error::already_exists(Entity::Run, &new.id));
    }
    if let Some(key) = &new.idempotency_key {
        let original: Option<String> = conn
            .query_row(
                "SELECT id FROM run WHERE workflow = ?1 AND trigger_name = ?2 AND idempotency_key = ?3",
                params![new.workflow.as_str(), new.trigger.name.as_str(), key],
                |row| row.get(0),
            )
            .optional()
            .sql()?;
        if let Some(original) = original {
            return Ok(Creation::Duplicate {
                original: stored(RunId::parse(&original))?,
            });
        }
    }
    conn.execute(
        "INSERT INTO run (id, workflow, version, status, start_time, trigger_name, trigger_status, \
         trigger_code, trigger_outputs, trigger_at, client_tracking_id, position, idempotency_key) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            new.id.as_str(),
            new.workflow.as_str(),
            signed(new.version.0)?,
            new.status.as_str(),
            micros(new.start_time),
            new.trigger.name.as_str(),
            new.trigger.status.as_str(),
            new.trigger.code,
            opt_json_text(&new.trigger.outputs),
            micros(new.trigger.at),
            new.client_tracking_id,
            signed(new.entries.len() as u64)?,
            new.idempotency_key
        ],
    )
    .sql()?;
    insert_entries(conn, &new.id, 0, &new.entries)?;
    if let Some(history) = &new.history {
        insert_history(conn, history)?;
    }
    apply_changes(conn, &new.id, new.changes)?;
    Ok(Creation::Created(Box::new(load_run(conn, &new.id)?)))
}

fn append(conn: &Connection, append: Append) -> Result<u64> {
    let fence: Option<(i64, Option<String>, i64)> = conn
        .query_row(
            "SELECT position, lease_owner, lease_epoch FROM run WHERE id = ?1",
            [append.run.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .sql()?;
    let (position, owner, epoch) =
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
    insert_entries(conn, &append.run, position, &append.entries)?;
    apply_changes(conn, &append.run, append.changes)?;
    let new_position = position + append.entries.len() as u64;
    conn.execute(
        "UPDATE run SET position = ?2 WHERE id = ?1",
        params![append.run.as_str(), signed(new_position)?],
    )
    .sql()?;
    Ok(new_position)
}

impl RunStore for SqliteStore {
    async fn create_run(&self, new: NewRun) -> Result<Creation> {
        self.write(move |conn| create(conn, new)).await
    }

    async fn append(&self, request: Append) -> Result<u64> {
        self.write(move |conn| append(conn, request)).await
    }

    async fn load_journal(&self, run: &RunId, from: u64) -> Result<Vec<StoredEntry>> {
        let run = run.clone();
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        self.read(move |conn| {
            require_run(conn, &run)?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT position, kind, payload, at FROM journal \
                     WHERE run = ?1 AND position >= ?2 ORDER BY position",
                )
                .sql()?;
            let rows = stmt
                .query_map(params![run.as_str(), from], |row| {
                    Ok((|| {
                        Ok(StoredEntry {
                            position: unsigned(row.get(0).sql()?)?,
                            entry: JournalEntry {
                                kind: row.get(1).sql()?,
                                payload: json(&row.get::<_, String>(2).sql()?)?,
                                at: time(row.get(3).sql()?)?,
                            },
                        })
                    })())
                })
                .sql()?;
            collect(rows)
        })
        .await
    }

    async fn get_run(&self, run: &RunId) -> Result<Run> {
        let run = run.clone();
        self.read(move |conn| load_run(conn, &run)).await
    }

    async fn list_runs(&self, query: RunQuery) -> Result<Page<Run>> {
        let top = query.page.checked_top()?;
        let before = query.page.continuation.map(|c| c.0);
        self.read(move |conn| {
            require_workflow(conn, &query.workflow)?;
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {RUN_COLUMNS} FROM run WHERE workflow = ?1 \
                     AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR id < ?3) \
                     ORDER BY id DESC LIMIT ?4"
                ))
                .sql()?;
            let rows = stmt
                .query_map(
                    params![
                        query.workflow.as_str(),
                        query.status.map(RunStatus::as_str),
                        before,
                        (top + 1) as i64
                    ],
                    |row| Ok(run_row(row)),
                )
                .sql()?;
            Ok(Page::from_overfetch(collect(rows)?, top, |r| {
                r.id.to_string()
            }))
        })
        .await
    }

    async fn list_actions(&self, run: &RunId) -> Result<Vec<ActionRecord>> {
        let run = run.clone();
        self.read(move |conn| {
            require_run(conn, &run)?;
            let mut stmt = conn
                .prepare_cached(&format!("{SHOWN_ACTIONS} ORDER BY name"))
                .sql()?;
            let rows = stmt
                .query_map([run.as_str()], |row| Ok(action_row(row)))
                .sql()?;
            collect(rows)
        })
        .await
    }

    async fn get_action(&self, run: &RunId, name: &str) -> Result<ActionRecord> {
        let (run, name) = (run.clone(), name.to_owned());
        self.read(move |conn| {
            require_run(conn, &run)?;
            conn.query_row(
                &format!("{SHOWN_ACTIONS} AND name = ?2"),
                params![run.as_str(), name],
                |row| Ok(action_row(row)),
            )
            .optional()
            .sql()?
            .ok_or_else(|| Error::not_found(Entity::Action, format!("{run}/{name}")))?
        })
        .await
    }

    async fn list_repetitions(
        &self,
        run: &RunId,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<ActionRecord>> {
        let top = page.checked_top()?;
        let after = page.continuation.map(|c| c.0);
        let (run, name) = (run.clone(), name.to_owned());
        self.read(move |conn| {
            require_run(conn, &run)?;
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {ACTION_COLUMNS} FROM action WHERE run = ?1 AND name = ?2 \
                     AND repetition <> '' AND (?3 IS NULL OR repetition > ?3) \
                     ORDER BY repetition LIMIT ?4"
                ))
                .sql()?;
            let rows = stmt
                .query_map(
                    params![run.as_str(), name, after, (top + 1) as i64],
                    |row| Ok(action_row(row)),
                )
                .sql()?;
            Ok(Page::from_overfetch(collect(rows)?, top, |a| {
                a.key.repetition.name()
            }))
        })
        .await
    }

    async fn record_trigger_history(&self, history: TriggerHistory) -> Result<()> {
        self.write(move |conn| {
            require_workflow(conn, &history.workflow)?;
            insert_history(conn, &history)
        })
        .await
    }

    async fn get_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        id: &HistoryId,
    ) -> Result<TriggerHistory> {
        let (workflow, trigger, id) = (workflow.clone(), trigger.clone(), id.clone());
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {HISTORY_COLUMNS} FROM trigger_history \
                     WHERE workflow = ?1 AND trigger = ?2 AND id = ?3"
                ),
                params![workflow.as_str(), trigger.as_str(), id.as_str()],
                |row| Ok(history_row(row)),
            )
            .optional()
            .sql()?
            .ok_or_else(|| Error::not_found(Entity::TriggerHistory, &id))?
        })
        .await
    }

    async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        page: PageRequest,
    ) -> Result<Page<TriggerHistory>> {
        let top = page.checked_top()?;
        let before = page.continuation.map(|c| c.0);
        let (workflow, trigger) = (workflow.clone(), trigger.clone());
        self.read(move |conn| {
            require_workflow(conn, &workflow)?;
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {HISTORY_COLUMNS} FROM trigger_history \
                     WHERE workflow = ?1 AND trigger = ?2 AND (?3 IS NULL OR id < ?3) \
                     ORDER BY id DESC LIMIT ?4"
                ))
                .sql()?;
            let rows = stmt
                .query_map(
                    params![
                        workflow.as_str(),
                        trigger.as_str(),
                        before,
                        (top + 1) as i64
                    ],
                    |row| Ok(history_row(row)),
                )
                .sql()?;
            Ok(Page::from_overfetch(collect(rows)?, top, |h| {
                h.id.to_string()
            }))
        })
        .await
    }
}
