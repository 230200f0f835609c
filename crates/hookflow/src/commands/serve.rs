//! `hookflow serve`: resolves the configuration, prepares the data directory and admin
//! key, opens the store, starts the runtime's work loop, and serves the HTTP edge with the
//! real backend until SIGINT/SIGTERM; then stops taking requests, lets the ones in flight
//! finish, and stops the work loop and the runtime (accepted work is already durable and
//! resumes at the next start).
//!
//! This is the only place that names the concrete stores: [`serve_until_signal`] opens
//! SQLite or PostgreSQL as `--database` says and hands it to the generic [`serve_store`].

use crate::commands::cluster::{ClusterInfo, PostgresCluster, SingleNode};
use crate::config::{self, Database, ServeArgs, ServeConfig};
use hookflow_runtime::driver::{Runtime, RuntimeConfig, Services};
use hookflow_runtime::executor::HttpExecutor;
use hookflow_runtime::outbound::{ClientConfig, OutboundClient};
use hookflow_server::{
    router, serve, tls, AdminKey, AppState, Cluster, RuntimeBackend, ServeOptions, Settings,
    Shutdown,
};
use hookflow_store::{LeaseOwner, Store};
use hookflow_store_postgres::{Options as PostgresOptions, PostgresStore};
use hookflow_store_sqlite::{Options as SqliteOptions, SqliteStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The file that keeps a generated admin key between starts.
pub const ADMIN_KEY_FILE: &str = "admin-key";

pub fn run(args: ServeArgs) -> Result<(), String> {
    let config = config::resolve(args)?;
    install_logging();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = worker_threads(&config.database) {
        builder.worker_threads(threads);
    }
    let runtime = builder
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the async runtime: {e}"))?;
    runtime.block_on(serve_until_signal(config))
}

/// The async runtime's worker threads, unless `TOKIO_WORKER_THREADS` sets them: one per
/// core, less one with SQLite. Its writer thread commits every write and is busy whenever
/// requests are; a worker on every core competes with it for a core and moves each answer
/// across cores. Measured on 2 cores with `bench/run.sh`, one worker beside the writer
/// served about 9 % more intake and complete runs per second than two, at 9 % less CPU per
/// request.
fn worker_threads(database: &Database) -> Option<usize> {
    if std::env::var_os("TOKIO_WORKER_THREADS").is_some() {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Some(match database {
        Database::Sqlite(_) => cores.saturating_sub(1).max(1),
        Database::Postgres(_) => cores,
    })
}

fn install_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second subscriber (tests calling run twice) is harmless: keep the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn serve_until_signal(config: ServeConfig) -> Result<(), String> {
    prepare_data_dir(&config.data_dir)?;
    let node = LeaseOwner::new(node_name()).map_err(|e| format!("error: node name: {e}"))?;
    match &config.database {
        Database::Sqlite(path) => {
            let store = open_sqlite(path).await?;
            let make_cluster =
                |info: ClusterInfo| -> Arc<dyn Cluster> { Arc::new(SingleNode::new(info)) };
            serve_store(store, &config, node, make_cluster, Reconciliation::AtStart).await
        }
        Database::Postgres(url) => {
            let store = open_postgres(url.as_str(), &config.database).await?;
            let cluster_store = store.clone();
            let make_cluster = move |info: ClusterInfo| -> Arc<dyn Cluster> {
                Arc::new(PostgresCluster::start(cluster_store, info))
            };
            let reconciliation = Reconciliation::Shared(store.clone());
            serve_store(store, &config, node, make_cluster, reconciliation).await
        }
    }
}

/// Serves the API, callbacks and the work loop over any store until a signal.
async fn serve_store<S: Store>(
    store: S,
    config: &ServeConfig,
    node: LeaseOwner,
    make_cluster: impl FnOnce(ClusterInfo) -> Arc<dyn Cluster>,
    reconciliation: Reconciliation,
) -> Result<(), String> {
    let config = config.clone();
    let key = admin_key(&config)?;
    let tls_config = match &config.tls {
        Some(files) => Some(
            tls::server_config(&files.cert, &files.key).map_err(|e| format!("error: TLS: {e}"))?,
        ),
        None => None,
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("error: cannot listen on {}: {e}", config.listen))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("error: cannot read the bound address: {e}"))?;
    let public_url = config.public_url_for(bound);

    let settings = Settings {
        public_url: public_url.clone(),
        max_body_size: usize::try_from(config.max_body_size)
            .map_err(|_| "error: --max-body-size is too large for this machine".to_string())?,
        response_timeout: config.response_timeout,
    };
    let admin = AdminKey::new(key.value.clone()).map_err(|e| format!("error: {e}"))?;
    let runtime = build_runtime(store, &config, public_url.as_str(), node.clone())?;
    let work_loop = runtime.start();
    let reconciler = spawn_reconciliation(&runtime, reconciliation, node.clone());
    let backend = RuntimeBackend::new(runtime.clone());
    let cluster = make_cluster(ClusterInfo {
        node: node.clone(),
        listen: bound.to_string(),
        public_url: public_url.to_string(),
        store: config.database.kind(),
    });
    let state = AppState::with_cluster(Arc::new(backend), admin, settings, cluster);

    let scheme = if tls_config.is_some() {
        "https"
    } else {
        "http"
    };
    let base = public_url.as_str().trim_end_matches('/');
    eprintln!(
        "hookflow {} listening on {scheme}://{bound}",
        env!("CARGO_PKG_VERSION")
    );
    eprintln!("  UI:         {base}/ (the designer; sign in with the admin key)");
    eprintln!("  public URL: {base}");
    eprintln!("  data dir:   {}", config.data_dir.display());
    if let Some(file) = &config.file {
        eprintln!("  config:     {}", file.display());
    }
    eprintln!(
        "  store:      {} at {} (opened)",
        config.database.kind(),
        config.database.display()
    );
    eprintln!("  node:       {node}");
    eprintln!(
        "  limits:     bodies up to {} bytes, Response within {}s, runs up to {}s",
        config.max_body_size,
        config.response_timeout.as_secs(),
        config.run_duration_limit.as_secs()
    );
    match key.origin {
        KeyOrigin::Configured => eprintln!("  admin key:  as configured"),
        KeyOrigin::Stored(path) => eprintln!("  admin key:  stored in {}", path.display()),
        KeyOrigin::Generated(path) => eprintln!(
            "  admin key:  {} (generated; stored in {})",
            key.value,
            path.display()
        ),
    }

    let shutdown = Shutdown::new();
    tokio::spawn(trigger_on_signal(shutdown.clone()));
    let options = ServeOptions {
        tls: tls_config,
        // Long enough for a Request trigger waiting on its Response to finish.
        grace: config.response_timeout + Duration::from_secs(5),
        ..ServeOptions::default()
    };
    let served = serve(listener, router(state), options, shutdown.signal()).await;
    // Requests are finished (or the grace ran out): stop claiming work, then stop the
    // effect tasks; their runs stay runnable in the store and recover at the next start.
    reconciler.abort();
    work_loop.stop().await;
    runtime.shutdown().await;
    served.map_err(|e| format!("error: serving failed: {e}"))?;
    eprintln!("hookflow stopped");
    Ok(())
}

/// Who reconciles webhook trigger subscriptions left unsettled (CONTRACT §5), and when.
enum Reconciliation {
    /// The only node: whatever is unsettled at start was left by a crash.
    AtStart,
    /// One of several nodes on one database: an unsettled entry may be a save in
    /// progress on another node. Periodically, the one node holding the chore reconciles
    /// the entries older than any save takes.
    Shared(PostgresStore),
}

/// How often a node tries to take the reconciliation chore.
const RECONCILE_EVERY: Duration = Duration::from_secs(60);
/// Unsettled entries younger than this may belong to a save still running elsewhere
/// (subscribe retries included).
const ABANDONED_AFTER: Duration = Duration::from_secs(10 * 60);
const RECONCILE_TASK: &str = "reconcile-webhook-triggers";

fn spawn_reconciliation<S: Store>(
    runtime: &Runtime<S>,
    reconciliation: Reconciliation,
    node: LeaseOwner,
) -> tokio::task::JoinHandle<()> {
    let runtime = runtime.clone();
    tokio::spawn(async move {
        let report = |outcome: Result<usize, hookflow_runtime::driver::RuntimeError>| match outcome
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(triggers = n, "reconciled webhook trigger subscriptions"),
            Err(error) => {
                tracing::warn!(%error, "reconciling webhook trigger subscriptions failed")
            }
        };
        match reconciliation {
            Reconciliation::AtStart => report(runtime.reconcile_trigger_subscriptions().await),
            Reconciliation::Shared(store) => {
                let hold = chrono::Duration::from_std(RECONCILE_EVERY * 2)
                    .unwrap_or(chrono::Duration::minutes(2));
                let age = chrono::Duration::from_std(ABANDONED_AFTER)
                    .unwrap_or(chrono::Duration::minutes(10));
                let mut ticks = tokio::time::interval(RECONCILE_EVERY);
                loop {
                    ticks.tick().await;
                    let now = chrono::Utc::now();
                    match store.take_task(RECONCILE_TASK, &node, now, hold).await {
                        Ok(true) => report(
                            runtime
                                .reconcile_trigger_subscriptions_before(Some(now - age))
                                .await,
                        ),
                        Ok(false) => {}
                        Err(error) => {
                            tracing::warn!(%error, "cannot take the reconciliation chore")
                        }
                    }
                }
            }
        }
    })
}

/// Opens (creating and migrating if needed) the SQLite file.
async fn open_sqlite(path: &Path) -> Result<SqliteStore, String> {
    let path = path.to_path_buf();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            format!(
                "error: cannot create the database directory {}: {e}",
                parent.display()
            )
        })?;
    }
    let mut options = SqliteOptions::in_dir(path.parent().unwrap_or(Path::new(".")));
    options.path = path.clone();
    // Opening migrates and syncs the file: blocking work, kept off the async threads.
    tokio::task::spawn_blocking(move || SqliteStore::open(options))
        .await
        .map_err(|e| format!("error: opening the store stopped abnormally: {e}"))?
        .map_err(|e| format!("error: cannot open the store {}: {e}", path.display()))
}

/// Connects to PostgreSQL and migrates it (one node at a time when several start).
async fn open_postgres(url: &str, database: &Database) -> Result<PostgresStore, String> {
    PostgresStore::open(PostgresOptions::new(url))
        .await
        .map_err(|e| format!("error: cannot open the store {}: {e}", database.display()))
}

/// The runtime over the store with the real outbound executor.
fn build_runtime<S: Store>(
    store: S,
    config: &ServeConfig,
    public_url: &str,
    node: LeaseOwner,
) -> Result<Runtime<S>, String> {
    let client = OutboundClient::new(ClientConfig::default())
        .map_err(|e| format!("error: cannot build the outbound HTTP client: {e}"))?;
    let mut runtime_config = RuntimeConfig::new(public_url.trim_end_matches('/'), node);
    runtime_config.engine.run_duration_limit = config.run_duration_limit;
    runtime_config.lease_duration = config.lease_duration;
    runtime_config.in_flight_grace = config.in_flight_grace;
    let services = Services::system(Arc::new(HttpExecutor::new(client)));
    Ok(Runtime::new(store, runtime_config, services))
}

/// This process's name on leases: host, pid and start time, so a restarted process
/// never mistakes its predecessor's leases for its own.
fn node_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_string());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        chrono::Utc::now().timestamp_millis()
    )
}

async fn trigger_on_signal(shutdown: Shutdown) {
    wait_for_signal().await;
    tracing::info!("signal received; shutting down");
    shutdown.trigger();
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the server");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Creates the data directory; a new one is private to this user (it will hold the
/// admin key and the database).
fn prepare_data_dir(dir: &Path) -> Result<(), String> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "error: cannot create the data directory {}: {e}",
            dir.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
            format!(
                "error: cannot restrict the data directory {}: {e}",
                dir.display()
            )
        })?;
    }
    Ok(())
}

struct Key {
    value: String,
    origin: KeyOrigin,
}

enum KeyOrigin {
    Configured,
    Stored(PathBuf),
    Generated(PathBuf),
}

/// The configured key, else the stored one, else a new one stored with mode 0600.
fn admin_key(config: &ServeConfig) -> Result<Key, String> {
    if let Some(value) = &config.admin_key {
        return Ok(Key {
            value: value.trim().to_string(),
            origin: KeyOrigin::Configured,
        });
    }
    let path = config.data_dir.join(ADMIN_KEY_FILE);
    if let Some(value) = read_stored_key(&path)? {
        return Ok(Key {
            value,
            origin: KeyOrigin::Stored(path),
        });
    }
    let value = generate_key()?;
    match write_new_key(&path, &value) {
        Ok(()) => Ok(Key {
            value,
            origin: KeyOrigin::Generated(path),
        }),
        // Another process started at the same moment and won: use its key.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read_stored_key(&path)? {
            Some(value) => Ok(Key {
                value,
                origin: KeyOrigin::Stored(path),
            }),
            None => Err(format!("error: {} is empty", path.display())),
        },
        Err(e) => Err(format!(
            "error: cannot store the admin key in {}: {e}",
            path.display()
        )),
    }
}

fn read_stored_key(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let value = text.trim().to_string();
            if value.is_empty() {
                return Err(format!(
                    "error: {} is empty; delete it to generate a new key",
                    path.display()
                ));
            }
            warn_if_readable_by_others(path);
            Ok(Some(value))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("error: cannot read {}: {e}", path.display())),
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the admin key file is readable by other users; chmod 600 it");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

/// 32 bytes from the operating system's CSPRNG, base64url without padding (43 chars).
fn generate_key() -> Result<String, String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("error: no secure randomness for the admin key: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// `create_new` so two starts never overwrite each other's key; mode 0600 from the first
/// byte, not chmod-ed afterwards.
fn write_new_key(path: &Path, value: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(format!("{value}\n").as_bytes())?;
    file.sync_all()
}
