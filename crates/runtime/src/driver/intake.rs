//! Inputs from outside: a trigger fires (one durable `create_run` per run before anyone is
//! told "accepted"), a webhook action's callback arrives (stored in the inbox before it is
//! applied), a run is cancelled.

use super::advance::{RunContext, Step, Stepped};
use super::error::{Result, RuntimeError};
use super::projection::{action_records, encode, run_status, summary, timer_changes};
use super::response::ResponseHandle;
use super::state_cache::LoadedRun;
use super::Runtime;
use crate::environment::RunEnvironment;
use hookflow_definition::model::ActionType;
use hookflow_engine::trigger::{evaluate_trigger, TriggerDecision};
use hookflow_engine::{
    decide, ActionKey, Input, RunState, StaleReason, TriggerRecord, WorkflowRef,
};
use hookflow_store::{
    Acceptance, CallbackId, Creation, HistoryId, NewCallback, NewRun, RunChanges, RunId, RunStatus,
    RunTrigger, Store, TriggerHistory, TriggerName, WorkflowName, WorkflowState,
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
    fn to_value(&self) -> Value {
        json!({
            "headers": self.headers,
            "body": self.body,
            "queries": self.queries,
            "relativePathParameters": self.relative_path_parameters,
        })
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
        let stored = self.shared.store.get_workflow(&name).await?;
        if stored.state == WorkflowState::Disabled {
            return Err(RuntimeError::WorkflowDisabled {
                workflow: workflow.to_string(),
            });
        }
        let definition = self.definition(&name, stored.version).await?;
        if !definition.triggers.iter().any(|t| t.name == trigger) {
            return Err(RuntimeError::TriggerNotFound {
                workflow: workflow.to_string(),
                trigger: trigger.to_string(),
            });
        }
        let trigger_name = TriggerName::new(trigger)?;
        let now = self.now();
        let raw_outputs = outputs.to_value();
        let decision = {
            let env = RunEnvironment {
                now,
                random: self.shared.services.random.as_ref(),
                public_base: &self.shared.config.public_base_url,
                workflow,
                run: "",
                key: None,
                config: &self.shared.config.engine,
            };
            evaluate_trigger(&definition, trigger, &raw_outputs, &env)
        };
        let each = match decision {
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
        let key = self.access_key(&name).await?;
        let tracking = outputs.client_tracking_id();
        let mut fired = Vec::with_capacity(each.len());
        for (index, run_outputs) in each.into_iter().enumerate() {
            let run = RunId::from_parts(
                u64::try_from(now.timestamp_millis()).unwrap_or(0),
                self.shared.services.random.next_u128(),
            );
            // One key per splitOn item, so a repeated request is a duplicate item by item.
            let idempotency = idempotency_key.as_ref().map(|k| match index {
                0 => k.clone(),
                i => format!("{k}#{i}"),
            });
            let _guard = self.shared.locks.lock(&run).await;
            let start = Input::Start {
                workflow: WorkflowRef {
                    name: workflow.to_string(),
                    id: workflow.to_string(),
                    run_id: run.to_string(),
                },
                trigger: TriggerRecord {
                    name: trigger.to_string(),
                    outputs: run_outputs.clone(),
                    at: now,
                },
            };
            let decision = {
                let env = RunEnvironment {
                    now,
                    random: self.shared.services.random.as_ref(),
                    public_base: &self.shared.config.public_base_url,
                    workflow,
                    run: run.as_str(),
                    key: Some(&key),
                    config: &self.shared.config.engine,
                };
                decide(&RunState::new(), &definition, start, &env)?
            };
            let mut state = RunState::new();
            for event in &decision.events {
                state.apply(event);
            }
            let changes = RunChanges {
                summary: summary(&state),
                timers: timer_changes(&Default::default(), state.timers())?,
                runnable: Some(self.runnable_after(&state, &definition, now)),
                actions: action_records(&decision.events, &state),
                ledger: super::ledger::record(&decision.effects, &name, &run, now)?,
                ..RunChanges::default()
            };
            let entries = encode(&decision.events, now)?;
            let position = entries.len() as u64;
            let client_tracking_id = tracking.clone().unwrap_or_else(|| run.to_string());
            let trigger_record = RunTrigger {
                name: trigger_name.clone(),
                status: RunStatus::Succeeded,
                code: Some("OK".into()),
                outputs: Some(run_outputs.clone()),
                at: now,
            };
            let history = TriggerHistory {
                workflow: name.clone(),
                trigger: trigger_name.clone(),
                id: HistoryId::from(run.clone()),
                start_time: now,
                end_time: Some(now),
                status: RunStatus::Succeeded,
                code: Some("OK".into()),
                fired: true,
                run: Some(run.clone()),
                inputs: None,
                outputs: Some(run_outputs),
                error: None,
            };
            let created = self
                .shared
                .store
                .create_run(NewRun {
                    id: run.clone(),
                    workflow: name.clone(),
                    version: stored.version,
                    status: state.status().map_or(RunStatus::Running, run_status),
                    start_time: now,
                    trigger: trigger_record,
                    client_tracking_id: client_tracking_id.clone(),
                    idempotency_key: idempotency,
                    entries,
                    changes,
                    history: Some(history),
                })
                .await?;
            if let Creation::Duplicate { original } = created {
                if index == 0 {
                    return Ok(TriggerOutcome::Duplicate { original });
                }
                continue;
            }
            tracing::info!(workflow, %run, trigger, "run created");
            let handle = self.shared.responders.register(run.clone());
            self.shared.states.put(
                run.clone(),
                LoadedRun {
                    state,
                    position,
                    workflow: name.clone(),
                    version: stored.version,
                    client_tracking_id: client_tracking_id.clone(),
                },
            );
            let context = RunContext {
                workflow: workflow.to_string(),
                client_tracking_id,
            };
            self.dispatch(&run, &context, decision.effects);
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
        let id = RunId::from_parts(
            u64::try_from(now.timestamp_millis()).unwrap_or(0),
            self.shared.services.random.next_u128(),
        );
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
        let stored = self.shared.store.get_workflow(&workflow).await?;
        if stored.state == WorkflowState::Disabled {
            return Err(RuntimeError::WorkflowDisabled {
                workflow: request.workflow,
            });
        }
        let record = self.shared.store.get_run(&run).await?;
        if record.workflow != workflow {
            return Err(RuntimeError::RunNotInWorkflow {
                run: request.run,
                workflow: request.workflow,
            });
        }
        let definition = self.definition(&workflow, record.version).await?;
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
        match self.advance(run, Step::plain(Input::Cancel)).await? {
            Stepped::Stale(_) => Ok(CancelOutcome::AlreadyCompleted),
            _ => Ok(CancelOutcome::Cancelled),
        }
    }
}
