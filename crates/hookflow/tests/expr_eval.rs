use std::io::Write;
use std::process::{Command, Output};

fn hookflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookflow"))
        .args(args)
        .output()
        .expect("the hookflow binary runs")
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "expected success, stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn context_file(json: serde_json::Value) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    write!(file, "{json}").expect("write context");
    file
}

#[test]
fn evaluates_values_as_a_definition_would() {
    assert_eq!(
        stdout_json(&hookflow(&["expr", "eval", "@if(true, 1, 2)"])),
        1
    );
    assert_eq!(
        stdout_json(&hookflow(&["expr", "eval", "@@literal"])),
        "@literal"
    );
    assert_eq!(stdout_json(&hookflow(&["expr", "eval", "plain"])), "plain");
}

#[test]
fn reads_every_context_key() {
    let ctx = context_file(serde_json::json!({
        "parameters": {"p": 1},
        "variables": {"x": "Ada"},
        "trigger": {"outputs": {"body": {"name": "Grace"}}},
        "actions": {"A": {"outputs": {"body": [1, 2]}, "status": "Succeeded"}},
        "item": {"id": 3},
        "workflow": {"name": "wf"},
        "now": "2024-01-01T00:00:00Z"
    }));
    let path = ctx.path().to_str().expect("utf-8 path");
    let eval = |value: &str| stdout_json(&hookflow(&["expr", "eval", value, "--context", path]));
    assert_eq!(eval("Hi @{variables('x')}"), "Hi Ada");
    assert_eq!(eval("@parameters('p')"), 1);
    assert_eq!(eval("@triggerBody()?['name']"), "Grace");
    assert_eq!(eval("@body('A')"), serde_json::json!([1, 2]));
    assert_eq!(eval("@actions('A').status"), "Succeeded");
    assert_eq!(eval("@item().id"), 3);
    assert_eq!(eval("@workflow().name"), "wf");
}

#[test]
fn errors_exit_1_with_the_position() {
    let output = hookflow(&["expr", "eval", "Hi @{if(1, 2, 3)}"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("function 'if', argument 1"), "{stderr}");
    assert!(stderr.contains("(at position 9)"), "{stderr}");
    assert!(
        stderr.contains("\n          ^"),
        "caret under the argument: {stderr}"
    );
}

#[test]
fn a_bad_context_file_is_a_clear_error() {
    let not_json = context_file(serde_json::json!("x"));
    std::fs::write(not_json.path(), "{not json").expect("write");
    let path = not_json.path().to_str().expect("utf-8 path");
    let output = hookflow(&["expr", "eval", "@null", "--context", path]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not valid JSON"));

    let wrong_shape = context_file(serde_json::json!({"variables": [1]}));
    let path = wrong_shape.path().to_str().expect("utf-8 path");
    let output = hookflow(&["expr", "eval", "@null", "--context", path]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("'variables' must be an object"));
}
