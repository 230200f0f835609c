//! The honest stand-in until the engine, store and runtime are wired: every management
//! and callback operation answers `503 {"error":{"code":"NotImplemented",…}}`, while
//! health and metrics work. `hookflow serve` uses it so the HTTP edge (auth, limits,
//! health, metrics, OpenAPI, TLS, shutdown) can run and be checked on its own; it never
//! pretends to have stored anything.

use crate::backend::{ActionCallback, Backend, CallbackReply, InboundRequest, TriggerCallback};
use crate::error::AppError;
use crate::model::{
    CallbackUrl, CallbackUrlRequest, ComponentHealth, Fired, Health, HealthStatus, KeyType,
    MetricFamily, MetricKind, MetricSample, MetricsSnapshot, Page, Run, RunAction, Saved, Trigger,
    TriggerHistory, Workflow, WorkflowName, WorkflowPut,
};
use crate::query::ListQuery;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// A [`Backend`] with no engine behind it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NotWired;

impl NotWired {
    pub const CODE: &'static str = "NotImplemented";

    fn refuse<T>(operation: &str) -> Result<T, AppError> {
        Err(AppError::Unavailable {
            code: Self::CODE.into(),
            message: format!(
                "{operation} is not available: this hookflow build serves the HTTP edge only; \
                 the engine is not wired yet."
            ),
            retry_after: None,
        })
    }
}

#[async_trait]
impl Backend for NotWired {
    async fn put_workflow(&self, _: WorkflowName, _: WorkflowPut) -> Result<Saved, AppError> {
        Self::refuse("Saving a workflow")
    }
    async fn get_workflow(&self, _: &WorkflowName) -> Result<Workflow, AppError> {
        Self::refuse("Reading a workflow")
    }
    async fn list_workflows(&self, _: &ListQuery) -> Result<Page<Workflow>, AppError> {
        Self::refuse("Listing workflows")
    }
    async fn list_versions(
        &self,
        _: &WorkflowName,
        _: &ListQuery,
    ) -> Result<Page<Workflow>, AppError> {
        Self::refuse("Listing workflow versions")
    }
    async fn get_version(&self, _: &WorkflowName, _: &str) -> Result<Workflow, AppError> {
        Self::refuse("Reading a workflow version")
    }
    async fn delete_workflow(&self, _: &WorkflowName) -> Result<(), AppError> {
        Self::refuse("Deleting a workflow")
    }
    async fn enable_workflow(&self, _: &WorkflowName) -> Result<(), AppError> {
        Self::refuse("Enabling a workflow")
    }
    async fn disable_workflow(&self, _: &WorkflowName) -> Result<(), AppError> {
        Self::refuse("Disabling a workflow")
    }
    async fn regenerate_access_key(&self, _: &WorkflowName, _: KeyType) -> Result<(), AppError> {
        Self::refuse("Regenerating an access key")
    }
    async fn list_triggers(&self, _: &WorkflowName) -> Result<Page<Trigger>, AppError> {
        Self::refuse("Listing triggers")
    }
    async fn get_trigger(&self, _: &WorkflowName, _: &str) -> Result<Trigger, AppError> {
        Self::refuse("Reading a trigger")
    }
    async fn list_callback_url(
        &self,
        _: &WorkflowName,
        _: &str,
        _: CallbackUrlRequest,
    ) -> Result<CallbackUrl, AppError> {
        Self::refuse("Listing a callback URL")
    }
    async fn run_trigger(
        &self,
        _: &WorkflowName,
        _: &str,
        _: InboundRequest,
    ) -> Result<Fired, AppError> {
        Self::refuse("Running a trigger")
    }
    async fn list_trigger_histories(
        &self,
        _: &WorkflowName,
        _: &str,
        _: &ListQuery,
    ) -> Result<Page<TriggerHistory>, AppError> {
        Self::refuse("Listing trigger histories")
    }
    async fn resubmit_trigger_history(
        &self,
        _: &WorkflowName,
        _: &str,
        _: &str,
    ) -> Result<Fired, AppError> {
        Self::refuse("Resubmitting a trigger history")
    }
    async fn list_runs(&self, _: &WorkflowName, _: &ListQuery) -> Result<Page<Run>, AppError> {
        Self::refuse("Listing runs")
    }
    async fn get_run(&self, _: &WorkflowName, _: &str) -> Result<Run, AppError> {
        Self::refuse("Reading a run")
    }
    async fn cancel_run(&self, _: &WorkflowName, _: &str) -> Result<(), AppError> {
        Self::refuse("Cancelling a run")
    }
    async fn list_actions(
        &self,
        _: &WorkflowName,
        _: &str,
        _: &ListQuery,
    ) -> Result<Page<RunAction>, AppError> {
        Self::refuse("Listing run actions")
    }
    async fn get_action(&self, _: &WorkflowName, _: &str, _: &str) -> Result<RunAction, AppError> {
        Self::refuse("Reading a run action")
    }
    async fn list_repetitions(
        &self,
        _: &WorkflowName,
        _: &str,
        _: &str,
    ) -> Result<Page<RunAction>, AppError> {
        Self::refuse("Listing action repetitions")
    }
    async fn trigger_callback(&self, _: TriggerCallback) -> Result<CallbackReply, AppError> {
        Self::refuse("Invoking a trigger")
    }
    async fn action_callback(&self, _: ActionCallback) -> Result<CallbackReply, AppError> {
        Self::refuse("Calling back a webhook action")
    }

    /// Healthy: the HTTP edge works; the engine component says it is not wired, so a
    /// reader of `/healthz` is not misled.
    async fn health(&self) -> Health {
        let mut components = BTreeMap::new();
        components.insert(
            "engine".to_string(),
            ComponentHealth {
                status: HealthStatus::Degraded,
                message: Some("not wired yet: management and callback calls answer 503".into()),
            },
        );
        Health {
            status: HealthStatus::Degraded,
            components,
        }
    }

    async fn metrics(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            families: vec![MetricFamily {
                name: "hookflow_engine_wired".into(),
                help: "1 when a workflow engine serves the API, 0 for the placeholder.".into(),
                kind: MetricKind::Gauge,
                samples: vec![MetricSample {
                    labels: Vec::new(),
                    value: 0.0,
                }],
            }],
        }
    }
}
