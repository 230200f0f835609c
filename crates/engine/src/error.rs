//! Engine errors: broken invariants and inputs the runtime should never send. An action
//! failing is never one of these; it is an `ActionCompleted { status: Failed }` event.

use crate::key::ActionKey;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// An input other than `Start` for a run whose journal has no `RunStarted`.
    #[error("the run has not started")]
    NotStarted,
    /// `Start` for a run that already started.
    #[error("the run has already started")]
    AlreadyStarted,
    /// The input names an action the definition does not have.
    #[error("the definition has no action '{key}'")]
    UnknownAction { key: ActionKey },
    /// The input names a trigger the definition does not have.
    #[error("the definition has no trigger '{name}'")]
    UnknownTrigger { name: String },
    /// The state and the definition disagree (e.g. the journal belongs to another
    /// definition version).
    #[error("engine invariant broken: {message}")]
    Invariant { message: String },
}

impl EngineError {
    pub(crate) fn invariant(message: impl Into<String>) -> EngineError {
        EngineError::Invariant {
            message: message.into(),
        }
    }
}
