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
    /// The event as JSON text. Text, not a `Value`: the runtime serialises an event
    /// straight to it, the stores keep it as it is and the runtime parses it straight
    /// back, with no tree of values built in between.
    pub payload: String,
    pub at: DateTime<Utc>,
}

impl JournalEntry {
    /// An entry whose payload is `payload` as JSON text.
    pub fn new(kind: impl Into<String>, payload: &Value, at: DateTime<Utc>) -> Self {
        JournalEntry::from_text(kind, payload.to_string(), at)
    }

    /// An entry from JSON text already made (the caller vouches that it is JSON).
    pub fn from_text(kind: impl Into<String>, payload: String, at: DateTime<Utc>) -> Self {
        JournalEntry {
            kind: kind.into(),
            payload,
            at,
        }
    }

    /// The payload parsed.
    pub fn payload_value(&self) -> serde_json::Result<Value> {
        serde_json::from_str(&self.payload)
    }
}

/// An entry as stored, with its position (0-based; a run's `position` is its entry count).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    pub position: u64,
    pub entry: JournalEntry,
}
