//! Real sockets on 127.0.0.1:0: plain HTTP, graceful shutdown with a request in flight,
//! HTTPS with a self-signed certificate, and refusal of TLS 1.1.

use crate::double::{Call, Double};
use hookflow_server::{router, serve, tls, AdminKey, AppState, ServeOptions, Settings, Shutdown};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

struct Running {
    addr: SocketAddr,
    double: Arc<Double>,
    shutdown: Shutdown,
    server: JoinHandle<std::io::Result<()>>,
}

async fn start(tls: Option<Arc<rustls::ServerConfig>>) -> Running {
    let double = Arc::new(Double::new());
    let state = AppState::new(
        double.clone(),
        AdminKey::new("k").expect("key"),
        Settings::new("http://127.0.0.1:7071".parse().expect("url")),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shutdown = Shutdown::new();
    let options = ServeOptions {
        tls,
        grace: Duration::from_secs(10),
        ..ServeOptions::default()
    };
    let server = tokio::spawn(serve(listener, router(state), options, shutdown.signal()));
    Running {
        addr,
        double,
        shutdown,
        server,
    }
}

/// One HTTP/1.1 exchange over any stream; returns the whole answer as text.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &str) -> String {
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read answer");
    String::from_utf8_lossy(&answer).into_owned()
}

const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn plain_http_serves_and_stops_on_shutdown() {
    let running = start(None).await;
    let stream = TcpStream::connect(running.addr).await.expect("connect");
    let answer = exchange(stream, HEALTHZ).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    running.shutdown.trigger();
    let result = tokio::time::timeout(Duration::from_secs(10), running.server)
        .await
        .expect("stops in time")
        .expect("no panic");
    assert!(result.is_ok());
}

#[tokio::test]
async fn shutdown_stops_accepting_but_finishes_requests_in_flight() {
    let running = start(None).await;
    let gate = Arc::new(Notify::new());
    running.double.hold_trigger_callbacks(gate.clone());
    let addr = running.addr;
    let client = tokio::spawn(async move {
        let stream = TcpStream::connect(addr).await.expect("connect");
        exchange(
            stream,
            "POST /workflows/wf/triggers/manual/paths/invoke HTTP/1.1\r\nHost: x\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n{}",
        )
        .await
    });
    let double = running.double.clone();
    wait_until("the callback to reach the backend", || {
        double
            .calls()
            .iter()
            .any(|call| matches!(call, Call::TriggerCallback(_)))
    })
    .await;

    running.shutdown.trigger();
    // The listener closes: new connections are refused.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "the listener stayed open");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !running.server.is_finished(),
        "a request is still in flight"
    );

    gate.notify_one();
    let answer = client.await.expect("client");
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    tokio::time::timeout(Duration::from_secs(10), running.server)
        .await
        .expect("stops once the request finished")
        .expect("no panic")
        .expect("serve ok");
}

struct SelfSigned {
    server: Arc<rustls::ServerConfig>,
    cert_der: rustls_pki_types::CertificateDer<'static>,
}

fn self_signed() -> SelfSigned {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("rcgen");
    let server = tls::server_config_from_pem(
        certified.cert.pem().as_bytes(),
        "cert.pem",
        certified.key_pair.serialize_pem().as_bytes(),
        "key.pem",
    )
    .expect("server config");
    SelfSigned {
        server,
        cert_der: certified.cert.der().clone(),
    }
}

fn client(
    cert: &rustls_pki_types::CertificateDer<'static>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn https_with_tls_1_3_and_1_2_succeeds() {
    let certs = self_signed();
    let running = start(Some(certs.server.clone())).await;
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        let tcp = TcpStream::connect(running.addr).await.expect("connect");
        let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
        let tls = client(&certs.cert_der, versions)
            .connect(name, tcp)
            .await
            .expect("handshake");
        let answer = exchange(tls, HEALTHZ).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    // Plain HTTP on the TLS port does not get an answer.
    let tcp = TcpStream::connect(running.addr).await.expect("connect");
    let answer = exchange(tcp, HEALTHZ).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    running.shutdown.trigger();
}

/// A ClientHello with client_version TLS 1.1 (record layer 1.0, TLS 1.0/1.1 cipher
/// suites) and the given extensions besides server_name.
fn tls_1_1_client_hello(extra: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version TLS 1.1
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // no session id
    let suites: [u16; 4] = [0xc013, 0xc014, 0x002f, 0x0035];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for suite in suites {
        body.extend_from_slice(&suite.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]); // compression: null
    let host = b"localhost";
    let mut server_name = Vec::new();
    server_name.extend_from_slice(&((host.len() + 3) as u16).to_be_bytes());
    server_name.push(0); // host_name
    server_name.extend_from_slice(&(host.len() as u16).to_be_bytes());
    server_name.extend_from_slice(host);
    let mut extensions = Vec::new();
    for (kind, data) in std::iter::once(&(0x0000, server_name)).chain(extra) {
        extensions.extend_from_slice(&kind.to_be_bytes());
        extensions.extend_from_slice(&(data.len() as u16).to_be_bytes());
        extensions.extend_from_slice(data);
    }
    body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    body.extend_from_slice(&extensions);

    let mut handshake = vec![0x01]; // client_hello
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01]; // handshake record, TLS 1.0 record layer
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

/// Sends a ClientHello and returns everything the server sent before closing.
async fn answer_to_hello(addr: SocketAddr, hello: &[u8]) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(hello).await.expect("hello");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .expect("read");
    answer
}

/// Exactly one fatal alert record (type 21, level 2) and nothing else: no ServerHello,
/// no HTTP. Returns the alert description.
fn single_fatal_alert(answer: &[u8]) -> u8 {
    assert_eq!(answer.len(), 7, "one alert record only: {answer:?}");
    assert_eq!(
        answer[0], 21,
        "an alert record, not a ServerHello: {answer:?}"
    );
    assert_eq!(&answer[3..5], &[0, 2], "{answer:?}");
    assert_eq!(answer[5], 2, "fatal: {answer:?}");
    answer[6]
}

const PROTOCOL_VERSION: u8 = 70;
const HANDSHAKE_FAILURE: u8 = 40;

#[tokio::test]
async fn tls_1_1_clients_are_refused() {
    let certs = self_signed();
    let running = start(Some(certs.server)).await;
    // signature_algorithms (rsa_pkcs1_sha256, ecdsa_secp256r1_sha256) and supported_groups
    // (x25519, secp256r1): with them the server gets as far as choosing a version.
    let sig_algs = vec![0x00, 0x04, 0x04, 0x01, 0x04, 0x03];
    let groups = vec![0x00, 0x04, 0x00, 0x1d, 0x00, 0x17];
    let modern_extensions = [(0x000d, sig_algs.clone()), (0x000a, groups.clone())];
    let alert = single_fatal_alert(
        &answer_to_hello(running.addr, &tls_1_1_client_hello(&modern_extensions)).await,
    );
    assert_eq!(alert, PROTOCOL_VERSION);

    // supported_versions offering only TLS 1.1 and 1.0.
    let only_old = [
        (0x000d, sig_algs),
        (0x000a, groups),
        (0x002b, vec![0x04, 0x03, 0x02, 0x03, 0x01]),
    ];
    let alert =
        single_fatal_alert(&answer_to_hello(running.addr, &tls_1_1_client_hello(&only_old)).await);
    assert_eq!(alert, PROTOCOL_VERSION);

    // A classic TLS 1.1 hello has no signature_algorithms (a TLS 1.2 extension); rustls
    // refuses it before the version check, with handshake_failure: refused all the same.
    let alert =
        single_fatal_alert(&answer_to_hello(running.addr, &tls_1_1_client_hello(&[])).await);
    assert!(
        [PROTOCOL_VERSION, HANDSHAKE_FAILURE].contains(&alert),
        "{alert}"
    );
    running.shutdown.trigger();
}

#[test]
fn unusable_pem_files_are_clear_errors() {
    let err = tls::server_config_from_pem(b"garbage", "cert.pem", b"garbage", "key.pem")
        .expect_err("no cert");
    assert!(err.to_string().contains("cert.pem"), "{err}");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("rcgen");
    let err = tls::server_config_from_pem(
        certified.cert.pem().as_bytes(),
        "cert.pem",
        b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "key.pem",
    )
    .expect_err("no key");
    assert!(err.to_string().contains("key.pem"), "{err}");
    let err = tls::server_config(
        std::path::Path::new("/nonexistent/cert.pem"),
        std::path::Path::new("/nonexistent/key.pem"),
    )
    .expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
}
