//! Calling back: POSTing to a subscription's callback URL, on demand, to all, or after a
//! delay.

use crate::subscription::{body_value, SubscriptionState};
use crate::Standin;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// What the callback URL answered.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct CallbackOutcome {
    id: String,
    status: Option<u16>,
    body: Value,
}

pub(crate) async fn call_back(standin: &Standin, id: &str, body: &Value) -> CallbackOutcome {
    let Some(subscription) = standin.inner.subscription(id) else {
        return CallbackOutcome {
            id: id.to_string(),
            status: None,
            body: json!({"error": "no such subscription"}),
        };
    };
    let request = match body {
        Value::String(text) => standin
            .client
            .post(&subscription.callback_url)
            .header("content-type", "text/plain")
            .body(text.clone()),
        other => standin.client.post(&subscription.callback_url).json(other),
    };
    let outcome = match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            standin.inner.count_callback(id);
            CallbackOutcome {
                id: id.to_string(),
                status: Some(status),
                body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            }
        }
        Err(e) => CallbackOutcome {
            id: id.to_string(),
            status: None,
            body: json!({"error": e.to_string()}),
        },
    };
    if standin.config.verbose {
        match outcome.status {
            Some(status) => println!("called back {id}: {status}"),
            None => println!("calling back {id} failed: {}", outcome.body),
        }
    }
    outcome
}

/// `POST /subscriptions/{id}/callback`: calls the subscription back with this body (also
/// after it was unsubscribed, so tests can send late callbacks) and answers with what the
/// callback URL answered.
pub(crate) async fn call_back_one(
    State(standin): State<Standin>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if standin.inner.subscription(&id).is_none() {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no subscription '{id}'")})),
        )
            .into_response();
    }
    let body = if body.is_empty() {
        standin.config.callback_body.clone()
    } else {
        body_value(&body)
    };
    Json(call_back(&standin, &id, &body).await).into_response()
}

/// `POST /events`: calls back every active subscription with this body.
pub(crate) async fn call_back_all(
    State(standin): State<Standin>,
    body: Bytes,
) -> Json<Vec<CallbackOutcome>> {
    let body = if body.is_empty() {
        standin.config.callback_body.clone()
    } else {
        body_value(&body)
    };
    let active: Vec<String> = standin
        .subscriptions()
        .into_iter()
        .filter(|s| s.state == SubscriptionState::Active)
        .map(|s| s.id)
        .collect();
    let mut outcomes = Vec::with_capacity(active.len());
    for id in active {
        outcomes.push(call_back(&standin, &id, &body).await);
    }
    Json(outcomes)
}
