//! Runs every table in `tests/golden/`. A table is
//! `{"context": {…StaticContext…}, "cases": [{"expr": "@…", "result": …} | {"expr", "error": "substring"} | {"expr", "message": "exact text"}]}`.
//! Results compare as JSON, so `2` and `2.0` differ, as integer and float results must.

use hookflow_expr::{evaluate_str, StaticContext};
use serde_json::Value;
use std::path::Path;

fn run_table(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("golden table readable");
    let table: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    let context = table
        .get("context")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    let ctx = StaticContext::from_json(&context)
        .unwrap_or_else(|e| panic!("{}: bad context: {e}", path.display()));
    let cases = table["cases"].as_array().expect("cases array");
    let mut failures = Vec::new();
    for case in cases {
        let expr = case["expr"].as_str().expect("expr string");
        let outcome = evaluate_str(expr, &ctx);
        let failure = match (
            case.get("result"),
            case.get("error"),
            case.get("message"),
            &outcome,
        ) {
            (Some(expected), None, None, Ok(actual)) if actual == expected => None,
            (Some(expected), None, None, _) => {
                Some(format!("expected {expected}, got {outcome:?}"))
            }
            (None, Some(needle), None, Err(e)) => {
                let needle = needle.as_str().unwrap_or_default();
                let text = e.to_string();
                (!text.to_lowercase().contains(&needle.to_lowercase()))
                    .then(|| format!("expected an error containing {needle:?}, got {text:?}"))
            }
            (None, None, Some(message), Err(e)) => (e.to_string()
                != message.as_str().unwrap_or_default())
            .then(|| format!("expected the error {message}, got {:?}", e.to_string())),
            (None, _, _, Ok(actual)) => Some(format!("expected an error, got {actual}")),
            _ => Some("a case needs exactly one of result, error, message".to_string()),
        };
        if let Some(failure) = failure {
            failures.push(format!("{}: {expr}: {failure}", path.display()));
        }
    }
    failures
}

#[test]
fn golden_tables() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no golden tables found");
    let failures: Vec<String> = paths.iter().flat_map(|p| run_table(p)).collect();
    assert!(
        failures.is_empty(),
        "{} golden case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
