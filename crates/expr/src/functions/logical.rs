//! Logical comparison functions. `if`, `and` and `or` are evaluated lazily by the
//! evaluator (only the branch or operands needed are evaluated).

use super::{FunctionSpec, Special};

pub(super) const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec::special("if", 3, Some(3), Special::If),
    FunctionSpec::special("and", 1, None, Special::And),
    FunctionSpec::special("or", 1, None, Special::Or),
];
