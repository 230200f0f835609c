//! An HTTP/1.1 keep-alive load generator for loopback targets.
//!
//! `connections` tasks each hold one connection and send the same request over it, one at
//! a time. Closed loop (no rate): each sends its next request as soon as the previous
//! answer is read, so the figure is the server's throughput at that concurrency. Open
//! loop (`rate`): the requests are scheduled at fixed intervals spread over the
//! connections, and a latency is measured from when the request *should* have been sent,
//! so a stalled server is not hidden by the generator waiting for it (no coordinated
//! omission). The run is bounded by a duration, a request count, or both (the first
//! reached), and by [`MAX_DURATION`] / [`MAX_REQUESTS`].

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::stats::{Latencies, Summary};

/// The longest run allowed.
pub const MAX_DURATION: Duration = Duration::from_secs(600);
/// The most requests allowed in one run.
pub const MAX_REQUESTS: u64 = 100_000_000;
/// The most connections allowed.
pub const MAX_CONNECTIONS: usize = 4096;

/// Where the requests go: a loopback `http://` URL, resolved once.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub host: String,
    pub path_and_query: String,
}

impl Target {
    /// Parses an `http://` URL whose host is a loopback address or `localhost`; anything
    /// else is refused, so the generator cannot be pointed at another machine.
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|e| format!("bad URL {url:?}: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!("only http:// URLs are supported: {url}"));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("the URL has no host: {url}"))?;
        let host = authority.host();
        let ip: IpAddr = if host.eq_ignore_ascii_case("localhost") {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| format!("the host must be a loopback IP or localhost: {host}"))?
        };
        if !ip.is_loopback() {
            return Err(format!("refusing a non-loopback target: {ip}"));
        }
        let path_and_query = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".to_string());
        Ok(Self {
            addr: SocketAddr::new(ip, authority.port_u16().unwrap_or(80)),
            host: authority.as_str().to_string(),
            path_and_query,
        })
    }
}

/// One run's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the requests go (same method and body): connection `i` goes to the
    /// `i % n`-th, so one generator can spread its connections over several servers.
    pub targets: Vec<Target>,
    pub method: Method,
    pub body: Bytes,
    pub content_type: Option<String>,
    pub connections: usize,
    /// Stop sending after this long.
    pub duration: Option<Duration>,
    /// Stop after this many requests (answered or failed).
    pub requests: Option<u64>,
    /// Open loop: requests per second over all connections.
    pub rate: Option<f64>,
    /// How long one request may take before it counts as an error.
    pub timeout: Duration,
    /// When set, request `i` goes to `paths[i % len]` instead of the target's path (same
    /// host and port): for callbacks, where every run has its own signed URL.
    pub paths: Option<Arc<Paths>>,
}

/// Paths taken in turn by all connections.
#[derive(Debug, Default)]
pub struct Paths {
    paths: Vec<String>,
    next: AtomicU64,
}

impl Paths {
    /// Every URL must be on `target`'s host and port.
    pub fn from_urls(target: &Target, urls: &[String]) -> Result<Self, String> {
        let mut paths = Vec::with_capacity(urls.len());
        for url in urls {
            let parsed = Target::parse(url)?;
            if parsed.addr != target.addr {
                return Err(format!("{url} is not on {}", target.addr));
            }
            paths.push(parsed.path_and_query);
        }
        if paths.is_empty() {
            return Err("the list of URLs is empty".into());
        }
        Ok(Paths {
            paths,
            next: AtomicU64::new(0),
        })
    }

    fn next(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed) as usize;
        &self.paths[i % self.paths.len()]
    }
}

impl Config {
    /// A closed-loop POST of `body` to `target` on `connections` connections for `duration`.
    pub fn new(target: Target, connections: usize, duration: Duration) -> Self {
        Self {
            targets: vec![target],
            method: Method::POST,
            body: Bytes::new(),
            content_type: None,
            connections,
            duration: Some(duration),
            requests: None,
            rate: None,
            timeout: Duration::from_secs(10),
            paths: None,
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.connections == 0 || self.connections > MAX_CONNECTIONS {
            return Err(format!("connections must be 1..={MAX_CONNECTIONS}"));
        }
        if self.duration.is_none() && self.requests.is_none() {
            return Err("give a duration, a request count, or both".into());
        }
        if self
            .duration
            .is_some_and(|d| d.is_zero() || d > MAX_DURATION)
        {
            return Err(format!(
                "the duration must be above zero and at most {} s",
                MAX_DURATION.as_secs()
            ));
        }
        if self.requests.is_some_and(|r| r == 0 || r > MAX_REQUESTS) {
            return Err(format!("requests must be 1..={MAX_REQUESTS}"));
        }
        if self.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
            return Err("the rate must be a positive number of requests per second".into());
        }
        if self.targets.is_empty() {
            return Err("give at least one target".into());
        }
        if self.paths.is_some() && self.targets.len() > 1 {
            return Err("a list of URLs goes to one target only".into());
        }
        Ok(())
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// From the first request to the last answer.
    pub elapsed: Duration,
    /// Requests answered, whatever their status.
    pub answered: u64,
    /// Answers by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no answer: connection refused or reset, timeout.
    pub errors: u64,
    /// Latency of the answered requests.
    pub latency: Summary,
}

impl Report {
    /// Answered requests per second.
    pub fn requests_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.answered as f64 / secs
        } else {
            0.0
        }
    }

    /// Answers with a 2xx status.
    pub fn successes(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(code, _)| (200..300).contains(*code))
            .map(|(_, n)| n)
            .sum()
    }

    /// A human-readable report.
    pub fn to_text(&self) -> String {
        let ms = |us: u64| us as f64 / 1000.0;
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(code, n)| format!("{code}: {n}"))
            .collect();
        format!(
            "requests/s: {:.0}\nanswered:   {} in {:.2} s ({} errors)\nstatuses:   {}\n\
             latency ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}  mean {:.3}\n",
            self.requests_per_second(),
            self.answered,
            self.elapsed.as_secs_f64(),
            self.errors,
            if statuses.is_empty() {
                "none".to_string()
            } else {
                statuses.join(", ")
            },
            ms(self.latency.p50_us),
            ms(self.latency.p90_us),
            ms(self.latency.p99_us),
            ms(self.latency.max_us),
            self.latency.mean_us / 1000.0,
        )
    }

    /// One tab-separated line: requests/s, p50, p90, p99 and max in ms, answered, 2xx,
    /// errors.
    pub fn to_tsv(&self) -> String {
        let ms = |us: u64| us as f64 / 1000.0;
        format!(
            "{:.0}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{}\t{}\t{}",
            self.requests_per_second(),
            ms(self.latency.p50_us),
            ms(self.latency.p90_us),
            ms(self.latency.p99_us),
            ms(self.latency.max_us),
            self.answered,
            self.successes(),
            self.errors
        )
    }
}

#[derive(Debug, Default)]
struct ConnectionResult {
    latencies: Latencies,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
}

struct Shared {
    config: Config,
    start: Instant,
    deadline: Option<Instant>,
    /// Requests claimed so far, against `config.requests`.
    claimed: AtomicU64,
}

impl Shared {
    /// Claims the right to send one more request; false once the run is over.
    fn claim(&self) -> bool {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        match self.config.requests {
            Some(limit) => self.claimed.fetch_add(1, Ordering::Relaxed) < limit,
            None => true,
        }
    }
}

/// Runs the load and reports.
pub async fn run(config: Config) -> Result<Report, String> {
    config.check()?;
    let start = Instant::now();
    let shared = Arc::new(Shared {
        deadline: config.duration.map(|d| start + d),
        config,
        start,
        claimed: AtomicU64::new(0),
    });
    let tasks: Vec<_> = (0..shared.config.connections)
        .map(|index| tokio::spawn(connection(shared.clone(), index)))
        .collect();
    let mut latencies = Latencies::default();
    let mut statuses = BTreeMap::new();
    let mut errors = 0;
    for task in tasks {
        let result = task
            .await
            .map_err(|e| format!("a connection task failed: {e}"))?;
        latencies.merge(result.latencies);
        for (code, n) in result.statuses {
            *statuses.entry(code).or_insert(0) += n;
        }
        errors += result.errors;
    }
    let elapsed = start.elapsed();
    let answered = latencies.len() as u64;
    Ok(Report {
        elapsed,
        answered,
        statuses,
        errors,
        latency: latencies.summary(),
    })
}

/// One connection's loop: connect, send until the run is over, reconnect after an error.
async fn connection(shared: Arc<Shared>, index: usize) -> ConnectionResult {
    let config = &shared.config;
    let mut result = ConnectionResult::default();
    // Open loop: this connection's share of the schedule, staggered so the connections
    // do not all fire together.
    let interval = config
        .rate
        .map(|rate| Duration::from_secs_f64(config.connections as f64 / rate));
    let offset = config
        .rate
        .map(|rate| Duration::from_secs_f64(index as f64 / rate))
        .unwrap_or_default();
    // `run` checked that there is a target.
    let target = &config.targets[index % config.targets.len()];
    let mut sent: u32 = 0;
    let mut sender = None;
    while shared.claim() {
        let scheduled = match interval {
            Some(interval) => {
                let at = shared.start + offset + interval * sent;
                tokio::time::sleep_until(at).await;
                at
            }
            None => Instant::now(),
        };
        sent = sent.saturating_add(1);
        if sender.is_none() {
            match connect(target).await {
                Ok(s) => sender = Some(s),
                Err(_) => {
                    result.errors += 1;
                    // Do not spin on a server that is not there.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };
        let request = build_request(config, target);
        let outcome = tokio::time::timeout(config.timeout, async {
            s.ready().await?;
            let response = s.send_request(request).await?;
            let status = response.status().as_u16();
            response.into_body().collect().await?;
            Ok::<_, hyper::Error>(status)
        })
        .await;
        match outcome {
            Ok(Ok(status)) => {
                result.latencies.record(scheduled.elapsed());
                *result.statuses.entry(status).or_insert(0) += 1;
            }
            _ => {
                result.errors += 1;
                sender = None;
            }
        }
    }
    result
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(target: &Target) -> Result<Sender, String> {
    let stream = TcpStream::connect(target.addr)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes the connection.
        let _ = conn.await;
    });
    Ok(sender)
}

fn build_request(config: &Config, target: &Target) -> Request<Full<Bytes>> {
    let path = match &config.paths {
        Some(paths) => paths.next(),
        None => target.path_and_query.as_str(),
    };
    let mut builder = Request::builder()
        .method(config.method.clone())
        .uri(path)
        .header(HOST, target.host.as_str());
    if let Some(content_type) = &config.content_type {
        builder = builder.header(CONTENT_TYPE, content_type.as_str());
    }
    builder
        .body(Full::new(config.body.clone()))
        .unwrap_or_else(|_| Request::new(Full::new(config.body.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_only() {
        let t = Target::parse("http://127.0.0.1:8080/a/b?sig=x&sp=%2F").expect("loopback");
        assert_eq!(t.addr, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(t.host, "127.0.0.1:8080");
        assert_eq!(t.path_and_query, "/a/b?sig=x&sp=%2F");
        let t = Target::parse("http://localhost").expect("localhost");
        assert_eq!(t.addr.port(), 80);
        assert_eq!(t.path_and_query, "/");
        let t = Target::parse("http://[::1]:9/x").expect("v6 loopback");
        assert_eq!(t.addr, "[::1]:9".parse().expect("addr"));
        assert!(Target::parse("http://10.0.0.1:80/").is_err());
        assert!(Target::parse("http://example.com/").is_err());
        assert!(Target::parse("https://127.0.0.1/").is_err());
    }

    #[test]
    fn bounds_are_checked() {
        let target = Target::parse("http://127.0.0.1:1/").expect("target");
        let ok = Config::new(target, 4, Duration::from_secs(1));
        assert!(ok.check().is_ok());
        let mut c = ok.clone();
        c.connections = 0;
        assert!(c.check().is_err());
        let mut c = ok.clone();
        c.duration = Some(MAX_DURATION + Duration::from_secs(1));
        assert!(c.check().is_err());
        let mut c = ok.clone();
        c.duration = None;
        assert!(c.check().is_err());
        c.requests = Some(10);
        assert!(c.check().is_ok());
        let mut c = ok;
        c.rate = Some(0.0);
        assert!(c.check().is_err());
    }

    #[test]
    fn report_figures() {
        let report = Report {
            elapsed: Duration::from_secs(2),
            answered: 1000,
            statuses: BTreeMap::from([(202, 990), (500, 10)]),
            errors: 3,
            latency: Summary {
                p99_us: 1500,
                ..Summary::default()
            },
        };
        assert_eq!(report.requests_per_second(), 500.0);
        assert_eq!(report.successes(), 990);
        let tsv = report.to_tsv();
        assert_eq!(tsv.split('\t').collect::<Vec<_>>()[0], "500");
        assert_eq!(tsv.split('\t').collect::<Vec<_>>()[3], "1.500");
        assert!(report.to_text().contains("202: 990, 500: 10"));
    }
}
