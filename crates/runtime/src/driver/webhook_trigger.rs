//! HttpWebhook triggers (CONTRACT §3, §5): subscribe when an enabled workflow is saved with
//! a new trigger or changed subscribe inputs (the old subscription is unsubscribed first,
//! with the old inputs and the same callback URL) and on enable; unsubscribe on disable,
//! delete and removal of the trigger.
//!
//! The subscribe on save is made **before** the new version is stored, in process, with the
//! trigger's retry policy. If it still fails, what this save already did is undone (new
//! subscriptions are unsubscribed, replaced ones subscribed again with their old inputs),
//! nothing is stored and the caller gets [`RuntimeError::SubscribeFailed`]: the previous
//! version stays active.
//!
//! Unsubscribes use the `unsubscribe` request's own `retryPolicy` if it has one, else one
//! attempt; their failures are recorded and logged and never block anything.
//!
//! Every exchange goes to the subscription ledger (masked request, then the response) and
//! to the trigger's state (`Subscribed`/`Unsubscribed`/`Failed` with the last exchanges).
//! The ledger entry is recorded `Pending` before the request is sent; the answer is stored
//! on it at once (`Sent` with the response), and it is settled only after the trigger state
//! (and, for an enable, the workflow state) the answer leads to is written, so a crash in
//! between is seen and repaired by reconciliation. The first save of an
//! enabled workflow stores it disabled and then enables it (`Runtime::create_then_enable`),
//! so there is always a workflow to attach the entry to; were there none, the entry would
//! be recorded, settled, after the save committed.
//!
//! Reconciliation after a crash is in [`super::trigger_reconcile`].

use super::error::{Result, RuntimeError};
use super::Runtime;
use crate::auth::recorded_request;
use crate::executor::outbound_request;
use crate::outbound::{self, WorkflowHeaders};
use crate::retry::{next_delay, retry_after, AttemptOutcome, OsRandom, RetrySchedule};
use crate::signing::{self, TriggerUrlParams};
use chrono::{DateTime, Utc};
use hookflow_definition::CheckedDefinition;
use hookflow_engine::trigger::{
    evaluate_webhook_trigger, is_webhook_trigger, webhook_access_key_type, WebhookSide,
};
use hookflow_engine::{ActionKey, Environment, FailureKind, HttpOutcome};
use hookflow_store::{
    AccessKeys, ErrorKind as StoreKind, Exchange, LedgerEntry, LedgerId, LedgerOperation,
    LedgerState, LedgerTarget, LedgerUpdate, Store, SubscriptionStatus, TriggerName, TriggerState,
    Workflow, WorkflowName, WorkflowState,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The engine's environment while evaluating a trigger's subscribe/unsubscribe.
struct TriggerEnvironment<'a> {
    now: DateTime<Utc>,
    random: Option<&'a dyn crate::environment::Randomness>,
}

impl Environment for TriggerEnvironment<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }
    fn new_guid(&self) -> uuid::Uuid {
        match self.random {
            Some(r) => uuid::Builder::from_random_bytes(r.next_u128().to_le_bytes()).into_uuid(),
            None => uuid::Uuid::nil(),
        }
    }
    fn random_int(&self, min: i64, max: i64) -> i64 {
        match self.random {
            Some(r) => {
                let span = max.abs_diff(min).max(1);
                min.wrapping_add_unsigned((r.next_u128() % u128::from(span)) as u64)
            }
            None => min,
        }
    }
    fn callback_url(&self, _key: &ActionKey) -> String {
        String::new()
    }
}

/// One definition of a workflow as the subscription code needs it.
#[derive(Clone)]
pub(crate) struct Side {
    pub definition: Arc<CheckedDefinition>,
    pub keys: AccessKeys,
}

/// What one subscribe or unsubscribe came to.
struct Sent {
    ok: bool,
    exchange: Exchange,
    /// `{statusCode, headers, body}` or `{error: {code, message}}`.
    response: Value,
}

/// Ledger entries and trigger states gathered during an operation, written at its end.
#[derive(Default)]
pub(crate) struct Records {
    /// Entries that could not be recorded yet (the workflow did not exist).
    deferred: Vec<LedgerEntry>,
    states: HashMap<String, TriggerState>,
    /// Answered entries, left `Sent` (with their response) until the trigger states above
    /// are written; then settled with these updates.
    answered: Vec<LedgerUpdate>,
}

impl Records {
    /// The trigger's state as this operation has noted it so far.
    pub(crate) fn state(&self, trigger: &str) -> Option<&TriggerState> {
        self.states.get(trigger)
    }
}

fn is_maybe_subscribed(status: SubscriptionStatus) -> bool {
    matches!(
        status,
        SubscriptionStatus::Subscribed
            | SubscriptionStatus::Subscribing
            | SubscriptionStatus::Unsubscribing
    )
}

/// The webhook triggers of a definition, in definition order.
pub(crate) fn webhook_triggers(definition: &CheckedDefinition) -> Vec<String> {
    definition
        .triggers
        .iter()
        .filter(|t| is_webhook_trigger(definition, &t.name))
        .map(|t| t.name.clone())
        .collect()
}

fn outcome_json(outcome: &HttpOutcome) -> (bool, Value) {
    match outcome {
        HttpOutcome::Response {
            status,
            headers,
            body,
        } => (
            (200..=299).contains(status),
            json!({ "statusCode": status, "headers": headers, "body": body }),
        ),
        HttpOutcome::Failure { kind, message } => (
            false,
            json!({ "error": { "code": kind.code(), "message": message } }),
        ),
    }
}

impl<S: Store> Runtime<S> {
    /// The trigger's signed callback URL: the same for subscribe and unsubscribe.
    fn trigger_callback_url(
        &self,
        workflow: &WorkflowName,
        side: &Side,
        trigger: &str,
    ) -> Result<String> {
        let secondary = webhook_access_key_type(&side.definition, trigger)
            .is_some_and(|k| k.eq_ignore_ascii_case("Secondary"));
        let stored = if secondary {
            &side.keys.secondary
        } else {
            &side.keys.primary
        };
        let key = signing::AccessKey::from_base64url(&stored.0)?;
        Ok(signing::mint_trigger_url(&TriggerUrlParams {
            public_base: &self.shared.config.public_base_url,
            workflow: workflow.as_str(),
            trigger,
            relative_path: None,
            method: None,
            key: &key,
            not_after: None,
        })
        .value)
    }

    /// The evaluated request; `deterministic` evaluates with a fixed clock and no
    /// randomness (to compare two versions' inputs).
    pub(crate) fn webhook_request(
        &self,
        workflow: &WorkflowName,
        side: &Side,
        trigger: &str,
        which: WebhookSide,
        deterministic: bool,
    ) -> std::result::Result<Option<(outbound::OutboundRequest, RetrySchedule)>, String> {
        let url = self
            .trigger_callback_url(workflow, side, trigger)
            .map_err(|e| e.to_string())?;
        let env = TriggerEnvironment {
            now: if deterministic {
                DateTime::<Utc>::UNIX_EPOCH
            } else {
                self.now()
            },
            random: (!deterministic).then_some(self.shared.services.random.as_ref()),
        };
        let Some(evaluated) =
            evaluate_webhook_trigger(&side.definition, trigger, which, &url, &env)?
        else {
            return Ok(None);
        };
        let policy = evaluated.evaluated.get("retryPolicy");
        let schedule = match (which, policy) {
            (WebhookSide::Unsubscribe, None | Some(Value::Null)) => RetrySchedule::Never,
            _ => RetrySchedule::from_json(policy).map_err(|e| e.to_string())?,
        };
        let headers = WorkflowHeaders {
            workflow_name: workflow.to_string(),
            run_id: String::new(),
            client_tracking_id: String::new(),
            operation_name: trigger.to_string(),
        };
        Ok(Some((
            outbound_request(evaluated.request, headers),
            schedule,
        )))
    }

    /// Whether the subscribe inputs (evaluated, with the callback URL) differ.
    fn subscribe_changed(
        &self,
        workflow: &WorkflowName,
        old: &Side,
        new: &Side,
        trigger: &str,
    ) -> bool {
        let a = self.webhook_request(workflow, old, trigger, WebhookSide::Subscribe, true);
        let b = self.webhook_request(workflow, new, trigger, WebhookSide::Subscribe, true);
        match (a, b) {
            (Ok(Some((ra, sa))), Ok(Some((rb, sb)))) => {
                recorded_request(&ra) != recorded_request(&rb)
                    || ra.authentication != rb.authentication
                    || sa != sb
            }
            _ => true,
        }
    }

    /// Sends `request` with `schedule`'s retries (in process), recording it in the ledger.
    async fn send_with_ledger(
        &self,
        workflow: &WorkflowName,
        trigger: &str,
        operation: LedgerOperation,
        request: outbound::OutboundRequest,
        schedule: RetrySchedule,
        records: &mut Records,
    ) -> Result<Sent> {
        let now = self.now();
        let recorded = recorded_request(&request);
        let id = LedgerId::new(format!(
            "{workflow}:trigger:{trigger}:{}:{}",
            operation.as_str(),
            uuid::Uuid::from_u128(self.shared.services.random.next_u128())
        ))?;
        let mut entry = LedgerEntry {
            id: id.clone(),
            workflow: workflow.clone(),
            target: LedgerTarget::Trigger(TriggerName::new(trigger)?),
            operation,
            request: recorded.clone(),
            response: None,
            state: LedgerState::Pending,
            created_at: now,
            updated_at: now,
            workflow_deleted: false,
        };
        let live = match self.shared.store.record_ledger(entry.clone()).await {
            Ok(()) => true,
            Err(e) if e.kind() == StoreKind::NotFound => false,
            Err(e) => return Err(e.into()),
        };
        let outcome = self.execute_retrying(request, &schedule).await;
        let (ok, response) = outcome_json(&outcome);
        let at = self.now();
        let state = if ok {
            LedgerState::Succeeded
        } else {
            LedgerState::Failed
        };
        if live {
            // The answer is stored at once, but the entry stays unsettled until the trigger
            // state (and, for an enable, the workflow state) it leads to is written too: a
            // crash in between leaves it for reconciliation, which applies the answer
            // rather than subscribing again or leaving a subscription behind.
            let answered = LedgerUpdate {
                id: id.clone(),
                state: LedgerState::Sent,
                response: Some(response.clone()),
                at,
            };
            if let Err(error) = self.shared.store.update_ledger(answered).await {
                tracing::warn!(%workflow, trigger, %error, "cannot record an answer in the ledger");
            }
            records.answered.push(LedgerUpdate {
                id,
                state,
                response: Some(response.clone()),
                at,
            });
        } else {
            entry.state = state;
            entry.response = Some(response.clone());
            entry.updated_at = at;
            records.deferred.push(entry);
        }
        if ok {
            tracing::info!(%workflow, trigger, operation = operation.as_str(), "webhook trigger exchange succeeded");
        } else {
            tracing::warn!(%workflow, trigger, operation = operation.as_str(), %response, "webhook trigger exchange failed");
        }
        Ok(Sent {
            ok,
            exchange: Exchange {
                request: recorded,
                response: Some(response.clone()),
                at,
            },
            response,
        })
    }

    /// One attempt after another per `schedule` (`execute_with_retries` over the executor).
    async fn execute_retrying(
        &self,
        request: outbound::OutboundRequest,
        schedule: &RetrySchedule,
    ) -> HttpOutcome {
        let mut attempt = 1;
        let mut random = OsRandom;
        loop {
            let outcome = self.shared.services.executor.execute(request.clone()).await;
            let classified = match &outcome {
                HttpOutcome::Response {
                    status, headers, ..
                } => AttemptOutcome::Response {
                    status: *status,
                    retry_after: headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                        .and_then(|(_, v)| v.as_str())
                        .and_then(|v| retry_after(v, self.shared.services.clock.now())),
                },
                HttpOutcome::Failure { kind, .. } => AttemptOutcome::Failure {
                    transient: matches!(kind, FailureKind::Connection | FailureKind::Timeout),
                },
            };
            match next_delay(schedule, attempt, &classified, &mut random) {
                Some(wait) => {
                    tracing::debug!(attempt, ?wait, "retrying a webhook trigger request");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => return outcome,
            }
        }
    }

    pub(crate) fn note_state(
        &self,
        records: &mut Records,
        trigger: &str,
        status: SubscriptionStatus,
        subscribe: Option<Exchange>,
        unsubscribe: Option<Exchange>,
        previous: Option<&TriggerState>,
    ) -> Result<()> {
        let earlier = records
            .states
            .get(trigger)
            .cloned()
            .or_else(|| previous.cloned());
        let state = TriggerState {
            trigger: TriggerName::new(trigger)?,
            subscription: status,
            last_subscribe: subscribe
                .or_else(|| earlier.as_ref().and_then(|e| e.last_subscribe.clone())),
            last_unsubscribe: unsubscribe
                .or_else(|| earlier.as_ref().and_then(|e| e.last_unsubscribe.clone())),
            updated_at: self.now(),
        };
        records.states.insert(trigger.to_string(), state);
        Ok(())
    }

    /// Subscribes `trigger` of `side`. `Ok(Err(response))` when it failed after retries or
    /// its inputs could not be evaluated.
    pub(crate) async fn subscribe_trigger(
        &self,
        workflow: &WorkflowName,
        side: &Side,
        trigger: &str,
        records: &mut Records,
        previous: Option<&TriggerState>,
    ) -> Result<std::result::Result<(), Value>> {
        let request = match self.webhook_request(
            workflow,
            side,
            trigger,
            WebhookSide::Subscribe,
            false,
        ) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Ok(Err(
                    json!({"error": {"code": "InvalidTemplate", "message": "HttpWebhook needs 'subscribe'"}}),
                ))
            }
            Err(message) => {
                let response = json!({"error": {"code": "InvalidTemplate", "message": message}});
                let exchange = Exchange {
                    request: Value::Null,
                    response: Some(response.clone()),
                    at: self.now(),
                };
                self.note_state(
                    records,
                    trigger,
                    SubscriptionStatus::Failed,
                    Some(exchange),
                    None,
                    previous,
                )?;
                return Ok(Err(response));
            }
        };
        let (request, schedule) = request;
        let sent = self
            .send_with_ledger(
                workflow,
                trigger,
                LedgerOperation::Subscribe,
                request,
                schedule,
                records,
            )
            .await?;
        let status = if sent.ok {
            SubscriptionStatus::Subscribed
        } else {
            SubscriptionStatus::Failed
        };
        self.note_state(
            records,
            trigger,
            status,
            Some(sent.exchange),
            None,
            previous,
        )?;
        Ok(if sent.ok { Ok(()) } else { Err(sent.response) })
    }

    /// Unsubscribes `trigger` of `side`; failures are recorded and logged, never returned.
    pub(crate) async fn unsubscribe_trigger(
        &self,
        workflow: &WorkflowName,
        side: &Side,
        trigger: &str,
        records: &mut Records,
        previous: Option<&TriggerState>,
    ) -> Result<()> {
        match self.webhook_request(workflow, side, trigger, WebhookSide::Unsubscribe, false) {
            Ok(Some((request, schedule))) => {
                let sent = self
                    .send_with_ledger(
                        workflow,
                        trigger,
                        LedgerOperation::Unsubscribe,
                        request,
                        schedule,
                        records,
                    )
                    .await?;
                // The subscription is given up on either way: a failed unsubscribe is
                // recorded (the last unsubscribe exchange), not retried.
                self.note_state(
                    records,
                    trigger,
                    SubscriptionStatus::Unsubscribed,
                    None,
                    Some(sent.exchange),
                    previous,
                )?;
            }
            Ok(None) => {
                self.note_state(
                    records,
                    trigger,
                    SubscriptionStatus::Unsubscribed,
                    None,
                    None,
                    previous,
                )?;
            }
            Err(message) => {
                tracing::warn!(%workflow, trigger, message, "the unsubscribe request cannot be evaluated");
                let response = json!({"error": {"code": "InvalidTemplate", "message": message}});
                let exchange = Exchange {
                    request: Value::Null,
                    response: Some(response),
                    at: self.now(),
                };
                self.note_state(
                    records,
                    trigger,
                    SubscriptionStatus::Unsubscribed,
                    None,
                    Some(exchange),
                    previous,
                )?;
            }
        }
        Ok(())
    }

    /// Writes what an operation gathered (best effort: failures are logged).
    /// The answered ledger entries are settled last, and only when every trigger state
    /// was stored: an entry left unsettled is what reconciliation looks at.
    pub(crate) async fn write_records(&self, workflow: &WorkflowName, records: Records) {
        for entry in records.deferred {
            if let Err(error) = self.shared.store.record_ledger(entry).await {
                tracing::warn!(%workflow, %error, "cannot record a ledger entry");
            }
        }
        let mut states_stored = true;
        for (_, state) in records.states {
            if let Err(error) = self.shared.store.put_trigger_state(workflow, state).await {
                tracing::warn!(%workflow, %error, "cannot store a trigger state");
                states_stored = false;
            }
        }
        if !states_stored {
            return;
        }
        for update in records.answered {
            if let Err(error) = self.shared.store.update_ledger(update).await {
                tracing::warn!(%workflow, %error, "cannot settle a ledger entry");
            }
        }
    }

    pub(crate) async fn trigger_states(
        &self,
        workflow: &WorkflowName,
    ) -> Result<HashMap<String, TriggerState>> {
        Ok(self
            .shared
            .store
            .list_trigger_states(workflow)
            .await?
            .into_iter()
            .map(|s| (s.trigger.as_str().to_string(), s))
            .collect())
    }

    pub(crate) async fn current_side(&self, workflow: &Workflow) -> Result<Side> {
        Ok(Side {
            definition: self.definition(&workflow.name, workflow.version).await?,
            keys: self.shared.store.access_keys(&workflow.name).await?,
        })
    }

    /// The subscriptions a save makes, before the new version is stored. On failure
    /// everything done is undone and the error is returned.
    pub(crate) async fn subscribe_for_save(
        &self,
        name: &WorkflowName,
        previous: Option<(&Workflow, &Side)>,
        new: &Side,
        new_state: WorkflowState,
        records: &mut Records,
    ) -> Result<SavePlan> {
        let states = match previous {
            Some(_) => self.trigger_states(name).await?,
            None => HashMap::new(),
        };
        let old_subscribed = |t: &str| -> bool {
            previous.is_some_and(|(_, side)| is_webhook_trigger(&side.definition, t))
                && states
                    .get(t)
                    .is_some_and(|s| is_maybe_subscribed(s.subscription))
        };
        let wanted: Vec<String> = if new_state == WorkflowState::Enabled {
            webhook_triggers(&new.definition)
        } else {
            Vec::new()
        };
        let mut subscribed_now: Vec<String> = Vec::new();
        let mut replaced: Vec<String> = Vec::new();
        for trigger in &wanted {
            let was = old_subscribed(trigger);
            if was {
                let (_, old) = previous.expect("subscribed implies a previous version");
                if !self.subscribe_changed(name, old, new, trigger) {
                    continue;
                }
                self.unsubscribe_trigger(name, old, trigger, records, states.get(trigger))
                    .await?;
                replaced.push(trigger.clone());
            }
            match self
                .subscribe_trigger(name, new, trigger, records, states.get(trigger))
                .await?
            {
                Ok(()) => subscribed_now.push(trigger.clone()),
                Err(response) => {
                    self.undo(
                        name,
                        previous.map(|(_, s)| s),
                        new,
                        &subscribed_now,
                        &replaced,
                        records,
                        &states,
                    )
                    .await?;
                    return Err(RuntimeError::SubscribeFailed {
                        workflow: name.to_string(),
                        trigger: trigger.clone(),
                        response,
                    });
                }
            }
        }
        // Subscribed under the old version and not wanted any more: unsubscribed after the
        // save is stored.
        let removals = previous
            .map(|(_, side)| {
                webhook_triggers(&side.definition)
                    .into_iter()
                    .filter(|t| old_subscribed(t) && !wanted.contains(t))
                    .collect()
            })
            .unwrap_or_default();
        Ok(SavePlan {
            subscribed_now,
            replaced,
            removals,
            states,
        })
    }

    /// Undoes the subscriptions of a refused save or enable.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn undo(
        &self,
        name: &WorkflowName,
        old: Option<&Side>,
        new: &Side,
        subscribed_now: &[String],
        replaced: &[String],
        records: &mut Records,
        states: &HashMap<String, TriggerState>,
    ) -> Result<()> {
        for trigger in subscribed_now {
            self.unsubscribe_trigger(name, new, trigger, records, states.get(trigger))
                .await?;
        }
        if let Some(old) = old {
            for trigger in replaced {
                if let Err(response) = self
                    .subscribe_trigger(name, old, trigger, records, states.get(trigger))
                    .await?
                {
                    tracing::warn!(workflow = %name, trigger, %response, "re-subscribing the previous version failed");
                }
            }
        }
        Ok(())
    }

    /// Enables the workflow: subscribes its webhook triggers first (refusing the enable,
    /// with everything undone, if one fails), then sets the state.
    pub async fn enable_workflow(&self, name: &WorkflowName) -> Result<Workflow> {
        let workflow = self.shared.store.get_workflow(name).await?;
        let side = self.current_side(&workflow).await?;
        let states = self.trigger_states(name).await?;
        let mut records = Records::default();
        let mut subscribed_now = Vec::new();
        for trigger in webhook_triggers(&side.definition) {
            if states
                .get(&trigger)
                .is_some_and(|s| s.subscription == SubscriptionStatus::Subscribed)
            {
                continue;
            }
            match self
                .subscribe_trigger(name, &side, &trigger, &mut records, states.get(&trigger))
                .await?
            {
                Ok(()) => subscribed_now.push(trigger),
                Err(response) => {
                    self.undo(
                        name,
                        None,
                        &side,
                        &subscribed_now,
                        &[],
                        &mut records,
                        &states,
                    )
                    .await?;
                    // The trigger that failed keeps its Failed state.
                    self.note_state(
                        &mut records,
                        &trigger,
                        SubscriptionStatus::Failed,
                        None,
                        None,
                        states.get(&trigger),
                    )?;
                    self.write_records(name, records).await;
                    return Err(RuntimeError::SubscribeFailed {
                        workflow: name.to_string(),
                        trigger,
                        response,
                    });
                }
            }
        }
        let result = self
            .shared
            .store
            .set_workflow_state(name, WorkflowState::Enabled, self.now())
            .await;
        self.forget_workflow(name);
        self.write_records(name, records).await;
        Ok(result?)
    }

    /// Disables the workflow, then unsubscribes its webhook triggers (failures recorded).
    pub async fn disable_workflow(&self, name: &WorkflowName) -> Result<Workflow> {
        let workflow = self.store_disabled(name).await?;
        self.unsubscribe_all_triggers(&workflow).await?;
        Ok(workflow)
    }

    /// Stores the workflow disabled and drops its cached snapshot, so no call is accepted
    /// for it from here on (disable, and the first step of delete).
    pub(crate) async fn store_disabled(&self, name: &WorkflowName) -> Result<Workflow> {
        let workflow = self
            .shared
            .store
            .set_workflow_state(name, WorkflowState::Disabled, self.now())
            .await?;
        self.forget_workflow(name);
        Ok(workflow)
    }

    /// Unsubscribes every subscribed webhook trigger of the workflow's current version
    /// (disable, and delete before the store removes the workflow).
    pub async fn unsubscribe_all_triggers(&self, workflow: &Workflow) -> Result<()> {
        let side = self.current_side(workflow).await?;
        let states = self.trigger_states(&workflow.name).await?;
        let mut records = Records::default();
        for trigger in webhook_triggers(&side.definition) {
            if states
                .get(&trigger)
                .is_some_and(|s| is_maybe_subscribed(s.subscription))
            {
                self.unsubscribe_trigger(
                    &workflow.name,
                    &side,
                    &trigger,
                    &mut records,
                    states.get(&trigger),
                )
                .await?;
            }
        }
        self.write_records(&workflow.name, records).await;
        Ok(())
    }
}

/// What [`Runtime::subscribe_for_save`] did and what is left for after the save.
pub(crate) struct SavePlan {
    pub subscribed_now: Vec<String>,
    pub replaced: Vec<String>,
    pub removals: Vec<String>,
    pub states: HashMap<String, TriggerState>,
}
