//! Workflows and access keys cached per node, for the callback path: every callback reads
//! the workflow (state, definition) and its keys, and without a cache each read is a round
//! trip to PostgreSQL.
//!
//! Kept fresh by the database: a trigger on the `workflow` table sends
//! `NOTIFY hookflow_workflow, '<name>'` with every change (saves, state, keys, deletes),
//! and each node listens on a connection of its own and drops the entry. Writes made
//! through this node drop the entry themselves as soon as they commit, so a node always
//! reads its own writes. Another node's change is seen once its notice arrives
//! (milliseconds after its commit). While the listening connection is down nothing is
//! cached and every read goes to the database.
//!
//! A read that raced an invalidation must not put back what it read: entries are stored
//! only if no invalidation happened since the read started (a generation counter).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::poll_fn;
use futures_util::StreamExt;
use hookflow_store::{AccessKeys, Workflow, WorkflowName};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::connect::Target;

/// More entries than this and the cache starts over (workflows are few; this bounds a
/// pathological case, not the normal one).
const MAX_ENTRIES: usize = 10_000;
const CHANNEL: &str = "hookflow_workflow";

#[derive(Debug, Default, Clone)]
struct Entry {
    workflow: Option<Workflow>,
    keys: Option<AccessKeys>,
}

#[derive(Debug, Default)]
pub(crate) struct WorkflowCache {
    entries: Mutex<HashMap<WorkflowName, Entry>>,
    generation: AtomicU64,
    /// True while the listening connection is up (only then is anything cached).
    listening: AtomicBool,
}

/// Taken before a read; the read's result is cached only if it is still current.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl WorkflowCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<WorkflowName, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn workflow(&self, name: &WorkflowName) -> Option<Workflow> {
        self.lock().get(name).and_then(|e| e.workflow.clone())
    }

    pub(crate) fn keys(&self, name: &WorkflowName) -> Option<AccessKeys> {
        self.lock().get(name).and_then(|e| e.keys.clone())
    }

    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::SeqCst))
    }

    fn store(&self, ticket: Ticket, name: &WorkflowName, update: impl FnOnce(&mut Entry)) {
        if !self.listening.load(Ordering::SeqCst) {
            return;
        }
        let mut entries = self.lock();
        // Checked under the lock invalidations take, so none can slip in between.
        if self.generation.load(Ordering::SeqCst) != ticket.0 {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        update(entries.entry(name.clone()).or_default());
    }

    pub(crate) fn put_workflow(&self, ticket: Ticket, workflow: &Workflow) {
        self.store(ticket, &workflow.name, |e| {
            e.workflow = Some(workflow.clone())
        });
    }

    pub(crate) fn put_keys(&self, ticket: Ticket, name: &WorkflowName, keys: &AccessKeys) {
        self.store(ticket, name, |e| e.keys = Some(keys.clone()));
    }

    /// Drops one workflow's entry (a change committed or announced).
    pub(crate) fn forget(&self, name: &str) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(name) = WorkflowName::new(name) {
            entries.remove(&name);
        } else {
            entries.clear();
        }
    }

    fn forget_all(&self) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Listens for changes until the cache is dropped, reconnecting after failures.
    pub(crate) fn listen(self: &Arc<Self>, target: Target) {
        let cache = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                if cache.upgrade().is_none() {
                    return;
                }
                match listen_once(&cache, &target).await {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(%error, "workflow change notices interrupted; not caching until they resume");
                    }
                }
                if let Some(cache) = cache.upgrade() {
                    cache.listening.store(false, Ordering::SeqCst);
                    cache.forget_all();
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// One listening connection's life; `Ok` when the cache is gone.
async fn listen_once(
    cache: &std::sync::Weak<WorkflowCache>,
    target: &Target,
) -> Result<(), String> {
    let (client, mut connection) = target
        .config
        .connect(NoTls)
        .await
        .map_err(|e| e.to_string())?;
    // The connection is driven here; notices (or the end) are passed on.
    let (notices, mut received) = tokio::sync::mpsc::unbounded_channel::<Result<String, String>>();
    let driver = tokio::spawn(async move {
        let mut messages = poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            let passed = match message {
                Ok(AsyncMessage::Notification(notice)) => {
                    notices.send(Ok(notice.payload().to_owned()))
                }
                Ok(_) => Ok(()),
                Err(e) => {
                    let _ = notices.send(Err(e.to_string()));
                    return;
                }
            };
            if passed.is_err() {
                return;
            }
        }
        let _ = notices.send(Err("the connection closed".to_string()));
    });
    let outcome = async {
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .await
            .map_err(|e| e.to_string())?;
        {
            let Some(cache) = cache.upgrade() else {
                return Ok(());
            };
            // Changes made before LISTEN took effect were not announced to us.
            cache.forget_all();
            cache.listening.store(true, Ordering::SeqCst);
        }
        while let Some(notice) = received.recv().await {
            let name = notice?;
            let Some(cache) = cache.upgrade() else {
                return Ok(());
            };
            cache.forget(&name);
        }
        Err("the notice channel closed".to_string())
    }
    .await;
    driver.abort();
    outcome
}
