//! Requests through the outbound client: headers, queries, authentication headers,
//! failures by kind, and the masked recorded form.

use crate::support::{closed_port, request, Answer, StandIn};
use hookflow_runtime::auth::{recorded_request, MASK};
use hookflow_runtime::outbound::{ClientConfig, FailureKind, OutboundClient};
use serde_json::{json, Map, Value};
use std::time::Duration;

fn client() -> OutboundClient {
    OutboundClient::new(ClientConfig::default()).expect("client")
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[tokio::test]
async fn workflow_headers_are_sent_unless_suppressed() {
    let server = StandIn::answering(Answer::new(200)).await;
    let mut req = request("GET", &server.base);
    client().execute(&req).await.expect("answer");
    let got = server.last();
    assert_eq!(got.header("x-ms-workflow-name"), Some("orders"));
    assert_eq!(got.header("x-ms-workflow-run-id"), Some("08585-run"));
    assert_eq!(got.header("x-ms-client-tracking-id"), Some("08585-run"));
    assert_eq!(
        got.header("x-ms-workflow-operation-name"),
        Some("Call_service")
    );
    assert!(got
        .header("user-agent")
        .is_some_and(|ua| ua.starts_with("hookflow/")));

    req.suppress_workflow_headers = true;
    client().execute(&req).await.expect("answer");
    let got = server.last();
    assert!(
        got.headers.iter().all(|(k, _)| !k.starts_with("x-ms-")),
        "{:?}",
        got.headers
    );
}

#[tokio::test]
async fn method_headers_and_queries_are_sent() {
    let server = StandIn::answering(Answer::new(204)).await;
    let mut req = request("patch", &format!("{}/items/7?existing=1", server.base));
    req.headers = object(json!({"X-Custom": "a b", "X-Number": 5, "X-Null": null}));
    req.queries = object(json!({"api-version": "2018-01-01", "q": "a&b c", "n": 3}));
    let response = client().execute(&req).await.expect("answer");
    assert_eq!(response.status_code, 204);
    let got = server.last();
    assert_eq!(got.method, "PATCH");
    assert_eq!(got.path, "/items/7");
    assert_eq!(
        got.query.as_deref(),
        Some("existing=1&api-version=2018-01-01&q=a%26b+c&n=3")
    );
    assert_eq!(got.header("x-custom"), Some("a b"));
    assert_eq!(got.header("x-number"), Some("5"));
    assert_eq!(got.header("x-null"), None);
}

#[tokio::test]
async fn headers_logic_apps_omits_are_not_sent() {
    let server = StandIn::answering(Answer::new(200)).await;
    let mut req = request("POST", &server.base);
    req.headers = object(json!({
        "Accept": "text/csv", "Accept-Language": "fr", "Accept-Version": "2",
        "Cookie": "a=b", "Origin": "https://evil", "Expires": "0", "Allow": "GET",
        "Content-Language": "fr", "Content-Disposition": "inline", "Host": "other.example"
    }));
    req.body = Some(json!({"a": 1}));
    client().execute(&req).await.expect("answer");
    let got = server.last();
    // "Accept-*" is the family with a dash; a plain Accept is content negotiation, kept.
    assert_eq!(got.header("accept"), Some("text/csv"));
    assert_eq!(got.header("accept-language"), None);
    assert_eq!(got.header("accept-version"), Some("2"));
    assert_eq!(got.header("cookie"), None);
    assert_eq!(got.header("origin"), None);
    assert_eq!(got.header("expires"), None);
    assert_eq!(got.header("allow"), None);
    assert_eq!(got.header("content-language"), None);
    assert_eq!(got.header("content-disposition"), Some("inline"));
    assert!(got
        .header("host")
        .is_some_and(|h| h.starts_with("127.0.0.1:")));
}

#[tokio::test]
async fn response_status_and_headers_are_returned() {
    let server = StandIn::answering(
        Answer::new(503)
            .header("Retry-After", "7")
            .header("X-Multi", "a")
            .header("X-Multi", "b")
            .header("content-type", "application/json")
            .body(r#"{"error":"busy"}"#),
    )
    .await;
    let response = client()
        .execute(&request("GET", &server.base))
        .await
        .expect("a 503 is an answer, not a failure");
    assert_eq!(response.status_code, 503);
    assert_eq!(response.header("retry-after"), Some("7"));
    assert_eq!(response.headers.get("x-multi"), Some(&json!("a, b")));
    assert_eq!(response.body, Some(json!({"error": "busy"})));
    let outputs = response.to_outputs();
    assert_eq!(outputs["statusCode"], 503);
    assert_eq!(outputs["body"]["error"], "busy");
}

#[tokio::test]
async fn redirects_are_answers() {
    let server = StandIn::answering(Answer::new(302).header("location", "/elsewhere")).await;
    let response = client()
        .execute(&request("GET", &server.base))
        .await
        .expect("answer");
    assert_eq!(response.status_code, 302);
    assert_eq!(response.header("location"), Some("/elsewhere"));
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn basic_authentication_sets_the_authorization_header() {
    let server = StandIn::answering(Answer::new(200)).await;
    let mut req = request("GET", &server.base);
    req.authentication = Some(json!({"type": "Basic", "username": "ada", "password": "p@ss:w"}));
    client().execute(&req).await.expect("answer");
    // base64("ada:p@ss:w")
    assert_eq!(
        server.last().header("authorization"),
        Some("Basic YWRhOnBAc3M6dw==")
    );
}

#[tokio::test]
async fn raw_authentication_wins_over_an_authorization_header() {
    let server = StandIn::answering(Answer::new(200)).await;
    let mut req = request("GET", &server.base);
    req.headers = object(json!({"Authorization": "Bearer from-headers"}));
    req.authentication = Some(json!({"type": "Raw", "value": "OAuth oauth_token=\"abc\""}));
    client().execute(&req).await.expect("answer");
    assert_eq!(
        server.last().header("authorization"),
        Some("OAuth oauth_token=\"abc\"")
    );

    // `{}` is "no authentication": the header from `headers` goes out.
    req.authentication = Some(json!({}));
    client().execute(&req).await.expect("answer");
    assert_eq!(
        server.last().header("authorization"),
        Some("Bearer from-headers")
    );
}

#[tokio::test]
async fn unusable_authentication_is_an_authentication_failure() {
    let server = StandIn::answering(Answer::new(200)).await;
    for auth in [
        json!({"type": "ManagedServiceIdentity", "audience": "https://management.azure.com/"}),
        json!({"type": "Basic", "username": "u"}),
        json!({"type": "Kerberos"}),
        json!({"type": "ClientCertificate", "pfx": "bm90IGEgcGZ4", "password": "hunter2"}),
        json!("Basic abc"),
    ] {
        let mut req = request("GET", &server.base);
        req.authentication = Some(auth.clone());
        let err = client().execute(&req).await.expect_err("refused");
        assert_eq!(err.kind, FailureKind::Authentication, "{auth}");
        assert!(!err.message.contains("hunter2"), "{}", err.message);
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = StandIn::answering(Answer::new(200).delay(Duration::from_secs(10))).await;
    let mut req = request("GET", &server.base);
    req.timeout = Some(Duration::from_millis(300));
    let err = client().execute(&req).await.expect_err("timed out");
    assert_eq!(err.kind, FailureKind::Timeout, "{}", err.message);
    assert!(err.kind.is_transient());
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_failure() {
    let base = closed_port().await;
    let err = client()
        .execute(&request("GET", &base))
        .await
        .expect_err("refused");
    assert_eq!(err.kind, FailureKind::Connection, "{}", err.message);
    assert!(err.kind.is_transient());
}

#[tokio::test]
async fn bad_requests_are_invalid_requests() {
    for (method, uri) in [
        ("GET", "not a uri"),
        ("GET", "ftp://127.0.0.1/x"),
        ("GE T", "http://127.0.0.1:1/"),
    ] {
        let err = client()
            .execute(&request(method, uri))
            .await
            .expect_err("invalid");
        assert_eq!(err.kind, FailureKind::InvalidRequest, "{method} {uri}");
    }
    let mut req = request("GET", "http://127.0.0.1:1/");
    req.headers = object(json!({"X-Bad": "a\nb"}));
    let err = client().execute(&req).await.expect_err("invalid");
    assert_eq!(err.kind, FailureKind::InvalidRequest);
}

#[tokio::test]
async fn answers_over_the_limit_are_refused() {
    let server = StandIn::answering(Answer::new(200).body(vec![b'x'; 4096])).await;
    let mut config = ClientConfig::default();
    config.max_response_bytes = 1024;
    let client = OutboundClient::new(config).expect("client");
    let err = client
        .execute(&request("GET", &server.base))
        .await
        .expect_err("too large");
    assert_eq!(err.kind, FailureKind::ResponseTooLarge);
}

#[test]
fn the_recorded_request_masks_every_secret() {
    let mut req = request("POST", "https://example.com/hook");
    req.headers = object(json!({"authorization": "Bearer abc", "X-Visible": "v"}));
    req.queries = object(json!({"q": "1"}));
    req.body = Some(json!({"a": 1}));
    for (auth, hidden) in [
        (
            json!({"type": "Basic", "username": "ada", "password": "pw-1"}),
            "pw-1",
        ),
        (json!({"type": "Raw", "value": "Token t-2"}), "t-2"),
        (
            json!({"type": "ClientCertificate", "pfx": "UEZY", "password": "pw-3"}),
            "UEZY",
        ),
        (
            json!({"type": "ClientCertificate", "certificate": "CERT", "privateKey": "KEY-4"}),
            "KEY-4",
        ),
        (
            json!({"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a",
                "clientId": "c", "secret": "s-5"}),
            "s-5",
        ),
    ] {
        req.authentication = Some(auth.clone());
        let recorded = recorded_request(&req);
        let text = recorded.to_string();
        assert!(!text.contains(hidden), "{text}");
        assert!(!text.contains("Bearer abc"), "{text}");
        assert_eq!(recorded["headers"]["authorization"], MASK);
        assert_eq!(recorded["headers"]["X-Visible"], "v");
        assert_eq!(recorded["authentication"]["type"], auth["type"]);
        let debug = format!("{req:?}");
        assert!(
            !debug.contains(hidden) && !debug.contains("Bearer abc"),
            "{debug}"
        );
    }
    let recorded = recorded_request(&req);
    assert_eq!(recorded["authentication"]["clientId"], "c");
    assert_eq!(recorded["authentication"]["secret"], MASK);
    assert_eq!(recorded["method"], "POST");
    assert_eq!(recorded["uri"], "https://example.com/hook");
    assert_eq!(recorded["queries"]["q"], "1");
    assert_eq!(recorded["body"]["a"], 1);
}
