//! Any bytes, as a JSON string value: parsing and evaluating must never panic.
#![no_main]

use hookflow_expr::{StaticContext, Template};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(template) = Template::parse(text) {
        let ctx = StaticContext::from_json(&serde_json::json!({
            "variables": {"n": 1, "list": [1, 2, 3]},
            "trigger": {"outputs": {"body": {"name": "x"}}},
            "now": "2024-01-01T00:00:00Z"
        }))
        .unwrap_or_default();
        let _ = template.evaluate(&ctx);
    }
});
