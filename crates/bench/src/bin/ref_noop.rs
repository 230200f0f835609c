//! `hookflow-ref-noop`: answers every request 202 with no work, the machine's ceiling for
//! HTTP on loopback. Prints `listening on http://ADDR` on stdout once bound.

use std::io::Write;
use std::net::SocketAddr;

use clap::Parser;
use hookflow_bench::reference::{bind_loopback, serve, Reference};

/// Answers every request 202 with no work (the benchmark's machine ceiling).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Loopback address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let listener = match bind_loopback(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    announce(&listener);
    serve(listener, Reference::Noop).await;
}

fn announce(listener: &tokio::net::TcpListener) {
    if let Ok(addr) = listener.local_addr() {
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
    }
}
