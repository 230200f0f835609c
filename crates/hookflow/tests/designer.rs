//! The web designer (`ui/`), tested from `cargo test`:
//!
//! - its unit tests (Vitest: form schemas, definition ↔ graph round trip of every public
//!   sample) with `npm test`;
//! - the browser end-to-end scenarios (`ui/e2e/designer.mjs`) against this binary's
//!   `serve` and `standin`, once in real headless Chromium (playwright-core over CDP,
//!   `/usr/bin/chromium` or `$CHROMIUM`) and once in real headless Firefox (playwright-core
//!   over WebDriver BiDi, Debian's `/usr/bin/firefox-esr` or `$FIREFOX`). Screenshots land
//!   in `target/ui-screenshots/` (Chromium) and `target/ui-screenshots/firefox/`.
//!
//! Node and npm are needed to build the binary at all (the UI is embedded), so they are
//! here. A browser may be missing on a developer machine: then its test says so and
//! passes; in CI (`CI` set) a missing browser or Node is a failure (`.ci/run` installs
//! both browsers).

use super::serve::{data_dir_arg, Served};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
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
             (.ci/run installs Debian's chromium and firefox-esr; Node.js and npm build the UI)"
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

/// A browser the scenarios in `ui/e2e/designer.mjs` run in.
struct Browser {
    /// `BROWSER` for designer.mjs.
    name: &'static str,
    /// The variable that overrides the executable (also passed on to designer.mjs).
    env: &'static str,
    /// Debian's executable, used when `env` is unset.
    default_path: &'static str,
    /// Where its screenshots go, under `target/`.
    screenshots: &'static str,
}

const CHROMIUM: Browser = Browser {
    name: "chromium",
    env: "CHROMIUM",
    default_path: "/usr/bin/chromium",
    screenshots: "ui-screenshots",
};

const FIREFOX: Browser = Browser {
    name: "firefox",
    env: "FIREFOX",
    default_path: "/usr/bin/firefox-esr",
    screenshots: "ui-screenshots/firefox",
};

/// Runs the designer's browser scenarios in `browser` against a fresh `serve` and
/// `standin`; skipped (outside CI) when node or the browser is missing.
fn designer_works_in(browser: &Browser) {
    // One browser at a time: both at once on a small CI machine make the scenarios'
    // timeouts the thing under test. (A panic in one must not poison the other.)
    static ONE_BROWSER: Mutex<()> = Mutex::new(());
    let _turn = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let executable = std::env::var(browser.env)
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| browser.default_path.into());
    let what = format!("designer browser test ({})", browser.name);
    if !available("node", &what) || !available(&executable, &what) {
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

    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(browser.screenshots);
    let mut node = Command::new("node");
    node.arg("e2e/designer.mjs")
        .current_dir(ui_dir())
        .env("HOOKFLOW_URL", format!("http://{}", served.addr))
        .env("HOOKFLOW_ADMIN_KEY", KEY)
        .env("STANDIN_URL", &standin.url)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("BROWSER", browser.name)
        .env(browser.env, &executable);
    let passed = run_forwarding(node, Duration::from_secs(600));
    assert!(
        passed,
        "the designer's browser scenarios failed in {} (output above; screenshots in {}); \
         hookflow's log:\n{}",
        browser.name,
        screenshots.display(),
        served.stderr()
    );
}

#[test]
fn designer_works_in_chromium() {
    designer_works_in(&CHROMIUM);
}

#[test]
fn designer_works_in_firefox() {
    designer_works_in(&FIREFOX);
}
