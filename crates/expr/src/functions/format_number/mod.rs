//! formatNumber and locale-aware number parsing (isFloat, float).

use super::FunctionSpec;

pub(super) const FUNCTIONS: &[FunctionSpec] = &[];
