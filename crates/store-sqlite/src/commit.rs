//! Group commit: one thread owns the write connection. Write requests arrive on a channel;
//! the thread takes every request waiting (up to a batch limit), runs each inside its own
//! savepoint of one transaction, commits once, and only then answers every waiter. One
//! fsync covers the whole batch, so durability does not cost throughput, and a request's
//! failure rolls back only its own savepoint.
//!
//! Because every write goes through this one thread, checks made inside a write ("does
//! this key exist?") cannot race with another write of this process.

use std::sync::mpsc;
use std::thread::JoinHandle;

use hookflow_store::{Error, Result};
use rusqlite::Connection;
use tokio::sync::oneshot;

/// A write waiting for the writer thread.
trait Job: Send {
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
    pub(crate) async fn write<F, R>(&self, work: F) -> Result<R>
    where
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Request { work, reply });
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
        if let Err(e) = cached(conn, "SAVEPOINT job") {
            job.abort(Error::unavailable(e.to_string(), e.is_retryable()));
            broken = Some(e);
            continue;
        }
        let (ok, reply) = job.execute(conn);
        let end = if ok {
            cached(conn, "RELEASE job")
        } else {
            cached(conn, "ROLLBACK TO job").and_then(|_| cached(conn, "RELEASE job"))
        };
        if let Err(e) = end {
            // The transaction is in an unknown state: give up the whole batch below.
            broken = Some(e);
        }
        replies.push(reply);
    }
    let outcome = match broken {
        Some(e) => {
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
