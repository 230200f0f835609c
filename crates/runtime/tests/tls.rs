//! A local TLS server that requires a client certificate: the request succeeds with the
//! certificate as PFX and as PEM, and fails without it.

use crate::support::request;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hookflow_runtime::outbound::{ClientConfig, FailureKind, OutboundClient};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use serde_json::json;
use std::sync::Arc;

/// A CA, a server certificate for 127.0.0.1 and a client certificate, all from the CA.
struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key: Vec<u8>,
    client_pem: String,
    client_der: Vec<u8>,
    client_key_pem: String,
    client_key_der: Vec<u8>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "hookflow test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA");

    let server_key = KeyPair::generate().expect("key");
    let mut server_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("params");
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server = server_params
        .signed_by(&server_key, &ca, &ca_key)
        .expect("server");

    let client_key = KeyPair::generate().expect("key");
    let mut client_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    client_params
        .distinguished_name
        .push(DnType::CommonName, "hookflow client");
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = client_params
        .signed_by(&client_key, &ca, &ca_key)
        .expect("client");

    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server_der: server.der().clone(),
        server_key: server_key.serialize_der(),
        client_pem: client.pem(),
        client_der: client.der().to_vec(),
        client_key_pem: client_key.serialize_pem(),
        client_key_der: client_key.serialize_der(),
    }
}

/// Serves HTTPS on 127.0.0.1:0, refusing clients without a certificate from the CA.
/// Answers with the number of client certificates it saw.
async fn mtls_server(pki: &Pki) -> (String, tokio::task::JoinHandle<()>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca_der.clone()).expect("CA root");
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .expect("verifier");
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![pki.server_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone())),
        )
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let certs = tls.get_ref().1.peer_certificates().map_or(0, |c| c.len());
                let service = service_fn(move |_request| async move {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(axum::body::Body::from(
                        format!("client certificates: {certs}"),
                    )))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (format!("https://127.0.0.1:{port}/"), task)
}

fn client(pki: &Pki) -> OutboundClient {
    let mut config = ClientConfig::default();
    config.extra_root_certificates = vec![pki.ca_pem.clone().into_bytes()];
    OutboundClient::new(config).expect("client")
}

fn pfx(pki: &Pki, password: &str) -> String {
    let chain = PrivateKeyChain::new(
        b"client-1".to_vec(),
        PrivateKey::from_der(&pki.client_key_der).expect("key"),
        [Certificate::from_der(&pki.client_der).expect("certificate")],
    );
    let mut store = KeyStore::new();
    store.add_entry("client", KeyStoreEntry::PrivateKeyChain(chain));
    STANDARD.encode(store.writer(password).write().expect("PKCS#12"))
}

#[tokio::test]
async fn a_pfx_client_certificate_is_presented() {
    let pki = pki();
    let (url, _server) = mtls_server(&pki).await;
    let mut req = request("GET", &url);
    req.authentication =
        Some(json!({"type": "ClientCertificate", "pfx": pfx(&pki, "pw"), "password": "pw"}));
    let client = client(&pki);
    let response = client.execute(&req).await.expect("mutual TLS succeeds");
    assert_eq!(response.status_code, 200);
    assert_eq!(
        response.body,
        Some(json!({"$content-type": "application/octet-stream",
        "$content": STANDARD.encode("client certificates: 1")}))
    );
    // The cached certificate client serves the next call too.
    let again = client.execute(&req).await.expect("mutual TLS succeeds");
    assert_eq!(again.status_code, 200);
}

#[tokio::test]
async fn a_pem_client_certificate_is_presented() {
    let pki = pki();
    let (url, _server) = mtls_server(&pki).await;
    let mut req = request("GET", &url);
    req.authentication = Some(json!({"type": "ClientCertificate",
        "certificate": pki.client_pem, "privateKey": pki.client_key_pem}));
    let response = client(&pki)
        .execute(&req)
        .await
        .expect("mutual TLS succeeds");
    assert_eq!(response.status_code, 200);
}

#[tokio::test]
async fn without_a_client_certificate_the_server_refuses() {
    let pki = pki();
    let (url, _server) = mtls_server(&pki).await;
    let err = client(&pki)
        .execute(&request("GET", &url))
        .await
        .expect_err("the server requires a certificate");
    assert_eq!(err.kind, FailureKind::Tls, "{}", err.message);
}

#[tokio::test]
async fn an_untrusted_server_certificate_is_a_tls_failure() {
    let pki = pki();
    let (url, _server) = mtls_server(&pki).await;
    // No extra root: the test CA is not trusted.
    let client = OutboundClient::new(ClientConfig::default()).expect("client");
    let err = client
        .execute(&request("GET", &url))
        .await
        .expect_err("untrusted");
    assert_eq!(err.kind, FailureKind::Tls, "{}", err.message);
}

#[tokio::test]
async fn a_wrong_pfx_password_is_an_authentication_failure() {
    let pki = pki();
    let mut req = request("GET", "https://127.0.0.1:1/");
    req.authentication =
        Some(json!({"type": "ClientCertificate", "pfx": pfx(&pki, "right"), "password": "wrong"}));
    let err = client(&pki).execute(&req).await.expect_err("bad password");
    assert_eq!(err.kind, FailureKind::Authentication, "{}", err.message);
    assert!(!err.message.contains("wrong"), "{}", err.message);
}
