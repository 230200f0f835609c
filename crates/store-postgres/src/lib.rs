//! Several nodes on one PostgreSQL database: every `hookflow-store` trait over PostgreSQL,
//! passing the conformance suite, chosen with `--database postgres://…`.
//!
//! - **Writes** are calls of PL/pgSQL functions (`sql/002_functions.sql`), one statement
//!   each, group-committed and pipelined by writer tasks (module `commit`): a batch of
//!   concurrent writes costs one round trip and one WAL flush, and a write is answered
//!   only after its batch committed with `synchronous_commit = on`.
//! - **Fences** live in the database: an append locks its run's row and checks the
//!   journal position and lease epoch in the same transaction that writes, so two nodes
//!   never both advance a run.
//! - **Work distribution**: `claim_runnable` takes due runs `FOR UPDATE SKIP LOCKED`,
//!   bumping each run's lease epoch; an expired lease is taken over by the next claim
//!   (counted in [`PostgresStore::claim_counters`]).
//! - **Workflows and keys are cached** per node for the callback path and dropped on the
//!   database's change notices (module `cache`).
//! - **Nodes** write heartbeats to the `node` table ([`PostgresStore::heartbeat`],
//!   [`PostgresStore::live_nodes`]).
//! - **Schema**: versioned migrations applied at open under an advisory lock, so nodes
//!   starting together migrate once (module `migration`).
//!
//! This crate owns SQL for PostgreSQL only; it must not depend on the engine, runtime or
//! HTTP.

mod cache;
mod codec;
mod commit;
mod connect;
mod ledger;
mod migration;
mod node;
mod queue;
mod read;
mod run;
mod workflow;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use hookflow_store::Result;
use serde_json::Value;

use crate::commit::{Op, Writer};
use crate::connect::Target;
use crate::read::Readers;

pub use migration::SCHEMA_VERSION;
pub use node::NodeInfo;
pub use queue::ClaimCounters;

/// How to open the store.
#[derive(Debug, Clone)]
pub struct Options {
    /// `postgres://user@host:port/database`.
    pub url: String,
    /// The schema the tables live in; `None` uses the connection's default (`public`).
    /// Tests use a fresh schema each.
    pub schema: Option<String>,
    /// Writer tasks (each with a connection) committing batches in parallel.
    pub writers: usize,
    /// Most writes committed in one transaction; 1 turns group commit off.
    pub max_batch: usize,
    /// Connections for reads (each pipelines the reads sent to it).
    pub read_connections: usize,
}

impl Options {
    pub fn new(url: impl Into<String>) -> Self {
        Options {
            url: url.into(),
            schema: None,
            writers: 2,
            max_batch: 256,
            read_connections: 4,
        }
    }
}

/// What the writers sent so far, for cost figures (benchmark, metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteCounters {
    /// Write calls (one per store write).
    pub writes: u64,
    /// Transactions (batches) committed or tried.
    pub batches: u64,
    /// Round trips the writers waited for.
    pub round_trips: u64,
    /// Bytes of write arguments sent.
    pub bytes: u64,
}

/// The PostgreSQL store. Clones share the writers and read connections.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Writer,
    readers: Readers,
    claims: queue::ClaimStats,
    workflows: Arc<cache::WorkflowCache>,
}

impl PostgresStore {
    /// Connects, applies pending migrations (one node at a time) and starts the writers.
    /// Call inside a tokio runtime: connection tasks are spawned on it.
    pub async fn open(options: Options) -> Result<Self> {
        let target = Target::parse(&options.url, options.schema.clone())?;
        {
            let mut client = target.connect().await?;
            migration::migrate(&mut client, options.schema.as_deref()).await?;
        }
        let writer = Writer::start(target.clone(), options.writers, options.max_batch).await?;
        let readers = Readers::open(target.clone(), options.read_connections).await?;
        let workflows = Arc::new(cache::WorkflowCache::default());
        workflows.listen(target);
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                writer,
                readers,
                claims: queue::ClaimStats::default(),
                workflows,
            }),
        })
    }

    async fn write(&self, op: Op, lock_key: &str, argument: &Value) -> Result<Value> {
        self.inner.writer.write(op, lock_key, argument).await
    }

    fn workflows(&self) -> &cache::WorkflowCache {
        &self.inner.workflows
    }

    fn readers(&self) -> &Readers {
        &self.inner.readers
    }

    /// What the writers have sent since the store was opened.
    pub fn write_counters(&self) -> WriteCounters {
        let stats = &self.inner.writer.stats;
        WriteCounters {
            writes: stats.writes.load(Ordering::Relaxed),
            batches: stats.batches.load(Ordering::Relaxed),
            round_trips: stats.round_trips.load(Ordering::Relaxed),
            bytes: stats.bytes.load(Ordering::Relaxed),
        }
    }

    /// Reads sent since the store was opened (each one round trip).
    pub fn read_count(&self) -> u64 {
        self.inner.readers.count()
    }
}
