//! Runs, journals, action records and trigger histories in SQLite, and the one write that
//! applies `RunChanges` (shared by `create_run` and `append`).

use hookflow_store::{
    ActionRecord, Append, Creation, Entity, Error, HistoryId, NewRun, Page, PageRequest, Result,
    Run, RunId, RunQuery, RunStatus, RunStore, StoredEntry, TriggerHistory, TriggerName,
    WaitingRuns, WorkflowName,
};
use rusqlite::{params, params_from_iter, Connection, Row, ToSql};

use crate::codec::{collect, exists, query_optional, unsigned, Sql};
use crate::journal::{self, Segment};
use crate::run_write::{self, ChangesText, CreateText, HistoryText, FIRED_HISTORY_COLUMNS};
use crate::workflow::require_workflow;
use crate::SqliteStore;

const RUN_COLUMNS: &str = "id, workflow, version, status, start_time, end_time, trigger_name, \
     trigger_status, trigger_code, trigger_outputs, trigger_at, outputs, error, \
     client_tracking_id, position";

fn run_row(row: &Row) -> Result<Run> {
    hookflow_store::sql_row::run(&crate::codec::Cols(row))
}

pub(crate) fn load_run(conn: &Connection, id: &RunId) -> Result<Run> {
    query_optional(
        conn,
        &format!("SELECT {RUN_COLUMNS} FROM run WHERE id = ?1"),
        [id.as_str()],
        |row| Ok(run_row(row)),
    )?
    .ok_or_else(|| Error::not_found(Entity::Run, id))?
}

pub(crate) fn require_run(conn: &Connection, id: &RunId) -> Result<()> {
    match exists(conn, "SELECT 1 FROM run WHERE id = ?1", [id.as_str()])? {
        true => Ok(()),
        false => Err(Error::not_found(Entity::Run, id)),
    }
}

const ACTION_COLUMNS: &str =
    "name, repetition, status, code, start_time, end_time, inputs, outputs, error";

fn action_row(row: &Row) -> Result<ActionRecord> {
    hookflow_store::sql_row::action(&crate::codec::Cols(row))
}

/// The record shown for each action name: outside loops if there is one, else the latest
/// written repetition (the highest rowid: a write replaces the row, migration 8).
const SHOWN_ACTIONS: &str = "SELECT name, repetition, status, code, start_time, end_time, \
     inputs, outputs, error FROM ( \
       SELECT *, ROW_NUMBER() OVER (PARTITION BY name \
         ORDER BY repetition = '' DESC, rowid DESC) AS pick FROM action WHERE run = ?1 \
     ) WHERE pick = 1";

/// Both waiting-run counts in one statement, so they come from one snapshot. Each side is
/// driven by a partial index of migration 3 holding only waiting rows: parked runs from
/// `action_waiting` (the `IN` list also makes a run waiting in several actions count
/// once), each looked up by primary key to drop finished ones ('Running' and 'Waiting'
/// are the statuses that are not terminal); queued runs from `run_queued`. The unit test
/// below checks the plan.
const WAITING_RUNS: &str = "SELECT \
     (SELECT COUNT(*) FROM run WHERE status IN ('Running', 'Waiting') \
        AND id IN (SELECT run FROM action WHERE status = 'Waiting')), \
     (SELECT COUNT(*) FROM run WHERE status = 'Waiting')";

/// A page of a workflow's runs, newest first: `?1` the workflow, then the status when
/// filtered, the id to continue below when continued, and the row limit. Each filter gets
/// its own statement so the page is a range of one index, read from where it starts, not
/// a scan of every newer run: `run_by_status` for a status it holds (the query repeats
/// the partial index's condition, which is how SQLite knows it may use it), and
/// `run_by_workflow` otherwise. `Succeeded`, the status most runs end in, is left out of
/// `run_by_status` (migration 6), so its runs are found in `run_by_workflow`, where
/// most rows are succeeded ones.
fn list_runs_sql(status: Option<RunStatus>, continued: bool) -> String {
    let mut sql = format!("SELECT {RUN_COLUMNS} FROM run WHERE workflow = ?1");
    let mut next = 2;
    if let Some(status) = status {
        sql.push_str(&format!(" AND status = ?{next}"));
        if status != RunStatus::Succeeded {
            sql.push_str(" AND status <> 'Succeeded'");
        }
        next += 1;
    }
    if continued {
        sql.push_str(&format!(" AND id < ?{next}"));
        next += 1;
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{next}"));
    sql
}

/// A page of an action's repetitions in key order: `?1` the run, `?2` the action, `?3`
/// the repetition to continue after when continued, `?4` the row limit. Both are ranges
/// of `action_key` (the record outside any loop, `''`, sorts first), so a long loop's
/// later pages do not read its earlier repetitions again.
fn list_repetitions_sql(continued: bool) -> String {
    let after = if continued { "?3" } else { "''" };
    format!(
        "SELECT {ACTION_COLUMNS} FROM action WHERE run = ?1 AND name = ?2 \
         AND repetition > {after} ORDER BY repetition LIMIT ?4"
    )
}

/// A page of a trigger's histories, newest first: those recorded on their own and the
/// runs that are their own fired history (migration 5), merged. `?1` the workflow, `?2`
/// the trigger, `?3` the status when filtered, `?4` the id to continue below when
/// continued, `?5` the row limit. As with [`list_runs_sql`], each filter gets its own
/// statement, so a continued page starts where the last one ended in both tables
/// instead of reading every newer entry first.
fn list_histories_sql(status: bool, continued: bool) -> String {
    let mut recorded = String::from("workflow = ?1 AND trigger = ?2");
    let mut fired = String::from("workflow = ?1 AND trigger_name = ?2 AND fired_history = 1");
    if status {
        recorded.push_str(" AND status = ?3");
        fired.push_str(" AND trigger_status = ?3");
    }
    if continued {
        recorded.push_str(" AND id < ?4");
        fired.push_str(" AND id < ?4");
    }
    format!(
        "SELECT {HISTORY_COLUMNS} FROM trigger_history WHERE {recorded} \
         UNION ALL SELECT {FIRED_HISTORY_COLUMNS} FROM run WHERE {fired} \
         ORDER BY 3 DESC LIMIT ?5"
    )
}

const HISTORY_COLUMNS: &str = "workflow, trigger, id, start_time, end_time, status, code, fired, \
     run, inputs, outputs, error";

fn history_row(row: &Row) -> Result<TriggerHistory> {
    hookflow_store::sql_row::history(&crate::codec::Cols(row))
}

impl RunStore for SqliteStore {
    async fn create_run(&self, mut new: NewRun) -> Result<Creation> {
        let text = CreateText::of(&mut new)?;
        self.write_checked(move |conn| run_write::create(conn, new, text))
            .await
    }

    async fn append(&self, mut request: Append) -> Result<u64> {
        let entries = Segment::of(std::mem::take(&mut request.entries))?;
        let text = ChangesText::of(&mut request.changes);
        self.write_checked(move |conn| run_write::append(conn, request, entries, text))
            .await
    }

    async fn load_journal(&self, run: &RunId, from: u64) -> Result<Vec<StoredEntry>> {
        let run = run.clone();
        self.read(move |conn| {
            require_run(conn, &run)?;
            journal::read(conn, &run, from)
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
            let workflow = query.workflow.as_str();
            let mut values: Vec<&dyn ToSql> = vec![&workflow];
            let status = query.status.map(RunStatus::as_str);
            if let Some(status) = &status {
                values.push(status);
            }
            if let Some(before) = &before {
                values.push(before);
            }
            let limit = (top + 1) as i64;
            values.push(&limit);
            let mut stmt = conn
                .prepare_cached(&list_runs_sql(query.status, before.is_some()))
                .sql()?;
            let rows = stmt
                .query_map(params_from_iter(values), |row| Ok(run_row(row)))
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
            query_optional(
                conn,
                &format!("{SHOWN_ACTIONS} AND name = ?2"),
                params![run.as_str(), name],
                |row| Ok(action_row(row)),
            )?
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
                .prepare_cached(&list_repetitions_sql(after.is_some()))
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
        let text = HistoryText::of(&history);
        self.write(move |conn| {
            require_workflow(conn, &history.workflow)?;
            run_write::insert_history(conn, &history, text)
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
            query_optional(
                conn,
                &format!(
                    "SELECT {HISTORY_COLUMNS} FROM trigger_history \
                     WHERE workflow = ?1 AND trigger = ?2 AND id = ?3 \
                     UNION ALL SELECT {FIRED_HISTORY_COLUMNS} FROM run \
                     WHERE id = ?3 AND workflow = ?1 AND trigger_name = ?2 AND fired_history = 1"
                ),
                params![workflow.as_str(), trigger.as_str(), id.as_str()],
                |row| Ok(history_row(row)),
            )?
            .ok_or_else(|| Error::not_found(Entity::TriggerHistory, &id))?
        })
        .await
    }

    async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        status: Option<RunStatus>,
        page: PageRequest,
    ) -> Result<Page<TriggerHistory>> {
        let top = page.checked_top()?;
        let before = page.continuation.map(|c| c.0);
        let (workflow, trigger) = (workflow.clone(), trigger.clone());
        self.read(move |conn| {
            require_workflow(conn, &workflow)?;
            let mut stmt = conn
                .prepare_cached(&list_histories_sql(status.is_some(), before.is_some()))
                .sql()?;
            let rows = stmt
                .query_map(
                    params![
                        workflow.as_str(),
                        trigger.as_str(),
                        status.map(RunStatus::as_str),
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

    async fn waiting_runs(&self) -> Result<WaitingRuns> {
        self.read(|conn| {
            let (callback, queued): (i64, i64) = conn
                .prepare_cached(WAITING_RUNS)
                .sql()?
                .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
                .sql()?;
            Ok(WaitingRuns {
                callback: unsigned(callback)?,
                queued: unsigned(queued)?,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::{list_histories_sql, list_repetitions_sql, list_runs_sql, WAITING_RUNS};
    use crate::codec::Sql;
    use crate::{Options, SqliteStore};
    use hookflow_store::RunStatus;

    /// A store in a fresh directory, kept while the directory is.
    fn scratch_store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(Options::in_dir(dir.path())).expect("open");
        (dir, store)
    }

    /// The steps of `sql`'s query plan, its parameters left unbound.
    async fn plan(store: &SqliteStore, sql: String) -> Vec<String> {
        store
            .read(move |conn| {
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).sql()?;
                let mut rows = stmt.raw_query();
                let mut steps = Vec::new();
                while let Some(row) = rows.next().sql()? {
                    steps.push(row.get::<_, String>(3).sql()?);
                }
                Ok(steps)
            })
            .await
            .expect("plan")
    }

    /// Every page of a run listing is one range of one index, newest first: continuing
    /// starts where the last page ended (no scan of the newer runs), and nothing is sorted.
    #[tokio::test]
    async fn run_pages_are_index_ranges() {
        let (_dir, store) = scratch_store();
        let cases = [
            (None, "run_by_workflow (workflow=?"),
            (Some(RunStatus::Succeeded), "run_by_workflow (workflow=?"),
            (
                Some(RunStatus::Failed),
                "run_by_status (workflow=? AND status=?",
            ),
            (
                Some(RunStatus::Running),
                "run_by_status (workflow=? AND status=?",
            ),
        ];
        for (status, index) in cases {
            for continued in [false, true] {
                let plan = plan(&store, list_runs_sql(status, continued)).await;
                let range = if continued { " AND id<?)" } else { ")" };
                let expected = format!("SEARCH run USING INDEX {index}{range}");
                assert_eq!(plan, [expected], "status {status:?}, continued {continued}");
            }
        }
    }

    /// A page of trigger histories reads a range of each table's index, from where the
    /// last page ended, and merges the two without sorting.
    #[tokio::test]
    async fn history_pages_are_index_ranges() {
        let (_dir, store) = scratch_store();
        for status in [false, true] {
            for continued in [false, true] {
                let plan = plan(&store, list_histories_sql(status, continued)).await;
                let range = if continued { " AND id<?)" } else { ")" };
                assert_eq!(
                    plan,
                    [
                        "MERGE (UNION ALL)".to_string(),
                        "LEFT".into(),
                        format!(
                            "SEARCH trigger_history USING PRIMARY KEY \
                             (workflow=? AND trigger=?{range}"
                        ),
                        "RIGHT".into(),
                        format!("SEARCH run USING INDEX run_by_workflow (workflow=?{range}"),
                    ],
                    "status {status}, continued {continued}"
                );
            }
        }
    }

    /// A page of a loop's repetitions is one range of `action_key`, in key order.
    #[tokio::test]
    async fn repetition_pages_are_index_ranges() {
        let (_dir, store) = scratch_store();
        for continued in [false, true] {
            let plan = plan(&store, list_repetitions_sql(continued)).await;
            assert_eq!(
                plan,
                ["SEARCH action USING INDEX action_key (run=? AND name=? AND repetition>?)"],
                "continued {continued}"
            );
        }
    }

    /// The waiting-run counts read only the partial indexes of waiting rows: no step of
    /// the plan scans the run or action table, or an index of every run.
    #[tokio::test]
    async fn waiting_runs_are_counted_from_partial_indexes() {
        let (_dir, store) = scratch_store();
        let plan = plan(&store, WAITING_RUNS.to_string()).await;
        let scans: Vec<&String> = plan.iter().filter(|s| s.starts_with("SCAN")).collect();
        let allowed = |step: &str| {
            step == "SCAN CONSTANT ROW"
                || step.ends_with("INDEX action_waiting")
                || step.ends_with("INDEX run_queued")
        };
        assert!(scans.iter().all(|s| allowed(s)), "plan: {plan:#?}");
        for index in ["action_waiting", "run_queued"] {
            assert!(
                plan.iter().any(|s| s.contains(index)),
                "{index} unused; plan: {plan:#?}"
            );
        }
    }
}
