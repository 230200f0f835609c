//! Stored timestamps are UTC with microsecond precision (what PostgreSQL keeps), so every
//! backend returns the same instant that it was given, truncated the same way.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// Microseconds since the Unix epoch, the stored form.
pub fn to_micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The instant back from its stored form.
pub fn from_micros(micros: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| Error::internal(format!("stored timestamp {micros} is out of range")))
}

/// `at` as a backend will return it.
pub fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}
