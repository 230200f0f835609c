//! Group commit: one thread owns the write connection. Write requests arrive on a channel;
//! the thread takes every request waiting (up to a batch limit), runs them in one
//! transaction, commits once, and only then answers every waiter. One fsync covers the
//! whole batch, so durability does not cost throughput, and a request's failure undoes
//! only its own changes:
//!
//! - a [`Isolation::Savepoint`] write runs inside its own savepoint, rolled back if it fails;
//! - a [`Isolation::ChecksFirst`] write makes every check that can fail before it changes a
//!   row, so when it fails it has changed nothing and needs no savepoint. Savepoints cost
//!   the hot writes (runs created and advanced) a copy of every page they touch. Should
//!   such a write fail after a change all the same (an SQL failure: a full disk), the
//!   transaction is rolled back and the writes before it in the batch are refused as retryable; the
//!   rest go on in a new transaction.
//!
//! Because every write goes through this one thread, checks made inside a write ("does
//! this key exist?") cannot race with another write of this process.

use std::sync::mpsc;
use std::thread::JoinHandle;

use hookflow_store::{Error, Result};
use rusqlite::Connection;
use tokio::sync::oneshot;

/// How a write's failure is kept from the rest of its batch (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isolation {
    Savepoint,
    /// The write fails, if at all, before it changes a row.
    ChecksFirst,
}

/// A write waiting for the writer thread.
trait Job: Send {
    fn isolation(&self) -> Isolation;
    /// Runs the write on the open transaction and keeps its answer until the commit.
    fn execute(self: Box<Self>, conn: &Connection) -> (bool, Box<dyn Reply>);
    /// Answers without running (the transaction could not start).
    fn abort(self: Box<Self>, error: Error);
}

/// A write's answer, held until its batch commits or fails.
trait Reply: Send {
    fn send(self: Box<Self>, commit: Result<()>);
}

struct Request<F, R> {
    work: F,
    isolation: Isolation,
    reply: oneshot::Sender<Result<R>>,
}

struct Answer<R> {
    result: Result<R>,
    reply: oneshot::Sender<Result<R>>,
}

impl<F, R> Job for Request<F, R>
where
    F: FnOnce(&Connection) -> Result<R> + Send + 'static,
    R: Send + 'static,
{
    fn isolation(&self) -> Isolation {
        self.isolation
    }

    fn execute(self: Box<Self>, conn: &Connection) -> (bool, Box<dyn Reply>) {
        let result = (self.work)(conn);
        (
            result.is_ok(),
            Box::new(Answer {
                result,
                reply: self.reply,
            }),
        )
    }

    fn abort(self: Box<Self>, error: Error) {
        // The waiter may have gone away (request cancelled); nothing to tell then.
        let _ = self.reply.send(Err(error));
    }
}

impl<R: Send + 'static> Reply for Answer<R> {
    fn send(self: Box<Self>, commit: Result<()>) {
        let _ = self.reply.send(commit.and(self.result));
    }
}

/// The handle to the writer thread. Dropping it lets the thread finish the batch in hand
/// and waits for it, so a clean drop loses nothing that was answered.
#[derive(Debug)]
pub(crate) struct Writer {
    sender: Option<mpsc::Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread; `max_batch` 1 means one transaction per write.
    pub(crate) fn start(conn: Connection, max_batch: usize) -> Result<Self> {
        let (sender, receiver) = mpsc::channel::<Box<dyn Job>>();
        let thread = std::thread::Builder::new()
            .name("hookflow-sqlite-writer".into())
            .spawn(move || run(conn, receiver, max_batch.max(1)))
            .map_err(|e| Error::Unavailable {
                message: "cannot start the SQLite writer thread".into(),
                retryable: false,
                source: Some(Box::new(e)),
            })?;
        Ok(Writer {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    /// Queues a write and waits until it is committed (or failed).
    pub(crate) async fn write<F, R>(&self, isolation: Isolation, work: F) -> Result<R>
    where
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Request {
            work,
            isolation,
            reply,
        });
        let stopped = || Error::unavailable("the SQLite writer thread has stopped", false);
        self.sender
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the SQLite writer thread panicked");
            }
        }
    }
}

fn run(conn: Connection, receiver: mpsc::Receiver<Box<dyn Job>>, max_batch: usize) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&conn, batch);
    }
}

/// A transaction-control statement through the statement cache (each runs once per write).
fn cached(conn: &Connection, sql: &str) -> Result<()> {
    crate::codec::execute(conn, sql, []).map(|_| ())
}

fn commit_batch(conn: &Connection, batch: Vec<Box<dyn Job>>) {
    if let Err(e) = cached(conn, "BEGIN IMMEDIATE") {
        let message = e.to_string();
        let retryable = e.is_retryable();
        for job in batch {
            job.abort(Error::unavailable(message.clone(), retryable));
        }
        return;
    }
    let mut replies = Vec::with_capacity(batch.len());
    let mut broken: Option<Error> = None;
    for job in batch {
        if let Some(e) = &broken {
            job.abort(Error::unavailable(e.to_string(), e.is_retryable()));
            continue;
        }
        broken = match job.isolation() {
            Isolation::Savepoint => in_savepoint(conn, job, &mut replies),
            Isolation::ChecksFirst => checks_first(conn, job, &mut replies),
        }
        .err();
    }
    let outcome = match broken {
        Some(e) => {
            // (Fails harmlessly when no transaction is open.)
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
        None => cached(conn, "COMMIT").inspect_err(|_| {
            let _ = conn.execute_batch("ROLLBACK");
        }),
    };
    match outcome {
        Ok(()) => replies.into_iter().for_each(|r| r.send(Ok(()))),
        Err(e) => {
            tracing::error!(error = %e, "SQLite batch failed; every write in it is refused");
            for reply in replies {
                reply.send(Err(Error::unavailable(
                    format!("commit failed: {e}"),
                    e.is_retryable(),
                )));
            }
        }
    }
}

/// Runs `job` inside its own savepoint. An error means the transaction is in an unknown
/// state: the whole batch must be given up.
fn in_savepoint(
    conn: &Connection,
    job: Box<dyn Job>,
    replies: &mut Vec<Box<dyn Reply>>,
) -> Result<()> {
    if let Err(e) = cached(conn, "SAVEPOINT job") {
        job.abort(Error::unavailable(e.to_string(), e.is_retryable()));
        return Err(e);
    }
    let (ok, reply) = job.execute(conn);
    replies.push(reply);
    if ok {
        cached(conn, "RELEASE job")
    } else {
        cached(conn, "ROLLBACK TO job").and_then(|_| cached(conn, "RELEASE job"))
    }
}

/// Runs `job` with no savepoint. If it failed after changing rows, rolls the transaction
/// back, refuses the writes in it (`replies`, as retryable) and begins a new one for the
/// rest of the batch. An error means no transaction could be begun.
fn checks_first(
    conn: &Connection,
    job: Box<dyn Job>,
    replies: &mut Vec<Box<dyn Reply>>,
) -> Result<()> {
    let before = conn.total_changes();
    let (ok, reply) = job.execute(conn);
    // SQLite rolls the whole transaction back itself on some errors (a full disk).
    if ok || (conn.total_changes() == before && !conn.is_autocommit()) {
        replies.push(reply);
        return Ok(());
    }
    let _ = conn.execute_batch("ROLLBACK");
    tracing::warn!(
        "a write failed after changing rows; the writes before it in its batch are refused"
    );
    for earlier in replies.drain(..) {
        earlier.send(Err(Error::unavailable(
            "rolled back with another write of its batch; retry",
            true,
        )));
    }
    // Its own failure is its answer.
    reply.send(Ok(()));
    cached(conn, "BEGIN IMMEDIATE")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> Connection {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .expect("table");
        conn
    }

    /// A job inserting `n`, then failing if `fail` (after its insert).
    fn insert(
        isolation: Isolation,
        n: i64,
        fail: bool,
    ) -> (Box<dyn Job>, oneshot::Receiver<Result<()>>) {
        let (reply, answer) = oneshot::channel();
        let work = move |conn: &Connection| {
            conn.execute("INSERT INTO t (n) VALUES (?1)", [n])
                .map_err(crate::codec::sql_error)?;
            match fail {
                true => Err(Error::unavailable("made to fail", false)),
                false => Ok(()),
            }
        };
        let job: Box<dyn Job> = Box::new(Request {
            work,
            isolation,
            reply,
        });
        (job, answer)
    }

    /// Commits one batch of `(isolation, n, fail)` inserts (see [`insert`]): each one's
    /// answer, and the numbers stored afterwards.
    fn commit(jobs: &[(Isolation, i64, bool)]) -> (Vec<Result<()>>, Vec<i64>) {
        let conn = connection();
        let (batch, receivers): (Vec<_>, Vec<_>) = jobs
            .iter()
            .map(|&(isolation, n, fail)| insert(isolation, n, fail))
            .unzip();
        commit_batch(&conn, batch);
        assert!(conn.is_autocommit(), "no transaction is left open");
        let answers = receivers
            .into_iter()
            .map(|mut r| r.try_recv().expect("answered"))
            .collect();
        let mut stmt = conn.prepare("SELECT n FROM t ORDER BY n").expect("select");
        let rows = stmt.query_map([], |row| row.get(0)).expect("rows");
        (answers, rows.map(|r| r.expect("row")).collect())
    }

    use Isolation::{ChecksFirst, Savepoint};

    #[test]
    fn a_failed_savepoint_write_undoes_only_itself() {
        let (answers, stored) = commit(&[
            (Savepoint, 1, false),
            (Savepoint, 2, true),
            (ChecksFirst, 3, false),
        ]);
        assert!(answers[0].is_ok());
        assert!(answers[1].is_err());
        assert!(answers[2].is_ok());
        assert_eq!(stored, vec![1, 3]);
    }

    #[test]
    fn a_checks_first_write_failing_after_a_change_refuses_the_writes_before_it() {
        let (answers, stored) = commit(&[
            (ChecksFirst, 1, false),
            (ChecksFirst, 2, true),
            (ChecksFirst, 3, false),
        ]);
        let refused = answers[0]
            .as_ref()
            .expect_err("rolled back with the failed write");
        assert!(refused.is_retryable());
        let own = answers[1].as_ref().expect_err("its own failure");
        assert!(!own.is_retryable(), "{own}");
        assert!(answers[2].is_ok(), "the rest of the batch commits");
        assert_eq!(stored, vec![3]);
    }

    #[test]
    fn a_checks_first_write_failing_before_any_change_leaves_its_batch_alone() {
        // The second insert's key is taken: it fails, changing nothing.
        let (answers, stored) = commit(&[
            (ChecksFirst, 1, false),
            (ChecksFirst, 1, false),
            (ChecksFirst, 3, false),
        ]);
        assert!(answers[0].is_ok());
        assert!(answers[1].is_err());
        assert!(answers[2].is_ok());
        assert_eq!(stored, vec![1, 3]);
    }
}
