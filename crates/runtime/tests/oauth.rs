//! ActiveDirectoryOAuth against a token-endpoint stand-in, with a manual clock.

use crate::support::{request, Answer, Received, StandIn};
use hookflow_runtime::auth::oauth::REFRESH_MARGIN;
use hookflow_runtime::clock::ManualClock;
use hookflow_runtime::outbound::{ClientConfig, FailureKind, OutboundClient};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// A token endpoint that hands out `token-1`, `token-2`, … valid for an hour.
async fn token_endpoint() -> StandIn {
    let issued = Arc::new(AtomicUsize::new(0));
    StandIn::start(move |_| {
        let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
        Answer::new(200)
            .header("content-type", "application/json")
            .body(
                json!({"token_type": "Bearer", "expires_in": "3600", "ext_expires_in": "3600",
                   "access_token": format!("token-{n}")})
                .to_string(),
            )
    })
    .await
}

fn form(received: &Received) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&received.body)
        .into_owned()
        .collect()
}

fn oauth(authority: &str, audience: &str) -> Value {
    json!({"type": "ActiveDirectoryOAuth", "authority": format!("{authority}/"),
           "tenant": "contoso", "audience": audience, "clientId": "client-1",
           "secret": "s3cret"})
}

#[tokio::test]
async fn the_token_is_requested_once_cached_and_refreshed_before_expiry() {
    let tokens = token_endpoint().await;
    let api = StandIn::answering(Answer::new(200)).await;
    let clock = Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(1_900_000_000),
    ));
    let client =
        OutboundClient::with_clock(ClientConfig::default(), clock.clone()).expect("client");
    let mut req = request("GET", &api.base);
    req.authentication = Some(oauth(&tokens.base, "https://management.core.windows.net/"));

    client.execute(&req).await.expect("answer");
    assert_eq!(api.last().header("authorization"), Some("Bearer token-1"));
    let asked = tokens.received();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].method, "POST");
    assert_eq!(asked[0].path, "/contoso/oauth2/token");
    assert_eq!(
        asked[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        form(&asked[0]),
        vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), "client-1".to_owned()),
            ("client_secret".to_owned(), "s3cret".to_owned()),
            (
                "resource".to_owned(),
                "https://management.core.windows.net/".to_owned()
            ),
        ]
    );

    // Cached until shortly before expiry.
    clock.advance(Duration::from_secs(3600) - REFRESH_MARGIN - Duration::from_secs(1));
    client.execute(&req).await.expect("answer");
    assert_eq!(api.last().header("authorization"), Some("Bearer token-1"));
    assert_eq!(tokens.received().len(), 1);

    clock.advance(Duration::from_secs(2));
    client.execute(&req).await.expect("answer");
    assert_eq!(api.last().header("authorization"), Some("Bearer token-2"));
    assert_eq!(tokens.received().len(), 2);

    // Another audience is another token; clones of the client share the cache.
    let mut other = req.clone();
    other.authentication = Some(oauth(&tokens.base, "api://other"));
    client.clone().execute(&other).await.expect("answer");
    assert_eq!(api.last().header("authorization"), Some("Bearer token-3"));
    client.clone().execute(&req).await.expect("answer");
    assert_eq!(api.last().header("authorization"), Some("Bearer token-2"));
    assert_eq!(tokens.received().len(), 3);
}

#[tokio::test]
async fn a_default_scope_audience_uses_the_v2_endpoint() {
    let tokens = token_endpoint().await;
    let api = StandIn::answering(Answer::new(200)).await;
    let client = OutboundClient::new(ClientConfig::default()).expect("client");
    let mut req = request("GET", &api.base);
    req.authentication = Some(oauth(&tokens.base, "api://backend/.default"));
    client.execute(&req).await.expect("answer");
    let asked = tokens.last();
    assert_eq!(asked.path, "/contoso/oauth2/v2.0/token");
    assert!(form(&asked).contains(&("scope".to_owned(), "api://backend/.default".to_owned())));
    assert_eq!(api.last().header("authorization"), Some("Bearer token-1"));
}

#[tokio::test]
async fn expires_on_is_read_when_expires_in_is_absent() {
    let now = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    let issued = Arc::new(AtomicUsize::new(0));
    let tokens = StandIn::start(move |_| {
        let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
        Answer::new(200)
            .header("content-type", "application/json")
            .body(json!({"access_token": format!("t{n}"), "expires_on": "1900000900"}).to_string())
    })
    .await;
    let api = StandIn::answering(Answer::new(200)).await;
    let clock = Arc::new(ManualClock::new(now));
    let client =
        OutboundClient::with_clock(ClientConfig::default(), clock.clone()).expect("client");
    let mut req = request("GET", &api.base);
    req.authentication = Some(oauth(&tokens.base, "https://vault.azure.net"));
    client.execute(&req).await.expect("answer");
    client.execute(&req).await.expect("answer");
    assert_eq!(tokens.received().len(), 1, "15 minutes left: cached");
    clock.advance(Duration::from_secs(900) - REFRESH_MARGIN);
    client.execute(&req).await.expect("answer");
    assert_eq!(tokens.received().len(), 2);
    assert_eq!(api.last().header("authorization"), Some("Bearer t2"));
}

#[tokio::test]
async fn a_refused_token_request_is_an_authentication_failure_with_the_answer() {
    let tokens = StandIn::answering(
        Answer::new(401).header("content-type", "application/json").body(
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
        ),
    )
    .await;
    let api = StandIn::answering(Answer::new(200)).await;
    let client = OutboundClient::new(ClientConfig::default()).expect("client");
    let mut req = request("GET", &api.base);
    req.authentication = Some(oauth(&tokens.base, "https://graph.microsoft.com"));
    let err = client.execute(&req).await.expect_err("no token");
    assert_eq!(err.kind, FailureKind::Authentication);
    assert!(err.message.contains("401"), "{}", err.message);
    assert!(err.message.contains("AADSTS7000215"), "{}", err.message);
    assert!(
        err.message.contains("/contoso/oauth2/token"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("s3cret"), "{}", err.message);
    assert!(
        api.received().is_empty(),
        "the request is not sent without a token"
    );
    // Failures are not cached.
    let _ = client.execute(&req).await;
    assert_eq!(tokens.received().len(), 2);
}

#[tokio::test]
async fn an_answer_without_a_token_is_an_authentication_failure() {
    let tokens = StandIn::answering(
        Answer::new(200)
            .header("content-type", "application/json")
            .body(r#"{"no":"token"}"#),
    )
    .await;
    let client = OutboundClient::new(ClientConfig::default()).expect("client");
    let mut req = request("GET", "http://127.0.0.1:1/");
    req.authentication = Some(oauth(&tokens.base, "https://graph.microsoft.com"));
    let err = client.execute(&req).await.expect_err("no token");
    assert_eq!(err.kind, FailureKind::Authentication);
    assert!(err.message.contains("access_token"), "{}", err.message);
}

#[tokio::test]
async fn a_certificate_credential_sends_a_signed_client_assertion() {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};

    // ring cannot generate RSA keys, so the test key is a fixture (made with openssl).
    let key = rcgen::KeyPair::from_pem(include_str!("fixtures/rsa-test-key.pem")).expect("RSA key");
    let cert = rcgen::CertificateParams::new(Vec::<String>::new())
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let chain = PrivateKeyChain::new(
        b"k".to_vec(),
        PrivateKey::from_der(&key.serialize_der()).expect("key"),
        [Certificate::from_der(cert.der()).expect("certificate")],
    );
    let mut store = KeyStore::new();
    store.add_entry("c", KeyStoreEntry::PrivateKeyChain(chain));
    let pfx = STANDARD.encode(store.writer("pw").write().expect("PKCS#12"));

    let tokens = token_endpoint().await;
    let api = StandIn::answering(Answer::new(200)).await;
    let client = OutboundClient::new(ClientConfig::default()).expect("client");
    let mut req = request("GET", &api.base);
    req.authentication = Some(
        json!({"type": "ActiveDirectoryOAuth", "authority": tokens.base,
        "tenant": "contoso", "audience": "https://vault.azure.net", "clientId": "client-9",
        "credentialType": "Certificate", "pfx": pfx, "password": "pw"}),
    );
    client.execute(&req).await.expect("answer");
    assert_eq!(api.last().header("authorization"), Some("Bearer token-1"));

    let fields = form(&tokens.last());
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(field("client_id"), "client-9");
    assert_eq!(
        field("client_assertion_type"),
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert_eq!(field("resource"), "https://vault.azure.net");
    assert_eq!(field("client_secret"), "");
    let jwt = field("client_assertion");
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap_or_default())
            .unwrap_or_default()
    };
    let header = decode(parts[0]);
    let claims = decode(parts[1]);
    let thumbprint = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert.der());
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(thumbprint));
    assert_eq!(
        claims["aud"],
        format!("{}/contoso/oauth2/token", tokens.base)
    );
    assert_eq!(claims["iss"], "client-9");
    assert_eq!(claims["sub"], "client-9");
    assert!(claims["exp"].as_u64() > claims["nbf"].as_u64());
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        key.public_key_raw(),
    );
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap_or_default();
    let signed = format!("{}.{}", parts[0], parts[1]);
    assert!(
        public.verify(signed.as_bytes(), &signature).is_ok(),
        "RS256 signature verifies"
    );
}
