//! Storage errors: a kind and a retryable flag the runtime decides from, never the text.

use std::fmt;

/// What kind of record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    Workflow,
    WorkflowVersion,
    TriggerState,
    Run,
    Callback,
    Timer,
    Lease,
    LedgerEntry,
    TriggerHistory,
    Action,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Entity::Workflow => "workflow",
            Entity::WorkflowVersion => "workflow version",
            Entity::TriggerState => "trigger state",
            Entity::Run => "run",
            Entity::Callback => "callback",
            Entity::Timer => "timer",
            Entity::Lease => "lease",
            Entity::LedgerEntry => "ledger entry",
            Entity::TriggerHistory => "trigger history",
            Entity::Action => "action",
        };
        f.write_str(name)
    }
}

/// The class of an [`Error`]; the server maps these to HTTP, the runtime to retry or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The record does not exist.
    NotFound,
    /// The write lost a race: a fence (journal position, lease epoch, version) moved, or
    /// the record already exists. Reload and decide again.
    Conflict,
    /// The caller passed something the store cannot accept (bad name, bad continuation).
    Invalid,
    /// The backend cannot serve the request now (I/O, busy, closed, incompatible schema).
    Unavailable,
    /// The stored data or the store itself is broken (undecodable row, poisoned lock).
    /// Never the caller's fault, so never reported as bad input.
    Internal,
}

/// A storage error. Match on [`Error::kind`] and [`Error::is_retryable`]; the variants
/// carry the details for logs and messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{entity} '{id}' not found")]
    NotFound { entity: Entity, id: String },

    #[error("{entity} '{id}' already exists")]
    AlreadyExists { entity: Entity, id: String },

    /// Another writer advanced the run's journal first.
    #[error("run '{run}' journal is at position {actual}, the write expected {expected}")]
    PositionConflict {
        run: String,
        expected: u64,
        actual: u64,
    },

    /// The writer's lease was taken over (or released); its writes are refused.
    #[error("lease on run '{run}' at epoch {epoch} is no longer held (current epoch {current})")]
    LeaseLost {
        run: String,
        epoch: u64,
        current: u64,
    },

    /// The workflow moved to another version than the save expected.
    #[error("workflow '{name}' is at version {actual:?}, the save expected {expected:?}")]
    VersionConflict {
        name: String,
        expected: Option<u64>,
        actual: Option<u64>,
    },

    /// A callback was consumed twice.
    #[error("callback {id} of run '{run}' was already consumed")]
    AlreadyConsumed { run: String, id: u64 },

    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },

    #[error("store unavailable: {message}")]
    Unavailable {
        message: String,
        retryable: bool,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The database was written by a newer hookflow; this binary refuses to touch it.
    #[error("database schema version {found} is newer than this hookflow supports ({supported}); upgrade hookflow")]
    SchemaTooNew { found: i64, supported: i64 },

    #[error("store internal error: {message}")]
    Internal {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::AlreadyExists { .. }
            | Error::PositionConflict { .. }
            | Error::LeaseLost { .. }
            | Error::VersionConflict { .. }
            | Error::AlreadyConsumed { .. } => ErrorKind::Conflict,
            Error::Invalid { .. } => ErrorKind::Invalid,
            Error::Unavailable { .. } | Error::SchemaTooNew { .. } => ErrorKind::Unavailable,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// Whether repeating the same request unchanged may succeed. Conflicts are not
    /// retryable as such: the caller must reload and decide again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Unavailable { retryable, .. } => *retryable,
            _ => false,
        }
    }

    pub fn not_found(entity: Entity, id: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn already_exists(entity: Entity, id: impl fmt::Display) -> Self {
        Error::AlreadyExists {
            entity,
            id: id.to_string(),
        }
    }

    pub fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            what,
            reason: reason.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
            source: None,
        }
    }

    pub fn unavailable(message: impl Into<String>, retryable: bool) -> Self {
        Error::Unavailable {
            message: message.into(),
            retryable,
            source: None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
