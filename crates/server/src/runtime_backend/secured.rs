//! What the API leaves out of a run because the workflow secures it: the trigger outputs
//! a trigger's `runtimeConfiguration.secureData` secures are kept (the run reads them, and
//! a resubmit fires with them) but never shown, as a secured action's data is not.

use super::errors;
use super::RuntimeBackend;
use crate::error::AppError;
use crate::model::Run;
use hookflow_store::{self as store, Store};

impl<S: Store> RuntimeBackend<S> {
    /// Runs as the API shows them, each judged by the version of the workflow it started
    /// on (the runtime keeps each version's checked definition cached).
    pub(super) async fn shown_runs(&self, runs: Vec<store::Run>) -> Result<Vec<Run>, AppError> {
        let mut shown = Vec::with_capacity(runs.len());
        for run in runs {
            shown.push(self.shown_run(run).await?);
        }
        Ok(shown)
    }

    /// One run as the API shows it.
    pub(super) async fn shown_run(&self, run: store::Run) -> Result<Run, AppError> {
        let hides = self.trigger_outputs_secured(&run).await?;
        Ok(shown_run(run, hides))
    }

    async fn trigger_outputs_secured(&self, run: &store::Run) -> Result<bool, AppError> {
        let definition = self
            .runtime
            .definition(&run.workflow, run.version)
            .await
            .map_err(errors::from_runtime)?;
        Ok(definition
            .triggers
            .iter()
            .any(|t| t.name == run.trigger.name.as_str() && t.secure.outputs))
    }
}

fn shown_run(mut run: store::Run, hide_trigger_outputs: bool) -> Run {
    if hide_trigger_outputs {
        run.trigger.outputs = None;
    }
    super::convert::run(run)
}
