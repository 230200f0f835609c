//! Prometheus metrics: the server's own HTTP counters plus whatever the backend reports at
//! scrape time, rendered together as the text exposition format on `GET /metrics`.
//!
//! Each [`AppState`] owns its registry (no global recorder), so routers built side by side
//! in tests count independently.

use crate::model::{MetricFamily, MetricKind, MetricSample, MetricsSnapshot};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    CounterVec, Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry,
};
use std::time::Instant;

pub(crate) struct HttpMetrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
}

impl HttpMetrics {
    pub(crate) fn new() -> HttpMetrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "hookflow_http_requests_total",
                "HTTP requests answered, by route template, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("static metric definition is valid");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "hookflow_http_request_duration_seconds",
                "Time to answer an HTTP request, by route template and method.",
            ),
            &["route", "method"],
        )
        .expect("static metric definition is valid");
        registry
            .register(Box::new(requests.clone()))
            .expect("registered once");
        registry
            .register(Box::new(duration.clone()))
            .expect("registered once");
        HttpMetrics {
            registry,
            requests,
            duration,
        }
    }
}

impl std::fmt::Debug for HttpMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpMetrics")
    }
}

/// Labels use the route template (`/api/workflows/{wf}`), never the concrete path, and
/// only the standard methods: callbacks accept any method and any path below
/// `paths/invoke`, and labels must not let callers grow the series without bound.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let metrics = state.metrics();
    metrics
        .duration
        .with_label_values(&[route.as_str(), method])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[route.as_str(), method, response.status().as_str()])
        .inc();
    tracing::debug!(%route, method, status = response.status().as_u16(), "answered");
    response
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The whole exposition: the server's metrics, then the backend's snapshot.
pub(crate) fn render(state: &AppState, snapshot: &MetricsSnapshot) -> String {
    let mut families = state.metrics().registry.gather();
    let backend = Registry::new();
    for family in &snapshot.families {
        if let Err(error) = register_family(&backend, family) {
            tracing::warn!(name = %family.name, %error, "backend metric skipped");
        }
    }
    families.extend(backend.gather());
    let mut out = Vec::new();
    if let Err(error) = prometheus::TextEncoder::new().encode(&families, &mut out) {
        tracing::warn!(%error, "metrics encoding failed");
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Re-creates a backend family in a scrape-local registry, which validates names and
/// label sets the same way as the server's own metrics.
fn register_family(registry: &Registry, family: &MetricFamily) -> prometheus::Result<()> {
    let label_names: Vec<&str> = family
        .samples
        .first()
        .map(|sample| sample.labels.iter().map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default();
    let opts = Opts::new(family.name.clone(), family.help.clone());
    let check = |sample: &MetricSample| -> prometheus::Result<Vec<String>> {
        let names: Vec<&str> = sample.labels.iter().map(|(k, _)| k.as_str()).collect();
        if names != label_names {
            return Err(prometheus::Error::Msg(format!(
                "samples of {} have different label names",
                family.name
            )));
        }
        Ok(sample.labels.iter().map(|(_, v)| v.clone()).collect())
    };
    match family.kind {
        MetricKind::Gauge => {
            let gauge = GaugeVec::new(opts, &label_names)?;
            for sample in &family.samples {
                let values = check(sample)?;
                gauge
                    .get_metric_with_label_values(&values)?
                    .set(sample.value);
            }
            registry.register(Box::new(gauge))
        }
        MetricKind::Counter => {
            let counter = CounterVec::new(opts, &label_names)?;
            for sample in &family.samples {
                let values = check(sample)?;
                // A fresh counter reaches the reported total in one step; totals below
                // zero are not counters (and the crate would panic on them).
                if sample.value.is_nan() || sample.value < 0.0 {
                    return Err(prometheus::Error::Msg(format!(
                        "counter {} has the value {}",
                        family.name, sample.value
                    )));
                }
                counter
                    .get_metric_with_label_values(&values)?
                    .inc_by(sample.value);
            }
            registry.register(Box::new(counter))
        }
    }
}
