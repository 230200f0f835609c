//! `hookflow-loadgen`: an HTTP/1.1 keep-alive load generator for loopback targets; see
//! `hookflow_bench::loadgen` and `bench/README.md`.

use std::time::Duration;

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use hookflow_bench::loadgen::{run, Config, Target};
use hyper::Method;

/// Sends the same request over N keep-alive connections to a loopback URL and reports
/// requests/s, status codes and p50/p90/p99/max latency.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The target, an http:// URL on a loopback address or localhost. Given several
    /// times, the connections are spread evenly over the URLs (e.g. one per node).
    #[arg(long, required = true)]
    url: Vec<String>,
    /// Concurrent keep-alive connections.
    #[arg(long, short = 'c', default_value_t = 64)]
    connections: usize,
    /// How long to send, in seconds (fractions allowed). Default 10 unless --requests is given.
    #[arg(long, short = 'd')]
    duration: Option<f64>,
    /// Stop after this many requests.
    #[arg(long, short = 'n')]
    requests: Option<u64>,
    /// Open loop: total requests per second, latency measured from the scheduled send time.
    #[arg(long)]
    rate: Option<f64>,
    /// The request body, sent as is.
    #[arg(long, default_value = r#"{"name":"Ada"}"#)]
    body: String,
    /// The Content-Type header ("" for none).
    #[arg(long, default_value = "application/json")]
    content_type: String,
    /// The HTTP method.
    #[arg(long, default_value = "POST")]
    method: String,
    /// Seconds one request may take before it counts as an error.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// A file of URLs (one per line, on --url's host and port) used in turn instead of
    /// --url's path: e.g. the callback URL of every parked run.
    #[arg(long, value_name = "FILE")]
    urls_file: Option<std::path::PathBuf>,
    /// Output: a readable report, or one tab-separated line (req/s, p50, p90, p99, max in
    /// ms, answered, 2xx, errors).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Tsv,
}

fn seconds(value: f64, what: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("bad {what}: {value}"))
}

async fn main_inner(args: Args) -> Result<(), String> {
    let targets = args
        .url
        .iter()
        .map(|u| Target::parse(u))
        .collect::<Result<Vec<_>, _>>()?;
    let first = targets.first().cloned().ok_or("give --url")?;
    let duration = match (args.duration, args.requests) {
        (None, None) => Some(Duration::from_secs(10)),
        (d, _) => d.map(|d| seconds(d, "duration")).transpose()?,
    };
    let mut config = Config::new(first.clone(), args.connections, Duration::from_secs(1));
    config.targets = targets;
    config.duration = duration;
    config.requests = args.requests;
    config.rate = args.rate;
    config.body = Bytes::from(args.body);
    config.content_type = Some(args.content_type).filter(|c| !c.is_empty());
    config.method = Method::from_bytes(args.method.as_bytes())
        .map_err(|_| format!("bad method: {}", args.method))?;
    config.timeout = seconds(args.timeout, "timeout")?;
    if let Some(file) = &args.urls_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let urls: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        config.paths = Some(std::sync::Arc::new(
            hookflow_bench::loadgen::Paths::from_urls(&first, &urls)?,
        ));
    }
    let report = run(config).await?;
    match args.format {
        Format::Text => print!("{}", report.to_text()),
        Format::Tsv => println!("{}", report.to_tsv()),
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = main_inner(Args::parse()).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
