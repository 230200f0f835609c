//! Integration tests of the expression language: golden tables per function category
//! (`tests/golden/*.json`), error messages with positions, and property tests.

mod catalogue;
mod golden;
mod properties;
