//! hookflow's HTTP edge.
//!
//! Owns: the management REST API under `/api` (admin-key auth), the public callback
//! endpoints of triggers and webhook actions, `/healthz`, `/metrics` (Prometheus text),
//! the generated OpenAPI document, the embedded web designer (`/`, `/assets/*`, from
//! `hookflow-ui`), request limits, TLS and graceful shutdown — and the one
//! mapping from application errors to HTTP status codes ([`error`]).
//!
//! Must not depend on a concrete store or on the engine's internals: the handlers call
//! the [`Backend`] port, which the application (engine + store + runtime) implements and
//! the binary hands to [`router`]: [`RuntimeBackend`] over the runtime driver and any
//! store. [`placeholder::NotWired`] (an honest 503 for every operation) remains for
//! checking the edge on its own.
//!
//! ```text
//! request ─▶ metrics::track ─▶ [auth::require_admin_key for /api] ─▶ routes::* ─▶ Backend
//!                                                     AppError ◀──────────────────┘
//!                                                        └─▶ error::IntoResponse (status + {"error":…})
//! ```

pub mod auth;
pub mod backend;
pub mod cluster;
pub mod error;
mod metrics;
pub mod model;
pub mod openapi;
pub mod placeholder;
pub mod query;
pub mod request;
pub mod routes;
pub mod runtime_backend;
pub mod serve;
pub mod state;
pub mod tls;

pub use auth::AdminKey;
pub use backend::{
    ActionCallback, Backend, CallbackReply, CallbackSignature, InboundRequest, TriggerCallback,
};
pub use cluster::{Cluster, Node};
pub use error::{AppError, ErrorDetail, ErrorResponse, Resource};
pub use runtime_backend::RuntimeBackend;
pub use serve::{serve, ServeOptions, Shutdown, ShutdownSignal};
pub use state::{AppState, Settings};

/// The types the [`Backend`] port speaks in, re-exported so implementors use the same
/// versions as the server.
pub use axum::body::Bytes;
pub use axum::http;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use axum::{middleware, Json, Router};
use routes::{callbacks, designer, health, nodes, runs, triggers, versions, workflows};

/// Every route of the contract (§3 management API, §4 callbacks), plus health, metrics
/// and the OpenAPI document.
pub fn router(state: AppState) -> Router {
    let management = Router::new()
        .route("/workflows", get(workflows::list))
        .route(
            "/workflows/{wf}",
            put(workflows::put)
                .get(workflows::get)
                .delete(workflows::delete),
        )
        .route("/workflows/{wf}/versions", get(versions::list))
        .route("/workflows/{wf}/versions/{version}", get(versions::get))
        .route("/workflows/{wf}/enable", post(workflows::enable))
        .route("/workflows/{wf}/disable", post(workflows::disable))
        .route(
            "/workflows/{wf}/regenerateAccessKey",
            post(workflows::regenerate_access_key),
        )
        .route("/workflows/{wf}/triggers", get(triggers::list))
        .route("/workflows/{wf}/triggers/{t}", get(triggers::get))
        .route(
            "/workflows/{wf}/triggers/{t}/listCallbackUrl",
            post(triggers::list_callback_url),
        )
        .route("/workflows/{wf}/triggers/{t}/run", post(triggers::run))
        .route(
            "/workflows/{wf}/triggers/{t}/histories",
            get(triggers::histories),
        )
        .route(
            "/workflows/{wf}/triggers/{t}/histories/{h}/resubmit",
            post(triggers::resubmit),
        )
        .route("/workflows/{wf}/runs", get(runs::list))
        .route("/workflows/{wf}/runs/{run}", get(runs::get))
        .route("/workflows/{wf}/runs/{run}/cancel", post(runs::cancel))
        .route(
            "/workflows/{wf}/runs/{run}/actions",
            get(runs::list_actions),
        )
        .route(
            "/workflows/{wf}/runs/{run}/actions/{a}",
            get(runs::get_action),
        )
        .route(
            "/workflows/{wf}/runs/{run}/actions/{a}/repetitions",
            get(runs::repetitions),
        )
        .route("/nodes", get(nodes::list))
        // route_layer: only the routes above need the key; the OpenAPI document added
        // after it stays public.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_admin_key,
        ))
        .route("/openapi.json", get(health::openapi));

    Router::new()
        .nest("/api", management)
        .route(
            "/workflows/{wf}/triggers/{t}/paths/invoke",
            any(callbacks::trigger),
        )
        .route(
            "/workflows/{wf}/triggers/{t}/paths/invoke/{*relative_path}",
            any(callbacks::trigger_relative),
        )
        .route(
            "/workflows/{wf}/runs/{run}/actions/{a}/run",
            any(callbacks::action),
        )
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/", get(designer::index))
        .route("/assets/{*path}", get(designer::asset))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.settings().max_body_size))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// Unmatched paths: the designer's client-side pages (`GET /w/…`) get its index.html so
/// they survive a reload; everything else keeps the JSON 404.
async fn fallback(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    if method == axum::http::Method::GET && designer::is_page_path(uri.path()) {
        return designer::index().await;
    }
    not_found().await
}

async fn not_found() -> Response {
    edge_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        "No such endpoint; GET /api/openapi.json lists them.",
    )
}

async fn method_not_allowed() -> Response {
    edge_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "This endpoint does not accept this method; GET /api/openapi.json lists them.",
    )
}

/// Errors about the route itself, which no backend is asked about.
fn edge_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorResponse {
        error: error::ErrorInfo {
            code: code.into(),
            message: message.into(),
            details: Vec::new(),
        },
    };
    (status, Json(body)).into_response()
}
