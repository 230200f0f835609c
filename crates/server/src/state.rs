//! What every handler shares: the backend, the admin key, the HTTP settings and the
//! metrics registry. Cheap to clone (one `Arc`).

use crate::auth::AdminKey;
use crate::backend::Backend;
use crate::cluster::Cluster;
use crate::metrics::HttpMetrics;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The HTTP edge's settings. Defaults follow the contract: 100 MiB bodies, 120 s for a
/// Request trigger's Response.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base of every URL the server hands out (`nextLink`); no trailing slash needed.
    pub public_url: Url,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub max_body_size: usize,
    /// How long a Request-trigger callback may wait for its Response action.
    pub response_timeout: Duration,
}

impl Settings {
    pub const DEFAULT_MAX_BODY_SIZE: usize = 100 * 1024 * 1024;
    pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(120);

    pub fn new(public_url: Url) -> Settings {
        Settings {
            public_url,
            max_body_size: Self::DEFAULT_MAX_BODY_SIZE,
            response_timeout: Self::DEFAULT_RESPONSE_TIMEOUT,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Arc<dyn Backend>,
    admin_key: AdminKey,
    settings: Settings,
    metrics: HttpMetrics,
    /// The nodes sharing the database, when the binary provides them.
    cluster: Option<Arc<dyn Cluster>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(backend: Arc<dyn Backend>, admin_key: AdminKey, settings: Settings) -> AppState {
        Self::build(backend, admin_key, settings, None)
    }

    /// Like [`AppState::new`], with the cluster behind `GET /api/nodes` and the cluster
    /// metrics.
    pub fn with_cluster(
        backend: Arc<dyn Backend>,
        admin_key: AdminKey,
        settings: Settings,
        cluster: Arc<dyn Cluster>,
    ) -> AppState {
        Self::build(backend, admin_key, settings, Some(cluster))
    }

    fn build(
        backend: Arc<dyn Backend>,
        admin_key: AdminKey,
        settings: Settings,
        cluster: Option<Arc<dyn Cluster>>,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                backend,
                admin_key,
                settings,
                metrics: HttpMetrics::new(),
                cluster,
            }),
        }
    }

    pub fn cluster(&self) -> Option<&dyn Cluster> {
        self.inner.cluster.as_deref()
    }

    pub fn backend(&self) -> &dyn Backend {
        self.inner.backend.as_ref()
    }

    pub fn admin_key(&self) -> &AdminKey {
        &self.inner.admin_key
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn metrics(&self) -> &HttpMetrics {
        &self.inner.metrics
    }
}
