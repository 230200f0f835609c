//! The Request trigger's synchronous answer: the HTTP layer awaits a [`ResponseHandle`]
//! (with its own timeout, 504 when it lapses); the driver completes it when the run's
//! Response action answers (`Respond`), or when the run ends without one (502).

use hookflow_engine::Status;
use hookflow_store::RunId;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// What the caller of a Request trigger gets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunResponse {
    /// A Response action answered.
    Responded {
        status: u16,
        headers: Map<String, Value>,
        body: Value,
    },
    /// The run finished without a Response (every Response skipped, or none): 502.
    NoResponse { status: Status },
    /// The runtime stopped before the run answered.
    Abandoned,
}

/// Awaits a run's response; dropping it tells the driver nobody listens any more.
#[derive(Debug)]
pub struct ResponseHandle {
    receiver: oneshot::Receiver<RunResponse>,
}

impl ResponseHandle {
    /// Waits until the run answers or ends; the caller bounds the wait.
    pub async fn response(self) -> RunResponse {
        self.receiver.await.unwrap_or(RunResponse::Abandoned)
    }
}

/// Waiting callers by run; only runs started on this node by a trigger have one.
#[derive(Debug, Default)]
pub(crate) struct Responders {
    waiting: Mutex<HashMap<RunId, oneshot::Sender<RunResponse>>>,
}

impl Responders {
    pub(crate) fn register(&self, run: RunId) -> ResponseHandle {
        let (sender, receiver) = oneshot::channel();
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        // Callers that gave up (timed out, disconnected) are forgotten here, so a run that
        // waits for days keeps no sender alive for a caller long gone.
        waiting.retain(|_, s| !s.is_closed());
        waiting.insert(run, sender);
        ResponseHandle { receiver }
    }

    pub(crate) fn complete(&self, run: &RunId, response: RunResponse) {
        let sender = self
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(run);
        if let Some(sender) = sender {
            // The caller may have given up; that is fine.
            let _ = sender.send(response);
        }
    }

    pub(crate) fn forget(&self, run: &RunId) {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(run);
    }
}
