//! Workflows, versions, keys and trigger state in SQLite.

use chrono::{DateTime, Utc};
use hookflow_store::{
    AccessKey, AccessKeys, Entity, Error, KeyType, Page, PageRequest, Result, SaveOutcome,
    TriggerName, TriggerState, VersionId, VersionPrecondition, Workflow, WorkflowName,
    WorkflowSave, WorkflowState, WorkflowStore, WorkflowVersion,
};
use rusqlite::{params, Connection, Row};

use crate::codec::{
    collect, execute, exists, json_text, micros, query_optional, signed, unsigned, Sql,
};
use crate::SqliteStore;

const WORKFLOW_COLUMNS: &str = "w.name, w.version, w.state, v.definition, v.parameters, \
     w.created_at, w.changed_at";

fn workflow_row(row: &Row) -> Result<Workflow> {
    hookflow_store::sql_row::workflow(&crate::codec::Cols(row))
}

fn version_row(row: &Row) -> Result<WorkflowVersion> {
    hookflow_store::sql_row::version(&crate::codec::Cols(row))
}

pub(crate) fn load_workflow(conn: &Connection, name: &WorkflowName) -> Result<Workflow> {
    query_optional(
        conn,
        &format!(
            "SELECT {WORKFLOW_COLUMNS} FROM workflow w \
             JOIN workflow_version v ON v.workflow = w.name AND v.version = w.version \
             WHERE w.name = ?1"
        ),
        [name.as_str()],
        |row| Ok(workflow_row(row)),
    )?
    .ok_or_else(|| Error::not_found(Entity::Workflow, name))?
}

/// NotFound unless the workflow exists.
pub(crate) fn require_workflow(conn: &Connection, name: &WorkflowName) -> Result<()> {
    match exists(
        conn,
        "SELECT 1 FROM workflow WHERE name = ?1",
        [name.as_str()],
    )? {
        true => Ok(()),
        false => Err(Error::not_found(Entity::Workflow, name)),
    }
}

fn save(conn: &Connection, save: WorkflowSave) -> Result<SaveOutcome> {
    let current: Option<i64> = query_optional(
        conn,
        "SELECT version FROM workflow WHERE name = ?1",
        [save.name.as_str()],
        |row| row.get(0),
    )?;
    let actual = current.map(unsigned).transpose()?;
    let ok = match save.expect {
        VersionPrecondition::Any => true,
        VersionPrecondition::Absent => actual.is_none(),
        VersionPrecondition::Current(v) => actual == Some(v.0),
    };
    if !ok {
        return Err(Error::VersionConflict {
            name: save.name.to_string(),
            expected: match save.expect {
                VersionPrecondition::Current(v) => Some(v.0),
                _ => None,
            },
            actual,
        });
    }
    let version = actual.map_or(1, |v| v + 1);
    let at = micros(save.at);
    match actual {
        None => execute(
            conn,
            "INSERT INTO workflow (name, version, state, primary_key, secondary_key, \
                 created_at, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                save.name.as_str(),
                signed(version)?,
                save.state.as_str(),
                save.initial_keys.primary.0,
                save.initial_keys.secondary.0,
                at
            ],
        )?,
        Some(_) => execute(
            conn,
            "UPDATE workflow SET version = ?2, state = ?3, changed_at = ?4 WHERE name = ?1",
            params![
                save.name.as_str(),
                signed(version)?,
                save.state.as_str(),
                at
            ],
        )?,
    };
    execute(
        conn,
        "INSERT INTO workflow_version (workflow, version, definition, parameters, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            save.name.as_str(),
            signed(version)?,
            json_text(&save.definition),
            json_text(&save.parameters),
            at
        ],
    )?;
    Ok(SaveOutcome {
        workflow: load_workflow(conn, &save.name)?,
        created: actual.is_none(),
    })
}

/// Removes a workflow and everything hanging off it, runs included.
fn delete(conn: &Connection, name: &WorkflowName) -> Result<()> {
    require_workflow(conn, name)?;
    let name = name.as_str();
    for table in ["journal", "timer", "callback", "action"] {
        execute(
            conn,
            &format!("DELETE FROM {table} WHERE run IN (SELECT id FROM run WHERE workflow = ?1)"),
            [name],
        )?;
    }
    // Ledger entries stay as the record (an unsettled one is still reconciled), marked
    // as the deleted workflow's so a workflow re-created under this name starts afresh.
    execute(
        conn,
        "UPDATE ledger SET workflow_deleted = 1 WHERE workflow = ?1 AND workflow_deleted = 0",
        [name],
    )?;
    for table in [
        "run",
        "trigger_history",
        "trigger_state",
        "workflow_version",
    ] {
        execute(
            conn,
            &format!("DELETE FROM {table} WHERE workflow = ?1"),
            [name],
        )?;
    }
    execute(conn, "DELETE FROM workflow WHERE name = ?1", [name])?;
    Ok(())
}

fn trigger_state_row(row: &Row) -> Result<TriggerState> {
    hookflow_store::sql_row::trigger_state(&crate::codec::Cols(row))
}

const TRIGGER_COLUMNS: &str = "trigger, subscription, last_subscribe, last_unsubscribe, updated_at";

impl WorkflowStore for SqliteStore {
    async fn put_workflow(&self, new: WorkflowSave) -> Result<SaveOutcome> {
        self.write(move |conn| save(conn, new)).await
    }

    async fn get_workflow(&self, name: &WorkflowName) -> Result<Workflow> {
        let name = name.clone();
        self.read(move |conn| load_workflow(conn, &name)).await
    }

    async fn list_workflows(
        &self,
        state: Option<WorkflowState>,
        page: PageRequest,
    ) -> Result<Page<Workflow>> {
        let top = page.checked_top()?;
        let after = page.continuation.map(|c| c.0);
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {WORKFLOW_COLUMNS} FROM workflow w \
                     JOIN workflow_version v ON v.workflow = w.name AND v.version = w.version \
                     WHERE (?1 IS NULL OR w.name > ?1) AND (?2 IS NULL OR w.state = ?2) \
                     ORDER BY w.name LIMIT ?3"
                ))
                .sql()?;
            let rows = stmt
                .query_map(
                    params![after, state.map(WorkflowState::as_str), (top + 1) as i64],
                    |row| Ok(workflow_row(row)),
                )
                .sql()?;
            Ok(Page::from_overfetch(collect(rows)?, top, |w| {
                w.name.to_string()
            }))
        })
        .await
    }

    async fn delete_workflow(&self, name: &WorkflowName) -> Result<()> {
        let name = name.clone();
        self.write(move |conn| delete(conn, &name)).await
    }

    async fn set_workflow_state(
        &self,
        name: &WorkflowName,
        state: WorkflowState,
        at: DateTime<Utc>,
    ) -> Result<Workflow> {
        let name = name.clone();
        self.write(move |conn| {
            require_workflow(conn, &name)?;
            execute(
                conn,
                "UPDATE workflow SET state = ?2, changed_at = ?3 WHERE name = ?1",
                params![name.as_str(), state.as_str(), micros(at)],
            )?;
            load_workflow(conn, &name)
        })
        .await
    }

    async fn get_version(
        &self,
        name: &WorkflowName,
        version: VersionId,
    ) -> Result<WorkflowVersion> {
        let name = name.clone();
        self.read(move |conn| {
            query_optional(
                conn,
                "SELECT workflow, version, definition, parameters, created_at \
                 FROM workflow_version WHERE workflow = ?1 AND version = ?2",
                params![name.as_str(), signed(version.0)?],
                |row| Ok(version_row(row)),
            )?
            .ok_or_else(|| Error::not_found(Entity::WorkflowVersion, format!("{name}/{version}")))?
        })
        .await
    }

    async fn list_versions(
        &self,
        name: &WorkflowName,
        page: PageRequest,
    ) -> Result<Page<WorkflowVersion>> {
        let top = page.checked_top()?;
        let before = match &page.continuation {
            Some(token) => Some(signed(VersionId::parse(&token.0)?.0)?),
            None => None,
        };
        let name = name.clone();
        self.read(move |conn| {
            require_workflow(conn, &name)?;
            let mut stmt = conn
                .prepare(
                    "SELECT workflow, version, definition, parameters, created_at \
                     FROM workflow_version WHERE workflow = ?1 AND (?2 IS NULL OR version < ?2) \
                     ORDER BY version DESC LIMIT ?3",
                )
                .sql()?;
            let rows = stmt
                .query_map(params![name.as_str(), before, (top + 1) as i64], |row| {
                    Ok(version_row(row))
                })
                .sql()?;
            Ok(Page::from_overfetch(collect(rows)?, top, |v| {
                v.version.to_string()
            }))
        })
        .await
    }

    async fn access_keys(&self, name: &WorkflowName) -> Result<AccessKeys> {
        let name = name.clone();
        self.read(move |conn| {
            query_optional(
                conn,
                "SELECT primary_key, secondary_key FROM workflow WHERE name = ?1",
                [name.as_str()],
                |row| {
                    Ok(AccessKeys {
                        primary: AccessKey(row.get(0)?),
                        secondary: AccessKey(row.get(1)?),
                    })
                },
            )?
            .ok_or_else(|| Error::not_found(Entity::Workflow, &name))
        })
        .await
    }

    async fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
        new_key: AccessKey,
    ) -> Result<AccessKeys> {
        let name = name.clone();
        self.write(move |conn| {
            require_workflow(conn, &name)?;
            let column = match key_type {
                KeyType::Primary => "primary_key",
                KeyType::Secondary => "secondary_key",
            };
            execute(
                conn,
                &format!("UPDATE workflow SET {column} = ?2 WHERE name = ?1"),
                params![name.as_str(), new_key.0],
            )?;
            conn.query_row(
                "SELECT primary_key, secondary_key FROM workflow WHERE name = ?1",
                [name.as_str()],
                |row| {
                    Ok(AccessKeys {
                        primary: AccessKey(row.get(0)?),
                        secondary: AccessKey(row.get(1)?),
                    })
                },
            )
            .sql()
        })
        .await
    }

    async fn put_trigger_state(&self, name: &WorkflowName, state: TriggerState) -> Result<()> {
        let name = name.clone();
        self.write(move |conn| {
            require_workflow(conn, &name)?;
            execute(
                conn,
                "INSERT OR REPLACE INTO trigger_state (workflow, trigger, subscription, \
                 last_subscribe, last_unsubscribe, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    name.as_str(),
                    state.trigger.as_str(),
                    state.subscription.as_str(),
                    hookflow_store::sql_row::exchange_text(&state.last_subscribe),
                    hookflow_store::sql_row::exchange_text(&state.last_unsubscribe),
                    micros(state.updated_at)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_trigger_state(
        &self,
        name: &WorkflowName,
        trigger: &TriggerName,
    ) -> Result<Option<TriggerState>> {
        let (name, trigger) = (name.clone(), trigger.clone());
        self.read(move |conn| {
            require_workflow(conn, &name)?;
            query_optional(conn,
                &format!(
                    "SELECT {TRIGGER_COLUMNS} FROM trigger_state WHERE workflow = ?1 AND trigger = ?2"
                ),
                params![name.as_str(), trigger.as_str()],
                |row| Ok(trigger_state_row(row)),
            )?
            .transpose()
        })
        .await
    }

    async fn list_trigger_states(&self, name: &WorkflowName) -> Result<Vec<TriggerState>> {
        let name = name.clone();
        self.read(move |conn| {
            require_workflow(conn, &name)?;
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {TRIGGER_COLUMNS} FROM trigger_state WHERE workflow = ?1 ORDER BY trigger"
                ))
                .sql()?;
            let rows = stmt
                .query_map([name.as_str()], |row| Ok(trigger_state_row(row)))
                .sql()?;
            collect(rows)
        })
        .await
    }
}
