//! Between PostgreSQL values and store records: error mapping, the `{"ok"|"err"}` answers
//! of the write functions, JSON text and microsecond times.

use hookflow_store::{Entity, Error, Result};
use serde_json::Value;
use tokio_postgres::error::SqlState;

/// Maps a driver error onto the store's kinds. Serialisation failures and deadlocks lose a
/// race a retry can win; a unique violation is a record that already exists; a lost
/// connection is unavailability worth retrying; everything else is not retryable.
pub(crate) fn sql_error(e: tokio_postgres::Error) -> Error {
    let message = e.to_string();
    if let Some(code) = e.code() {
        if *code == SqlState::UNIQUE_VIOLATION {
            return Error::AlreadyExists {
                entity: Entity::Run,
                id: e
                    .as_db_error()
                    .and_then(|d| d.constraint().map(str::to_owned))
                    .unwrap_or_else(|| "unique key".into()),
            };
        }
        let retryable = *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
            || *code == SqlState::TOO_MANY_CONNECTIONS;
        return Error::Unavailable {
            message,
            retryable,
            source: Some(Box::new(e)),
        };
    }
    // No SQLSTATE: the connection broke or a value did not convert.
    let closed = e.is_closed();
    Error::Unavailable {
        message,
        retryable: closed,
        source: Some(Box::new(e)),
    }
}

/// `.sql()?` turns a driver result into a store result.
pub(crate) trait Sql<T> {
    fn sql(self) -> Result<T>;
}

impl<T> Sql<T> for std::result::Result<T, tokio_postgres::Error> {
    fn sql(self) -> Result<T> {
        self.map_err(sql_error)
    }
}

/// A PostgreSQL row as the shared decoders read it ([`hookflow_store::sql_row`]).
pub(crate) struct Cols<'r>(pub &'r tokio_postgres::Row);

impl hookflow_store::sql_row::SqlRow for Cols<'_> {
    fn text(&self, column: usize) -> Result<String> {
        self.0.try_get(column).sql()
    }
    fn opt_text(&self, column: usize) -> Result<Option<String>> {
        self.0.try_get(column).sql()
    }
    fn int(&self, column: usize) -> Result<i64> {
        self.0.try_get(column).sql()
    }
    fn opt_int(&self, column: usize) -> Result<Option<i64>> {
        self.0.try_get(column).sql()
    }
    fn flag(&self, column: usize) -> Result<bool> {
        self.0.try_get(column).sql()
    }
}

fn entity(name: &str) -> Entity {
    match name {
        "workflow" => Entity::Workflow,
        "callback" => Entity::Callback,
        "ledger entry" => Entity::LedgerEntry,
        "trigger history" => Entity::TriggerHistory,
        _ => Entity::Run,
    }
}

fn text(value: &Value, field: &str) -> String {
    match &value[field] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn count(value: &Value, field: &str) -> u64 {
    value[field].as_u64().unwrap_or(0)
}

/// What a write function answered: `{"ok": v}` → `Ok(v)`, `{"duplicate": id}` →
/// `Ok({"duplicate": id})`, `{"err": …}` → the store error it names.
pub(crate) fn answer(value: Value) -> Result<Value> {
    let Some(kind) = value.get("err").and_then(Value::as_str) else {
        return match value.get("ok") {
            Some(ok) => Ok(ok.clone()),
            None if value.get("duplicate").is_some() => Ok(value),
            None => Err(Error::internal(format!(
                "a write function answered neither ok nor err: {value}"
            ))),
        };
    };
    Err(match kind {
        "not_found" => Error::not_found(entity(&text(&value, "entity")), text(&value, "id")),
        "already_exists" => {
            Error::already_exists(entity(&text(&value, "entity")), text(&value, "id"))
        }
        "already_consumed" => Error::AlreadyConsumed {
            run: text(&value, "run"),
            id: count(&value, "id"),
        },
        "position" => Error::PositionConflict {
            run: text(&value, "run"),
            expected: count(&value, "expected"),
            actual: count(&value, "actual"),
        },
        "lease" => Error::LeaseLost {
            run: text(&value, "run"),
            epoch: count(&value, "epoch"),
            current: count(&value, "current"),
        },
        "version" => Error::VersionConflict {
            name: text(&value, "name"),
            expected: value["expected"].as_u64(),
            actual: value["actual"].as_u64(),
        },
        other => Error::internal(format!(
            "a write function answered an unknown error '{other}'"
        )),
    })
}

/// The column encodings every SQL backend shares.
pub(crate) use hookflow_store::columns::{
    json, json_text, micros, opt_json_text, opt_micros, signed, stored, time, unsigned,
};
