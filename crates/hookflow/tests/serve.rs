//! `hookflow serve` as a real process: start-up output, health, admin key persistence,
//! configuration precedence, TLS, and clean exit on SIGTERM/SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ENV_TWINS: &[&str] = &[
    "HOOKFLOW_CONFIG",
    "HOOKFLOW_LISTEN",
    "HOOKFLOW_DATA_DIR",
    "HOOKFLOW_PUBLIC_URL",
    "HOOKFLOW_DATABASE",
    "HOOKFLOW_ADMIN_KEY",
    "HOOKFLOW_TLS_CERT",
    "HOOKFLOW_TLS_KEY",
    "HOOKFLOW_MAX_BODY_SIZE",
    "HOOKFLOW_RUN_DURATION_LIMIT",
    "HOOKFLOW_RESPONSE_TIMEOUT",
    "HOOKFLOW_LEASE_DURATION",
    "HOOKFLOW_IN_FLIGHT_GRACE",
];

pub(crate) struct Served {
    child: Child,
    pub(crate) addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    pub(crate) fn start(args: &[&str], envs: &[(&str, &str)]) -> Served {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hookflow"));
        command.arg("serve").args(args);
        for name in ENV_TWINS {
            command.env_remove(name);
        }
        command.envs(envs.iter().copied()).env("RUST_LOG", "info");
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hookflow starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines_rx) = mpsc::channel();
        let pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().expect("lock").push_str(&format!("{line}\n"));
                let _ = lines_tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        // The banner starts with "listening on" and ends with the admin key line.
        let mut addr = None;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some((_, rest)) = line.split_once("listening on ") {
                        let hostport = rest.split("://").nth(1).expect("scheme");
                        addr = Some(hostport.trim().parse::<SocketAddr>().expect("address"));
                    }
                    if line.contains("admin key:") {
                        break addr.expect("listening line first");
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "no 'listening on' line; stderr:\n{}",
                        stderr.lock().expect("lock")
                    );
                }
            }
        };
        Served {
            child,
            addr,
            stderr,
        }
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    pub(crate) fn get(&self, path: &str, key: Option<&str>) -> (u16, String) {
        self.request("GET", path, key, "")
    }

    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        let stream = TcpStream::connect(self.addr).expect("connect");
        let auth = key
            .map(|k| format!("Authorization: Bearer {k}\r\n"))
            .unwrap_or_default();
        exchange(
            stream,
            &format!(
                "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    }

    /// SIGKILL (`Child::kill` on Unix): no shutdown path runs at all.
    pub(crate) fn kill(mut self) -> ExitStatus {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait")
    }

    /// Sends the signal with kill(1) and waits for the exit.
    pub(crate) fn stop_with(mut self, signal: &str) -> (ExitStatus, String) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader thread drain the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return (status, self.stderr());
            }
            assert!(Instant::now() < deadline, "did not stop after {signal}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn exchange(mut stream: impl Read + Write, request: &str) -> (u16, String) {
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

pub(crate) fn data_dir_arg(dir: &Path) -> String {
    dir.to_str().expect("utf-8 path").to_string()
}

#[test]
fn serve_answers_and_generates_a_persistent_admin_key() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("nested").join("data");
    let dir = data_dir_arg(&data);
    let served = Served::start(&["--listen", "127.0.0.1:0", "--data-dir", &dir], &[]);
    let (status, body) = served.get("/healthz", None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Healthy\""), "{body}");

    let key_file = data.join("admin-key");
    let key = std::fs::read_to_string(&key_file)
        .expect("key stored")
        .trim()
        .to_string();
    assert_eq!(key.len(), 43, "32 random bytes, base64url");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = served.stderr();
    assert!(out.contains(&key), "the generated key is printed: {out}");
    assert!(out.contains("UI:"), "{out}");
    assert!(out.contains("sqlite://"), "{out}");

    assert_eq!(served.get("/api/workflows", None).0, 401);
    assert_eq!(served.get("/api/workflows", Some("wrong")).0, 401);
    let (status, body) = served.get("/api/workflows", Some(&key));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"value\""), "{body}");
    assert!(out.contains("(opened)"), "{out}");
    let (status, body) = served.get("/api/openapi.json", None);
    assert_eq!(status, 200);
    assert!(body.contains("\"openapi\""));
    let (status, body) = served.get("/metrics", None);
    assert_eq!(status, 200);
    assert!(body.contains("hookflow_http_requests_total"), "{body}");

    let (exit, out) = served.stop_with("TERM");
    assert_eq!(exit.code(), Some(0), "{out}");
    assert!(out.contains("hookflow stopped"), "{out}");

    // A second start reuses the stored key and does not print it.
    let again = Served::start(&["--listen", "127.0.0.1:0", "--data-dir", &dir], &[]);
    let out = again.stderr();
    assert!(!out.contains(&key), "{out}");
    assert!(out.contains("stored in"), "{out}");
    assert_eq!(again.get("/api/workflows", Some(&key)).0, 200);
    let (exit, _) = again.stop_with("INT");
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn env_twins_sit_over_the_file_and_flags_over_env() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(tmp.path());
    std::fs::write(
        tmp.path().join("hookflow.toml"),
        "admin_key = \"from-file\"\nmax_body_size = \"16B\"\n",
    )
    .expect("write");

    // Only environment and file: listen and data dir from the environment.
    let served = Served::start(
        &[],
        &[
            ("HOOKFLOW_LISTEN", "127.0.0.1:0"),
            ("HOOKFLOW_DATA_DIR", &dir),
        ],
    );
    assert_eq!(served.get("/api/workflows", Some("from-file")).0, 200);
    let (status, body) = served.request(
        "POST",
        "/workflows/wf/triggers/manual/paths/invoke",
        None,
        &"x".repeat(32),
    );
    assert_eq!(status, 413, "the file's max_body_size applies: {body}");
    assert!(served.stderr().contains("hookflow.toml"));
    assert!(
        !tmp.path().join("admin-key").exists(),
        "a configured key is not stored"
    );
    drop(served);

    let env = [
        ("HOOKFLOW_LISTEN", "127.0.0.1:0"),
        ("HOOKFLOW_DATA_DIR", dir.as_str()),
        ("HOOKFLOW_ADMIN_KEY", "from-env"),
    ];
    let served = Served::start(&[], &env);
    assert_eq!(served.get("/api/workflows", Some("from-env")).0, 200);
    assert_eq!(served.get("/api/workflows", Some("from-file")).0, 401);
    drop(served);

    let served = Served::start(&["--admin-key", "from-flag"], &env);
    assert_eq!(served.get("/api/workflows", Some("from-flag")).0, 200);
    assert_eq!(served.get("/api/workflows", Some("from-env")).0, 401);
}

#[test]
fn bad_configuration_exits_1_with_a_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let output = Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "mysql://x",
        ])
        .arg("--data-dir")
        .arg(tmp.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sqlite://PATH"), "{stderr}");
}

#[test]
fn unreachable_postgres_is_reported_clearly() {
    let tmp = tempfile::tempdir().expect("tmp");
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let output = Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--database", "postgres://user:secret@127.0.0.1:1/hookflow"])
        .arg("--data-dir")
        .arg(tmp.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the store postgres://user:***@127.0.0.1:1/hookflow"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("secret"),
        "the password is not echoed: {stderr}"
    );
}

#[test]
fn tls_flags_serve_https() {
    let tmp = tempfile::tempdir().expect("tmp");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("rcgen");
    let cert = tmp.path().join("cert.pem");
    let key = tmp.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("cert");
    std::fs::write(&key, certified.key_pair.serialize_pem()).expect("key");
    let dir = data_dir_arg(&tmp.path().join("data"));
    let served = Served::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &dir,
            "--tls-cert",
            cert.to_str().expect("utf-8"),
            "--tls-key",
            key.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert!(served.stderr().contains("listening on https://"));
    assert!(served.stderr().contains("public URL: https://127.0.0.1:"));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let connection =
        rustls::ClientConnection::new(Arc::new(config), name).expect("client connection");
    let tcp = TcpStream::connect(served.addr).expect("connect");
    let tls = rustls::StreamOwned::new(connection, tcp);
    let (status, body) = exchange(
        tls,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{body}");
    let (exit, _) = served.stop_with("TERM");
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn a_data_directory_is_served_by_one_process_at_a_time() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(tmp.path());
    let first = Served::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &dir,
            "--admin-key",
            "k",
        ],
        &[],
    );
    let output = Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", &dir])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("in use by another hookflow process"),
        "{stderr}"
    );
    let (status, _) = first.get("/healthz", None);
    assert_eq!(status, 200, "the first process serves on");
}
