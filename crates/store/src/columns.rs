//! How record fields become column values and back, the same for every SQL backend: JSON
//! as text, times as microseconds (see [`crate::timestamp`]), counts as signed integers,
//! and what a value read back that does not decode means (corrupt data, not a caller's
//! mistake).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::timestamp;

pub fn json_text(value: &Value) -> String {
    // serde_json's own writer is about twice as fast as `Display` (which goes through a
    // `fmt::Write` adapter); this is on every stored event, action and ledger entry.
    // Serialising a `Value` cannot fail; `Display` is the fallback all the same.
    serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
}

pub fn opt_json_text(value: &Option<Value>) -> Option<String> {
    value.as_ref().map(json_text)
}

pub fn json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Internal {
        message: "stored JSON does not parse".into(),
        source: Some(Box::new(e)),
    })
}

pub fn opt_json(text: Option<String>) -> Result<Option<Value>> {
    text.as_deref().map(json).transpose()
}

pub fn micros(at: DateTime<Utc>) -> i64 {
    timestamp::to_micros(at)
}

pub fn opt_micros(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(timestamp::to_micros)
}

pub fn time(value: i64) -> Result<DateTime<Utc>> {
    timestamp::from_micros(value)
}

pub fn opt_time(value: Option<i64>) -> Result<Option<DateTime<Utc>>> {
    value.map(timestamp::from_micros).transpose()
}

/// Stored counters are never negative; a negative one is corrupt data.
pub fn unsigned(value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::internal(format!("stored count {value} is negative")))
}

/// Counts from callers into 64-bit signed columns; beyond i64 is not a real journal.
pub fn signed(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::invalid("position", format!("{value} is too large")))
}

/// Stored names (workflow, trigger, run id) were valid when written; failing to rebuild
/// one means the row is corrupt, not that the caller erred.
pub fn stored<T>(result: Result<T>) -> Result<T> {
    result.map_err(|e| Error::internal(format!("stored value is not valid: {e}")))
}
