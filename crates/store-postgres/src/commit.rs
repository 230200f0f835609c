//! Group commit with pipelining. Every write is one call of a write function (`Op`) with
//! one JSON argument. Writer tasks (each with its own connection) take every write waiting
//! (up to a batch limit) and send `BEGIN`, all the calls and `COMMIT` at once, without
//! waiting between them: one round trip and one WAL flush for the whole batch. Only after
//! the commit is every waiter answered, so an answer means durable (`synchronous_commit`
//! is on).
//!
//! The write functions refuse writes by *answering* (`{"err": …}`) after checking and
//! before writing, so a refused write does not spoil its batch. If a call fails with an
//! SQL error anyway (a race on a unique key with another node, a deadlock), PostgreSQL
//! aborts the whole transaction; the writer then runs that batch's writes again one by
//! one, each in its own transaction, so only the failing write sees its error.
//!
//! Writes are sorted by the run (or workflow) they lock before a batch is sent, so two
//! writers taking row locks in one order cannot deadlock each other.
//!
//! Commits of one node overlap only when a whole batch is waiting. While one writer's
//! commit is in flight, the next writer keeps gathering writes and sends them when that
//! commit is done (or its batch is full). Overlapping commits would make smaller batches
//! and more transactions, which costs PostgreSQL more CPU per write (measured: about 10 %
//! on one node, 15 % with two nodes on one database) and buys nothing until one
//! transaction at a time cannot keep up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use hookflow_store::{Error, Result};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch, Mutex};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Statement};

use crate::codec::{answer, Sql};
use crate::connect::Target;

/// The write functions (see `sql/002_functions.sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    PutWorkflow,
    DeleteWorkflow,
    SetWorkflowState,
    RegenerateKey,
    PutTriggerState,
    RecordHistory,
    CreateRun,
    Append,
    AcceptCallback,
    Claim,
    Renew,
    Release,
    RecordLedger,
    UpdateLedger,
    Heartbeat,
    TakeTask,
}

const OPS: [Op; 16] = [
    Op::PutWorkflow,
    Op::DeleteWorkflow,
    Op::SetWorkflowState,
    Op::RegenerateKey,
    Op::PutTriggerState,
    Op::RecordHistory,
    Op::CreateRun,
    Op::Append,
    Op::AcceptCallback,
    Op::Claim,
    Op::Renew,
    Op::Release,
    Op::RecordLedger,
    Op::UpdateLedger,
    Op::Heartbeat,
    Op::TakeTask,
];

impl Op {
    fn function(self) -> &'static str {
        match self {
            Op::PutWorkflow => "hf_put_workflow",
            Op::DeleteWorkflow => "hf_delete_workflow",
            Op::SetWorkflowState => "hf_set_workflow_state",
            Op::RegenerateKey => "hf_regenerate_key",
            Op::PutTriggerState => "hf_put_trigger_state",
            Op::RecordHistory => "hf_record_history",
            Op::CreateRun => "hf_create_run",
            Op::Append => "hf_append",
            Op::AcceptCallback => "hf_accept_callback",
            Op::Claim => "hf_claim",
            Op::Renew => "hf_renew",
            Op::Release => "hf_release",
            Op::RecordLedger => "hf_record_ledger",
            Op::UpdateLedger => "hf_update_ledger",
            Op::Heartbeat => "hf_heartbeat",
            Op::TakeTask => "hf_take_task",
        }
    }

    fn index(self) -> usize {
        OPS.iter().position(|op| *op == self).unwrap_or(0)
    }
}

/// One write waiting for a writer.
struct Job {
    op: Op,
    /// What the write locks first (a run id, a workflow name): the batch's sort key.
    lock_key: String,
    argument: String,
    reply: oneshot::Sender<Result<Value>>,
}

/// Counters of what the writers sent, for the benchmark's cost figures.
#[derive(Debug, Default)]
pub(crate) struct WriteStats {
    pub writes: AtomicU64,
    pub batches: AtomicU64,
    pub round_trips: AtomicU64,
    pub bytes: AtomicU64,
}

/// The handle the store writes through. Dropping every clone ends the writer tasks once
/// they have answered what they hold.
#[derive(Debug)]
pub(crate) struct Writer {
    sender: mpsc::UnboundedSender<Job>,
    pub(crate) stats: Arc<WriteStats>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("op", &self.op).finish()
    }
}

impl Writer {
    /// Starts `writers` tasks, each with its own connection.
    pub(crate) async fn start(target: Target, writers: usize, max_batch: usize) -> Result<Self> {
        let (sender, receiver) = mpsc::unbounded_channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let stats = Arc::new(WriteStats::default());
        let (in_flight, _) = watch::channel(0usize);
        let in_flight = Arc::new(in_flight);
        for _ in 0..writers.max(1) {
            let connection = WriterConnection::open(&target).await?;
            tokio::spawn(run(
                connection,
                target.clone(),
                Queue {
                    receiver: receiver.clone(),
                    in_flight: in_flight.clone(),
                    max_batch: max_batch.max(1),
                },
                stats.clone(),
            ));
        }
        Ok(Writer { sender, stats })
    }

    /// Queues a write and waits until its batch committed (or failed).
    pub(crate) async fn write(&self, op: Op, lock_key: &str, argument: &Value) -> Result<Value> {
        let (reply, answered) = oneshot::channel();
        let job = Job {
            op,
            lock_key: lock_key.to_owned(),
            argument: argument.to_string(),
            reply,
        };
        let stopped = || Error::unavailable("the PostgreSQL writers have stopped", false);
        self.sender.send(job).map_err(|_| stopped())?;
        answer(answered.await.map_err(|_| stopped())??)
    }
}

struct WriterConnection {
    client: Client,
    statements: Vec<Statement>,
}

impl WriterConnection {
    async fn open(target: &Target) -> Result<Self> {
        let client = target.connect().await?;
        let mut statements = Vec::with_capacity(OPS.len());
        for op in OPS {
            let sql = format!("SELECT {}($1::text::jsonb)::text", op.function());
            statements.push(client.prepare(&sql).await.sql()?);
        }
        Ok(WriterConnection { client, statements })
    }

    fn statement(&self, op: Op) -> &Statement {
        &self.statements[op.index()]
    }
}

/// What the writer tasks share: the writes waiting and the number of commits in flight.
struct Queue {
    receiver: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>,
    in_flight: Arc<watch::Sender<usize>>,
    max_batch: usize,
}

impl Queue {
    /// The next batch: every write waiting, and while another writer's commit is in
    /// flight, every write arriving until it is done or the batch is full. `None` once
    /// every sender is gone. The batch counts as in flight (before the next writer may
    /// look) until the returned guard is dropped, also if the writer task panics.
    async fn next_batch(&self) -> Option<(Vec<Job>, InFlight)> {
        let mut receiver = self.receiver.lock().await;
        let mut batch = vec![receiver.recv().await?];
        let mut idle = self.in_flight.subscribe();
        while batch.len() < self.max_batch {
            if let Ok(job) = receiver.try_recv() {
                batch.push(job);
                continue;
            }
            if *idle.borrow_and_update() == 0 {
                break;
            }
            tokio::select! {
                job = receiver.recv() => match job {
                    Some(job) => batch.push(job),
                    None => break,
                },
                _ = idle.changed() => {}
            }
        }
        self.in_flight.send_modify(|n| *n += 1);
        Some((batch, InFlight(self.in_flight.clone())))
    }
}

/// One batch being committed; dropping it lets the next writer send.
struct InFlight(Arc<watch::Sender<usize>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

async fn run(
    mut connection: WriterConnection,
    target: Target,
    queue: Queue,
    stats: Arc<WriteStats>,
) {
    while let Some((batch, _in_flight)) = queue.next_batch().await {
        if connection.client.is_closed() {
            connection = match reconnect(&target).await {
                Some(c) => c,
                None => {
                    for job in batch {
                        let _ = job
                            .reply
                            .send(Err(Error::unavailable("PostgreSQL is unreachable", true)));
                    }
                    continue;
                }
            };
        }
        commit_batch(&connection, batch, &stats).await;
    }
}

/// A few attempts with a short pause; the jobs of the moment fail retryably otherwise.
async fn reconnect(target: &Target) -> Option<WriterConnection> {
    for attempt in 0..5u32 {
        match WriterConnection::open(target).await {
            Ok(connection) => return Some(connection),
            Err(error) => {
                tracing::warn!(%error, attempt, "cannot reconnect a PostgreSQL writer");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt + 1))).await;
            }
        }
    }
    None
}

async fn commit_batch(connection: &WriterConnection, mut batch: Vec<Job>, stats: &WriteStats) {
    stats.batches.fetch_add(1, Ordering::Relaxed);
    stats
        .writes
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    stats.round_trips.fetch_add(1, Ordering::Relaxed);
    stats.bytes.fetch_add(
        batch.iter().map(|j| j.argument.len() as u64).sum(),
        Ordering::Relaxed,
    );
    if batch.len() == 1 {
        // A single statement is its own transaction: no BEGIN/COMMIT needed.
        if let Some(job) = batch.pop() {
            let result = call_alone(connection, &job, stats).await;
            let _ = job.reply.send(result);
        }
        return;
    }
    batch.sort_by(|a, b| a.lock_key.cmp(&b.lock_key));
    let client = &connection.client;
    // Polled in this order, each future sends its message on first poll: BEGIN, every
    // call, COMMIT go out back to back (pipelining) and are answered in one round trip.
    let begin = client.batch_execute("BEGIN");
    let calls = join_all(batch.iter().map(|job| call(connection, job)));
    let commit = client.batch_execute("COMMIT");
    let (begun, results, committed) = futures_util::future::join3(begin, calls, commit).await;
    // A failed call aborts the transaction and COMMIT then rolls back without an error,
    // so the batch counts as committed only if every call succeeded.
    let all_ok = begun.is_ok() && committed.is_ok() && results.iter().all(Result::is_ok);
    if all_ok {
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
        return;
    }
    if begun.is_err() || committed.is_err() {
        if let Some(e) = begun.err().or(committed.err()) {
            if client.is_closed() {
                // Whether the commit happened is unknown: tell every waiter so, retryably.
                for job in batch {
                    let _ = job.reply.send(Err(Error::unavailable(
                        format!("PostgreSQL connection lost during a commit: {e}"),
                        true,
                    )));
                }
                return;
            }
        }
    }
    // Nothing of the batch was committed: run each write on its own.
    tracing::debug!(writes = batch.len(), "batch aborted; writing one by one");
    stats
        .round_trips
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    let mut pending = Vec::with_capacity(batch.len());
    for job in &batch {
        pending.push(call_alone(connection, job, stats));
    }
    let results = join_all(pending).await;
    for (job, result) in batch.into_iter().zip(results) {
        let _ = job.reply.send(result);
    }
}

/// Attempts of a write alone that lost a race to another transaction.
const RACE_ATTEMPTS: u32 = 4;

/// One write in its own transaction. A write that raced another connection on a unique
/// key (the other committed first), deadlocked or failed to serialise is tried again: the
/// write functions check before writing, so the next attempt answers properly
/// (`Duplicate`, `AlreadyExists`, a fence conflict) instead of failing.
async fn call_alone(connection: &WriterConnection, job: &Job, stats: &WriteStats) -> Result<Value> {
    let mut attempt = 1;
    loop {
        match call_raw(connection, job).await {
            Err(e) if attempt < RACE_ATTEMPTS && lost_race(&e) => {
                attempt += 1;
                stats.round_trips.fetch_add(1, Ordering::Relaxed);
            }
            other => return other.sql().and_then(decode),
        }
    }
}

fn lost_race(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|code| {
        *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

async fn call(connection: &WriterConnection, job: &Job) -> Result<Value> {
    call_raw(connection, job).await.sql().and_then(decode)
}

async fn call_raw(
    connection: &WriterConnection,
    job: &Job,
) -> std::result::Result<(Op, String), tokio_postgres::Error> {
    let row = connection
        .client
        .query_one(connection.statement(job.op), &[&job.argument])
        .await?;
    Ok((job.op, row.try_get(0)?))
}

fn decode((op, text): (Op, String)) -> Result<Value> {
    serde_json::from_str(&text).map_err(|e| Error::Internal {
        message: format!("{} answered something that is not JSON", op.function()),
        source: Some(Box::new(e)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    fn queue(max_batch: usize) -> (mpsc::UnboundedSender<Job>, Queue) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let queue = Queue {
            receiver: Arc::new(Mutex::new(receiver)),
            in_flight: Arc::new(watch::channel(0).0),
            max_batch,
        };
        (sender, queue)
    }

    fn send(sender: &mpsc::UnboundedSender<Job>, writes: usize) {
        for _ in 0..writes {
            let (reply, _) = oneshot::channel();
            let job = Job {
                op: Op::Append,
                lock_key: String::new(),
                argument: String::new(),
                reply,
            };
            sender.send(job).expect("queued");
        }
    }

    #[tokio::test]
    async fn a_batch_waits_for_the_commit_in_flight_and_takes_what_arrives_meanwhile() {
        let (sender, queue) = queue(8);
        send(&sender, 1);
        let (first, in_flight) = queue.next_batch().await.expect("a batch");
        assert_eq!(first.len(), 1, "nothing in flight: sent at once");
        send(&sender, 2);
        let mut second = Box::pin(queue.next_batch());
        assert!((&mut second).now_or_never().is_none(), "overlapped");
        send(&sender, 1);
        assert!((&mut second).now_or_never().is_none(), "overlapped");
        drop(in_flight);
        let (second, _in_flight) = (&mut second).now_or_never().flatten().expect("sent");
        assert_eq!(second.len(), 3);
    }

    #[tokio::test]
    async fn a_full_batch_goes_out_while_another_commit_is_in_flight() {
        let (sender, queue) = queue(3);
        send(&sender, 1);
        let (_first, first_in_flight) = queue.next_batch().await.expect("a batch");
        send(&sender, 2);
        let mut second = Box::pin(queue.next_batch());
        assert!((&mut second).now_or_never().is_none(), "overlapped");
        send(&sender, 2);
        let (second, second_in_flight) = (&mut second).now_or_never().flatten().expect("sent");
        assert_eq!(second.len(), 3, "a full batch");
        let mut third = Box::pin(queue.next_batch());
        assert!(
            (&mut third).now_or_never().is_none(),
            "two commits in flight"
        );
        drop(first_in_flight);
        assert!(
            (&mut third).now_or_never().is_none(),
            "one commit in flight"
        );
        drop(second_in_flight);
        let (third, _) = (&mut third).now_or_never().flatten().expect("sent");
        assert_eq!(third.len(), 1);
    }
}
