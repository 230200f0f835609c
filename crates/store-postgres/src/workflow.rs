//! Workflows, versions, keys and trigger state in PostgreSQL.

use chrono::{DateTime, Utc};
use hookflow_store::{
    AccessKey, AccessKeys, Entity, Error, KeyType, Page, PageRequest, Result, SaveOutcome,
    TriggerName, TriggerState, VersionId, VersionPrecondition, Workflow, WorkflowName,
    WorkflowSave, WorkflowState, WorkflowStore, WorkflowVersion,
};
use serde_json::json;
use tokio_postgres::Row;

use crate::codec::{json_text, micros, signed, time, Sql};
use crate::commit::Op;
use crate::PostgresStore;

macro_rules! workflow_select {
    () => {
        "SELECT w.name, w.version, w.state, v.definition, v.parameters, w.created_at, \
         w.changed_at FROM workflow w \
         JOIN workflow_version v ON v.workflow = w.name AND v.version = w.version "
    };
}

macro_rules! trigger_columns {
    () => {
        "trigger, subscription, last_subscribe, last_unsubscribe, updated_at"
    };
}

fn workflow_row(row: &Row) -> Result<Workflow> {
    hookflow_store::sql_row::workflow(&crate::codec::Cols(row))
}

fn version_row(row: &Row) -> Result<WorkflowVersion> {
    hookflow_store::sql_row::version(&crate::codec::Cols(row))
}

fn trigger_state_row(row: &Row) -> Result<TriggerState> {
    hookflow_store::sql_row::trigger_state(&crate::codec::Cols(row))
}

impl PostgresStore {
    pub(crate) async fn require_workflow(&self, name: &WorkflowName) -> Result<()> {
        self.readers()
            .query_opt("SELECT 1 FROM workflow WHERE name = $1", &[&name.as_str()])
            .await?
            .map(|_| ())
            .ok_or_else(|| Error::not_found(Entity::Workflow, name))
    }
}

impl WorkflowStore for PostgresStore {
    async fn put_workflow(&self, save: WorkflowSave) -> Result<SaveOutcome> {
        let (expect, expect_version) = match save.expect {
            VersionPrecondition::Any => ("any", None),
            VersionPrecondition::Absent => ("absent", None),
            VersionPrecondition::Current(v) => ("current", Some(signed(v.0)?)),
        };
        let argument = json!({
            "name": save.name.as_str(),
            "definition": json_text(&save.definition),
            "parameters": json_text(&save.parameters),
            "state": save.state.as_str(),
            "at": micros(save.at),
            "expect": expect,
            "expect_version": expect_version,
            "primary": save.initial_keys.primary.0,
            "secondary": save.initial_keys.secondary.0,
        });
        let done = self
            .write(Op::PutWorkflow, save.name.as_str(), &argument)
            .await;
        self.workflows().forget(save.name.as_str());
        let done = done?;
        let version = done["version"]
            .as_u64()
            .ok_or_else(|| Error::internal("save answered no version"))?;
        let created_at = done["created_at"]
            .as_i64()
            .ok_or_else(|| Error::internal("save answered no creation time"))?;
        Ok(SaveOutcome {
            workflow: Workflow {
                name: save.name,
                version: VersionId(version),
                state: save.state,
                definition: save.definition,
                parameters: save.parameters,
                created_at: time(created_at)?,
                changed_at: hookflow_store::timestamp::truncate(save.at),
            },
            created: done["created"].as_bool().unwrap_or(false),
        })
    }

    async fn get_workflow(&self, name: &WorkflowName) -> Result<Workflow> {
        if let Some(found) = self.workflows().workflow(name) {
            return Ok(found);
        }
        let ticket = self.workflows().ticket();
        let row = self
            .readers()
            .query_opt(
                concat!(workflow_select!(), "WHERE w.name = $1"),
                &[&name.as_str()],
            )
            .await?
            .ok_or_else(|| Error::not_found(Entity::Workflow, name))?;
        let workflow = workflow_row(&row)?;
        self.workflows().put_workflow(ticket, &workflow);
        Ok(workflow)
    }

    async fn list_workflows(
        &self,
        state: Option<WorkflowState>,
        page: PageRequest,
    ) -> Result<Page<Workflow>> {
        let top = page.checked_top()?;
        let after = page.continuation.map(|c| c.0);
        let rows = self
            .readers()
            .query(
                concat!(
                    workflow_select!(),
                    "WHERE ($1::text IS NULL OR w.name > $1) \
                     AND ($2::text IS NULL OR w.state = $2) ORDER BY w.name LIMIT $3"
                ),
                &[
                    &after,
                    &state.map(WorkflowState::as_str),
                    &((top + 1) as i64),
                ],
            )
            .await?;
        let items = rows.iter().map(workflow_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, top, |w| w.name.to_string()))
    }

    async fn delete_workflow(&self, name: &WorkflowName) -> Result<()> {
        let done = self
            .write(
                Op::DeleteWorkflow,
                name.as_str(),
                &json!({"name": name.as_str()}),
            )
            .await;
        self.workflows().forget(name.as_str());
        done.map(|_| ())
    }

    async fn set_workflow_state(
        &self,
        name: &WorkflowName,
        state: WorkflowState,
        at: DateTime<Utc>,
    ) -> Result<Workflow> {
        let done = self
            .write(
                Op::SetWorkflowState,
                name.as_str(),
                &json!({"name": name.as_str(), "state": state.as_str(), "at": micros(at)}),
            )
            .await;
        self.workflows().forget(name.as_str());
        done?;
        self.get_workflow(name).await
    }

    async fn get_version(
        &self,
        name: &WorkflowName,
        version: VersionId,
    ) -> Result<WorkflowVersion> {
        let row = self
            .readers()
            .query_opt(
                "SELECT workflow, version, definition, parameters, created_at \
                 FROM workflow_version WHERE workflow = $1 AND version = $2",
                &[&name.as_str(), &signed(version.0)?],
            )
            .await?
            .ok_or_else(|| {
                Error::not_found(Entity::WorkflowVersion, format!("{name}/{version}"))
            })?;
        version_row(&row)
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
        self.require_workflow(name).await?;
        let rows = self
            .readers()
            .query(
                "SELECT workflow, version, definition, parameters, created_at \
                 FROM workflow_version WHERE workflow = $1 AND ($2::bigint IS NULL OR version < $2) \
                 ORDER BY version DESC LIMIT $3",
                &[&name.as_str(), &before, &((top + 1) as i64)],
            )
            .await?;
        let items = rows.iter().map(version_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, top, |v| v.version.to_string()))
    }

    async fn access_keys(&self, name: &WorkflowName) -> Result<AccessKeys> {
        if let Some(found) = self.workflows().keys(name) {
            return Ok(found);
        }
        let ticket = self.workflows().ticket();
        let row = self
            .readers()
            .query_opt(
                "SELECT primary_key, secondary_key FROM workflow WHERE name = $1",
                &[&name.as_str()],
            )
            .await?
            .ok_or_else(|| Error::not_found(Entity::Workflow, name))?;
        let keys = AccessKeys {
            primary: AccessKey(row.try_get(0).sql()?),
            secondary: AccessKey(row.try_get(1).sql()?),
        };
        self.workflows().put_keys(ticket, name, &keys);
        Ok(keys)
    }

    async fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
        new_key: AccessKey,
    ) -> Result<AccessKeys> {
        let key_type = match key_type {
            KeyType::Primary => "primary",
            KeyType::Secondary => "secondary",
        };
        let keys = self
            .write(
                Op::RegenerateKey,
                name.as_str(),
                &json!({"name": name.as_str(), "key_type": key_type, "key": new_key.0}),
            )
            .await;
        self.workflows().forget(name.as_str());
        let keys = keys?;
        let key = |field: &str| {
            keys[field]
                .as_str()
                .map(|k| AccessKey(k.to_owned()))
                .ok_or_else(|| Error::internal("key regeneration answered no keys"))
        };
        Ok(AccessKeys {
            primary: key("primary")?,
            secondary: key("secondary")?,
        })
    }

    async fn put_trigger_state(&self, name: &WorkflowName, state: TriggerState) -> Result<()> {
        self.write(
            Op::PutTriggerState,
            name.as_str(),
            &json!({
                "workflow": name.as_str(),
                "trigger": state.trigger.as_str(),
                "subscription": state.subscription.as_str(),
                "last_subscribe": hookflow_store::sql_row::exchange_text(&state.last_subscribe),
                "last_unsubscribe": hookflow_store::sql_row::exchange_text(&state.last_unsubscribe),
                "updated_at": micros(state.updated_at),
            }),
        )
        .await?;
        Ok(())
    }

    async fn get_trigger_state(
        &self,
        name: &WorkflowName,
        trigger: &TriggerName,
    ) -> Result<Option<TriggerState>> {
        self.require_workflow(name).await?;
        self.readers()
            .query_opt(
                concat!(
                    "SELECT ",
                    trigger_columns!(),
                    " FROM trigger_state WHERE workflow = $1 AND trigger = $2"
                ),
                &[&name.as_str(), &trigger.as_str()],
            )
            .await?
            .as_ref()
            .map(trigger_state_row)
            .transpose()
    }

    async fn list_trigger_states(&self, name: &WorkflowName) -> Result<Vec<TriggerState>> {
        self.require_workflow(name).await?;
        let rows = self
            .readers()
            .query(
                concat!(
                    "SELECT ",
                    trigger_columns!(),
                    " FROM trigger_state WHERE workflow = $1 ORDER BY trigger"
                ),
                &[&name.as_str()],
            )
            .await?;
        rows.iter().map(trigger_state_row).collect()
    }
}
