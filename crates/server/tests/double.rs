//! TEST FIXTURE ONLY: an in-memory stand-in for the application behind the server, so the
//! HTTP edge can be tested before the engine exists. It keeps workflows in a map, serves
//! fixed runs, records every call it gets, and can be told to fail the next call with any
//! [`AppError`]. It is not a product backend and is not compiled into one.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use hookflow_server::model::{
    CallbackQueries, CallbackUrl, CallbackUrlRequest, Fired, Health, HealthStatus, KeyType,
    MetricFamily, MetricKind, MetricSample, MetricsSnapshot, Page, Run, RunAction,
    RunActionProperties, RunProperties, RunRef, RunTrigger, Saved, Status, Trigger, TriggerHistory,
    TriggerHistoryProperties, TriggerProperties, VersionRef, Workflow, WorkflowName,
    WorkflowProperties, WorkflowPut, WorkflowState,
};
use hookflow_server::query::{Filter, ListQuery};
use hookflow_server::{
    ActionCallback, AppError, Backend, CallbackReply, InboundRequest, Resource, TriggerCallback,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// A call the double received, for tests to inspect.
#[derive(Debug, Clone)]
pub enum Call {
    TriggerCallback(TriggerCallback),
    ActionCallback(ActionCallback),
    RunTrigger {
        workflow: String,
        trigger: String,
        request: InboundRequest,
    },
    List(ListQuery),
    CallbackUrl(CallbackUrlRequest),
    Other {
        op: &'static str,
        args: Vec<String>,
    },
}

#[derive(Debug, Default)]
pub struct Double {
    state: Mutex<DoubleState>,
}

#[derive(Debug, Default)]
struct DoubleState {
    workflows: BTreeMap<String, Workflow>,
    calls: Vec<Call>,
    fail_next: Option<AppError>,
    reply: Option<CallbackReply>,
    health: Option<HealthStatus>,
    continuation: Option<String>,
    gate: Option<Arc<Notify>>,
}

impl Double {
    pub fn new() -> Double {
        Double::default()
    }

    /// The next backend call fails with `error`.
    pub fn fail_next(&self, error: AppError) {
        self.lock().fail_next = Some(error);
    }

    /// Callbacks answer this instead of `Accepted { run: "run-1" }`.
    pub fn reply_with(&self, reply: CallbackReply) {
        self.lock().reply = Some(reply);
    }

    pub fn set_health(&self, status: HealthStatus) {
        self.lock().health = Some(status);
    }

    /// Lists return this continuation token.
    pub fn set_continuation(&self, token: &str) {
        self.lock().continuation = Some(token.to_string());
    }

    /// Trigger callbacks wait (after being recorded) until `gate` is notified: a request
    /// kept in flight on purpose, for shutdown tests.
    pub fn hold_trigger_callbacks(&self, gate: Arc<Notify>) {
        self.lock().gate = Some(gate);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub fn last_call(&self) -> Call {
        self.lock().calls.last().cloned().expect("a call was made")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DoubleState> {
        self.state.lock().expect("double lock")
    }

    /// Records the call and returns the scripted error, if any.
    fn enter(&self, call: Call) -> Result<(), AppError> {
        let mut state = self.lock();
        state.calls.push(call);
        match state.fail_next.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn other(&self, op: &'static str, args: &[&str]) -> Result<(), AppError> {
        self.enter(Call::Other {
            op,
            args: args.iter().map(|s| s.to_string()).collect(),
        })
    }

    fn workflow(&self, name: &WorkflowName) -> Result<Workflow, AppError> {
        self.lock()
            .workflows
            .get(name.as_str())
            .cloned()
            .ok_or_else(|| AppError::not_found(Resource::Workflow, name.as_str()))
    }

    fn page<T>(&self, value: Vec<T>) -> Page<T> {
        Page {
            value,
            continuation: self.lock().continuation.clone(),
        }
    }
}

pub fn fixture_run(name: &str, status: Status) -> Run {
    Run {
        name: name.to_string(),
        properties: RunProperties {
            status,
            start_time: Utc
                .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
                .single()
                .expect("time"),
            end_time: None,
            trigger: RunTrigger {
                name: "manual".into(),
                status: Status::Succeeded,
                outputs: Some(serde_json::json!({"body": {"x": 1}})),
            },
            outputs: None,
            error: None,
            correlation: None,
            version: Some("v1".into()),
            workflow: Some(VersionRef { name: "v1".into() }),
        },
    }
}

fn fixture_action(name: &str) -> RunAction {
    RunAction {
        name: name.to_string(),
        properties: RunActionProperties {
            status: Status::Waiting,
            code: None,
            start_time: None,
            end_time: None,
            inputs: Some(serde_json::json!({"uri": "https://example.test/subscribe"})),
            outputs: None,
            error: None,
            repetition_indexes: Vec::new(),
        },
    }
}

#[async_trait]
impl Backend for Double {
    async fn put_workflow(&self, name: WorkflowName, body: WorkflowPut) -> Result<Saved, AppError> {
        self.other("put_workflow", &[name.as_str()])?;
        let now = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut state = self.lock();
        let created = !state.workflows.contains_key(name.as_str());
        let workflow = Workflow {
            name: name.clone(),
            properties: WorkflowProperties {
                state: body.properties.state.unwrap_or(WorkflowState::Enabled),
                definition: body.properties.definition,
                parameters: body.properties.parameters,
                created_time: now,
                changed_time: now,
                version: format!("v{}", state.calls.len()),
            },
        };
        state
            .workflows
            .insert(name.as_str().to_string(), workflow.clone());
        Ok(Saved { created, workflow })
    }

    async fn get_workflow(&self, name: &WorkflowName) -> Result<Workflow, AppError> {
        self.other("get_workflow", &[name.as_str()])?;
        self.workflow(name)
    }

    /// The double keeps no history: the current workflow is its only version.
    async fn list_versions(
        &self,
        workflow: &WorkflowName,
        query: &ListQuery,
    ) -> Result<Page<Workflow>, AppError> {
        self.enter(Call::List(query.clone()))?;
        let mut current = self.workflow(workflow)?;
        current.name = WorkflowName::from_path(current.properties.version.clone());
        Ok(self.page(vec![current]))
    }

    async fn get_version(
        &self,
        workflow: &WorkflowName,
        version: &str,
    ) -> Result<Workflow, AppError> {
        self.other("get_version", &[workflow.as_str(), version])?;
        let mut current = self.workflow(workflow)?;
        if current.properties.version != version {
            return Err(AppError::not_found(Resource::WorkflowVersion, version));
        }
        current.name = WorkflowName::from_path(version.to_string());
        Ok(current)
    }

    async fn list_workflows(&self, query: &ListQuery) -> Result<Page<Workflow>, AppError> {
        self.enter(Call::List(query.clone()))?;
        let all: Vec<Workflow> = self.lock().workflows.values().cloned().collect();
        let filtered = all
            .into_iter()
            .filter(|w| match query.filter {
                Some(Filter::State(state)) => w.properties.state == state,
                _ => true,
            })
            .collect();
        Ok(self.page(filtered))
    }

    async fn delete_workflow(&self, name: &WorkflowName) -> Result<(), AppError> {
        self.other("delete_workflow", &[name.as_str()])?;
        self.lock()
            .workflows
            .remove(name.as_str())
            .map(|_| ())
            .ok_or_else(|| AppError::not_found(Resource::Workflow, name.as_str()))
    }

    async fn enable_workflow(&self, name: &WorkflowName) -> Result<(), AppError> {
        self.other("enable_workflow", &[name.as_str()])
    }

    async fn disable_workflow(&self, name: &WorkflowName) -> Result<(), AppError> {
        self.other("disable_workflow", &[name.as_str()])
    }

    async fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
    ) -> Result<(), AppError> {
        self.other(
            "regenerate_access_key",
            &[name.as_str(), &format!("{key_type:?}")],
        )
    }

    async fn list_triggers(&self, workflow: &WorkflowName) -> Result<Page<Trigger>, AppError> {
        self.other("list_triggers", &[workflow.as_str()])?;
        Ok(Page::complete(vec![Trigger {
            name: "manual".into(),
            properties: TriggerProperties {
                trigger_type: "Request".into(),
                state: WorkflowState::Enabled,
                last_execution_time: None,
                subscription: None,
            },
        }]))
    }

    async fn get_trigger(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
    ) -> Result<Trigger, AppError> {
        self.other("get_trigger", &[workflow.as_str(), trigger])?;
        Err(AppError::not_found(Resource::Trigger, trigger))
    }

    async fn list_callback_url(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        request: CallbackUrlRequest,
    ) -> Result<CallbackUrl, AppError> {
        self.enter(Call::CallbackUrl(request))?;
        let base =
            format!("http://127.0.0.1:7071/workflows/{workflow}/triggers/{trigger}/paths/invoke");
        Ok(CallbackUrl {
            value: format!(
                "{base}?api-version=2016-10-01&sp=%2Ftriggers%2F{trigger}%2Frun&sv=1.0&sig=abc"
            ),
            method: "POST".into(),
            base_path: base,
            relative_path: None,
            relative_path_parameters: Vec::new(),
            queries: CallbackQueries {
                api_version: Some("2016-10-01".into()),
                sp: Some(format!("/triggers/{trigger}/run")),
                sv: Some("1.0".into()),
                sig: Some("abc".into()),
                se: None,
            },
        })
    }

    async fn run_trigger(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        request: InboundRequest,
    ) -> Result<Fired, AppError> {
        self.enter(Call::RunTrigger {
            workflow: workflow.as_str().to_string(),
            trigger: trigger.to_string(),
            request,
        })?;
        Ok(Fired {
            run: Some(RunRef {
                name: "run-fired".into(),
            }),
        })
    }

    async fn list_trigger_histories(
        &self,
        _: &WorkflowName,
        _: &str,
        query: &ListQuery,
    ) -> Result<Page<TriggerHistory>, AppError> {
        self.enter(Call::List(query.clone()))?;
        Ok(self.page(vec![TriggerHistory {
            name: "run-1".into(),
            properties: TriggerHistoryProperties {
                start_time: Utc
                    .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
                    .single()
                    .expect("time"),
                end_time: None,
                status: Status::Succeeded,
                code: None,
                fired: true,
                run: Some(RunRef {
                    name: "run-1".into(),
                }),
                error: None,
            },
        }]))
    }

    async fn resubmit_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        history: &str,
    ) -> Result<Fired, AppError> {
        self.other("resubmit", &[workflow.as_str(), trigger, history])?;
        Ok(Fired {
            run: Some(RunRef {
                name: "run-resubmitted".into(),
            }),
        })
    }

    async fn list_runs(
        &self,
        workflow: &WorkflowName,
        query: &ListQuery,
    ) -> Result<Page<Run>, AppError> {
        self.enter(Call::List(query.clone()))?;
        self.workflow(workflow)?;
        let runs = [
            fixture_run("run-1", Status::Running),
            fixture_run("run-2", Status::Succeeded),
        ];
        let filtered = runs
            .into_iter()
            .filter(|r| match query.filter {
                Some(Filter::Status(status)) => r.properties.status == status,
                _ => true,
            })
            .collect();
        Ok(self.page(filtered))
    }

    async fn get_run(&self, workflow: &WorkflowName, run: &str) -> Result<Run, AppError> {
        self.other("get_run", &[workflow.as_str(), run])?;
        match run {
            "run-1" => Ok(fixture_run("run-1", Status::Running)),
            _ => Err(AppError::not_found(Resource::Run, run)),
        }
    }

    async fn cancel_run(&self, workflow: &WorkflowName, run: &str) -> Result<(), AppError> {
        self.other("cancel_run", &[workflow.as_str(), run])
    }

    async fn list_actions(
        &self,
        _: &WorkflowName,
        _: &str,
        query: &ListQuery,
    ) -> Result<Page<RunAction>, AppError> {
        self.enter(Call::List(query.clone()))?;
        Ok(self.page(vec![fixture_action("Wait_for_approval")]))
    }

    async fn get_action(
        &self,
        workflow: &WorkflowName,
        run: &str,
        action: &str,
    ) -> Result<RunAction, AppError> {
        self.other("get_action", &[workflow.as_str(), run, action])?;
        Ok(fixture_action(action))
    }

    async fn list_repetitions(
        &self,
        workflow: &WorkflowName,
        run: &str,
        action: &str,
    ) -> Result<Page<RunAction>, AppError> {
        self.other("list_repetitions", &[workflow.as_str(), run, action])?;
        Ok(Page::complete(vec![fixture_action(action)]))
    }

    async fn trigger_callback(&self, call: TriggerCallback) -> Result<CallbackReply, AppError> {
        self.enter(Call::TriggerCallback(call))?;
        let gate = self.lock().gate.clone();
        if let Some(gate) = gate {
            gate.notified().await;
        }
        Ok(self.reply())
    }

    async fn action_callback(&self, call: ActionCallback) -> Result<CallbackReply, AppError> {
        self.enter(Call::ActionCallback(call))?;
        Ok(self.reply())
    }

    async fn health(&self) -> Health {
        Health {
            status: self.lock().health.unwrap_or(HealthStatus::Healthy),
            components: BTreeMap::new(),
        }
    }

    async fn metrics(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            families: vec![
                MetricFamily {
                    name: "hookflow_runs_waiting".into(),
                    help: "Runs parked on a webhook or timer.".into(),
                    kind: MetricKind::Gauge,
                    samples: vec![MetricSample {
                        labels: vec![("workflow".into(), "orders".into())],
                        value: 3.0,
                    }],
                },
                MetricFamily {
                    name: "hookflow_callbacks_accepted_total".into(),
                    help: "Callbacks accepted.".into(),
                    kind: MetricKind::Counter,
                    samples: vec![MetricSample {
                        labels: Vec::new(),
                        value: 7.0,
                    }],
                },
                MetricFamily {
                    name: "not a valid name".into(),
                    help: "Skipped by the server.".into(),
                    kind: MetricKind::Gauge,
                    samples: vec![MetricSample {
                        labels: Vec::new(),
                        value: 1.0,
                    }],
                },
            ],
        }
    }
}

impl Double {
    fn reply(&self) -> CallbackReply {
        self.lock()
            .reply
            .clone()
            .unwrap_or(CallbackReply::Accepted {
                run: Some("run-1".into()),
            })
    }
}
