//! `hookflow-ref-sqlite`: appends every request body to SQLite (WAL, `synchronous=FULL`,
//! group commit by one writer thread) and answers 202 once it is committed, the
//! benchmark's durable ceiling. Prints `listening on http://ADDR` on stdout once bound.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use hookflow_bench::reference::{bind_loopback, serve, Reference, SqliteAppender};

/// Appends each body to SQLite with group commit before answering 202 (the durable ceiling).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Loopback address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The SQLite database file (created if missing).
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (appender, _writer) = match SqliteAppender::open(&args.db) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let listener = match bind_loopback(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
    }
    serve(listener, Reference::Sqlite(appender)).await;
}
