//! HttpWebhook triggers over the real backend (runtime driver + `MemoryStore`) against
//! `hookflow-standin` on loopback: subscribe on save, no re-subscribe for the same inputs,
//! unsubscribe-then-subscribe on changed inputs, disable/enable/delete/removal, a refused
//! save (502 `WebhookSubscribeFailed`) that leaves the previous version active, callbacks
//! that start runs, and the subscription state on `GET …/triggers/{t}`.

use crate::harness::{Answer, KEY};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use hookflow_runtime::driver::{Runtime, RuntimeConfig, Services, WorkLoop};
use hookflow_runtime::executor::HttpExecutor;
use hookflow_runtime::outbound::{ClientConfig, OutboundClient};
use hookflow_server::{AdminKey, AppState, RuntimeBackend, Settings};
use hookflow_standin::{RecordedRequest, Standin, StandinConfig};
use hookflow_store::{LeaseOwner, MemoryStore};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const PUBLIC: &str = "https://flows.example.test";

struct Setup {
    state: AppState,
    standin: Standin,
    base: String,
    _runtime: Runtime<MemoryStore>,
    _work_loop: WorkLoop,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Setup {
    async fn new(config: StandinConfig) -> Setup {
        let standin = Standin::new(config);
        let (listener, addr) = hookflow_standin::bind("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("bind");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(standin.clone().serve(listener, async {
            let _ = stopped.await;
        }));
        let client = OutboundClient::new(ClientConfig::default()).expect("client");
        let mut rc = RuntimeConfig::new(PUBLIC, LeaseOwner::new("test").expect("owner"));
        rc.poll_interval = Duration::from_millis(20);
        let runtime = Runtime::new(
            MemoryStore::new(),
            rc,
            Services::system(Arc::new(HttpExecutor::new(client))),
        );
        let work_loop = runtime.start();
        let backend = Arc::new(RuntimeBackend::new(runtime.clone()));
        let state = AppState::new(
            backend,
            AdminKey::new(KEY).expect("key"),
            Settings::new(PUBLIC.parse().expect("url")),
        );
        Setup {
            state,
            standin,
            base: format!("http://{addr}"),
            _runtime: runtime,
            _work_loop: work_loop,
            _stop: stop,
        }
    }

    async fn send(&self, request: Request<Body>) -> Answer {
        crate::harness::send(&self.state, request).await
    }

    async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        crate::harness::api_json(&self.state, method, path, body).await
    }

    async fn put(&self, name: &str, definition: Value, parameters: Value) -> Answer {
        let body = json!({ "properties": { "definition": definition, "parameters": parameters } });
        self.api(Method::PUT, &format!("/api/workflows/{name}"), Some(body))
            .await
    }

    fn hook(&self, topic: &str) -> Value {
        json!({
            "type": "HttpWebhook",
            "inputs": {
                "subscribe": {
                    "method": "POST",
                    "uri": format!("{}/subscribe", self.base),
                    "body": {"callbackUrl": "@{listCallbackUrl()}", "topic": topic,
                             "env": "@parameters('env')"},
                    "retryPolicy": {"type": "none"}
                },
                "unsubscribe": {
                    "method": "POST",
                    "url": format!("{}/unsubscribe", self.base),
                    "body": {"callbackUrl": "@{listCallbackUrl()}"}
                }
            }
        })
    }

    fn definition(&self, triggers: Value) -> Value {
        json!({
            "triggers": triggers,
            "parameters": {"env": {"type": "String", "defaultValue": "test"}},
            "actions": {
                "Echo": {"type": "Compose", "inputs": "@triggerOutputs()", "runAfter": {}}
            }
        })
    }

    fn requests(&self, prefix: &str) -> Vec<RecordedRequest> {
        self.standin
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect()
    }

    async fn trigger(&self, workflow: &str, trigger: &str) -> Value {
        let answer = self
            .api(
                Method::GET,
                &format!("/api/workflows/{workflow}/triggers/{trigger}"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        answer.json()
    }

    async fn finished_runs(&self, workflow: &str, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let answer = self
                .api(
                    Method::GET,
                    &format!("/api/workflows/{workflow}/runs"),
                    None,
                )
                .await;
            let runs = answer.json()["value"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let done = runs
                .iter()
                .filter(|r| r["properties"]["status"] == "Succeeded")
                .count();
            if done >= count {
                return runs;
            }
            assert!(tokio::time::Instant::now() < deadline, "runs: {runs:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn callback_url(request: &RecordedRequest) -> String {
    request.body["callbackUrl"]
        .as_str()
        .expect("a callback URL")
        .to_string()
}

#[tokio::test]
async fn save_subscribes_and_callbacks_start_runs() {
    let s = Setup::new(StandinConfig::default()).await;
    let answer = s
        .put("wf", s.definition(json!({"hook": s.hook("a")})), json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let subs = s.requests("/subscribe");
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].body["env"], "test");
    let url = callback_url(&subs[0]);
    assert!(
        url.starts_with(&format!(
            "{PUBLIC}/workflows/wf/triggers/hook/paths/invoke?"
        )),
        "{url}"
    );
    assert!(url.contains("sig="));
    // listCallbackUrl of the API gives the same URL.
    let listed = s
        .api(
            Method::POST,
            "/api/workflows/wf/triggers/hook/listCallbackUrl",
            None,
        )
        .await;
    assert_eq!(listed.json()["value"], url.as_str());

    // The service calls back twice: two runs, outputs are the callback's.
    let path = url.strip_prefix(PUBLIC).expect("public").to_string();
    for n in 1..=2 {
        let request = Request::builder()
            .method("POST")
            .uri(format!("{path}&extra={n}"))
            .header("content-type", "application/json")
            .header("x-event", format!("e{n}"))
            .body(Body::from(json!({"n": n}).to_string()))
            .expect("request");
        let answer = s.send(request).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    }
    let runs = s.finished_runs("wf", 2).await;
    let mut seen: Vec<i64> = Vec::new();
    for run in &runs {
        let name = run["name"].as_str().expect("name");
        let action = s
            .api(
                Method::GET,
                &format!("/api/workflows/wf/runs/{name}/actions/Echo"),
                None,
            )
            .await
            .json();
        let outputs = &action["properties"]["outputs"];
        let n = outputs["body"]["n"].as_i64().expect("n");
        assert_eq!(outputs["headers"]["x-event"], format!("e{n}"));
        assert_eq!(outputs["queries"]["extra"], n.to_string());
        seen.push(n);
    }
    seen.sort();
    assert_eq!(seen, vec![1, 2]);

    // The trigger shows its subscription.
    let trigger = s.trigger("wf", "hook").await;
    let subscription = &trigger["properties"]["subscription"];
    assert_eq!(subscription["state"], "Subscribed", "{trigger}");
    assert_eq!(subscription["lastSubscribe"]["statusCode"], 201);

    // The same inputs again: no second subscribe.
    let answer = s
        .put("wf", s.definition(json!({"hook": s.hook("a")})), json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(s.requests("/subscribe").len(), 1);
    assert!(s.requests("/unsubscribe").is_empty());
}

#[tokio::test]
async fn changed_inputs_unsubscribe_old_then_subscribe_new_with_same_url() {
    let s = Setup::new(StandinConfig::default()).await;
    assert_eq!(
        s.put("wf", s.definition(json!({"hook": s.hook("a")})), json!({}))
            .await
            .status,
        StatusCode::CREATED
    );
    // A parameter value changes the evaluated inputs too.
    let answer = s
        .put(
            "wf",
            s.definition(json!({"hook": s.hook("b")})),
            json!({"env": {"value": "prod"}}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let all: Vec<RecordedRequest> = s.standin.requests();
    let paths: Vec<&str> = all.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, vec!["/subscribe", "/unsubscribe", "/subscribe"]);
    assert_eq!(callback_url(&all[0]), callback_url(&all[1]));
    assert_eq!(callback_url(&all[0]), callback_url(&all[2]));
    assert_eq!(all[2].body["topic"], "b");
    assert_eq!(all[2].body["env"], "prod");
    let trigger = s.trigger("wf", "hook").await;
    let subscription = &trigger["properties"]["subscription"];
    assert_eq!(subscription["state"], "Subscribed");
    assert_eq!(subscription["lastUnsubscribe"]["statusCode"], 200);
}

#[tokio::test]
async fn disable_enable_remove_and_delete() {
    let s = Setup::new(StandinConfig::default()).await;
    s.put("wf", s.definition(json!({"hook": s.hook("a")})), json!({}))
        .await;
    assert_eq!(s.requests("/subscribe").len(), 1);

    let answer = s.api(Method::POST, "/api/workflows/wf/disable", None).await;
    assert!(answer.status.is_success(), "{}", answer.text());
    assert_eq!(s.requests("/unsubscribe").len(), 1);
    let trigger = s.trigger("wf", "hook").await;
    assert_eq!(
        trigger["properties"]["subscription"]["state"],
        "Unsubscribed"
    );

    let answer = s.api(Method::POST, "/api/workflows/wf/enable", None).await;
    assert!(answer.status.is_success(), "{}", answer.text());
    assert_eq!(s.requests("/subscribe").len(), 2);
    let trigger = s.trigger("wf", "hook").await;
    assert_eq!(trigger["properties"]["subscription"]["state"], "Subscribed");

    // The trigger is removed by a save: unsubscribed.
    let manual = json!({"manual": {"type": "Request", "kind": "Http"}});
    let answer = s.put("wf", s.definition(manual), json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(s.requests("/unsubscribe").len(), 2);

    // Back, then deleted: unsubscribed.
    s.put("wf", s.definition(json!({"hook": s.hook("a")})), json!({}))
        .await;
    assert_eq!(s.requests("/subscribe").len(), 3);
    let answer = s.api(Method::DELETE, "/api/workflows/wf", None).await;
    assert!(answer.status.is_success(), "{}", answer.text());
    assert_eq!(s.requests("/unsubscribe").len(), 3);
    let active = s
        .standin
        .subscriptions()
        .into_iter()
        .filter(|x| x.state == hookflow_standin::SubscriptionState::Active)
        .count();
    assert_eq!(active, 0);
}

#[tokio::test]
async fn failed_subscribe_refuses_the_save_and_keeps_the_previous_version() {
    let s = Setup::new(StandinConfig::default()).await;
    // A first version without a webhook trigger.
    let manual = json!({"manual": {"type": "Request", "kind": "Http"}});
    assert_eq!(
        s.put("wf", s.definition(manual.clone()), json!({}))
            .await
            .status,
        StatusCode::CREATED
    );
    // A subscribe endpoint the stand-in does not have: 404, not retried.
    let mut hook = s.hook("a");
    hook["inputs"]["subscribe"]["uri"] = json!(format!("{}/nowhere", s.base));
    let answer = s
        .put("wf", s.definition(json!({"hook": hook})), json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.text());
    assert_eq!(answer.json()["error"]["code"], "WebhookSubscribeFailed");
    assert!(answer.text().contains("404"), "{}", answer.text());
    // The previous version is still the workflow.
    let wf = s.api(Method::GET, "/api/workflows/wf", None).await.json();
    assert!(
        wf["properties"]["definition"]["triggers"]["manual"].is_object(),
        "{wf}"
    );
}

#[tokio::test]
async fn subscribe_retries_then_gives_up_with_502() {
    let s = Setup::new(StandinConfig {
        fail_subscribes: 3,
        ..StandinConfig::default()
    })
    .await;
    let mut hook = s.hook("a");
    hook["inputs"]["subscribe"]["retryPolicy"] =
        json!({"type": "fixed", "count": 1, "interval": "PT5S"});
    let answer = s
        .put("wf", s.definition(json!({"hook": hook.clone()})), json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.text());
    assert_eq!(answer.json()["error"]["code"], "WebhookSubscribeFailed");
    assert!(answer.text().contains("500"), "{}", answer.text());
    assert_eq!(s.requests("/subscribe").len(), 2);
    // Never stored.
    let missing = s.api(Method::GET, "/api/workflows/wf", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // One failure left: the retry succeeds.
    let answer = s
        .put("wf", s.definition(json!({"hook": hook})), json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(s.requests("/subscribe").len(), 4);
    let trigger = s.trigger("wf", "hook").await;
    assert_eq!(trigger["properties"]["subscription"]["state"], "Subscribed");
}

#[tokio::test]
async fn changed_inputs_refused_keep_the_old_subscription() {
    let s = Setup::new(StandinConfig::default()).await;
    s.put("wf", s.definition(json!({"hook": s.hook("a")})), json!({}))
        .await;
    let mut hook = s.hook("b");
    hook["inputs"]["subscribe"]["uri"] = json!(format!("{}/nowhere", s.base));
    let answer = s
        .put("wf", s.definition(json!({"hook": hook})), json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.text());
    // Old unsubscribed, new failed, old subscribed again.
    let paths: Vec<String> = s.standin.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/subscribe", "/unsubscribe", "/subscribe"]);
    let wf = s.api(Method::GET, "/api/workflows/wf", None).await.json();
    assert_eq!(
        wf["properties"]["definition"]["triggers"]["hook"]["inputs"]["subscribe"]["body"]["topic"],
        "a"
    );
    let trigger = s.trigger("wf", "hook").await;
    assert_eq!(trigger["properties"]["subscription"]["state"], "Subscribed");
}
