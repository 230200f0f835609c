use std::process::{Command, Output};

fn validate(path: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .arg("validate")
        .arg(path)
        .output()
        .expect("the hookflow binary runs")
}

fn write(json: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), json).expect("write definition");
    file
}

#[test]
fn a_valid_definition_in_each_document_shape_prints_valid() {
    let definition = r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Reply": {"type": "Response", "inputs": {"statusCode": 200, "body": "@triggerBody()"}}}}"#;
    for doc in [
        definition.to_string(),
        format!(r#"{{"definition": {definition}, "kind": "Stateful"}}"#),
        format!(r#"{{"properties": {{"definition": {definition}}}}}"#),
    ] {
        let file = write(&doc);
        let output = validate(file.path());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(String::from_utf8_lossy(&output.stdout), "valid\n");
    }
}

#[test]
fn every_error_is_printed_with_its_pointer_and_exit_1() {
    let file = write(
        r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {
              "A": {"type": "Compose", "inputs": "@nosuch()"},
              "B": {"type": "Nope"},
              "C": {"type": "Compose", "inputs": 1, "runAfter": {"Missing": ["Succeeded"]}}
            }}"#,
    );
    let output = validate(file.path());
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("/actions/A/inputs"), "{stdout}");
    assert!(stdout.contains("/actions/B/type"), "{stdout}");
    assert!(stdout.contains("/actions/C/runAfter"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("3 error(s)"));
}

#[test]
fn a_file_that_is_not_json_is_a_clear_error() {
    let file = write("{\"triggers\": ");
    let output = validate(file.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not valid JSON"), "{stderr}");
    assert!(stderr.contains("line 1"), "{stderr}");
}

#[test]
fn every_shipped_example_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let output = validate(&path);
            assert!(
                output.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&output.stdout)
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "expected the shipped examples, found {checked}"
    );
}
