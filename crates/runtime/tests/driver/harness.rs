//! Building runtimes for tests: a manual clock, seeded randomness, a fake or real executor,
//! and polling helpers (with a deadline, never a bare sleep).

use hookflow_engine::HttpOutcome;
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::driver::{Runtime, RuntimeConfig, Services, TriggerOutcome, TriggerOutputs};
use hookflow_runtime::environment::SeededRandomness;
use hookflow_runtime::executor::{BoxFuture, Executor, HttpExecutor};
use hookflow_runtime::outbound::{ClientConfig, OutboundClient, OutboundRequest};
use hookflow_store::{LeaseOwner, RunId, RunStatus, Store, WorkflowState};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;

pub fn start_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600) // 2026-01-01
}

pub fn config() -> RuntimeConfig {
    let mut config = RuntimeConfig::new(
        "http://hookflow.test",
        LeaseOwner::new("test-node").expect("owner"),
    );
    config.poll_interval = Duration::from_millis(20);
    config
}

pub fn http_executor() -> Arc<dyn Executor> {
    let client = OutboundClient::new(ClientConfig::default()).expect("client");
    Arc::new(HttpExecutor::new(client))
}

pub fn runtime<S: Store>(
    store: S,
    clock: Arc<ManualClock>,
    executor: Arc<dyn Executor>,
) -> Runtime<S> {
    runtime_with(store, clock, executor, config())
}

/// [`runtime`] with this configuration.
pub fn runtime_with<S: Store>(
    store: S,
    clock: Arc<ManualClock>,
    executor: Arc<dyn Executor>,
    config: RuntimeConfig,
) -> Runtime<S> {
    let services = Services {
        clock,
        random: Arc::new(SeededRandomness::new(7)),
        executor,
    };
    Runtime::new(store, config, services)
}

/// A Request-triggered definition with these actions.
pub fn definition(actions: Value) -> Value {
    json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": actions
        }
    })
}

pub async fn deploy<S: Store>(runtime: &Runtime<S>, actions: Value) {
    runtime
        .save_workflow("wf", &definition(actions), WorkflowState::Enabled)
        .await
        .expect("save");
}

/// Fires `manual` with this body; the one run it created.
pub async fn fire<S: Store>(
    runtime: &Runtime<S>,
    body: Value,
) -> (RunId, hookflow_runtime::driver::ResponseHandle) {
    let outputs = TriggerOutputs {
        body,
        ..TriggerOutputs::default()
    };
    match runtime.fire_trigger("wf", "manual", outputs, None).await {
        Ok(TriggerOutcome::Fired(mut runs)) => runs.remove(0),
        other => panic!("expected a run, got {other:?}"),
    }
}

/// Polls until `check` holds (at most 10 s of real time).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn run_status<S: Store>(runtime: &Runtime<S>, run: &RunId) -> RunStatus {
    runtime.get_run(run).await.expect("run").status
}

pub async fn wait_for_status<S: Store>(runtime: &Runtime<S>, run: &RunId, status: RunStatus) {
    eventually(&format!("run {run} {status:?}"), || async {
        run_status(runtime, run).await == status
    })
    .await;
}

pub async fn action_status<S: Store>(
    runtime: &Runtime<S>,
    run: &RunId,
    name: &str,
) -> Option<RunStatus> {
    runtime.get_action(run, name).await.ok().map(|a| a.status)
}

/// An executor that answers from a script, optionally only when a gate lets it.
#[derive(Debug)]
pub struct FakeExecutor {
    pub requests: Mutex<Vec<OutboundRequest>>,
    gate: Option<Semaphore>,
    answer: fn(&OutboundRequest) -> HttpOutcome,
    answered: std::sync::atomic::AtomicUsize,
}

impl FakeExecutor {
    pub fn new(answer: fn(&OutboundRequest) -> HttpOutcome) -> Arc<FakeExecutor> {
        Arc::new(FakeExecutor {
            requests: Mutex::new(Vec::new()),
            gate: None,
            answer,
            answered: Default::default(),
        })
    }

    /// Answers only as many requests as `release` allowed.
    pub fn gated(answer: fn(&OutboundRequest) -> HttpOutcome) -> Arc<FakeExecutor> {
        Arc::new(FakeExecutor {
            requests: Mutex::new(Vec::new()),
            gate: Some(Semaphore::new(0)),
            answer,
            answered: Default::default(),
        })
    }

    pub fn release(&self, n: usize) {
        if let Some(gate) = &self.gate {
            gate.add_permits(n);
        }
    }

    /// How many answers were given.
    pub fn answered(&self) -> usize {
        self.answered.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The `callbackUrl` field of the body of the `index`-th request sent.
    pub fn callback_url_sent(&self, index: usize) -> Value {
        let requests = self.requests.lock().expect("lock");
        let body = requests[index].body.as_ref().expect("a request body");
        body["callbackUrl"].clone()
    }

    pub fn uris(&self) -> Vec<String> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .map(|r| r.uri.clone())
            .collect()
    }
}

impl Executor for FakeExecutor {
    fn execute(&self, request: OutboundRequest) -> BoxFuture<'_, HttpOutcome> {
        Box::pin(async move {
            self.requests.lock().expect("lock").push(request.clone());
            if let Some(gate) = &self.gate {
                gate.acquire().await.expect("gate").forget();
            }
            self.answered
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (self.answer)(&request)
        })
    }
}

/// A workflow document whose HttpWebhook trigger `hook` subscribes and unsubscribes at
/// `svc.test` with its callback URL.
pub fn webhook_trigger_document() -> Value {
    json!({ "definition": {
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "triggers": { "hook": { "type": "HttpWebhook", "inputs": {
            "subscribe": { "method": "POST", "uri": "http://svc.test/subscribe",
                           "body": { "callbackUrl": "@{listCallbackUrl()}" } },
            "unsubscribe": { "method": "POST", "uri": "http://svc.test/unsubscribe",
                             "body": { "callbackUrl": "@{listCallbackUrl()}" } } } } },
        "actions": {}
    } })
}

pub fn ok_with(body: Value) -> HttpOutcome {
    HttpOutcome::Response {
        status: 200,
        headers: serde_json::Map::new(),
        body,
    }
}
