//! Builds the designer (`ui/`, TypeScript + Vite) into `OUT_DIR` and generates the table
//! of embedded files, so `cargo build` alone produces a binary with the UI inside.
//!
//! `npm ci` runs when `ui/node_modules` is missing or `package-lock.json` changed since the
//! last install; `npm run build` runs whenever a UI source file changed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let ui = manifest.join("../../ui");
    let ui = ui.canonicalize().unwrap_or(ui);
    for input in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
        "public",
    ] {
        // A path that does not exist would make cargo rerun this script on every build.
        let path = ui.join(input);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-env-changed=HOOKFLOW_NPM");

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let dist = out.join("dist");
    let npm = std::env::var("HOOKFLOW_NPM").unwrap_or_else(|_| "npm".to_string());

    if Command::new(&npm).arg("--version").output().is_err() {
        fail(&format!(
            "`{npm}` was not found. Building hookflow embeds the web designer (ui/), which \
             needs Node.js 18+ and npm on PATH (or HOOKFLOW_NPM=/path/to/npm). Install them, \
             e.g. `apt-get install nodejs npm`, and build again."
        ));
    }

    if needs_install(&ui) {
        run(
            Command::new(&npm)
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&ui),
            "npm ci",
        );
        let lock = std::fs::read(ui.join("package-lock.json")).unwrap_or_default();
        let _ = std::fs::write(ui.join("node_modules/.hookflow-lock"), lock);
    }
    run(
        Command::new(&npm)
            .args(["run", "build", "--", "--outDir"])
            .arg(&dist)
            .arg("--emptyOutDir")
            .current_dir(&ui),
        "npm run build",
    );

    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let mut table = String::from("pub(crate) static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        let _ = writeln!(
            table,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    table.push_str("];\n");
    std::fs::write(out.join("assets.rs"), table).expect("write assets.rs");
}

/// `node_modules` is missing, or was installed from another lock file.
fn needs_install(ui: &Path) -> bool {
    let stamp = std::fs::read(ui.join("node_modules/.hookflow-lock"));
    let lock = std::fs::read(ui.join("package-lock.json"));
    match (stamp, lock) {
        (Ok(stamp), Ok(lock)) => stamp != lock,
        _ => true,
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        fail(&format!("the UI build wrote nothing to {}", dir.display()));
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path));
        }
    }
}

fn run(command: &mut Command, what: &str) {
    match command.status() {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!(
            "`{what}` in ui/ failed ({status}); see the output above"
        )),
        Err(e) => fail(&format!("`{what}` could not start: {e}")),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: hookflow-ui: {message}");
    panic!("hookflow-ui: {message}");
}
