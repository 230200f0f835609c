//! The port the handlers call: one async method per REST or callback operation. The
//! engine, store and runtime implement it behind the server; the server never sees a
//! store. Methods return domain values or an [`AppError`], never HTTP responses, so the
//! mapping to status codes stays in one place ([`crate::error`]).

use crate::error::AppError;
use crate::model::{
    CallbackUrl, CallbackUrlRequest, Fired, Health, KeyType, MetricsSnapshot, Page, Run, RunAction,
    Saved, Trigger, TriggerHistory, Workflow, WorkflowName, WorkflowPut,
};
use crate::query::ListQuery;
use async_trait::async_trait;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use std::time::Duration;

/// The application behind the HTTP edge.
///
/// `async_trait` keeps the trait object-safe, so the binary can choose the implementation
/// at run time (`Arc<dyn Backend>`) without making every handler generic.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Creates or replaces a workflow. For an enabled workflow, new or changed HttpWebhook
    /// triggers are subscribed before this returns; a subscribe that fails after its
    /// retries is [`AppError::SubscribeFailed`] and the previous version stays active.
    async fn put_workflow(&self, name: WorkflowName, body: WorkflowPut) -> Result<Saved, AppError>;
    async fn get_workflow(&self, name: &WorkflowName) -> Result<Workflow, AppError>;
    async fn list_workflows(&self, query: &ListQuery) -> Result<Page<Workflow>, AppError>;
    /// Every saved version, newest first, each in the workflow's resource shape and named
    /// by its version id.
    async fn list_versions(
        &self,
        workflow: &WorkflowName,
        query: &ListQuery,
    ) -> Result<Page<Workflow>, AppError>;
    /// One saved version (`version` as a run's `properties.version` shows it).
    async fn get_version(
        &self,
        workflow: &WorkflowName,
        version: &str,
    ) -> Result<Workflow, AppError>;
    /// Unsubscribes webhook triggers and cancels running runs.
    async fn delete_workflow(&self, name: &WorkflowName) -> Result<(), AppError>;
    async fn enable_workflow(&self, name: &WorkflowName) -> Result<(), AppError>;
    async fn disable_workflow(&self, name: &WorkflowName) -> Result<(), AppError>;
    /// Replaces one access key; URLs signed with the old one stop working.
    async fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
    ) -> Result<(), AppError>;

    async fn list_triggers(&self, workflow: &WorkflowName) -> Result<Page<Trigger>, AppError>;
    async fn get_trigger(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
    ) -> Result<Trigger, AppError>;
    async fn list_callback_url(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        request: CallbackUrlRequest,
    ) -> Result<CallbackUrl, AppError>;
    /// Fires a trigger by hand with the management request's body.
    async fn run_trigger(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        request: InboundRequest,
    ) -> Result<Fired, AppError>;
    async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        query: &ListQuery,
    ) -> Result<Page<TriggerHistory>, AppError>;
    /// Starts a new run from a recorded trigger history's outputs.
    async fn resubmit_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        history: &str,
    ) -> Result<Fired, AppError>;

    async fn list_runs(
        &self,
        workflow: &WorkflowName,
        query: &ListQuery,
    ) -> Result<Page<Run>, AppError>;
    async fn get_run(&self, workflow: &WorkflowName, run: &str) -> Result<Run, AppError>;
    /// Cancels a run; its waiting webhook actions are unsubscribed.
    async fn cancel_run(&self, workflow: &WorkflowName, run: &str) -> Result<(), AppError>;
    async fn list_actions(
        &self,
        workflow: &WorkflowName,
        run: &str,
        query: &ListQuery,
    ) -> Result<Page<RunAction>, AppError>;
    async fn get_action(
        &self,
        workflow: &WorkflowName,
        run: &str,
        action: &str,
    ) -> Result<RunAction, AppError>;
    async fn list_repetitions(
        &self,
        workflow: &WorkflowName,
        run: &str,
        action: &str,
    ) -> Result<Page<RunAction>, AppError>;

    /// A call to a trigger's callback URL (Request or HttpWebhook trigger). The backend
    /// verifies the signature, stores the event durably before answering `Accepted`, and
    /// for a Request trigger with a Response action may wait up to
    /// [`TriggerCallback::response_timeout`] for that response.
    async fn trigger_callback(&self, call: TriggerCallback) -> Result<CallbackReply, AppError>;
    /// A call to a waiting HttpWebhook action's callback URL.
    async fn action_callback(&self, call: ActionCallback) -> Result<CallbackReply, AppError>;

    async fn health(&self) -> Health;
    async fn metrics(&self) -> MetricsSnapshot;
}

/// An HTTP request as the backend needs it, independent of axum's extractors.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub method: Method,
    pub headers: HeaderMap,
    /// Every query parameter, decoded, in order (including the signature ones).
    pub queries: Vec<(String, String)>,
    /// The raw body; the backend decides how to read it from `content_type`.
    pub body: Bytes,
    /// The body parsed, when `content_type` says JSON and the body is not empty. It is
    /// parsed once, where the request is read: a body that claims JSON and is not is
    /// refused there.
    pub json: Option<serde_json::Value>,
    pub content_type: Option<String>,
    /// The sender's `Idempotency-Key` header, or else its `webhook-id` header (Standard
    /// Webhooks): a repeat of an accepted callback with the same key gets the first 202.
    pub idempotency_key: Option<String>,
}

/// The signature query parameters of a callback URL, raw. Checking them is the
/// runtime's job (it holds the keys); the server only extracts them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallbackSignature {
    pub api_version: Option<String>,
    pub sp: Option<String>,
    pub sv: Option<String>,
    pub sig: Option<String>,
    pub se: Option<String>,
}

/// `{public}/workflows/{wf}/triggers/{t}/paths/invoke[/{relativePath}]`.
#[derive(Debug, Clone)]
pub struct TriggerCallback {
    pub workflow: WorkflowName,
    pub trigger: String,
    /// The part after `/paths/invoke/`, without its leading `/`; `None` when absent.
    pub relative_path: Option<String>,
    pub signature: CallbackSignature,
    pub request: InboundRequest,
    /// How long a Request trigger may wait for its Response action before answering 504
    /// ([`AppError::ResponseTimedOut`]).
    pub response_timeout: Duration,
}

/// `{public}/workflows/{wf}/runs/{run}/actions/{a}/run`.
#[derive(Debug, Clone)]
pub struct ActionCallback {
    pub workflow: WorkflowName,
    pub run: String,
    pub action: String,
    pub signature: CallbackSignature,
    pub request: InboundRequest,
}

/// How a callback is answered when it succeeded.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackReply {
    /// 202: the event is durably stored; the run starts or resumes. `run` names it when
    /// known (sent back as `x-ms-workflow-run-id`).
    Accepted { run: Option<String> },
    /// What a Request trigger's Response action answered.
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Bytes,
    },
}
