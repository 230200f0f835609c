//! The workflow definition document: serde model and validation into a checked form.
