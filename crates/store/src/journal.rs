//! Journal entries: what the engine recorded about a run, opaque to the store. The runtime
//! serialises engine events into `kind` + `payload`, so the engine can evolve its event
//! types without a storage migration.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// One entry to append.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// The event's type name, e.g. `ActionCompleted`.
    pub kind: String,
    pub payload: Value,
    pub at: DateTime<Utc>,
}

impl JournalEntry {
    pub fn new(kind: impl Into<String>, payload: Value, at: DateTime<Utc>) -> Self {
        JournalEntry {
            kind: kind.into(),
            payload,
            at,
        }
    }
}

/// An entry as stored, with its position (0-based; a run's `position` is its entry count).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    pub position: u64,
    pub entry: JournalEntry,
}
