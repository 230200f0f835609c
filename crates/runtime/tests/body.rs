//! Body encoding both ways, through a real exchange with a stand-in.

use crate::support::{request, Answer, StandIn};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hookflow_runtime::outbound::{ClientConfig, OutboundClient, OutboundResponse};
use serde_json::{json, Value};

fn client() -> OutboundClient {
    OutboundClient::new(ClientConfig::default()).expect("client")
}

/// Sends `body` with the given headers to an echo stand-in; returns what it received.
async fn send(body: Value, headers: Value) -> crate::support::Received {
    let server = StandIn::answering(Answer::new(200)).await;
    let mut req = request("POST", &server.base);
    req.body = Some(body);
    if let Value::Object(h) = headers {
        req.headers = h;
    }
    let response = client().execute(&req).await.expect("an answer");
    assert_eq!(response.status_code, 200);
    server.last()
}

/// The body the client decodes from an answer with `content_type` and `bytes`.
async fn answer(content_type: Option<&str>, bytes: &[u8]) -> OutboundResponse {
    let mut a = Answer::new(200).body(bytes.to_vec());
    if let Some(ct) = content_type {
        a = a.header("content-type", ct);
    }
    let server = StandIn::answering(a).await;
    client()
        .execute(&request("GET", &server.base))
        .await
        .expect("an answer")
}

#[tokio::test]
async fn json_values_are_sent_as_application_json() {
    let got = send(json!({"a": [1, true, null], "b": "x"}), json!({})).await;
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.text(), r#"{"a":[1,true,null],"b":"x"}"#);
    for scalar in [json!([1, 2]), json!(42), json!(true)] {
        let got = send(scalar.clone(), json!({})).await;
        assert_eq!(got.header("content-type"), Some("application/json"));
        assert_eq!(got.text(), scalar.to_string());
    }
}

#[tokio::test]
async fn a_content_type_header_wins_over_the_default() {
    let got = send(
        json!({"a": 1}),
        json!({"Content-Type": "application/vnd.api+json"}),
    )
    .await;
    assert_eq!(got.header("content-type"), Some("application/vnd.api+json"));
    assert_eq!(got.text(), r#"{"a":1}"#);
    let got = send(json!("<a/>"), json!({"content-type": "application/xml"})).await;
    assert_eq!(got.header("content-type"), Some("application/xml"));
    assert_eq!(got.text(), "<a/>");
}

#[tokio::test]
async fn strings_are_sent_as_text() {
    let got = send(json!("héllo \"world\""), json!({})).await;
    assert_eq!(
        got.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(got.text(), "héllo \"world\"");
}

#[tokio::test]
async fn null_sends_no_body() {
    let got = send(Value::Null, json!({})).await;
    assert!(got.body.is_empty());
    assert_eq!(got.header("content-type"), None);
}

#[tokio::test]
async fn content_envelopes_are_sent_as_raw_bytes() {
    let bytes = [0u8, 159, 146, 150, 255];
    let got = send(
        json!({"$content-type": "image/png", "$content": STANDARD.encode(bytes)}),
        json!({}),
    )
    .await;
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.body, bytes);
}

#[tokio::test]
async fn formdata_and_form_headers_are_url_encoded() {
    let got = send(
        json!({"$content-type": "application/x-www-form-urlencoded",
               "$formdata": [{"key": "a b", "value": "1&2"}, {"key": "a b", "value": 3}]}),
        json!({}),
    )
    .await;
    assert_eq!(
        got.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(got.text(), "a+b=1%262&a+b=3");

    let got = send(
        json!({"name": "Zoë", "n": 2, "none": null}),
        json!({"Content-Type": "application/x-www-form-urlencoded"}),
    )
    .await;
    assert_eq!(
        got.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(got.text(), "name=Zo%C3%AB&n=2&none=");
}

#[tokio::test]
async fn multipart_envelopes_are_sent_as_multipart_form_data() {
    let got = send(
        json!({"$content-type": "multipart/form-data", "$multipart": [
            {"headers": {"Content-Disposition": "form-data; name=\"title\""}, "body": "Report"},
            {"headers": {"Content-Disposition": "form-data; name=\"file\"; filename=\"a.bin\""},
             "body": {"$content-type": "application/octet-stream", "$content": STANDARD.encode([1u8, 2, 3])}},
            {"headers": {"Content-Disposition": "form-data; name=\"meta\""}, "body": {"k": "v"}}
        ]}),
        json!({"Content-Type": "multipart/form-data"}),
    )
    .await;
    let content_type = got.header("content-type").unwrap_or_default().to_owned();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("our boundary")
        .to_owned();
    let mut expected = Vec::new();
    expected.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nReport\r\n")
            .as_bytes(),
    );
    expected.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    expected.extend_from_slice(&[1, 2, 3]);
    expected.extend_from_slice(b"\r\n");
    expected.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"k\":\"v\"}}\r\n--{boundary}--\r\n").as_bytes(),
    );
    assert_eq!(got.text(), String::from_utf8_lossy(&expected));
}

#[tokio::test]
async fn malformed_envelopes_are_invalid_requests() {
    let server = StandIn::answering(Answer::new(200)).await;
    for body in [
        json!({"$content-type": "image/png", "$content": "not base64!"}),
        json!({"$content": {"a": 1}}),
        json!({"$formdata": "a=b"}),
        json!({"$formdata": [{"value": 1}]}),
        json!({"$multipart": {"a": 1}}),
        json!({"$multipart": [{"headers": {"X": "a\r\nInjected: 1"}, "body": "x"}]}),
    ] {
        let mut req = request("POST", &server.base);
        req.body = Some(body.clone());
        let err = client().execute(&req).await.expect_err("refused");
        assert_eq!(
            err.kind,
            hookflow_runtime::outbound::FailureKind::InvalidRequest,
            "{body}"
        );
    }
    assert!(server.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn json_answers_are_parsed() {
    let r = answer(Some("application/json; charset=utf-8"), br#"{"ok":true}"#).await;
    assert_eq!(r.body, Some(json!({"ok": true})));
    let r = answer(Some("application/problem+json"), br#"{"title":"x"}"#).await;
    assert_eq!(r.body, Some(json!({"title": "x"})));
}

#[tokio::test]
async fn unparsable_json_answers_fall_back_to_text() {
    let r = answer(Some("application/json"), b"{not json").await;
    assert_eq!(r.body, Some(json!("{not json")));
}

#[tokio::test]
async fn text_answers_are_strings() {
    let r = answer(Some("text/plain"), "héllo".as_bytes()).await;
    assert_eq!(r.body, Some(json!("héllo")));
    let r = answer(Some("text/html; charset=utf-8"), b"<p>").await;
    assert_eq!(r.body, Some(json!("<p>")));
}

#[tokio::test]
async fn other_answers_are_content_envelopes() {
    let r = answer(Some("application/pdf"), &[37, 80, 68, 70, 0, 255]).await;
    assert_eq!(
        r.body,
        Some(
            json!({"$content-type": "application/pdf", "$content": STANDARD.encode([37u8, 80, 68, 70, 0, 255])})
        )
    );
    let r = answer(Some("text/plain"), &[0xff, 0xfe]).await;
    assert_eq!(
        r.body,
        Some(json!({"$content-type": "text/plain", "$content": STANDARD.encode([0xffu8, 0xfe])}))
    );
    let r = answer(None, b"raw").await;
    assert_eq!(
        r.body,
        Some(
            json!({"$content-type": "application/octet-stream", "$content": STANDARD.encode(b"raw")})
        )
    );
}

#[tokio::test]
async fn empty_answers_have_no_body() {
    let r = answer(Some("application/json"), b"").await;
    assert_eq!(r.body, None);
    assert_eq!(
        r.to_outputs(),
        json!({"statusCode": 200, "headers": r.headers.clone()})
    );
}
