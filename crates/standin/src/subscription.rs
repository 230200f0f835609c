//! Subscriptions and the record of every request: what subscribe and unsubscribe calls
//! arrived, with which callback URLs.

use crate::Standin;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Body fields that may carry the callback URL, in the order they are looked at (the
/// names services commonly use, and WebSub's `hub.callback`).
const CALLBACK_FIELDS: &[&str] = &[
    "callbackUrl",
    "callbackURL",
    "callback_url",
    "callback",
    "hub.callback",
    "notificationUrl",
    "url",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SubscriptionState {
    Active,
    Unsubscribed,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub callback_url: String,
    pub state: SubscriptionState,
    /// The subscribe request's body, as it came.
    pub request: Value,
    pub callbacks_sent: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub headers: Value,
    pub body: Value,
}

#[derive(Debug, Default)]
struct State_ {
    subscriptions: Vec<Subscription>,
    /// Indexes into `subscriptions` by callback URL, in subscription order: lookups stay
    /// cheap however many subscriptions a long run (a benchmark) collects.
    by_url: HashMap<String, Vec<usize>>,
    requests: Vec<RecordedRequest>,
}

impl State_ {
    /// Where the subscription with this id is: ids are `sub-N`, the N-th subscription.
    fn index_of(&self, id: &str) -> Option<usize> {
        let n: usize = id.strip_prefix("sub-")?.parse().ok()?;
        let index = n.checked_sub(1)?;
        (self.subscriptions.get(index)?.id == id).then_some(index)
    }

    fn add(&mut self, callback_url: String, request: Value) -> Subscription {
        let index = self.subscriptions.len();
        let subscription = Subscription {
            id: format!("sub-{}", index + 1),
            callback_url,
            state: SubscriptionState::Active,
            request,
            callbacks_sent: 0,
        };
        self.by_url
            .entry(subscription.callback_url.clone())
            .or_default()
            .push(index);
        self.subscriptions.push(subscription.clone());
        subscription
    }

    /// The first active subscription with this id or callback URL.
    fn find_active(&self, id: Option<&str>, url: Option<&str>) -> Option<usize> {
        let active = |i: &usize| self.subscriptions[*i].state == SubscriptionState::Active;
        let by_id = id.and_then(|id| self.index_of(id)).filter(active);
        let by_url = url
            .and_then(|url| self.by_url.get(url))
            .and_then(|indexes| indexes.iter().copied().find(active));
        by_id.into_iter().chain(by_url).min()
    }
}

#[derive(Debug)]
pub(crate) struct Registry {
    state: Mutex<State_>,
    fail_remaining: AtomicU32,
}

impl Registry {
    pub(crate) fn new(fail_subscribes: u32) -> Registry {
        Registry {
            state: Mutex::new(State_::default()),
            fail_remaining: AtomicU32::new(fail_subscribes),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State_> {
        // A panic while holding the lock cannot leave the lists half-updated (each update
        // is a single push or field write), so a poisoned lock is still safe to use.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn subscriptions(&self) -> Vec<Subscription> {
        self.lock().subscriptions.clone()
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub(crate) fn subscription(&self, id: &str) -> Option<Subscription> {
        let state = self.lock();
        let index = state.index_of(id)?;
        state.subscriptions.get(index).cloned()
    }

    pub(crate) fn count_callback(&self, id: &str) {
        let mut state = self.lock();
        if let Some(index) = state.index_of(id) {
            state.subscriptions[index].callbacks_sent += 1;
        }
    }

    fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Value) {
        let headers: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
                )
            })
            .collect();
        self.lock().requests.push(RecordedRequest {
            method: method.to_string(),
            path: uri.to_string(),
            headers: Value::Object(headers),
            body: body.clone(),
        });
    }

    /// Takes one of the configured failures, if any are left.
    fn take_failure(&self) -> bool {
        self.fail_remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// The body as JSON when it is JSON, else as text.
pub(crate) fn body_value(body: &Bytes) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn callback_url(body: &Value) -> Option<String> {
    match body {
        Value::String(s) if s.starts_with("http") => Some(s.clone()),
        Value::Object(map) => CALLBACK_FIELDS
            .iter()
            .find_map(|field| map.get(*field).and_then(Value::as_str))
            .filter(|s| s.starts_with("http"))
            .map(str::to_string),
        _ => None,
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

pub(crate) async fn subscribe(
    State(standin): State<Standin>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = body_value(&body);
    standin.inner.record(&method, &uri, &headers, &body);
    if standin.inner.take_failure() {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the stand-in was told to fail this subscribe",
        );
    }
    let Some(url) = callback_url(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "no callback URL in the body (looked for callbackUrl, callback, hub.callback, notificationUrl, url, or a bare URL)",
        );
    };
    let subscription = standin.inner.lock().add(url, body);
    if standin.config.verbose {
        println!(
            "subscribed {}: callback URL {}",
            subscription.id, subscription.callback_url
        );
    }
    if let Some(delay) = standin.config.callback_after {
        let id = subscription.id.clone();
        let standin = standin.clone();
        let body = standin.config.callback_body.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            // A failed automatic callback is reported by the verbose line; the recorded
            // subscription shows how many callbacks went out.
            let _ = crate::callback::call_back(&standin, &id, &body).await;
        });
    }
    (
        StatusCode::CREATED,
        Json(json!({"id": subscription.id, "callbackUrl": subscription.callback_url})),
    )
        .into_response()
}

pub(crate) async fn unsubscribe(
    State(standin): State<Standin>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = body_value(&body);
    standin.inner.record(&method, &uri, &headers, &body);
    let by_id = body.get("id").and_then(Value::as_str).map(str::to_string);
    let by_url = callback_url(&body);
    let mut state = standin.inner.lock();
    let found = state.find_active(by_id.as_deref(), by_url.as_deref());
    match found.map(|index| &mut state.subscriptions[index]) {
        Some(subscription) => {
            subscription.state = SubscriptionState::Unsubscribed;
            if standin.config.verbose {
                println!("unsubscribed {}", subscription.id);
            }
            (StatusCode::OK, Json(json!({"id": subscription.id}))).into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "no active subscription has that id or callback URL",
        ),
    }
}

pub(crate) async fn list(State(standin): State<Standin>) -> Json<Vec<Subscription>> {
    Json(standin.subscriptions())
}

pub(crate) async fn list_requests(State(standin): State<Standin>) -> Json<Vec<RecordedRequest>> {
    Json(standin.requests())
}
