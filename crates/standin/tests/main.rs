//! The stand-in service over real loopback sockets: subscribe, call back (on demand, to
//! all, after a delay), unsubscribe, configured failures, and the request record.

use hookflow_standin::{bind, Standin, StandinConfig, SubscriptionState};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A callback receiver standing in for hookflow: records every body it is sent.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let app = axum::Router::new().route(
        "/cb/{id}",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().expect("lock").push(body);
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let (listener, addr) = bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/cb"), received)
}

async fn standin(config: StandinConfig) -> (Standin, String) {
    let standin = Standin::new(config);
    let (listener, addr) = bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    tokio::spawn(standin.clone().serve(listener, std::future::pending()));
    (standin, format!("http://{addr}"))
}

async fn wait_for(mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn subscribe_call_back_and_unsubscribe() {
    let (callback_base, received) = receiver().await;
    let (standin, base) = standin(StandinConfig::default()).await;
    let client = reqwest::Client::new();

    let answer = client
        .post(format!("{base}/subscribe"))
        .json(&json!({"callbackUrl": format!("{callback_base}/1"), "topic": "orders"}))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(answer.status(), 201);
    let answer: Value = answer.json().await.expect("json");
    assert_eq!(answer["id"], "sub-1");

    let outcome: Value = client
        .post(format!("{base}/subscriptions/sub-1/callback"))
        .json(&json!({"approved": true}))
        .send()
        .await
        .expect("call back")
        .json()
        .await
        .expect("json");
    assert_eq!(outcome["status"], 202);
    assert_eq!(
        *received.lock().expect("lock"),
        vec![json!({"approved": true})]
    );

    let gone = client
        .post(format!("{base}/unsubscribe"))
        .json(&json!({"callbackUrl": format!("{callback_base}/1")}))
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(gone.status(), 200);
    let again = client
        .post(format!("{base}/unsubscribe"))
        .json(&json!({"id": "sub-1"}))
        .send()
        .await
        .expect("unsubscribe twice");
    assert_eq!(
        again.status(),
        404,
        "an ended subscription is not ended twice"
    );

    let subscriptions = standin.subscriptions();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].state, SubscriptionState::Unsubscribed);
    assert_eq!(subscriptions[0].callbacks_sent, 1);
    let paths: Vec<String> = standin.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/subscribe", "/unsubscribe", "/unsubscribe"]);
}

#[tokio::test]
async fn events_go_to_every_active_subscription() {
    let (callback_base, received) = receiver().await;
    let (_standin, base) = standin(StandinConfig::default()).await;
    let client = reqwest::Client::new();
    for n in 1..=3 {
        // WebSub spells the field hub.callback.
        client
            .post(format!("{base}/subscribe/hub"))
            .json(&json!({"hub.callback": format!("{callback_base}/{n}"), "hub.mode": "subscribe"}))
            .send()
            .await
            .expect("subscribe");
    }
    client
        .delete(format!("{base}/unsubscribe/hub"))
        .json(&json!({"id": "sub-2"}))
        .send()
        .await
        .expect("unsubscribe");
    let outcomes: Vec<Value> = client
        .post(format!("{base}/events"))
        .json(&json!({"event": "created"}))
        .send()
        .await
        .expect("events")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = outcomes.iter().filter_map(|o| o["id"].as_str()).collect();
    assert_eq!(ids, ["sub-1", "sub-3"]);
    assert_eq!(received.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn calls_back_by_itself_after_a_delay() {
    let (callback_base, received) = receiver().await;
    let (_standin, base) = standin(StandinConfig {
        callback_after: Some(Duration::from_millis(50)),
        callback_body: json!({"status": "approved"}),
        ..StandinConfig::default()
    })
    .await;
    reqwest::Client::new()
        .post(format!("{base}/subscribe"))
        .json(&json!({"callbackUrl": format!("{callback_base}/9")}))
        .send()
        .await
        .expect("subscribe");
    wait_for(|| !received.lock().expect("lock").is_empty()).await;
    assert_eq!(
        received.lock().expect("lock")[0],
        json!({"status": "approved"})
    );
}

#[tokio::test]
async fn configured_failures_and_bad_subscribes() {
    let (_standin, base) = standin(StandinConfig {
        fail_subscribes: 2,
        ..StandinConfig::default()
    })
    .await;
    let client = reqwest::Client::new();
    let body = json!({"callbackUrl": "http://127.0.0.1:9/cb"});
    for expected in [500, 500, 201] {
        let status = client
            .post(format!("{base}/subscribe"))
            .json(&body)
            .send()
            .await
            .expect("subscribe")
            .status();
        assert_eq!(status, expected);
    }
    let no_url = client
        .post(format!("{base}/subscribe"))
        .json(&json!({"topic": "x"}))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(no_url.status(), 400);
    let unknown = client
        .post(format!("{base}/subscriptions/sub-99/callback"))
        .send()
        .await
        .expect("callback");
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn unsubscribe_ends_the_earliest_active_subscription_that_matches() {
    let (_standin, base) = standin(StandinConfig::default()).await;
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| client.post(format!("{base}{path}")).json(&body).send();
    // The same callback URL subscribed twice (a service re-subscribed), and another one.
    for url in [
        "http://127.0.0.1:9/a",
        "http://127.0.0.1:9/b",
        "http://127.0.0.1:9/a",
    ] {
        let answer = post("/subscribe", json!({ "callbackUrl": url }))
            .await
            .expect("subscribe");
        assert_eq!(answer.status(), 201);
    }
    let ended = |answer: reqwest::Response| async move {
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.expect("json");
        (status, body["id"].as_str().map(str::to_owned))
    };
    let by_url = json!({"callbackUrl": "http://127.0.0.1:9/a"});
    let first = ended(post("/unsubscribe", by_url.clone()).await.expect("first")).await;
    assert_eq!(first, (200, Some("sub-1".to_owned())));
    let second = ended(post("/unsubscribe", by_url.clone()).await.expect("second")).await;
    assert_eq!(second, (200, Some("sub-3".to_owned())));
    let third = ended(post("/unsubscribe", by_url).await.expect("third")).await;
    assert_eq!(third.0, 404);
    for id in ["sub-0", "sub-4", "sub-x", "sub-", "2"] {
        let answer = ended(
            post("/unsubscribe", json!({ "id": id }))
                .await
                .expect("by id"),
        )
        .await;
        assert_eq!(answer.0, 404, "{id} names no subscription");
    }
    let last = ended(
        post("/unsubscribe", json!({"id": "sub-2"}))
            .await
            .expect("by id"),
    )
    .await;
    assert_eq!(last, (200, Some("sub-2".to_owned())));
}
