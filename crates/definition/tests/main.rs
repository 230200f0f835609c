//! Integration tests of definition validation: real public samples that must validate,
//! deliberately broken ones that must fail at the named places, one test per rule,
//! round-trips of the serde model, and adversarial input.

mod adversarial;
mod checked;
mod recurrence;
mod rules;
mod samples;
