//! The [`Backend`] over the runtime driver and its store: what `hookflow serve` plugs into
//! the router. Writes and runs go through [`Runtime`] (validation, intake, callbacks,
//! cancellation); reads of workflows and keys go to the store directly, since the runtime
//! adds nothing to them. Generic over [`Store`], so the server never names a concrete
//! database.
//!
//! HttpWebhook triggers are subscribed on save and enable and unsubscribed on disable,
//! delete and removal by the runtime (`hookflow_runtime::driver`, `webhook_trigger`).

mod callbacks;
mod convert;
mod definition;
mod errors;
mod secured;

use crate::backend::{ActionCallback, Backend, CallbackReply, InboundRequest, TriggerCallback};
use crate::error::{AppError, Resource};
use crate::model::{
    CallbackQueries, CallbackUrl, CallbackUrlRequest, ComponentHealth, Fired, Health, HealthStatus,
    KeyType, MetricFamily, MetricKind, MetricSample, MetricsSnapshot, Page, Run, RunAction, RunRef,
    Saved, Trigger, TriggerHistory, TriggerProperties, Workflow, WorkflowName, WorkflowPut,
    WorkflowState,
};
use crate::query::{Filter, ListQuery};
use async_trait::async_trait;
use hookflow_runtime::driver::{CancelOutcome, Runtime, TriggerOutcome, TriggerOutputs};
use hookflow_runtime::signing::{self, TriggerUrlParams};
use hookflow_store::{self as store, HistoryId, PageRequest, RunQuery, Store};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The real application behind the HTTP edge.
pub struct RuntimeBackend<S: Store> {
    runtime: Runtime<S>,
}

impl<S: Store> std::fmt::Debug for RuntimeBackend<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeBackend")
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl<S: Store> RuntimeBackend<S> {
    /// The runtime's `public_base_url` is the base of every callback URL handed out.
    pub fn new(runtime: Runtime<S>) -> RuntimeBackend<S> {
        RuntimeBackend { runtime }
    }

    pub fn runtime(&self) -> &Runtime<S> {
        &self.runtime
    }

    fn store(&self) -> &S {
        self.runtime.store()
    }

    async fn stored_workflow(&self, name: &WorkflowName) -> Result<store::Workflow, AppError> {
        let name = convert::workflow_name(name)?;
        self.store()
            .get_workflow(&name)
            .await
            .map_err(errors::from_store)
    }

    /// The run, if it belongs to this workflow; a run of another workflow is not found
    /// here (its id must not be usable across workflows).
    async fn run_of(&self, workflow: &WorkflowName, run: &str) -> Result<store::Run, AppError> {
        let id = convert::run_id(run)?;
        let found = self
            .runtime
            .get_run(&id)
            .await
            .map_err(errors::from_runtime)?;
        if found.workflow.as_str() != workflow.as_str() {
            return Err(AppError::not_found(Resource::Run, run));
        }
        Ok(found)
    }

    /// The definition a run started with (for the loops around an action).
    async fn run_definition(&self, run: &store::Run) -> Result<Value, AppError> {
        self.store()
            .get_version(&run.workflow, run.version)
            .await
            .map(|v| v.definition)
            .map_err(errors::from_store)
    }

    async fn fire(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        outputs: TriggerOutputs,
        idempotency_key: Option<String>,
    ) -> Result<Fired, AppError> {
        let outcome = self
            .runtime
            .fire_trigger(workflow.as_str(), trigger, outputs, idempotency_key)
            .await
            .map_err(errors::from_runtime)?;
        let run = match outcome {
            TriggerOutcome::Fired(runs) => runs.into_iter().next().map(|(run, _)| run),
            TriggerOutcome::Duplicate { original } => Some(original),
            TriggerOutcome::Failed { code, message } => {
                return Err(AppError::invalid(code, message))
            }
            _ => None,
        };
        Ok(Fired {
            run: run.map(|r| RunRef {
                name: r.to_string(),
            }),
        })
    }

    fn trigger_resource(
        workflow: &store::Workflow,
        name: &str,
        trigger: &Value,
        states: &[store::TriggerState],
    ) -> Trigger {
        let trigger_type = definition::trigger_type(trigger).to_string();
        let subscription = trigger_type
            .eq_ignore_ascii_case("HttpWebhook")
            .then(|| {
                states
                    .iter()
                    .find(|s| s.trigger.as_str() == name)
                    .map(convert::subscription)
            })
            .flatten();
        Trigger {
            name: name.to_string(),
            properties: TriggerProperties {
                trigger_type,
                state: convert::workflow_state(workflow.state),
                last_execution_time: None,
                subscription,
            },
        }
    }
}

#[async_trait]
impl<S: Store> Backend for RuntimeBackend<S> {
    async fn put_workflow(&self, name: WorkflowName, body: WorkflowPut) -> Result<Saved, AppError> {
        let properties = body.properties;
        // The resource shape, so validation pointers (`/properties/definition/…`) point
        // into the body the caller sent.
        let document = json!({
            "properties": {
                "definition": properties.definition,
                "parameters": properties.parameters,
            }
        });
        let state =
            convert::store_workflow_state(properties.state.unwrap_or(WorkflowState::Enabled));
        let outcome = self
            .runtime
            .save_workflow(name.as_str(), &document, state)
            .await
            .map_err(errors::from_runtime)?;
        Ok(Saved {
            created: outcome.created,
            workflow: convert::workflow(outcome.workflow),
        })
    }

    async fn get_workflow(&self, name: &WorkflowName) -> Result<Workflow, AppError> {
        self.stored_workflow(name).await.map(convert::workflow)
    }

    async fn list_workflows(&self, query: &ListQuery) -> Result<Page<Workflow>, AppError> {
        let page = self
            .store()
            .list_workflows(convert::state_filter(query), convert::page_request(query))
            .await
            .map_err(errors::from_store)?;
        Ok(convert::page(page, convert::workflow))
    }

    async fn list_versions(
        &self,
        workflow: &WorkflowName,
        query: &ListQuery,
    ) -> Result<Page<Workflow>, AppError> {
        // The workflow first: an unknown one is WorkflowNotFound, not an empty list, and
        // its state and creation time belong in every version.
        let stored = self.stored_workflow(workflow).await?;
        let page = self
            .store()
            .list_versions(&stored.name, convert::page_request(query))
            .await
            .map_err(errors::from_store)?;
        Ok(convert::page(page, |v| convert::version(&stored, v)))
    }

    async fn get_version(
        &self,
        workflow: &WorkflowName,
        version: &str,
    ) -> Result<Workflow, AppError> {
        let stored = self.stored_workflow(workflow).await?;
        let id = convert::version_id(version)?;
        let found = self
            .store()
            .get_version(&stored.name, id)
            .await
            .map_err(|e| match e {
                // The store names it `wf/version`; the caller asked for `version`.
                store::Error::NotFound { .. } => {
                    AppError::not_found(Resource::WorkflowVersion, version)
                }
                other => errors::from_store(other),
            })?;
        Ok(convert::version(&stored, found))
    }

    async fn delete_workflow(&self, name: &WorkflowName) -> Result<(), AppError> {
        let stored = self.stored_workflow(name).await?;
        // The runtime disables it, cancels its runs (awaiting their webhook unsubscribes),
        // unsubscribes its triggers and then has the store remove it.
        self.runtime
            .delete_workflow(&stored.name)
            .await
            .map_err(errors::from_runtime)
    }

    async fn enable_workflow(&self, name: &WorkflowName) -> Result<(), AppError> {
        let name = convert::workflow_name(name)?;
        self.runtime
            .enable_workflow(&name)
            .await
            .map(|_| ())
            .map_err(errors::from_runtime)
    }

    async fn disable_workflow(&self, name: &WorkflowName) -> Result<(), AppError> {
        let name = convert::workflow_name(name)?;
        self.runtime
            .disable_workflow(&name)
            .await
            .map(|_| ())
            .map_err(errors::from_runtime)
    }

    async fn regenerate_access_key(
        &self,
        name: &WorkflowName,
        key_type: KeyType,
    ) -> Result<(), AppError> {
        let name = convert::workflow_name(name)?;
        let fresh = signing::AccessKey::generate().map_err(|e| AppError::Internal {
            message: format!("cannot generate an access key: {e}"),
        })?;
        self.store()
            .regenerate_access_key(
                &name,
                convert::store_key_type(key_type),
                store::AccessKey(fresh.to_base64url()),
            )
            .await
            .map_err(errors::from_store)?;
        // The runtime keeps the keys in memory for verifying and minting URLs.
        self.runtime.forget_workflow(&name);
        Ok(())
    }

    async fn list_triggers(&self, workflow: &WorkflowName) -> Result<Page<Trigger>, AppError> {
        let stored = self.stored_workflow(workflow).await?;
        let states = self
            .store()
            .list_trigger_states(&stored.name)
            .await
            .map_err(errors::from_store)?;
        let triggers = definition::triggers(&stored.definition)
            .into_iter()
            .map(|(name, t)| Self::trigger_resource(&stored, name, t, &states))
            .collect();
        Ok(Page::complete(triggers))
    }

    async fn get_trigger(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
    ) -> Result<Trigger, AppError> {
        let stored = self.stored_workflow(workflow).await?;
        let found = definition::trigger(&stored.definition, trigger)
            .ok_or_else(|| AppError::not_found(Resource::Trigger, trigger))?;
        let states = self
            .store()
            .list_trigger_states(&stored.name)
            .await
            .map_err(errors::from_store)?;
        Ok(Self::trigger_resource(&stored, trigger, found, &states))
    }

    async fn list_callback_url(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        request: CallbackUrlRequest,
    ) -> Result<CallbackUrl, AppError> {
        let stored = self.stored_workflow(workflow).await?;
        let found = definition::trigger(&stored.definition, trigger)
            .ok_or_else(|| AppError::not_found(Resource::Trigger, trigger))?;
        let trigger_type = definition::trigger_type(found);
        if !["Request", "HttpWebhook"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(trigger_type))
        {
            return Err(AppError::invalid(
                "TriggerHasNoCallbackUrl",
                format!(
                    "The trigger '{trigger}' is of type '{trigger_type}'; only Request and \
                     HttpWebhook triggers have a callback URL."
                ),
            ));
        }
        let keys = self
            .store()
            .access_keys(&stored.name)
            .await
            .map_err(errors::from_store)?;
        let stored_key = match request.key_type.unwrap_or_default() {
            KeyType::Primary => keys.primary,
            KeyType::Secondary => keys.secondary,
        };
        let key =
            signing::AccessKey::from_base64url(&stored_key.0).map_err(|e| AppError::Internal {
                message: format!("the stored access key of '{workflow}' is unreadable: {e}"),
            })?;
        let relative_path = definition::trigger_input(found, "relativePath");
        let minted = signing::mint_trigger_url(&TriggerUrlParams {
            public_base: &self.runtime.config().public_base_url,
            workflow: workflow.as_str(),
            trigger,
            relative_path,
            method: definition::trigger_input(found, "method"),
            key: &key,
            not_after: request.not_after,
        });
        Ok(CallbackUrl {
            value: minted.value,
            method: minted.method,
            base_path: minted.base_path,
            relative_path: minted.relative_path,
            relative_path_parameters: relative_path
                .map(definition::path_parameters)
                .unwrap_or_default(),
            queries: CallbackQueries {
                api_version: Some(minted.queries.api_version),
                sp: Some(minted.queries.sp),
                sv: Some(minted.queries.sv),
                sig: Some(minted.queries.sig),
                se: minted.queries.se,
            },
        })
    }

    async fn run_trigger(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        mut request: InboundRequest,
    ) -> Result<Fired, AppError> {
        let outputs = callbacks::trigger_outputs(&mut request, Map::new());
        // A hand-fired run gets the body a caller would have posted, so the trigger's schema
        // validation applies to it too (its method check does not: this call is always a
        // POST to the management API).
        let stored = self.stored_workflow(workflow).await?;
        if let Some(definition) = definition::trigger(&stored.definition, trigger) {
            callbacks::check_schema(definition, trigger, &outputs.body)?;
        }
        self.fire(workflow, trigger, outputs, request.idempotency_key)
            .await
    }

    async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        query: &ListQuery,
    ) -> Result<Page<TriggerHistory>, AppError> {
        let stored = self.stored_workflow(workflow).await?;
        if definition::trigger(&stored.definition, trigger).is_none() {
            return Err(AppError::not_found(Resource::Trigger, trigger));
        }
        let page = self
            .runtime
            .list_trigger_histories(
                &stored.name,
                &convert::trigger_name(trigger)?,
                convert::status_filter(query),
                convert::page_request(query),
            )
            .await
            .map_err(errors::from_runtime)?;
        Ok(convert::page(page, convert::history))
    }

    async fn resubmit_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        history: &str,
    ) -> Result<Fired, AppError> {
        let name = convert::workflow_name(workflow)?;
        let id = HistoryId::new(history)
            .map_err(|_| AppError::not_found(Resource::TriggerHistory, history))?;
        let found = self
            .store()
            .get_trigger_history(&name, &convert::trigger_name(trigger)?, &id)
            .await
            .map_err(errors::from_store)?;
        let recorded = found.outputs.unwrap_or(Value::Null);
        let object = |field: &str| {
            recorded
                .get(field)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let outputs = TriggerOutputs {
            headers: object("headers"),
            body: recorded.get("body").cloned().unwrap_or(Value::Null),
            queries: object("queries"),
            relative_path_parameters: object("relativePathParameters"),
        };
        self.fire(workflow, trigger, outputs, None).await
    }

    async fn list_runs(
        &self,
        workflow: &WorkflowName,
        query: &ListQuery,
    ) -> Result<Page<Run>, AppError> {
        let stored = self.stored_workflow(workflow).await?;
        let page = self
            .runtime
            .list_runs(RunQuery {
                workflow: stored.name,
                status: convert::status_filter(query),
                page: convert::page_request(query),
            })
            .await
            .map_err(errors::from_runtime)?;
        Ok(Page {
            value: self.shown_runs(page.items).await?,
            continuation: page.continuation.map(|c| c.0),
        })
    }

    async fn get_run(&self, workflow: &WorkflowName, run: &str) -> Result<Run, AppError> {
        let found = self.run_of(workflow, run).await?;
        self.shown_run(found).await
    }

    async fn cancel_run(&self, workflow: &WorkflowName, run: &str) -> Result<(), AppError> {
        let found = self.run_of(workflow, run).await?;
        match self
            .runtime
            .cancel_run(&found.id)
            .await
            .map_err(errors::from_runtime)?
        {
            CancelOutcome::Cancelled => Ok(()),
            _ => Err(AppError::Conflict {
                code: "RunAlreadyCompleted".into(),
                message: format!("The run '{run}' has already completed; nothing to cancel."),
            }),
        }
    }

    async fn list_actions(
        &self,
        workflow: &WorkflowName,
        run: &str,
        query: &ListQuery,
    ) -> Result<Page<RunAction>, AppError> {
        let found = self.run_of(workflow, run).await?;
        let definition = self.run_definition(&found).await?;
        let records = self
            .runtime
            .list_actions(&found.id)
            .await
            .map_err(errors::from_runtime)?;
        let mut loops: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut value: Vec<RunAction> = records
            .into_iter()
            .map(|record| {
                let around = loops
                    .entry(record.key.name.clone())
                    .or_insert_with(|| definition::loops_around(&definition, &record.key.name));
                convert::action(record, around)
            })
            .collect();
        if let Some(Filter::Status(status)) = query.filter {
            value.retain(|a| a.properties.status == status);
        }
        // Pages go by name, the order the store lists them in; the continuation is the
        // last name shown. Without `$top`, every action is one page.
        if let Some(after) = &query.skip_token {
            value.retain(|a| a.name.as_str() > after.as_str());
        }
        let continuation = match query.top.map(|top| top as usize) {
            Some(top) if value.len() > top => {
                value.truncate(top);
                value.last().map(|a| a.name.clone())
            }
            _ => None,
        };
        Ok(Page {
            value,
            continuation,
        })
    }

    async fn get_action(
        &self,
        workflow: &WorkflowName,
        run: &str,
        action: &str,
    ) -> Result<RunAction, AppError> {
        let found = self.run_of(workflow, run).await?;
        let definition = self.run_definition(&found).await?;
        let record = self
            .runtime
            .get_action(&found.id, action)
            .await
            .map_err(errors::from_runtime)?;
        Ok(convert::action(
            record,
            &definition::loops_around(&definition, action),
        ))
    }

    async fn list_repetitions(
        &self,
        workflow: &WorkflowName,
        run: &str,
        action: &str,
    ) -> Result<Page<RunAction>, AppError> {
        let found = self.run_of(workflow, run).await?;
        let definition = self.run_definition(&found).await?;
        let loops = definition::loops_around(&definition, action);
        let page = self
            .runtime
            .list_repetitions(&found.id, action, PageRequest::first(store::MAX_PAGE))
            .await
            .map_err(errors::from_runtime)?;
        Ok(convert::page(page, |r| convert::action(r, &loops)))
    }

    async fn trigger_callback(&self, call: TriggerCallback) -> Result<CallbackReply, AppError> {
        self.handle_trigger_callback(call).await
    }

    async fn action_callback(&self, call: ActionCallback) -> Result<CallbackReply, AppError> {
        self.handle_action_callback(call).await
    }

    async fn health(&self) -> Health {
        let store = match self
            .store()
            .list_workflows(None, PageRequest::first(1))
            .await
        {
            Ok(_) => ComponentHealth {
                status: HealthStatus::Healthy,
                message: None,
            },
            Err(error) => ComponentHealth {
                status: HealthStatus::Unhealthy,
                message: Some(error.to_string()),
            },
        };
        let status = store.status;
        let mut components = BTreeMap::new();
        components.insert("store".to_string(), store);
        components.insert(
            "engine".to_string(),
            ComponentHealth {
                status: HealthStatus::Healthy,
                message: None,
            },
        );
        Health { status, components }
    }

    async fn metrics(&self) -> MetricsSnapshot {
        let gauge = |name: &str, help: &str, value: f64| MetricFamily {
            name: name.into(),
            help: help.into(),
            kind: MetricKind::Gauge,
            samples: vec![MetricSample {
                labels: Vec::new(),
                value,
            }],
        };
        let counter =
            |name: &str, help: &str, samples: Vec<(Vec<(String, String)>, u64)>| MetricFamily {
                name: name.into(),
                help: help.into(),
                kind: MetricKind::Counter,
                samples: samples
                    .into_iter()
                    .map(|(labels, value)| MetricSample {
                        labels,
                        value: value as f64,
                    })
                    .collect(),
            };
        let counters = self.runtime.counters();
        let mut families = vec![
            gauge(
                "hookflow_engine_wired",
                "1 when a workflow engine serves the API, 0 for the placeholder.",
                1.0,
            ),
            gauge(
                "hookflow_outbound_in_flight",
                "Outbound calls sent by this process and not yet answered.",
                self.runtime.outbound_in_flight() as f64,
            ),
            counter(
                "hookflow_runs_started_total",
                "Runs started by this node (queued runs included).",
                vec![(Vec::new(), counters.runs_started)],
            ),
            counter(
                "hookflow_runs_completed_total",
                "Runs finished on this node, by final status.",
                counters
                    .runs_finished
                    .iter()
                    .map(|(status, n)| (vec![("status".to_string(), status.to_string())], *n))
                    .collect(),
            ),
            counter(
                "hookflow_actions_executed_total",
                "Actions completed on this node (each loop iteration of an action counts).",
                vec![(Vec::new(), counters.actions_executed)],
            ),
        ];
        // A store that cannot answer costs the scrape this family only: the node's own
        // counters stay visible, and the missing series show the failure to alerting.
        match self.runtime.waiting_runs().await {
            Ok(waiting) => families.push(MetricFamily {
                name: "hookflow_runs_waiting".into(),
                help: "Unfinished runs waiting, by reason: callback (parked in a webhook \
                       action until its callback) or queued (for a trigger concurrency slot). \
                       Counted across the whole store: nodes sharing a database all report \
                       the same values. When counting is expensive (very many waiting runs) \
                       a count is reused for ten times what it took."
                    .into(),
                kind: MetricKind::Gauge,
                samples: [("callback", waiting.callback), ("queued", waiting.queued)]
                    .into_iter()
                    .map(|(reason, value)| MetricSample {
                        labels: vec![("reason".to_string(), reason.to_string())],
                        value: value as f64,
                    })
                    .collect(),
            }),
            Err(error) => {
                tracing::warn!(%error, "waiting runs not counted; hookflow_runs_waiting omitted")
            }
        }
        MetricsSnapshot { families }
    }
}
