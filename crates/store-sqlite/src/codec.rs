//! Between SQLite values and store records: error mapping, JSON text, microsecond times.

use chrono::{DateTime, Utc};
use hookflow_store::{timestamp, Error, Result};
use rusqlite::ErrorCode;
use serde_json::Value;

/// Maps a SQLite error onto the store's kinds: busy/locked are retryable unavailability,
/// decoding failures are internal (the data is wrong, not the caller), the rest (I/O, full
/// disk, read-only) is unavailability that a retry will not fix.
pub(crate) fn sql_error(e: rusqlite::Error) -> Error {
    use rusqlite::Error as E;
    let (message, retryable, internal) = match &e {
        E::SqliteFailure(failure, _) => {
            let retryable = matches!(
                failure.code,
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked
            );
            let internal = failure.code == ErrorCode::ConstraintViolation;
            (e.to_string(), retryable, internal)
        }
        E::FromSqlConversionFailure(..)
        | E::IntegralValueOutOfRange(..)
        | E::InvalidColumnType(..)
        | E::InvalidColumnIndex(..)
        | E::InvalidColumnName(..)
        | E::Utf8Error(..) => (e.to_string(), false, true),
        _ => (e.to_string(), false, false),
    };
    if internal {
        Error::Internal {
            message,
            source: Some(Box::new(e)),
        }
    } else {
        Error::Unavailable {
            message,
            retryable,
            source: Some(Box::new(e)),
        }
    }
}

/// `.sql()?` turns a rusqlite result into a store result.
pub(crate) trait Sql<T> {
    fn sql(self) -> Result<T>;
}

impl<T> Sql<T> for rusqlite::Result<T> {
    fn sql(self) -> Result<T> {
        self.map_err(sql_error)
    }
}

/// Rows decoded by a closure returning a store result: query_map yields
/// `rusqlite::Result<Result<T>>`, flattened here.
pub(crate) fn collect<T>(
    rows: impl Iterator<Item = rusqlite::Result<Result<T>>>,
) -> Result<Vec<T>> {
    rows.map(|row| row.sql().and_then(|decoded| decoded))
        .collect()
}

pub(crate) fn json_text(value: &Value) -> String {
    value.to_string()
}

pub(crate) fn opt_json_text(value: &Option<Value>) -> Option<String> {
    value.as_ref().map(json_text)
}

pub(crate) fn json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Internal {
        message: "stored JSON does not parse".into(),
        source: Some(Box::new(e)),
    })
}

pub(crate) fn opt_json(text: Option<String>) -> Result<Option<Value>> {
    text.as_deref().map(json).transpose()
}

pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    timestamp::to_micros(at)
}

pub(crate) fn opt_micros(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(timestamp::to_micros)
}

pub(crate) fn time(value: i64) -> Result<DateTime<Utc>> {
    timestamp::from_micros(value)
}

pub(crate) fn opt_time(value: Option<i64>) -> Result<Option<DateTime<Utc>>> {
    value.map(timestamp::from_micros).transpose()
}

/// Stored counters are never negative; a negative one is corrupt data.
pub(crate) fn unsigned(value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::internal(format!("stored count {value} is negative")))
}

/// Counts from callers into SQLite integers; beyond i64 is not a real journal.
pub(crate) fn signed(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::invalid("position", format!("{value} is too large")))
}

/// Stored names (workflow, trigger, run id) were valid when written; failing to rebuild
/// one means the row is corrupt, not that the caller erred.
pub(crate) fn stored<T>(result: Result<T>) -> Result<T> {
    result.map_err(|e| Error::internal(format!("stored value is not valid: {e}")))
}
