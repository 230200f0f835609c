//! The embedded default store: one SQLite file in the data directory, implementing every
//! `hookflow-store` trait and passing its conformance suite.
//!
//! Durability: WAL mode with `synchronous=FULL` by default, so a write that returned is
//! fsynced. [`Durability::Normal`] (`synchronous=NORMAL`) is faster but a power loss or
//! OS crash (not a process crash) may lose the last writes that returned: callbacks
//! answered 202 could be gone. Use it only where that is acceptable.
//!
//! Throughput: writes are group-committed by one writer thread (module `commit`); reads run on
//! separate connections on tokio's blocking pool, never waiting for the writer (WAL).
//! The schema is versioned (module `migration`, `PRAGMA user_version`).
//!
//! This crate owns SQL for SQLite only; it must not depend on the engine, runtime or HTTP.

mod codec;
mod commit;
mod journal;
mod ledger;
mod migration;
mod queue;
mod run;
mod run_write;
mod workflow;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hookflow_store::{Error, Result};
use rusqlite::{Connection, OpenFlags};

use crate::codec::Sql;
use crate::commit::{Isolation, Writer};

pub use migration::SCHEMA_VERSION;

/// The database file's name inside the data directory.
pub const FILE_NAME: &str = "hookflow.db";

/// How hard a returned write is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: every committed batch is fsynced before anyone is answered.
    #[default]
    Full,
    /// `synchronous=NORMAL`: survives a process crash, but an OS crash or power loss may
    /// lose the most recent acknowledged writes.
    Normal,
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct Options {
    pub path: PathBuf,
    pub durability: Durability,
    /// Most writes committed in one transaction; 1 turns group commit off.
    pub max_batch: usize,
    /// Read connections kept open for reuse.
    pub read_connections: usize,
}

impl Options {
    /// Defaults for `data_dir/hookflow.db`.
    pub fn in_dir(data_dir: impl AsRef<Path>) -> Self {
        Options {
            path: data_dir.as_ref().join(FILE_NAME),
            durability: Durability::Full,
            max_batch: 512,
            read_connections: 4,
        }
    }
}

/// Takes an exclusive lock on `<database>.lock` (created if needed); refused while
/// another open store, in this process or another, holds it.
fn lock_database(path: &Path) -> Result<std::fs::File> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            Error::unavailable(
                format!("cannot open {}: {e}", Path::new(&lock_path).display()),
                false,
            )
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::unavailable(
            format!(
                "{} is in use by another hookflow process (or store) on this machine; \
                 one process at a time serves a data directory",
                path.display()
            ),
            false,
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::unavailable(
            format!("cannot lock {}: {e}", Path::new(&lock_path).display()),
            false,
        )),
    }
}

/// The SQLite store. Clones share the writer thread and read connections; the last clone
/// dropped lets the writer finish its batch and closes the database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
    options: Options,
    /// Held while the store is open, released by the OS when the process dies.
    _process_lock: std::fs::File,
}

impl SqliteStore {
    /// Opens (creating if needed) the database and applies pending migrations. Blocking:
    /// call it at start-up, or inside `spawn_blocking`.
    ///
    /// One process at a time: a second open of the same file, while the first store is
    /// alive, is refused (Unavailable). Holding that lock proves every lease in the file
    /// belongs to a process that is gone, so they are released here and the work they
    /// held is claimable at once instead of after the lease duration.
    pub fn open(options: Options) -> Result<Self> {
        let process_lock = lock_database(&options.path)?;
        let mut conn = open_connection(&options.path, options.durability)?;
        migration::migrate(&mut conn)?;
        queue::release_dead_leases(&conn)?;
        let writer = Writer::start(conn, options.max_batch)?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                writer,
                readers: Mutex::new(Vec::new()),
                options,
                _process_lock: process_lock,
            }),
        })
    }

    /// Runs `work` in the next group-committed transaction, inside its own savepoint;
    /// answers after the commit.
    async fn write<F, R>(&self, work: F) -> Result<R>
    where
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.inner.writer.write(Isolation::Savepoint, work).await
    }

    /// [`Self::write`] for work that makes every check that can fail before it changes a
    /// row, so it needs no savepoint (see module `commit`).
    async fn write_checked<F, R>(&self, work: F) -> Result<R>
    where
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.inner.writer.write(Isolation::ChecksFirst, work).await
    }

    /// Runs `work` on a read connection, in one read transaction (a consistent snapshot).
    async fn read<F, R>(&self, work: F) -> Result<R>
    where
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match inner.take_reader() {
                Some(conn) => conn,
                None => open_connection(&inner.options.path, inner.options.durability)?,
            };
            let result = read_snapshot(&conn, work);
            inner.return_reader(conn);
            result
        })
        .await
        .map_err(|e| Error::Internal {
            message: "SQLite read task failed".into(),
            source: Some(Box::new(e)),
        })?
    }
}

fn read_snapshot<F, R>(conn: &Connection, work: F) -> Result<R>
where
    F: FnOnce(&Connection) -> Result<R>,
{
    conn.execute_batch("BEGIN DEFERRED").sql()?;
    let result = work(conn);
    // A read transaction has nothing to keep; ending it releases the WAL snapshot.
    let end = conn.execute_batch("COMMIT").sql();
    let value = result?;
    end?;
    Ok(value)
}

impl Inner {
    fn take_reader(&self) -> Option<Connection> {
        self.readers.lock().ok()?.pop()
    }

    fn return_reader(&self, conn: Connection) {
        if let Ok(mut readers) = self.readers.lock() {
            if readers.len() < self.options.read_connections {
                readers.push(conn);
            }
        }
    }
}

fn open_connection(path: &Path, durability: Durability) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).sql()?;
    let synchronous = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .sql()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::unavailable(
            format!(
                "SQLite refused WAL mode (got '{mode}') for {}",
                path.display()
            ),
            false,
        ));
    }
    // busy_timeout covers another process (a second hookflow, a backup tool) holding the
    // write lock; within this process only the writer thread writes.
    // temp_store=MEMORY keeps statement journals (multi-row statements inside the group
    // commit's transaction) off the disk: they only matter until the statement ends.
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous}; PRAGMA busy_timeout = 5000; \
         PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;"
    ))
    .sql()?;
    // Room for every statement the store runs, so the hot ones are never evicted and
    // prepared again (rusqlite's default keeps 16).
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}
