//! `tests/samples/valid/*.json` must validate (and round-trip through the serde model);
//! `tests/samples/invalid/*.json` must fail with at least the errors listed in the
//! sidecar `*.expected.json`.

use hookflow_definition::{validate_document, ErrorCode};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn sample_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples")
        .join(kind)
}

fn json_files(kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sample_dir(kind))
        .expect("samples folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".expected.json")
        })
        .collect();
    files.sort();
    files
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable sample");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[test]
fn valid_samples_validate() {
    let files = json_files("valid");
    assert!(
        files.len() >= 10,
        "expected at least 10 valid samples, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        if let Err(errors) = validate_document(&read_json(path)) {
            let listed: Vec<String> = errors
                .iter()
                .map(|e| format!("  {e} [{}]", e.code))
                .collect();
            failures.push(format!("{}:\n{}", path.display(), listed.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "valid samples rejected:\n{}",
        failures.join("\n")
    );
}

#[test]
fn invalid_samples_report_every_expected_error() {
    let files = json_files("invalid");
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for path in &files {
        let expected_path = path.with_extension("expected.json");
        let expected = read_json(&expected_path);
        let errors = match validate_document(&read_json(path)) {
            Ok(_) => {
                failures.push(format!("{} validated but should not", path.display()));
                continue;
            }
            Err(errors) => errors,
        };
        for want in expected["errors"].as_array().expect("errors array") {
            let pointer = want["pointer"].as_str().expect("pointer");
            let code = want["code"].as_str().expect("code");
            assert!(
                ErrorCode::parse(code).is_some(),
                "{}: unknown code {code}",
                expected_path.display()
            );
            let found = errors
                .iter()
                .any(|e| e.pointer == pointer && e.code.as_str() == code);
            if !found {
                let got: Vec<String> = errors
                    .iter()
                    .map(|e| format!("  {e} [{}]", e.code))
                    .collect();
                failures.push(format!(
                    "{}: missing {code} at {pointer}; got:\n{}",
                    path.display(),
                    got.join("\n")
                ));
            }
            if let Some(action) = want.get("action").and_then(Value::as_str) {
                let named = errors
                    .iter()
                    .any(|e| e.pointer == pointer && e.action.as_deref() == Some(action));
                if !named {
                    failures.push(format!(
                        "{}: error at {pointer} does not name action '{action}'",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Parse → serialise gives the same JSON, key order included, for every valid sample.
#[test]
fn valid_samples_round_trip_through_the_model() {
    for path in json_files("valid") {
        let doc = read_json(&path);
        let definition = doc
            .pointer("/properties/definition")
            .or_else(|| doc.get("definition"))
            .unwrap_or(&doc);
        let model: hookflow_definition::model::Ordered<hookflow_definition::model::Definition> =
            serde_json::from_value(definition.clone())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let written = serde_json::to_string_pretty(&model).expect("serialises");
        let original = serde_json::to_string_pretty(definition).expect("serialises");
        assert_eq!(written, original, "{} does not round-trip", path.display());
    }
}

#[test]
fn errors_come_in_document_order() {
    for path in json_files("invalid") {
        let doc = read_json(&path);
        let Err(errors) = validate_document(&doc) else {
            continue;
        };
        let mut sorted = errors.clone();
        sorted.sort_by_key(|e| position(&doc, &e.pointer));
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        let expected: Vec<&str> = sorted.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, expected, "{}", path.display());
    }
}

fn position(doc: &Value, pointer: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut current = Some(doc);
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let (i, next) = match current {
            Some(Value::Object(m)) => match m.keys().position(|k| *k == token) {
                Some(i) => (i, m.get(&token)),
                None => (usize::MAX, None),
            },
            Some(Value::Array(a)) => match token.parse::<usize>() {
                Ok(i) if i < a.len() => (i, a.get(i)),
                _ => (usize::MAX, None),
            },
            _ => (usize::MAX, None),
        };
        out.push(i);
        current = next;
    }
    out
}
