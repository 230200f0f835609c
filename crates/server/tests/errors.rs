//! Every application error variant becomes its status code and a `{"error":…}` body, on
//! management routes and callbacks alike.

use crate::harness::Harness;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use hookflow_server::model::SubscriptionExchange;
use hookflow_server::{AppError, ErrorDetail, Resource};
use std::time::Duration;

fn table() -> Vec<(AppError, StatusCode, &'static str)> {
    let conflict = AppError::Conflict {
        code: "ActionNotWaiting".into(),
        message: "The action 'Wait' is no longer waiting.".into(),
    };
    vec![
        (
            AppError::not_found(Resource::Workflow, "wf"),
            StatusCode::NOT_FOUND,
            "WorkflowNotFound",
        ),
        (
            AppError::not_found(Resource::Trigger, "t"),
            StatusCode::NOT_FOUND,
            "TriggerNotFound",
        ),
        (
            AppError::not_found(Resource::TriggerHistory, "h"),
            StatusCode::NOT_FOUND,
            "TriggerHistoryNotFound",
        ),
        (
            AppError::not_found(Resource::Run, "r"),
            StatusCode::NOT_FOUND,
            "RunNotFound",
        ),
        (
            AppError::not_found(Resource::Action, "a"),
            StatusCode::NOT_FOUND,
            "ActionNotFound",
        ),
        (
            AppError::not_found(Resource::Repetition, "0"),
            StatusCode::NOT_FOUND,
            "RepetitionNotFound",
        ),
        (
            AppError::invalid("InvalidTemplate", "bad"),
            StatusCode::BAD_REQUEST,
            "InvalidTemplate",
        ),
        (conflict, StatusCode::CONFLICT, "ActionNotWaiting"),
        (
            AppError::Forbidden {
                code: "WorkflowDisabled".into(),
                message: "disabled".into(),
            },
            StatusCode::FORBIDDEN,
            "WorkflowDisabled",
        ),
        (
            AppError::Unauthorized {
                code: "InvalidSignature".into(),
                message: "bad sig".into(),
            },
            StatusCode::UNAUTHORIZED,
            "InvalidSignature",
        ),
        (
            AppError::PayloadTooLarge { limit: 10 },
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
        ),
        (
            AppError::TooManyRequests {
                message: "queue full".into(),
                retry_after: Some(Duration::from_millis(1500)),
            },
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
        ),
        (
            AppError::SubscribeFailed {
                response: SubscriptionExchange {
                    at: Utc
                        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
                        .single()
                        .expect("time"),
                    status_code: Some(500),
                    body: Some(serde_json::json!({"reason": "subscriber down"})),
                    error: None,
                },
            },
            StatusCode::BAD_GATEWAY,
            "WebhookSubscribeFailed",
        ),
        (
            AppError::ResponseSkipped {
                message: "skipped".into(),
            },
            StatusCode::BAD_GATEWAY,
            "ActionResponseSkipped",
        ),
        (
            AppError::ResponseTimedOut {
                message: "late".into(),
            },
            StatusCode::GATEWAY_TIMEOUT,
            "ActionResponseTimedOut",
        ),
        (
            AppError::Unavailable {
                code: "StoreUnavailable".into(),
                message: "down".into(),
                retry_after: None,
            },
            StatusCode::SERVICE_UNAVAILABLE,
            "StoreUnavailable",
        ),
        (
            AppError::Internal {
                message: "SELECT secret FROM keys failed".into(),
            },
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
        ),
    ]
}

#[tokio::test]
async fn every_variant_maps_to_its_status_on_management_routes() {
    let h = Harness::new();
    for (error, status, code) in table() {
        h.double.fail_next(error.clone());
        let answer = h.api(Method::GET, "/api/workflows/wf", None).await;
        answer.expect_error(status, code);
        assert_eq!(answer.headers["content-type"], "application/json", "{code}");
    }
}

#[tokio::test]
async fn every_variant_maps_to_its_status_on_callbacks() {
    let h = Harness::new();
    for (error, status, code) in table() {
        for uri in [
            "/workflows/wf/triggers/t/paths/invoke?sig=x",
            "/workflows/wf/runs/r/actions/a/run?sig=x",
        ] {
            h.double.fail_next(error.clone());
            let request = Request::builder()
                .method("POST")
                .uri(uri)
                .body(Body::from("{}"))
                .expect("request");
            h.send(request).await.expect_error(status, code);
        }
    }
}

#[tokio::test]
async fn internal_messages_stay_in_the_log() {
    let h = Harness::new();
    h.double.fail_next(AppError::Internal {
        message: "SELECT secret FROM keys failed".into(),
    });
    let answer = h.api(Method::GET, "/api/workflows/wf", None).await;
    assert!(!answer.text().contains("SELECT"), "{}", answer.text());
}

#[tokio::test]
async fn retry_after_is_sent_in_whole_seconds_rounded_up() {
    let h = Harness::new();
    h.double.fail_next(AppError::TooManyRequests {
        message: "queue full".into(),
        retry_after: Some(Duration::from_millis(1500)),
    });
    let answer = h
        .send(
            Request::builder()
                .method("POST")
                .uri("/workflows/wf/triggers/t/paths/invoke")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(answer.headers["retry-after"], "2");
}

#[tokio::test]
async fn subscribe_failures_carry_the_subscribe_response_in_the_message() {
    let h = Harness::new();
    let (error, _, _) = table()
        .into_iter()
        .find(|(_, _, code)| *code == "WebhookSubscribeFailed")
        .expect("row");
    h.double.fail_next(error);
    let answer = h.put_workflow("wf").await;
    let error = answer.expect_error(StatusCode::BAD_GATEWAY, "WebhookSubscribeFailed");
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("status 500"), "{message}");
    assert!(message.contains("subscriber down"), "{message}");
}

#[tokio::test]
async fn validation_errors_list_every_detail_with_its_pointer() {
    let h = Harness::new();
    h.double.fail_next(AppError::Invalid {
        code: "InvalidDefinition".into(),
        message: "The definition has 2 errors.".into(),
        details: vec![
            ErrorDetail {
                code: "UnknownFunction".into(),
                message: "nosuch() is not a function".into(),
                target: Some("/properties/definition/actions/A/inputs".into()),
            },
            ErrorDetail {
                code: "UnknownActionType".into(),
                message: "Nope is not an action type".into(),
                target: Some("/properties/definition/actions/B/type".into()),
            },
        ],
    });
    let answer = h.put_workflow("wf").await;
    let error = answer.expect_error(StatusCode::BAD_REQUEST, "InvalidDefinition");
    let details = error["details"].as_array().expect("details");
    assert_eq!(details.len(), 2);
    assert_eq!(
        details[0]["target"],
        "/properties/definition/actions/A/inputs"
    );
    assert_eq!(details[1]["code"], "UnknownActionType");
}
