//! `hookflow expr eval`: evaluates a value as a definition would, against a context file.

use chrono::{DateTime, Utc};
use hookflow_expr::{EvalContext, StaticContext, Template};
use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;

/// The context file's contents plus the real environment for what it does not fix:
/// the clock when `now` is absent, fresh GUIDs and random numbers.
struct CliContext(StaticContext);

impl EvalContext for CliContext {
    fn parameter(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.0.parameter(name)
    }
    fn variable(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.0.variable(name)
    }
    fn trigger(&self) -> Option<Cow<'_, Value>> {
        self.0.trigger()
    }
    fn action(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.0.action(name)
    }
    fn current_action(&self) -> Option<Cow<'_, Value>> {
        self.0.current_action()
    }
    fn result(&self, scope: &str) -> Option<Cow<'_, Value>> {
        self.0.result(scope)
    }
    fn item(&self) -> Option<Cow<'_, Value>> {
        self.0.item()
    }
    fn items(&self, loop_name: &str) -> Option<Cow<'_, Value>> {
        self.0.items(loop_name)
    }
    fn iteration_index(&self, loop_name: &str) -> Option<i64> {
        self.0.iteration_index(loop_name)
    }
    fn workflow(&self) -> Option<Cow<'_, Value>> {
        self.0.workflow()
    }
    fn callback_url(&self) -> Option<String> {
        self.0.callback_url()
    }
    fn now(&self) -> Option<DateTime<Utc>> {
        Some(self.0.now().unwrap_or_else(Utc::now))
    }
    fn new_guid(&self) -> Option<uuid::Uuid> {
        Some(uuid::Uuid::new_v4())
    }
    fn random_int(&self, min: i64, max: i64) -> Option<i64> {
        // A v4 UUID carries 122 random bits; the modulo bias over an i64 range is negligible.
        let span = u128::try_from(max.checked_sub(min)?)
            .ok()
            .filter(|s| *s > 0)?;
        let offset = uuid::Uuid::new_v4().as_u128() % span;
        min.checked_add(i64::try_from(offset).ok()?)
    }
}

pub fn eval(value: &str, context: Option<&Path>) -> Result<(), String> {
    let ctx = match context {
        Some(path) => StaticContext::from_json(&super::read_json(path)?)
            .map_err(|e| format!("error: {}: {e}", path.display()))?,
        None => StaticContext::default(),
    };
    let result = Template::parse(value)
        .and_then(|template| template.evaluate(&CliContext(ctx)))
        .map_err(|e| format!("error: {e}\n{}", point_at(value, e.span.start)))?;
    let text = serde_json::to_string_pretty(&result)
        .map_err(|e| format!("error: cannot print the result: {e}"))?;
    println!("{text}");
    Ok(())
}

/// The value with a caret under the byte offset `at`, so the position is seen, not counted.
fn point_at(value: &str, at: usize) -> String {
    let line = value.replace(['\n', '\r', '\t'], " ");
    let column = value.char_indices().take_while(|(i, _)| *i < at).count();
    format!("  {line}\n  {}^", " ".repeat(column))
}
