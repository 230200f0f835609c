//! The driver's port to the network: an [`Executor`] sends one outbound request and
//! reports what came back as the engine's [`HttpOutcome`]. [`HttpExecutor`] wraps
//! [`crate::outbound::OutboundClient`]; tests substitute fakes.

use crate::outbound::{self, OutboundClient, WorkflowHeaders};
use hookflow_engine::{FailureKind, HttpOutcome};
use serde_json::Value;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future (the executor is used as a trait object).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one attempt of an outbound request. Never retries: the engine decides that.
pub trait Executor: Send + Sync + fmt::Debug + 'static {
    fn execute(&self, request: outbound::OutboundRequest) -> BoxFuture<'_, HttpOutcome>;
}

/// The real executor: the shared, pooled HTTP client with authentication and TLS.
#[derive(Debug, Clone)]
pub struct HttpExecutor {
    client: OutboundClient,
}

impl HttpExecutor {
    pub fn new(client: OutboundClient) -> HttpExecutor {
        HttpExecutor { client }
    }
}

impl Executor for HttpExecutor {
    fn execute(&self, request: outbound::OutboundRequest) -> BoxFuture<'_, HttpOutcome> {
        let client = self.client.clone();
        Box::pin(async move {
            match client.execute(&request).await {
                Ok(response) => HttpOutcome::Response {
                    status: response.status_code,
                    headers: response.headers,
                    body: response.body.unwrap_or(Value::Null),
                },
                Err(failure) => HttpOutcome::Failure {
                    kind: failure_kind(failure.kind),
                    message: failure.message,
                },
            }
        })
    }
}

/// The engine's classification of a failed attempt: only connection problems and
/// timeouts are retried by retry policies.
fn failure_kind(kind: outbound::FailureKind) -> FailureKind {
    match kind {
        outbound::FailureKind::Connection => FailureKind::Connection,
        outbound::FailureKind::Timeout => FailureKind::Timeout,
        outbound::FailureKind::Tls => FailureKind::Tls,
        outbound::FailureKind::InvalidRequest | outbound::FailureKind::Authentication => {
            FailureKind::InvalidRequest
        }
        outbound::FailureKind::ResponseTooLarge => FailureKind::InvalidResponse,
    }
}

/// The engine's evaluated request plus the identifying headers of the run.
pub(crate) fn outbound_request(
    request: hookflow_engine::OutboundRequest,
    workflow_headers: WorkflowHeaders,
) -> outbound::OutboundRequest {
    outbound::OutboundRequest {
        method: request.method,
        uri: request.uri,
        headers: request.headers,
        queries: request.queries,
        body: request.body,
        authentication: request.authentication,
        timeout: request.timeout,
        suppress_workflow_headers: request.suppress_workflow_headers,
        workflow_headers,
    }
}
