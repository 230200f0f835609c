//! A stand-in external service for webhooks, so a new user (and the tests and benchmarks)
//! can watch an HttpWebhook trigger or action work with nothing but the hookflow binary.
//!
//! It accepts subscriptions (any POST under `/subscribe`), finds the callback URL in the
//! body, and calls back: on demand (`POST /subscriptions/{id}/callback`), to every active
//! subscription (`POST /events`), or by itself after a delay. Unsubscriptions (any request
//! under `/unsubscribe`) end a subscription. Every request it receives is recorded
//! (`GET /requests`) so a test can prove nothing was subscribed or unsubscribed twice.
//!
//! It owns no workflow semantics and must not depend on the engine: it is the "other
//! side" of the webhook contract, speaking only HTTP.

mod callback;
mod subscription;

use axum::routing::{any, get, post};
use axum::Router;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use subscription::{RecordedRequest, Subscription, SubscriptionState};

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct StandinConfig {
    /// Call every new subscription back by itself after this long.
    pub callback_after: Option<Duration>,
    /// The body of automatic callbacks.
    pub callback_body: Value,
    /// Answer this many subscribe requests with 500 first (to exercise retries and refusals).
    pub fail_subscribes: u32,
    /// Print one line per subscription and callback on stdout (for people, not tests).
    pub verbose: bool,
}

impl Default for StandinConfig {
    fn default() -> Self {
        StandinConfig {
            callback_after: None,
            callback_body: serde_json::json!({"status": "done"}),
            fail_subscribes: 0,
            verbose: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the stand-in server stopped: {0}")]
    Serve(std::io::Error),
}

/// The shared state behind the routes.
#[derive(Debug, Clone)]
pub struct Standin {
    inner: Arc<subscription::Registry>,
    config: Arc<StandinConfig>,
    client: reqwest::Client,
}

impl Standin {
    pub fn new(config: StandinConfig) -> Standin {
        Standin {
            inner: Arc::new(subscription::Registry::new(config.fail_subscribes)),
            config: Arc::new(config),
            client: reqwest::Client::new(),
        }
    }

    /// Every subscription so far, in the order they came.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.inner.subscriptions()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.requests()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/subscribe", any(subscription::subscribe))
            .route("/subscribe/{*rest}", any(subscription::subscribe))
            .route("/unsubscribe", any(subscription::unsubscribe))
            .route("/unsubscribe/{*rest}", any(subscription::unsubscribe))
            .route("/subscriptions", get(subscription::list))
            .route(
                "/subscriptions/{id}/callback",
                post(callback::call_back_one),
            )
            .route("/events", post(callback::call_back_all))
            .route("/requests", get(subscription::list_requests))
            .with_state(self.clone())
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(Error::Serve)
    }
}

/// Binds `addr` (port 0 picks a free one) and returns the listener with its real address.
pub async fn bind(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), Error> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    Ok((listener, local))
}
