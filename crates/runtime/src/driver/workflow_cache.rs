//! Workflows as the hot path needs them — state, current version, checked definition and
//! both access keys — kept in memory for a short while, so a trigger call or a callback
//! costs no store read for the workflow it names.
//!
//! Changes made through this node (save, enable, disable, delete, key regeneration) drop
//! the entry at once. Changes made by another node sharing the database are seen when the
//! entry expires (`RuntimeConfig::workflow_cache_ttl`), which bounds how long such a node
//! may still accept calls for a workflow disabled, or signed with a key regenerated,
//! elsewhere.

use super::error::Result;
use super::Runtime;
use crate::signing::{self, WorkflowKeys};
use hookflow_definition::CheckedDefinition;
use hookflow_store::{Store, Workflow, WorkflowName};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One workflow as last read from the store.
#[derive(Debug)]
pub struct WorkflowSnapshot {
    pub workflow: Workflow,
    pub definition: Arc<CheckedDefinition>,
    pub keys: WorkflowKeys,
}

#[derive(Debug, Default)]
pub(crate) struct WorkflowCache {
    entries: Mutex<HashMap<WorkflowName, (Instant, Arc<WorkflowSnapshot>)>>,
    /// Bumped by every `forget`, so a read that started before a change does not put its
    /// older snapshot back after the change dropped the entry.
    generation: AtomicU64,
}

impl WorkflowCache {
    fn fresh(
        &self,
        name: &WorkflowName,
        ttl: std::time::Duration,
    ) -> Option<Arc<WorkflowSnapshot>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(name)
            .filter(|(loaded, _)| loaded.elapsed() < ttl)
            .map(|(_, snapshot)| snapshot.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps the snapshot unless something was forgotten since `generation` was read.
    fn insert(&self, name: WorkflowName, generation: u64, snapshot: Arc<WorkflowSnapshot>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if self.generation() == generation {
            entries.insert(name, (Instant::now(), snapshot));
        }
    }

    /// The snapshot held for `name`, however old (for decisions that tolerate staleness).
    pub(crate) fn peek(&self, name: &WorkflowName) -> Option<Arc<WorkflowSnapshot>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(name).map(|(_, snapshot)| snapshot.clone())
    }

    pub(crate) fn forget(&self, name: &WorkflowName) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.remove(name);
    }
}

impl<S: Store> Runtime<S> {
    /// The workflow with its checked definition and keys, from memory when read recently.
    /// NotFound when the workflow does not exist.
    pub async fn workflow_snapshot(&self, name: &WorkflowName) -> Result<Arc<WorkflowSnapshot>> {
        let ttl = self.shared.config.workflow_cache_ttl;
        if let Some(found) = self.shared.workflows.fresh(name, ttl) {
            return Ok(found);
        }
        let generation = self.shared.workflows.generation();
        let workflow = self.shared.store.get_workflow(name).await?;
        let stored_keys = self.shared.store.access_keys(name).await?;
        let definition = self.definition(name, workflow.version).await?;
        let keys = WorkflowKeys {
            primary: signing::AccessKey::from_base64url(&stored_keys.primary.0)?,
            secondary: signing::AccessKey::from_base64url(&stored_keys.secondary.0)?,
        };
        let snapshot = Arc::new(WorkflowSnapshot {
            workflow,
            definition,
            keys,
        });
        if !ttl.is_zero() {
            self.shared
                .workflows
                .insert(name.clone(), generation, snapshot.clone());
        }
        Ok(snapshot)
    }

    /// Drops what this node remembers of a workflow (after it changed or was deleted).
    pub fn forget_workflow(&self, name: &WorkflowName) {
        self.shared.workflows.forget(name);
        self.shared.recurrences.invalidate();
    }
}
