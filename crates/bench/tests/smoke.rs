//! Runs the load generator briefly against the reference servers, in process and as
//! child processes, so CI exercises every code path of the benchmark.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use hookflow_bench::loadgen::{run, Config, Target};
use hookflow_bench::reference::{bind_loopback, serve, Reference, SqliteAppender};

async fn start(reference: Reference) -> Target {
    let listener = bind_loopback("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve(listener, reference));
    Target::parse(&format!("http://{addr}/hook?sig=abc")).expect("target")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_against_noop_counts_every_request() {
    let target = start(Reference::Noop).await;
    let mut config = Config::new(target, 4, Duration::from_secs(30));
    config.requests = Some(500);
    config.body = Bytes::from_static(br#"{"name":"Ada"}"#);
    let report = run(config).await.expect("run");
    assert_eq!(report.answered, 500);
    assert_eq!(report.statuses.get(&202), Some(&500));
    assert_eq!(report.errors, 0);
    assert!(report.requests_per_second() > 0.0);
    assert!(report.latency.p99_us >= report.latency.p50_us);
    assert!(report.latency.max_us >= report.latency.p99_us);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_keeps_to_the_rate() {
    let target = start(Reference::Noop).await;
    let mut config = Config::new(target, 4, Duration::from_millis(500));
    config.rate = Some(200.0);
    let report = run(config).await.expect("run");
    // 200/s for 0.5 s is 100 requests; allow for timer slack.
    assert!(
        (90..=110).contains(&report.answered),
        "answered {}",
        report.answered
    );
    assert_eq!(report.errors, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reference_commits_every_body_before_answering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ref.sqlite");
    let (appender, _writer) = SqliteAppender::open(&db).expect("open");
    let target = start(Reference::Sqlite(appender)).await;
    let mut config = Config::new(target, 8, Duration::from_secs(30));
    config.requests = Some(300);
    config.body = Bytes::from_static(b"payload");
    let report = run(config).await.expect("run");
    assert_eq!(report.statuses.get(&202), Some(&300));
    let conn = rusqlite::Connection::open(&db).expect("reopen");
    let (rows, distinct): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT body) FROM bodies",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!((rows, distinct), (300, 1));
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

fn bodies(db: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("reopen");
    conn.query_row("SELECT count(*) FROM bodies", [], |r| r.get(0))
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_spread_over_every_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
    let (appender_a, _writer_a) = SqliteAppender::open(&a).expect("open a");
    let (appender_b, _writer_b) = SqliteAppender::open(&b).expect("open b");
    let target_a = start(Reference::Sqlite(appender_a)).await;
    let target_b = start(Reference::Sqlite(appender_b)).await;
    let mut config = Config::new(target_a, 4, Duration::from_secs(30));
    config.targets.push(target_b);
    config.requests = Some(400);
    config.body = Bytes::from_static(b"payload");
    let report = run(config).await.expect("run");
    assert_eq!(report.statuses.get(&202), Some(&400));
    let (on_a, on_b) = (bodies(&a), bodies(&b));
    assert_eq!(on_a + on_b, 400);
    assert!(on_a > 0 && on_b > 0, "a: {on_a}, b: {on_b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_server_is_counted_as_errors_not_a_hang() {
    // Bind then drop to find a port nothing listens on.
    let listener = bind_loopback("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let target = Target::parse(&format!("http://{addr}/")).expect("target");
    let mut config = Config::new(target, 2, Duration::from_secs(30));
    config.requests = Some(20);
    let report = run(config).await.expect("run");
    assert_eq!(report.answered, 0);
    assert_eq!(report.errors, 20);
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binaries_work_together() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookflow-ref-noop"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn ref-noop");
    let stdout = child.stdout.take().expect("stdout");
    let server = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("announcement")
        .to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_hookflow-loadgen"))
        .args(["--url", &format!("{url}/x"), "-c", "2", "-n", "200"])
        .args(["--format", "tsv"])
        .output()
        .expect("run loadgen");
    drop(server);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let fields: Vec<&str> = stdout.trim().split('\t').collect();
    assert_eq!(fields.len(), 8, "{stdout}");
    assert_eq!(&fields[5..], ["200", "200", "0"], "{stdout}");

    let refused = Command::new(env!("CARGO_BIN_EXE_hookflow-loadgen"))
        .args(["--url", "http://192.0.2.1/", "-n", "1"])
        .output()
        .expect("run loadgen");
    assert!(!refused.status.success());
}
