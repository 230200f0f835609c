//! JSON manipulation functions. `coalesce` is evaluated lazily by the evaluator.

use super::{FunctionSpec, Special};

pub(super) const FUNCTIONS: &[FunctionSpec] = &[FunctionSpec::special(
    "coalesce",
    1,
    None,
    Special::Coalesce,
)];
