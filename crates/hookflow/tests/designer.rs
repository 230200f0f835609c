//! The web designer (`ui/`), tested from `cargo test`:
//!
//! - its unit tests (Vitest: form schemas, definition ↔ graph round trip of every public
//!   sample) with `npm test`;
//! - the browser end-to-end scenarios (`ui/e2e/designer.mjs`) in real headless Chromium
//!   (playwright-core driving `/usr/bin/chromium`, or `$CHROMIUM`) against this binary's
//!   `serve` and `standin`. Screenshots land in `target/ui-screenshots/`.
//!
//! Node and npm are needed to build the binary at all (the UI is embedded), so they are
//! here. Chromium may be missing on a developer machine: then the browser test says so and
//! passes; in CI (`CI` set) a missing Chromium or Node is a failure (`.ci/run` installs it).

use super::serve::{data_dir_arg, Served};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "designer-admin-key";

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui")
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether `program --version` runs; when it does not, fails in CI and otherwise prints
/// why the test is skipped.
fn available(program: &str, what: &str) -> bool {
    let ok = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !in_ci(),
            "{what}: `{program}` is not available, and CI must run this test \
             (.ci/run installs Debian's chromium; Node.js and npm build the UI)"
        );
        eprintln!("SKIPPED {what}: `{program}` is not available on this machine");
    }
    ok
}

/// Runs `command` to completion within `limit`, forwarding its output; true on exit 0.
fn run_forwarding(mut command: Command, limit: Duration) -> bool {
    let mut child = command
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the command starts");
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status.success();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn designer_unit_tests_pass() {
    if !available("npm", "designer unit tests") {
        return;
    }
    let mut npm = Command::new("npm");
    npm.args(["test", "--silent"]).current_dir(ui_dir());
    assert!(
        run_forwarding(npm, Duration::from_secs(300)),
        "`npm test` in ui/ failed (output above)"
    );
}

/// `hookflow standin` on a free port; stopped on drop.
struct Standin {
    child: Child,
    url: String,
}

impl Standin {
    fn start() -> Standin {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hookflow"))
            .args(["standin", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("standin starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        let mut lines = BufReader::new(stdout);
        lines.read_line(&mut first).expect("standin prints");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.lines().map_while(Result::ok) {});
        let url = first
            .trim()
            .strip_prefix("stand-in listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_string();
        Standin { child, url }
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn designer_works_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !available("node", "designer browser test") || !available(&chromium, "designer browser test")
    {
        return;
    }
    let standin = Standin::start();
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = data_dir_arg(&tmp.path().join("data"));
    let served = Served::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &dir,
            "--admin-key",
            KEY,
        ],
        &[],
    );
    let (status, page) = served.get("/", None);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<div id=\"root\">"), "{page}");

    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ui-screenshots");
    let mut node = Command::new("node");
    node.arg("e2e/designer.mjs")
        .current_dir(ui_dir())
        .env("HOOKFLOW_URL", format!("http://{}", served.addr))
        .env("HOOKFLOW_ADMIN_KEY", KEY)
        .env("STANDIN_URL", &standin.url)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("CHROMIUM", &chromium);
    let passed = run_forwarding(node, Duration::from_secs(600));
    assert!(
        passed,
        "the designer's browser scenarios failed (output above; screenshots in {}); \
         hookflow's log:\n{}",
        screenshots.display(),
        served.stderr()
    );
}
