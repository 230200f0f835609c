//! One task at a time per run on this node. A run's lock exists only while someone holds
//! or waits for it, so a million waiting runs cost no memory here; across nodes the
//! store's fences (journal position, lease epoch) are the guard.

use hookflow_store::RunId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

#[derive(Debug, Default)]
pub(crate) struct RunLocks {
    locks: Mutex<HashMap<RunId, Arc<AsyncMutex<()>>>>,
}

/// Held while a task advances a run; dropping it lets the next one in.
#[derive(Debug)]
pub(crate) struct RunGuard<'a> {
    owner: &'a RunLocks,
    run: RunId,
    guard: Option<OwnedMutexGuard<()>>,
}

impl RunLocks {
    pub(crate) async fn lock(&self, run: &RunId) -> RunGuard<'_> {
        let mutex = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(run.clone()).or_default().clone()
        };
        let guard = mutex.lock_owned().await;
        RunGuard {
            owner: self,
            run: run.clone(),
            guard: Some(guard),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        // Release first, then drop the map's entry if nobody else holds or awaits it.
        // Clones are taken under the map's lock, so the count cannot grow meanwhile.
        drop(self.guard.take());
        let mut locks = self.owner.locks.lock().unwrap_or_else(|p| p.into_inner());
        if locks
            .get(&self.run)
            .is_some_and(|m| Arc::strong_count(m) == 1)
        {
            locks.remove(&self.run);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_vanish_when_released() {
        let locks = RunLocks::default();
        let run = RunId::parse("r1").expect("id");
        {
            let _a = locks.lock(&run).await;
            assert_eq!(locks.len(), 1);
        }
        assert_eq!(locks.len(), 0);
    }
}
