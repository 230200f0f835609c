//! The store crate's tests: the conformance suite on `MemoryStore`, and the ids.

mod id;
mod memory;
