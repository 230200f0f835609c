//! The two reference servers each benchmark is measured against: [`Reference::Noop`]
//! answers 202 as soon as it has read the body (the machine's ceiling for HTTP on
//! loopback), [`Reference::Sqlite`] first appends the body to SQLite in WAL mode with
//! `synchronous=FULL`, one writer thread batching every waiting request into one
//! transaction (group commit, as `hookflow-store-sqlite` does), and answers 202 once the
//! batch is fsynced (the durable ceiling).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rusqlite::Connection;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The most writes committed in one transaction, as in `hookflow-store-sqlite`.
pub const MAX_BATCH: usize = 512;

/// Which reference server to run.
#[derive(Debug, Clone)]
pub enum Reference {
    /// 202 with no work.
    Noop,
    /// 202 after the body is durably appended.
    Sqlite(SqliteAppender),
}

/// Serves `reference` on `listener` until the task is dropped. Only the request line,
/// headers and body are read; the method and path are not looked at.
pub async fn serve(listener: TcpListener, reference: Reference) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors and the like: back off rather than spin.
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let reference = reference.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let reference = reference.clone();
                async move { Ok::<_, std::convert::Infallible>(reference.handle(request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Reference {
    async fn handle(&self, request: Request<Incoming>) -> Response<Empty<Bytes>> {
        let status = match request.into_body().collect().await {
            Err(_) => StatusCode::BAD_REQUEST,
            Ok(body) => match self {
                Reference::Noop => StatusCode::ACCEPTED,
                Reference::Sqlite(appender) => match appender.append(body.to_bytes()).await {
                    Ok(()) => StatusCode::ACCEPTED,
                    Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
                },
            },
        };
        let mut response = Response::new(Empty::new());
        *response.status_mut() = status;
        response
    }
}

/// Binds `listen`, which must be a loopback address (these servers are for benchmarks on
/// one machine).
pub async fn bind_loopback(listen: SocketAddr) -> Result<TcpListener, String> {
    if !listen.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on a non-loopback address: {listen}"
        ));
    }
    TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))
}

type Job = (Bytes, oneshot::Sender<Result<(), String>>);

/// The handle to the SQLite writer thread; cloned into every connection.
#[derive(Debug, Clone)]
pub struct SqliteAppender {
    sender: mpsc::Sender<Job>,
}

impl SqliteAppender {
    /// Opens (creating) the database at `path` in WAL mode with `synchronous=FULL` and
    /// starts the writer thread, which ends when every appender is dropped.
    pub fn open(path: &Path) -> Result<(Self, JoinHandle<()>), String> {
        let conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|e| e.to_string())?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("SQLite refused WAL mode (got {mode})"));
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS bodies (
                 id INTEGER PRIMARY KEY,
                 received_at INTEGER NOT NULL,
                 body BLOB NOT NULL
             );",
        )
        .map_err(|e| e.to_string())?;
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("ref-sqlite-writer".into())
            .spawn(move || write_loop(conn, receiver))
            .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        Ok((Self { sender }, thread))
    }

    /// Appends `body`; returns once the transaction holding it is committed and fsynced.
    pub async fn append(&self, body: Bytes) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((body, reply))
            .map_err(|_| "the writer thread has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the writer thread has stopped".to_string())?
    }
}

/// Group commit: take every waiting job (up to [`MAX_BATCH`]), insert them all in one
/// transaction, commit (one fsync of the WAL), then answer them all.
fn write_loop(conn: Connection, receiver: mpsc::Receiver<Job>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcome = commit(&conn, &batch).map_err(|e| e.to_string());
        for (_, reply) in batch {
            let _ = reply.send(outcome.clone());
        }
    }
}

fn commit(conn: &Connection, batch: &[Job]) -> rusqlite::Result<()> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let inserted = (|| {
        let mut insert =
            conn.prepare_cached("INSERT INTO bodies (received_at, body) VALUES (?1, ?2)")?;
        for (body, _) in batch {
            insert.execute(rusqlite::params![now, body.as_ref()])?;
        }
        Ok(())
    })();
    match inserted.and_then(|()| conn.execute_batch("COMMIT")) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
