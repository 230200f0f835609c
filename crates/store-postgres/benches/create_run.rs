//! The store alone: how many runs per second `create_run` commits with many concurrent
//! callers (what the trigger intake asks of it), and the writes per group commit, on a
//! fresh schema of the server at `HOOKFLOW_TEST_DATABASE_URL`.
//!
//! `cargo bench -p hookflow-store-postgres --bench create_run` (CALLERS, SECONDS, WRITERS
//! to change the load and the writer connections). Prints one line; the schema is dropped
//! afterwards.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookflow_store::conformance::fixture::{create_workflow, entry, new_run};
use hookflow_store::{RunId, RunStatus, RunStore, RunSummary};
use hookflow_store_postgres::{Options, PostgresStore};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let url = std::env::var("HOOKFLOW_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let callers = env_number("CALLERS", 64);
    let seconds = env_number("SECONDS", 5);
    let schema = format!("hf_bench_{}", std::process::id());
    let writers = env_number("WRITERS", Options::new("").writers as u64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut options = Options::new(url.clone());
        options.schema = Some(schema.clone());
        options.writers = writers as usize;
        let store = match PostgresStore::open(options).await {
            Ok(store) => store,
            Err(e) => {
                eprintln!("SKIPPED: cannot open PostgreSQL at {url}: {e}");
                return;
            }
        };
        create_workflow(&store, "bench").await;
        let created = Arc::new(AtomicU64::new(0));
        let before = store.write_counters();
        let start = Instant::now();
        let deadline = start + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..callers)
            .map(|caller| {
                let (store, created) = (store.clone(), created.clone());
                tokio::spawn(async move {
                    let mut n = 0u128;
                    while Instant::now() < deadline {
                        n += 1;
                        let id =
                            RunId::from_parts(1_700_000_000_000, (u128::from(caller) << 64) | n);
                        // A trivial complete run: started, one action, completed.
                        let mut run = new_run("bench", id);
                        run.entries.push(entry("ActionCompleted", 1));
                        run.entries.push(entry("RunCompleted", 2));
                        run.changes.summary = Some(RunSummary {
                            status: RunStatus::Succeeded,
                            end_time: Some(run.start_time),
                            outputs: None,
                            error: None,
                        });
                        store.create_run(run).await.expect("create");
                        created.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("caller");
        }
        let elapsed = start.elapsed().as_secs_f64();
        let after = store.write_counters();
        let runs = created.load(Ordering::Relaxed);
        let batches = after.batches - before.batches;
        println!(
            "create_run: {:.0} runs/s with {callers} callers, {writers} writers over {elapsed:.1} s; \
             {:.1} writes per group commit, {:.0} bytes per write",
            runs as f64 / elapsed,
            (after.writes - before.writes) as f64 / batches.max(1) as f64,
            (after.bytes - before.bytes) as f64 / runs.max(1) as f64,
        );
    });
    let drop_schema = async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
    };
    if let Err(e) = runtime.block_on(drop_schema) {
        eprintln!("could not drop schema {schema}: {e}");
    }
}
