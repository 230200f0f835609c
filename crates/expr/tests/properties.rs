//! Property tests: no input makes the parser or the evaluator panic, and parsing is
//! deterministic. Errors are fine; panics and hangs are not.

use hookflow_expr::{StaticContext, Template};
use proptest::prelude::*;

fn context() -> StaticContext {
    StaticContext::from_json(&serde_json::json!({
        "parameters": {"p": {"a": [1, 2, {"b": null}]}},
        "variables": {"n": 1, "s": "text", "list": [3, 1, 2]},
        "trigger": {"outputs": {"body": {"name": "x", "items": [1, "2", 3.5]}}},
        "actions": {"A": {"outputs": {"body": {"k": "v"}}}},
        "item": 5,
        "now": "2024-02-29T12:00:00Z"
    }))
    .expect("valid context")
}

/// Fragments that make up plausible and implausible expressions alike.
fn token() -> impl Strategy<Value = String> {
    let names: Vec<String> = hookflow_expr::all_functions()
        .map(|f| f.name.to_string())
        .collect();
    prop_oneof![
        proptest::sample::select(names),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(",".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(".".to_string()),
        Just("?".to_string()),
        Just("'".to_string()),
        Just("@".to_string()),
        Just("@{".to_string()),
        Just("}".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "'[a-zA-Z0-9 ,.:/-]{0,12}'",
        "[a-z]{1,6}",
        Just("variables('list')".to_string()),
        Just("triggerBody()".to_string()),
        Just("parameters('p')".to_string()),
    ]
}

fn expression_like() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..24).prop_map(|tokens| format!("@{}", tokens.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,64}") {
        if let Ok(template) = Template::parse(&text) {
            let _ = template.evaluate(&context());
        }
    }

    #[test]
    fn expression_like_input_never_panics(text in expression_like()) {
        let parsed = Template::parse(&text);
        prop_assert_eq!(&parsed, &Template::parse(&text), "parsing is deterministic");
        if let Ok(template) = parsed {
            let _ = template.evaluate(&context());
        }
    }

    #[test]
    fn error_spans_lie_inside_the_value(text in expression_like()) {
        if let Err(e) = Template::parse(&text) {
            prop_assert!(e.span.start <= text.len() && e.span.end <= text.len(),
                "span {:?} outside {} bytes", e.span, text.len());
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Within the 8,192-character limit, so the depth guard (not the length) refuses them.
    let deep = format!("@{}1{}", "if(true,".repeat(600), ",1)".repeat(600));
    let err = Template::parse(&deep).expect_err("too deep");
    assert!(err.to_string().contains("nests deeper"), "{err}");
    let brackets = format!("@{}1{}", "[".repeat(4000), "]".repeat(4000));
    let err = Template::parse(&brackets).expect_err("too deep");
    assert!(err.to_string().contains("nests deeper"), "{err}");
}
