//! The driver's errors. The server maps [`RuntimeError::kind`] to HTTP; nothing here
//! knows status codes, and store errors are classified by their kind, never their text.

use hookflow_definition::ValidationError;
use hookflow_engine::EngineError;
use hookflow_store::ErrorKind as StoreKind;

/// What the caller can do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The workflow, trigger, run or action does not exist.
    NotFound,
    /// The request is wrong (invalid definition, malformed action key, bad name).
    Invalid,
    /// The workflow is disabled; its triggers and callbacks are refused.
    Disabled,
    /// Lost a race that retrying did not resolve (e.g. a save against a moved version).
    Conflict,
    /// The store cannot serve now; the same request may succeed later.
    Unavailable,
    /// A webhook trigger's subscribe failed after its retries (save or enable refused).
    SubscribeFailed,
    /// The trigger's concurrency queue is full; the same call may succeed later.
    QueueFull,
    /// Broken data or a broken invariant; never the caller's fault.
    Internal,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// Every validation error of the document, each with its JSON pointer.
    #[error("the workflow definition is invalid ({} errors)", .0.len())]
    InvalidDefinition(Vec<ValidationError>),

    #[error("workflow '{workflow}' has no trigger '{trigger}'")]
    TriggerNotFound { workflow: String, trigger: String },

    #[error("run '{run}' has no webhook action '{action}'")]
    ActionNotFound { run: String, action: String },

    #[error("run '{run}' does not belong to workflow '{workflow}'")]
    RunNotInWorkflow { run: String, workflow: String },

    #[error("'{0}' is not an action key")]
    InvalidActionKey(String),

    #[error("workflow '{workflow}' is disabled")]
    WorkflowDisabled { workflow: String },

    #[error(transparent)]
    Store(#[from] hookflow_store::Error),

    #[error("the engine refused the input: {0}")]
    Engine(#[from] EngineError),

    /// A stored journal entry or definition could not be read back.
    #[error("stored data of '{what}' is unreadable: {message}")]
    StoredData { what: String, message: String },

    /// An access key could not be generated or read.
    #[error("access key: {0}")]
    AccessKey(#[from] crate::signing::KeyError),

    /// An HttpWebhook trigger's subscribe still failed after its retries; the save or
    /// enable was refused. `response` is `{statusCode, headers, body}` or
    /// `{error: {code, message}}`.
    #[error("the subscribe of webhook trigger '{trigger}' of '{workflow}' failed: {response}")]
    SubscribeFailed {
        workflow: String,
        trigger: String,
        response: serde_json::Value,
    },

    /// Trigger concurrency: every slot runs and `waiting` runs are queued already.
    #[error("the trigger '{trigger}' of '{workflow}' runs its maximum of {runs} runs and {waiting} more wait; try again later")]
    TriggerQueueFull {
        workflow: String,
        trigger: String,
        runs: usize,
        waiting: usize,
    },

    /// The run kept moving under us (another node writes it); the input was not applied.
    #[error("run '{run}' changed concurrently {attempts} times; giving up for now")]
    Contended { run: String, attempts: u32 },
}

impl RuntimeError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            RuntimeError::InvalidDefinition(_) | RuntimeError::InvalidActionKey(_) => {
                ErrorKind::Invalid
            }
            RuntimeError::TriggerNotFound { .. }
            | RuntimeError::ActionNotFound { .. }
            | RuntimeError::RunNotInWorkflow { .. } => ErrorKind::NotFound,
            RuntimeError::WorkflowDisabled { .. } => ErrorKind::Disabled,
            RuntimeError::Store(e) => match e.kind() {
                StoreKind::NotFound => ErrorKind::NotFound,
                StoreKind::Conflict => ErrorKind::Conflict,
                StoreKind::Invalid => ErrorKind::Invalid,
                StoreKind::Unavailable => ErrorKind::Unavailable,
                _ => ErrorKind::Internal,
            },
            RuntimeError::Contended { .. } => ErrorKind::Unavailable,
            RuntimeError::SubscribeFailed { .. } => ErrorKind::SubscribeFailed,
            RuntimeError::TriggerQueueFull { .. } => ErrorKind::QueueFull,
            RuntimeError::Engine(_)
            | RuntimeError::StoredData { .. }
            | RuntimeError::AccessKey(_) => ErrorKind::Internal,
        }
    }

    /// Whether the same request may succeed if repeated unchanged.
    pub fn is_retryable(&self) -> bool {
        match self {
            RuntimeError::Store(e) => e.is_retryable(),
            RuntimeError::Contended { .. } | RuntimeError::TriggerQueueFull { .. } => true,
            _ => false,
        }
    }
}

pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;
