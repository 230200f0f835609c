//! `MemoryStore`: every trait on plain collections behind one mutex. Same semantics as the
//! durable backends (it passes the conformance suite), nothing survives the process. For
//! tests and for trying hookflow without a data directory.

mod run;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::action::ActionRecord;
use crate::callback::Callback;
use crate::error::{Entity, Error, Result};
use crate::history::TriggerHistory;
use crate::id::{
    ActionKey, CallbackId, HistoryId, LeaseOwner, LedgerId, Repetition, RunId, TimerId,
    TriggerName, VersionId, WorkflowName,
};
use crate::journal::JournalEntry;
use crate::ledger::LedgerEntry;
use crate::page::{Page, PageRequest};
use crate::run::Run;
use crate::timer::Timer;
use crate::workflow::{
    AccessKey, AccessKeys, KeyType, SaveOutcome, TriggerState, VersionPrecondition, Workflow,
    WorkflowSave, WorkflowState, WorkflowStore, WorkflowVersion,
};

/// An in-memory store; clones share the data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    workflows: BTreeMap<WorkflowName, WorkflowEntry>,
    runs: BTreeMap<RunId, RunEntry>,
    /// (workflow, trigger, key) → run, for trigger idempotency.
    run_keys: HashMap<(WorkflowName, TriggerName, String), RunId>,
    histories: BTreeMap<(WorkflowName, TriggerName, HistoryId), TriggerHistory>,
    /// Ledger entries with their insertion sequence (the "oldest first" order).
    ledger: BTreeMap<LedgerId, (u64, LedgerEntry)>,
    ledger_seq: u64,
    callback_seq: u64,
    /// Orders action record writes, so "most recently written repetition" is defined.
    action_seq: u64,
}

#[derive(Debug)]
struct WorkflowEntry {
    current: Workflow,
    versions: BTreeMap<VersionId, WorkflowVersion>,
    keys: AccessKeys,
    triggers: BTreeMap<TriggerName, TriggerState>,
}

#[derive(Debug)]
struct RunEntry {
    run: Run,
    journal: Vec<JournalEntry>,
    runnable_at: Option<DateTime<Utc>>,
    lease_owner: Option<LeaseOwner>,
    lease_epoch: u64,
    lease_expires: Option<DateTime<Utc>>,
    timers: BTreeMap<TimerId, Timer>,
    callbacks: BTreeMap<CallbackId, Callback>,
    callback_keys: HashMap<(ActionKey, String), CallbackId>,
    actions: BTreeMap<(String, Repetition), (u64, ActionRecord)>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        // A poisoned lock means a panic mid-write: the data may be half-changed, so refuse
        // rather than serve it.
        self.state
            .lock()
            .map_err(|_| Error::internal("memory store lock poisoned by an earlier panic"))
    }
}

impl State {
    fn workflow(&self, name: &WorkflowName) -> Result<&WorkflowEntry> {
        self.workflows
            .get(name)
            .ok_or_else(|| Error::not_found(Entity::Workflow, name))
    }

    fn workflow_mut(&mut self, name: &WorkflowName) -> Result<&mut WorkflowEntry> {
        self.workflows
            .get_mut(name)
            .ok_or_else(|| Error::not_found(Entity::Workflow, name))
    }
}

/// Keyset paging over an ordered iterator: skips up to and including the continuation key.
fn page_of<T: Clone>(
    items: impl Iterator<Item = T>,
    page: &PageRequest,
    key: impl Fn(&T) -> String,
    after: impl Fn(&str, &T) -> bool,
) -> Result<Page<T>> {
    let top = page.checked_top()?;
    let fetched: Vec<T> = match &page.continuation {
        Some(token) => items
            .filter(|item| after(&token.0, item))
            .take(top + 1)
            .collect(),
        None => items.take(top + 1).collect(),
    };
    Ok(Page::from_overfetch(fetched, top, key))
}

impl WorkflowStore for MemoryStore {
    async fn put_workflow(&self, save: WorkflowSave) -> Result<SaveOutcome> {
        let mut state = self.lock()?;
        let existing = state.workflows.get_mut(&save.name);
        let actual = existing.as_ref().map(|e| e.current.version);
        let ok = match save.expect {
            VersionPrecondition::Any => true,
            VersionPrecondition::Absent => actual.is_none(),
            VersionPrecondition::Current(v) => actual == Some(v),
        };
        if !ok {
            return Err(Error::VersionConflict {
                name: save.name.to_string(),
                expected: match save.expect {
                    VersionPrecondition::Current(v) => Some(v.0),
                    _ => None,
                },
                actual: actual.map(|v| v.0),
            });
        }
        match existing {
            Some(entry) => {
                let version = VersionId(entry.current.version.0 + 1);
                entry.versions.insert(
                    version,
                    WorkflowVersion {
                        name: save.name.clone(),
                        version,
                        definition: save.definition.clone(),
                        parameters: save.parameters.clone(),
                        created_at: save.at,
                    },
                );
                let current = &mut entry.current;
                current.version = version;
                current.state = save.state;
                current.definition = save.definition;
                current.parameters = save.parameters;
                current.changed_at = save.at;
                Ok(SaveOutcome {
                    workflow: current.clone(),
                    created: false,
                })
            }
            None => {
                let version = VersionId(1);
                let workflow = Workflow {
                    name: save.name.clone(),
                    version,
                    state: save.state,
                    definition: save.definition.clone(),
                    parameters: save.parameters.clone(),
                    created_at: save.at,
                    changed_at: save.at,
                };
                let mut versions = BTreeMap::new();
                versions.insert(
                    version,
                    WorkflowVersion {
                        name: save.name.clone(),
                        version,
                        definition: save.definition,
                        parameters: save.parameters,
                        created_at: save.at,
                    },
                );
                state.workflows.insert(
                    save.name,
                    WorkflowEntry {
                        current: workflow.clone(),
                        versions,
                        keys: save.initial_keys,
                        triggers: BTreeMap::new(),
                    },
                );
                Ok(SaveOutcome {
                    workflow,
                    created: true,
                })
            }
        }
    }

    async fn get_workflow(&self, name: &WorkflowName) -> Result<Workflow> {
        Ok(self.lock()?.workflow(name)?.current.clone())
    }

    async fn list_workflows(
        &self,
        wanted: Option<WorkflowState>,
        page: PageRequest,
    ) -> Result<Page<Workflow>> {
        let state = self.lock()?;
        let workflows = state
            .workflows
            .values()
            .map(|e| &e.current)
            .filter(|w| wanted.is_none_or(|s| w.state == s))
            .cloned();
        page_of(
            workflows,
            &page,
            |w| w.name.to_string(),
            |token, w| w.name.as_str() > token,
        )
    }

    async fn delete_workflow(&self, name: &WorkflowName) -> Result<()> {
        let mut state = self.lock()?;
        if state.workflows.remove(name).is_none() {
            return Err(Error::not_found(Entity::Workflow, name));
        }
        state.runs.retain(|_, entry| &entry.run.workflow != name);
        state.run_keys.retain(|(w, _, _), _| w != name);
        state.histories.retain(|(w, _, _), _| w != name);
        // Kept as the record, marked so a workflow re-created under this name does not
        // take them for its own.
        for (_, entry) in state.ledger.values_mut() {
            if &entry.workflow == name {
                entry.workflow_deleted = true;
            }
        }
        Ok(())
    }

    async fn set_workflow_state(
        &self,
        name: &WorkflowName,
        new_state: WorkflowState,
        at: DateTime<Utc>,
    ) -> Result<Workflow> {
        let mut state = self.lock()?;
        let entry = state.workflow_mut(name)?;
        entry.current.state = new_state;
        entry.current.changed_at = at;
        Ok(entry.current.clone())
    }

    async fn get_version(
        &self,
        name: &WorkflowName,
        version: VersionId,
    ) -> Result<WorkflowVersion> {
        let state = self.lock()?;
        state
            .workflow(name)?
            .versions
            .get(&version)
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::WorkflowVersion, format!("{name}/{version}")))
    }

    async fn list_versions(
        &self,
        name: &WorkflowName,
        page: PageRequest,
    ) -> Result<Page<WorkflowVersion>> {
        let state = self.lock()?;
        let entry = state.workflow(name)?;
        let after = match &page.continuation {
            Some(token) => Some(VersionId::parse(&token.0)?),
            None => None,
        };
        page_of(
            entry.versions.values().rev().cloned(),
            &page,
            |v| v.version.to_string(),
            |_, v| after.is_none_or(|a| v.version < a),
        )
    }

    async fn access_keys(&self, name: &WorkflowName) -> Result<AccessKeys> {
        Ok(self.lock()?.workflow(name)?.keys.clone())
    }

    async fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
        new_key: AccessKey,
    ) -> Result<AccessKeys> {
        let mut state = self.lock()?;
        let entry = state.workflow_mut(name)?;
        match key_type {
            KeyType::Primary => entry.keys.primary = new_key,
            KeyType::Secondary => entry.keys.secondary = new_key,
        }
        Ok(entry.keys.clone())
    }

    async fn put_trigger_state(&self, name: &WorkflowName, trigger: TriggerState) -> Result<()> {
        let mut state = self.lock()?;
        let entry = state.workflow_mut(name)?;
        entry.triggers.insert(trigger.trigger.clone(), trigger);
        Ok(())
    }

    async fn get_trigger_state(
        &self,
        name: &WorkflowName,
        trigger: &TriggerName,
    ) -> Result<Option<TriggerState>> {
        Ok(self.lock()?.workflow(name)?.triggers.get(trigger).cloned())
    }

    async fn list_trigger_states(&self, name: &WorkflowName) -> Result<Vec<TriggerState>> {
        Ok(self
            .lock()?
            .workflow(name)?
            .triggers
            .values()
            .cloned()
            .collect())
    }
}
