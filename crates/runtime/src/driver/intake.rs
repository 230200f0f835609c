//! Inputs from outside: a trigger fires (one durable `create_run` per run before anyone is
//! told "accepted"), a webhook action's callback arrives (stored in the inbox before it is
//! applied), a run is cancelled.

use super::advance::{Step, Stepped};
use super::concurrency::{self, Admission};
use super::error::{Result, RuntimeError};
use super::projection::run_status;
use super::response::ResponseHandle;
use super::start::{fired_trigger, StartOf};
use super::Runtime;
use hookflow_definition::model::ActionType;
use hookflow_engine::trigger::{evaluate_trigger, TriggerDecision};
use hookflow_engine::{ActionKey, Input, StaleReason};
use hookflow_store::{
    Acceptance, CallbackId, Creation, HistoryId, NewCallback, NewRun, RunChanges, RunId, RunStatus,
    Store, TriggerHistory, TriggerName, WorkflowName, WorkflowState,
};
use serde_json::{json, Map, Value};

/// A trigger's outputs as the HTTP layer captured them (contract §5).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriggerOutputs {
    pub headers: Map<String, Value>,
    pub body: Value,
    pub queries: Map<String, Value>,
    pub relative_path_parameters: Map<String, Value>,
}

impl TriggerOutputs {
    /// The outputs as the run sees them; the parts are moved, not copied (`json!` would
    /// serialise each of them into a new value).
    fn into_value(self) -> Value {
        let mut outputs = Map::with_capacity(4);
        outputs.insert("headers".into(), Value::Object(self.headers));
        outputs.insert("body".into(), self.body);
        outputs.insert("queries".into(), Value::Object(self.queries));
        outputs.insert(
            "relativePathParameters".into(),
            Value::Object(self.relative_path_parameters),
        );
        Value::Object(outputs)
    }

    /// `x-ms-client-tracking-id` of the request, when it set one.
    fn client_tracking_id(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-ms-client-tracking-id"))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_string)
    }
}

/// What firing a trigger did.
#[derive(Debug)]
#[non_exhaustive]
pub enum TriggerOutcome {
    /// Runs were created durably (one per `splitOn` item); each handle yields the run's
    /// synchronous Response, if it has one.
    Fired(Vec<(RunId, ResponseHandle)>),
    /// The same idempotency key fired this run before; nothing new was created.
    Duplicate { original: RunId },
    /// The trigger's conditions did not hold; recorded in the trigger history.
    Skipped,
    /// `splitOn` or a condition could not be evaluated; recorded in the trigger history.
    Failed { code: String, message: String },
}

/// A webhook action's callback, as the HTTP layer received it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackRequest {
    pub workflow: String,
    pub run: String,
    /// The action instance's key as in the callback URL (`Name` or `Name[3]`).
    pub action: String,
    /// `Idempotency-Key` or `webhook-id`.
    pub idempotency_key: Option<String>,
    pub headers: Value,
    pub body: Value,
}

/// The answer to a callback (the server maps: `Accepted`/`Duplicate` 202, `NotWaiting` 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackAnswer {
    /// Stored durably; the run resumes (or the callback waits for its subscribe result).
    Accepted { id: CallbackId },
    /// A repeat of an accepted callback (same idempotency key); nothing changed.
    Duplicate { original: CallbackId },
    /// The action no longer waits (completed, cancelled, timed out) or the run is over;
    /// nothing changed.
    NotWaiting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelOutcome {
    Cancelled,
    AlreadyCompleted,
}

impl<S: Store> Runtime<S> {
    /// Fires `trigger` of `workflow`: evaluates `conditions` and `splitOn`, then creates
    /// each run with its first decision in one durable write and returns once all are
    /// stored (the moment the HTTP layer may answer 202). Effects run afterwards.
    pub async fn fire_trigger(
        &self,
        workflow: &str,
        trigger: &str,
        outputs: TriggerOutputs,
        idempotency_key: Option<String>,
    ) -> Result<TriggerOutcome> {
        let name = WorkflowName::new(workflow)?;
        let snapshot = self.workflow_snapshot(&name).await?;
        let stored = &snapshot.workflow;
        if stored.state == WorkflowState::Disabled {
            return Err(RuntimeError::WorkflowDisabled {
                workflow: workflow.to_string(),
            });
        }
        let definition = &snapshot.definition;
        if !definition.triggers.iter().any(|t| t.name == trigger) {
            return Err(RuntimeError::TriggerNotFound {
                workflow: workflow.to_string(),
                trigger: trigger.to_string(),
            });
        }
        let trigger_name = TriggerName::new(trigger)?;
        let now = self.now();
        let tracking = outputs.client_tracking_id();
        let raw_outputs = outputs.into_value();
        let decision = {
            let env = self.run_env(now, workflow, "", None);
            evaluate_trigger(definition, trigger, &raw_outputs, &env)
        };
        let each = match decision {
            TriggerDecision::FireAsCalled => vec![raw_outputs],
            TriggerDecision::Fire(each) => each,
            TriggerDecision::Skipped => {
                self.record_history(&name, &trigger_name, RunStatus::Skipped, None, &raw_outputs)
                    .await?;
                return Ok(TriggerOutcome::Skipped);
            }
            TriggerDecision::Failed { code, message } => {
                let error = json!({ "code": code, "message": message });
                self.record_history(
                    &name,
                    &trigger_name,
                    RunStatus::Failed,
                    Some(error),
                    &raw_outputs,
                )
                .await?;
                return Ok(TriggerOutcome::Failed { code, message });
            }
            _ => return Ok(TriggerOutcome::Skipped),
        };
        let key = &snapshot.keys.primary;
        let limits = concurrency::trigger_limits(definition, trigger);
        // Admission counts the runs in the store; holding the lock until the runs are
        // created keeps two calls from both taking the last slot.
        let _admission = match limits {
            Some(_) => Some(self.shared.admission.lock().await),
            None => None,
        };
        let mut fired = Vec::with_capacity(each.len());
        for (index, run_outputs) in each.into_iter().enumerate() {
            let run = self.new_run_id(now);
            // One key per splitOn item, so a repeated request is a duplicate item by item.
            let idempotency = idempotency_key.as_ref().map(|k| match index {
                0 => k.clone(),
                i => format!("{k}#{i}"),
            });
            let admission = match limits {
                Some(limits) => self.admit(&name, limits).await?,
                None => Admission::Start,
            };
            if admission == Admission::Full {
                if fired.is_empty() {
                    let limits = limits.unwrap_or(concurrency::TriggerLimits {
                        runs: 0,
                        waiting: 0,
                    });
                    return Err(RuntimeError::TriggerQueueFull {
                        workflow: workflow.to_string(),
                        trigger: trigger.to_string(),
                        runs: limits.runs,
                        waiting: limits.waiting,
                    });
                }
                // Some splitOn items got in; the rest are refused with the queue full.
                tracing::warn!(
                    workflow,
                    trigger,
                    refused = index,
                    "trigger queue full; remaining splitOn items dropped"
                );
                break;
            }
            let _guard = self.shared.locks.lock(&run).await;
            if admission == Admission::Queue {
                let queued = self
                    .create_queued(QueuedRun {
                        run: run.clone(),
                        workflow: &name,
                        version: stored.version,
                        trigger: &trigger_name,
                        outputs: run_outputs,
                        tracking: tracking.clone(),
                        idempotency,
                        now,
                    })
                    .await?;
                match queued {
                    Creation::Duplicate { original } if index == 0 => {
                        return Ok(TriggerOutcome::Duplicate { original })
                    }
                    Creation::Duplicate { .. } => {}
                    _ => {
                        let handle = self.shared.responders.register(run.clone());
                        fired.push((run, handle));
                    }
                }
                continue;
            }
            let mut started = self.decide_start(
                StartOf {
                    workflow: &name,
                    run: &run,
                    trigger,
                    outputs: run_outputs,
                    fired_at: now,
                },
                definition,
                key,
                now,
            )?;
            let position = started.entries.len() as u64;
            let client_tracking_id = tracking.clone().unwrap_or_else(|| run.to_string());
            let created = self
                .shared
                .store
                .create_run(NewRun {
                    id: run.clone(),
                    workflow: name.clone(),
                    version: stored.version,
                    status: started
                        .state
                        .status()
                        .map_or(RunStatus::Running, run_status),
                    start_time: now,
                    trigger: fired_trigger(
                        &trigger_name,
                        std::mem::take(&mut started.trigger_outputs),
                        now,
                    ),
                    client_tracking_id: client_tracking_id.clone(),
                    idempotency_key: idempotency,
                    entries: std::mem::take(&mut started.entries),
                    changes: std::mem::take(&mut started.changes),
                    records_history: true,
                })
                .await?;
            if let Creation::Duplicate { original } = created {
                if index == 0 {
                    return Ok(TriggerOutcome::Duplicate { original });
                }
                continue;
            }
            tracing::info!(workflow, %run, trigger, "run created");
            self.shared.counters.run_started();
            let handle = self.shared.responders.register(run.clone());
            self.after_start(
                &run,
                started,
                &name,
                stored.version,
                &client_tracking_id,
                position,
            );
            fired.push((run, handle));
        }
        Ok(TriggerOutcome::Fired(fired))
    }

    async fn record_history(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        status: RunStatus,
        error: Option<Value>,
        outputs: &Value,
    ) -> Result<()> {
        let now = self.now();
        let id = self.new_run_id(now);
        self.shared
            .store
            .record_trigger_history(TriggerHistory {
                workflow: workflow.clone(),
                trigger: trigger.clone(),
                id: HistoryId::from(id),
                start_time: now,
                end_time: Some(now),
                status,
                code: Some(status.as_str().to_string()),
                fired: false,
                run: None,
                inputs: None,
                outputs: Some(outputs.clone()),
                error,
            })
            .await?;
        Ok(())
    }

    /// Accepts a webhook action's callback: stores it in the inbox first (durable before
    /// the answer, also when the action has not got its subscribe result yet), then
    /// applies it to the run. If applying fails after the store accepted it, the answer is
    /// still `Accepted`: the pending callback keeps the run runnable and the work loop
    /// applies it.
    pub async fn accept_callback(&self, request: CallbackRequest) -> Result<CallbackAnswer> {
        let workflow = WorkflowName::new(&request.workflow)?;
        let run = RunId::parse(&request.run)?;
        let key: ActionKey = request
            .action
            .parse()
            .map_err(|_| RuntimeError::InvalidActionKey(request.action.clone()))?;
        let snapshot = self.workflow_snapshot(&workflow).await?;
        if snapshot.workflow.state == WorkflowState::Disabled {
            return Err(RuntimeError::WorkflowDisabled {
                workflow: request.workflow,
            });
        }
        // A hot run's workflow and version are in the state cache; else one read.
        let (run_workflow, version) = match self.shared.states.peek_origin(&run) {
            Some(origin) => origin,
            None => {
                let record = self.shared.store.get_run(&run).await?;
                (record.workflow, record.version)
            }
        };
        if run_workflow != workflow {
            return Err(RuntimeError::RunNotInWorkflow {
                run: request.run,
                workflow: request.workflow,
            });
        }
        let definition = self.definition(&workflow, version).await?;
        let is_webhook = definition
            .actions
            .find(key.name())
            .is_some_and(|a| a.action_type == ActionType::HttpWebhook);
        if !is_webhook {
            return Err(RuntimeError::ActionNotFound {
                run: request.run,
                action: request.action,
            });
        }
        let received_at = self.now();
        let acceptance = self
            .shared
            .store
            .accept_callback(NewCallback {
                run: run.clone(),
                action: super::projection::store_key(&key),
                idempotency_key: request.idempotency_key,
                payload: json!({ "headers": request.headers, "body": request.body }),
                received_at,
            })
            .await?;
        let id = match acceptance {
            Acceptance::Accepted { id } => id,
            Acceptance::Duplicate { original } => {
                return Ok(CallbackAnswer::Duplicate { original })
            }
        };
        let step = Step {
            input: Input::Callback {
                key,
                headers: request.headers,
                body: request.body,
                at: received_at,
            },
            consume: Some(id),
            lease: None,
        };
        match self.advance(&run, step).await {
            Ok(Stepped::Stale(StaleReason::NotWaiting { .. } | StaleReason::RunCompleted)) => {
                Ok(CallbackAnswer::NotWaiting)
            }
            Ok(_) => Ok(CallbackAnswer::Accepted { id }),
            Err(e) => {
                tracing::warn!(%run, error = %e, "callback stored but not applied yet; the work loop retries");
                Ok(CallbackAnswer::Accepted { id })
            }
        }
    }

    /// Cancels a run: running actions end `Cancelled`, waiting webhooks are unsubscribed.
    pub async fn cancel_run(&self, run: &RunId) -> Result<CancelOutcome> {
        if self.cancel_queued(run).await? {
            return Ok(CancelOutcome::Cancelled);
        }
        match self.advance(run, Step::plain(Input::Cancel)).await? {
            Stepped::Stale(_) => Ok(CancelOutcome::AlreadyCompleted),
            _ => Ok(CancelOutcome::Cancelled),
        }
    }
}

/// A run to store queued (trigger concurrency): everything its later start needs.
struct QueuedRun<'a> {
    run: RunId,
    workflow: &'a WorkflowName,
    version: hookflow_store::VersionId,
    trigger: &'a TriggerName,
    outputs: Value,
    tracking: Option<String>,
    idempotency: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
}

impl<S: Store> Runtime<S> {
    /// Stores a run that waits for a concurrency slot: status `Waiting`, its trigger
    /// outputs, no journal; the work loop looks at it every `QUEUE_RECHECK`.
    async fn create_queued(&self, queued: QueuedRun<'_>) -> Result<Creation> {
        let QueuedRun {
            run,
            workflow,
            version,
            trigger,
            outputs,
            tracking,
            idempotency,
            now,
        } = queued;
        let created = self
            .shared
            .store
            .create_run(NewRun {
                id: run.clone(),
                workflow: workflow.clone(),
                version,
                status: RunStatus::Waiting,
                start_time: now,
                trigger: fired_trigger(trigger, outputs, now),
                client_tracking_id: tracking.unwrap_or_else(|| run.to_string()),
                idempotency_key: idempotency,
                entries: Vec::new(),
                changes: RunChanges {
                    runnable: Some(self.queue_recheck(now)),
                    ..RunChanges::default()
                },
                records_history: true,
            })
            .await?;
        if matches!(created, Creation::Created(_)) {
            self.shared.counters.run_started();
            tracing::info!(workflow = %workflow, %run, "run queued for a concurrency slot");
        }
        Ok(created)
    }

    /// Cancels a run still queued for a concurrency slot (it never started, so there is
    /// nothing to stop); `false` when the run is not queued.
    async fn cancel_queued(&self, run: &RunId) -> Result<bool> {
        let _admission = self.shared.admission.lock().await;
        let _guard = self.shared.locks.lock(run).await;
        let record = self.shared.store.get_run(run).await?;
        if record.status != RunStatus::Waiting || record.position != 0 {
            return Ok(false);
        }
        let now = self.now();
        let cancelled = hookflow_store::Append {
            run: run.clone(),
            expected_position: 0,
            lease: None,
            entries: Vec::new(),
            changes: RunChanges {
                summary: Some(hookflow_store::RunSummary {
                    status: RunStatus::Cancelled,
                    end_time: Some(now),
                    outputs: None,
                    error: None,
                }),
                runnable: Some(hookflow_store::Runnable::Idle),
                ..RunChanges::default()
            },
        };
        self.shared.store.append(cancelled).await?;
        self.shared
            .counters
            .run_finished(hookflow_engine::Status::Cancelled);
        self.shared.responders.complete(
            run,
            super::response::RunResponse::NoResponse {
                status: hookflow_engine::Status::Cancelled,
            },
        );
        Ok(true)
    }
}
