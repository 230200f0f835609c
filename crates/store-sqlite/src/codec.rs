//! Between SQLite values and store records: error mapping, JSON text, microsecond times.

use hookflow_store::{Error, Result};
use rusqlite::ErrorCode;

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

/// A rusqlite row as the shared decoders read it ([`hookflow_store::sql_row`]).
pub(crate) struct Cols<'r, 's>(pub &'r rusqlite::Row<'s>);

impl hookflow_store::sql_row::SqlRow for Cols<'_, '_> {
    fn text(&self, column: usize) -> Result<String> {
        self.0.get(column).sql()
    }
    fn opt_text(&self, column: usize) -> Result<Option<String>> {
        self.0.get(column).sql()
    }
    fn int(&self, column: usize) -> Result<i64> {
        self.0.get(column).sql()
    }
    fn opt_int(&self, column: usize) -> Result<Option<i64>> {
        self.0.get(column).sql()
    }
    fn flag(&self, column: usize) -> Result<bool> {
        self.0.get(column).sql()
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

/// The column encodings every SQL backend shares.
pub(crate) use hookflow_store::columns::{
    json_text, micros, opt_json_text, opt_micros, signed, stored, time, unsigned,
};

/// Runs a statement through the connection's statement cache: the hot writes run the same
/// dozen statements for every run, and preparing them each time costs more than running
/// them.
pub(crate) fn execute<P: rusqlite::Params>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: P,
) -> Result<usize> {
    conn.prepare_cached(sql).sql()?.execute(params).sql()
}

/// Runs a cached INSERT whose primary key names the record: a row already there under that
/// key is `AlreadyExists` (the constraint check is the existence check, one statement
/// instead of a SELECT before the INSERT).
pub(crate) fn insert_new<P: rusqlite::Params>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: P,
    entity: hookflow_store::Entity,
    id: &dyn std::fmt::Display,
) -> Result<()> {
    match conn.prepare_cached(sql).sql()?.execute(params) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(failure, _))
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            Err(Error::already_exists(entity, id))
        }
        Err(e) => Err(sql_error(e)),
    }
}

/// Whether a cached query (`SELECT 1 FROM … WHERE …`) finds a row.
pub(crate) fn exists<P: rusqlite::Params>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: P,
) -> Result<bool> {
    Ok(query_optional(conn, sql, params, |_| Ok(()))?.is_some())
}

/// The first row of a cached statement, if any.
pub(crate) fn query_optional<T, P, F>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: P,
    decode: F,
) -> Result<Option<T>>
where
    P: rusqlite::Params,
    F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
{
    use rusqlite::OptionalExtension;
    conn.prepare_cached(sql)
        .sql()?
        .query_row(params, decode)
        .optional()
        .sql()
}
