//! The workflow definition document: its serde model and its validation into a checked
//! form that the engine executes.
//!
//! This crate owns: reading the three document shapes (bare definition, `workflow.json`,
//! resource) ([`document`]), the model ([`model`]), validation that reports *every*
//! problem with its JSON pointer ([`validate_document`]), ISO 8601 durations
//! ([`duration`]), the checked form with pre-parsed expressions ([`checked`]) and the
//! times a Recurrence denotes ([`recurrence`]).
//!
//! It depends only on the expression crate (for parsing) and serde. It must not depend on
//! the engine, storage, HTTP or any runtime: validating a definition is pure.

pub mod checked;
pub mod document;
pub mod duration;
mod error;
pub mod model;
pub mod recurrence;
mod secured;
mod validate;

pub use checked::{
    ActionId, ActionName, ActionTree, BranchKey, CheckedAction, CheckedDefinition,
    CheckedParameter, CheckedTrigger, RunAfterEdge, ValueTemplate,
};
pub use document::DocumentShape;
pub use error::{ErrorCode, ValidationError};
pub use secured::Secured;

use serde_json::Value;

/// Validates a definition document (bare, `workflow.json` or resource shape) and returns
/// its checked form, or every problem found, sorted in document order.
pub fn validate_document(doc: &Value) -> Result<CheckedDefinition, Vec<ValidationError>> {
    let (shape, located) = document::locate(doc);
    let mut validator = validate::Validator::default();
    validator.run(&located);
    if !validator.errors.is_empty() {
        let errors = std::mem::take(&mut validator.errors).into_vec();
        return Err(validate::sort_in_document_order(doc, errors));
    }
    checked::build(shape, &located).map_err(|e| vec![e])
}

/// Parses a file's text and validates it; text that is not JSON gives one
/// [`ErrorCode::InvalidJson`] error with the line and column.
pub fn validate_text(text: &str) -> Result<CheckedDefinition, Vec<ValidationError>> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        vec![ValidationError {
            pointer: String::new(),
            action: None,
            code: ErrorCode::InvalidJson,
            message: format!("the file is not valid JSON: {e}"),
        }]
    })?;
    validate_document(&doc)
}
