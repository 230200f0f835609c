//! Write throughput with concurrent writers: each operation is `create_run` (one entry)
//! followed by one fenced `append`, both durable (`synchronous=FULL`). Compares group
//! commit (many writes per transaction and fsync) with one transaction per write.
//!
//! `cargo bench -p hookflow-store-sqlite --bench write`

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hookflow_store::conformance::fixture::{appending, create_workflow, entry, new_run, run_id};
use hookflow_store::RunStore;
use hookflow_store_sqlite::{Options, SqliteStore};

static NEXT_RUN: AtomicU64 = AtomicU64::new(1);

/// Runs `ops` create+append operations spread over `writers` tasks; returns the time.
async fn drive(store: &SqliteStore, writers: u64, ops: u64) -> Duration {
    let start = Instant::now();
    let per_writer = ops.div_ceil(writers);
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                for _ in 0..per_writer {
                    let id = run_id(NEXT_RUN.fetch_add(1, Ordering::Relaxed));
                    store
                        .create_run(new_run("bench", id.clone()))
                        .await
                        .expect("create");
                    store
                        .append(appending(&id, 1, vec![entry("Step", 1)]))
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer task");
    }
    start.elapsed()
}

fn write_throughput(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("create_run+append");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(1));
    for (mode, max_batch) in [("group_commit", 512), ("tx_per_write", 1)] {
        for writers in [1u64, 16, 64] {
            let dir = tempfile::tempdir().expect("temporary directory");
            let options = Options {
                max_batch,
                ..Options::in_dir(dir.path())
            };
            let store = SqliteStore::open(options).expect("open");
            runtime.block_on(create_workflow(&store, "bench"));
            group.bench_with_input(BenchmarkId::new(mode, writers), &writers, |b, &writers| {
                b.iter_custom(|iters| runtime.block_on(drive(&store, writers, iters)));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, write_throughput);
criterion_main!(benches);
