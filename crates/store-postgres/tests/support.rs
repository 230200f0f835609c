//! A fresh schema per test on the server at `HOOKFLOW_TEST_DATABASE_URL`, dropped after.
//!
//! Without a server: in CI (`CI` set) the test fails — PostgreSQL tests never silently
//! skip there; elsewhere it is skipped with a message saying how to run it.

use std::sync::atomic::{AtomicU32, Ordering};

use hookflow_store_postgres::{Options, PostgresStore};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn database_url() -> String {
    std::env::var("HOOKFLOW_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// Drops its schema when the test ends (also when it panicked).
#[derive(Debug)]
pub struct SchemaGuard {
    url: String,
    schema: String,
}

impl SchemaGuard {
    pub fn schema(&self) -> &str {
        &self.schema
    }
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // Drop runs inside the test's runtime; a thread with its own runtime can block.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .expect("connect to drop the schema");
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await
                    .expect("drop schema");
            });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop test schema {}", self.schema);
        }
    }
}

/// A unique schema name for this process and test.
pub fn schema_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "hf_test_{}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros() % 1_000_000_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether the server answers; the decision to skip or fail is the caller's.
pub async fn server_available(url: &str) -> Result<(), String> {
    match tokio_postgres::connect(url, tokio_postgres::NoTls).await {
        Ok((_client, connection)) => {
            drop(connection);
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `None` (after saying why) when no server runs and this is not CI.
pub async fn open_fresh(
    options: impl FnOnce(Options) -> Options,
) -> Option<(PostgresStore, SchemaGuard)> {
    let url = database_url();
    if let Err(error) = server_available(&url).await {
        if std::env::var_os("CI").is_some() {
            panic!(
                "PostgreSQL at {url} is not reachable ({error}) and CI is set: .ci/run starts it"
            );
        }
        eprintln!(
            "SKIPPED: PostgreSQL at {url} is not reachable ({error}); start it or set \
             HOOKFLOW_TEST_DATABASE_URL to run the PostgreSQL tests"
        );
        return None;
    }
    let schema = schema_name();
    let guard = SchemaGuard {
        url: url.clone(),
        schema: schema.clone(),
    };
    let mut base = Options::new(url);
    base.schema = Some(schema);
    base.read_connections = 2;
    let store = PostgresStore::open(options(base))
        .await
        .expect("open store");
    Some((store, guard))
}

pub async fn fresh() -> Option<(PostgresStore, SchemaGuard)> {
    open_fresh(|o| o).await
}
