//! The public callback endpoints carry the whole request to the backend and map its reply.

use crate::double::Call;
use crate::harness::Harness;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hookflow_server::{Bytes, CallbackReply};

const QUERY: &str = "api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s1g%2B&se=2030-01-01T00%3A00%3A00Z&extra=yes";

#[tokio::test]
async fn a_trigger_callback_reaches_the_backend_whole() {
    let h = Harness::new();
    let request = Request::builder()
        .method("POST")
        .uri(format!(
            "/workflows/orders/triggers/manual/paths/invoke?{QUERY}"
        ))
        .header("content-type", "application/json; charset=utf-8")
        .header("idempotency-key", "idem-1")
        .header("x-custom", "kept")
        .body(Body::from(r#"{"order": 42}"#))
        .expect("request");
    let answer = h.send(request).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    assert!(answer.body.is_empty());
    assert_eq!(answer.headers["x-ms-workflow-run-id"], "run-1");
    let Call::TriggerCallback(call) = h.double.last_call() else {
        panic!("not a trigger callback");
    };
    assert_eq!(call.workflow.as_str(), "orders");
    assert_eq!(call.trigger, "manual");
    assert_eq!(call.relative_path, None);
    assert_eq!(call.signature.api_version.as_deref(), Some("2016-10-01"));
    assert_eq!(call.signature.sp.as_deref(), Some("/triggers/manual/run"));
    assert_eq!(call.signature.sv.as_deref(), Some("1.0"));
    assert_eq!(call.signature.sig.as_deref(), Some("s1g+"));
    assert_eq!(call.signature.se.as_deref(), Some("2030-01-01T00:00:00Z"));
    assert!(call
        .request
        .queries
        .contains(&("extra".into(), "yes".into())));
    assert_eq!(call.request.method, "POST");
    assert_eq!(&call.request.body[..], br#"{"order": 42}"#);
    assert_eq!(
        call.request.content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(call.request.idempotency_key.as_deref(), Some("idem-1"));
    assert_eq!(call.request.headers["x-custom"], "kept");
    assert_eq!(call.response_timeout, std::time::Duration::from_secs(120));
}

#[tokio::test]
async fn a_relative_path_and_any_method_pass_through() {
    let h = Harness::new();
    let request = Request::builder()
        .method("GET")
        .uri("/workflows/orders/triggers/manual/paths/invoke/customers/7/orders%2Fx?sig=1")
        .body(Body::empty())
        .expect("request");
    let answer = h.send(request).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let Call::TriggerCallback(call) = h.double.last_call() else {
        panic!("not a trigger callback");
    };
    assert_eq!(call.relative_path.as_deref(), Some("customers/7/orders/x"));
    assert_eq!(call.request.method, "GET");
    assert!(call.request.body.is_empty());
    assert_eq!(call.request.content_type, None);
    assert_eq!(call.signature.sig.as_deref(), Some("1"));
    assert_eq!(call.signature.sp, None, "absent parameters stay absent");

    for method in ["PUT", "PATCH", "DELETE", "MERGE"] {
        let request = Request::builder()
            .method(method)
            .uri("/workflows/orders/triggers/manual/paths/invoke/a")
            .body(Body::empty())
            .expect("request");
        assert_eq!(
            h.send(request).await.status,
            StatusCode::ACCEPTED,
            "{method}"
        );
    }
}

#[tokio::test]
async fn webhook_id_is_the_idempotency_key_when_there_is_no_idempotency_key() {
    let h = Harness::new();
    let request = Request::builder()
        .method("POST")
        .uri("/workflows/wf/runs/run-1/actions/Wait/run?sp=x&sv=1.0&sig=y")
        .header("webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
        .header("content-type", "application/octet-stream")
        .body(Body::from(vec![0u8, 159, 146, 150]))
        .expect("request");
    let answer = h.send(request).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    let Call::ActionCallback(call) = h.double.last_call() else {
        panic!("not an action callback");
    };
    assert_eq!(
        (
            call.workflow.as_str(),
            call.run.as_str(),
            call.action.as_str()
        ),
        ("wf", "run-1", "Wait")
    );
    assert_eq!(
        call.request.idempotency_key.as_deref(),
        Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
    );
    assert_eq!(&call.request.body[..], &[0u8, 159, 146, 150]);
    assert_eq!(call.signature.sig.as_deref(), Some("y"));
}

#[tokio::test]
async fn a_response_action_answer_is_sent_as_is() {
    let h = Harness::new();
    h.double.reply_with(CallbackReply::Response {
        status: 418,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-reply".into(), "a".into()),
            ("x-reply".into(), "b".into()),
            ("bad header".into(), "dropped".into()),
        ],
        body: Bytes::from_static(br#"{"ok":true}"#),
    });
    let request = Request::builder()
        .method("POST")
        .uri("/workflows/wf/triggers/manual/paths/invoke?sig=x")
        .body(Body::from("{}"))
        .expect("request");
    let answer = h.send(request).await;
    assert_eq!(answer.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(answer.json()["ok"], true);
    let values: Vec<_> = answer.headers.get_all("x-reply").iter().collect();
    assert_eq!(values, ["a", "b"]);
    assert!(answer.headers.get("bad header").is_none());
}

#[tokio::test]
async fn an_invalid_response_status_is_a_server_fault_not_a_crash() {
    let h = Harness::new();
    h.double.reply_with(CallbackReply::Response {
        status: 1000,
        headers: Vec::new(),
        body: Bytes::new(),
    });
    let request = Request::builder()
        .method("POST")
        .uri("/workflows/wf/triggers/manual/paths/invoke")
        .body(Body::empty())
        .expect("request");
    h.send(request)
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError");
}

#[tokio::test]
async fn a_body_labelled_json_that_is_not_json_is_400_before_the_backend() {
    let h = Harness::new();
    for (content_type, body) in [
        ("application/json", "{not json"),
        ("application/cloudevents+json; charset=utf-8", "[1,"),
    ] {
        let request = Request::builder()
            .method("POST")
            .uri("/workflows/wf/triggers/manual/paths/invoke?sig=x")
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request");
        h.send(request)
            .await
            .expect_error(StatusCode::BAD_REQUEST, "InvalidJson");
    }
    assert!(h.double.calls().is_empty());
    // The same bytes as text, and an empty JSON body, are the backend's to judge.
    for (content_type, body) in [("text/plain", "{not json"), ("application/json", "")] {
        let request = Request::builder()
            .method("POST")
            .uri("/workflows/wf/runs/r/actions/a/run")
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request");
        assert_eq!(h.send(request).await.status, StatusCode::ACCEPTED);
    }
}
