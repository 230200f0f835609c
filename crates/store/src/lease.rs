//! The runnable-work queue with leases. A run is runnable when its runnable time has come,
//! a timer of it is due, or a callback waits in its inbox. A node claims runnable runs for
//! a while (a lease); each claim bumps the run's epoch, and appends carrying an older epoch
//! are refused, so a node that lost its lease (paused, partitioned) cannot write.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

use crate::error::Result;
use crate::id::{LeaseOwner, RunId};

/// A held claim on a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub run: RunId,
    pub owner: LeaseOwner,
    /// Bumped by every claim of the run; the fence for writes.
    pub epoch: u64,
    pub expires_at: DateTime<Utc>,
}

/// When a run next has work, set with a journal append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runnable {
    /// Work is due at this time (now, for "continue as soon as possible").
    At(DateTime<Utc>),
    /// Nothing to do until a timer falls due or a callback arrives. Pending callbacks keep
    /// a run runnable regardless, so a callback accepted meanwhile is never lost.
    Idle,
}

/// Claiming, renewing and releasing runs.
pub trait WorkQueue {
    /// Claims up to `limit` runs whose work is due at `now` and that no live lease holds
    /// (none, or expired), earliest work first. Two claimers never get the same run while
    /// a lease is live.
    fn claim_runnable(
        &self,
        owner: &LeaseOwner,
        limit: usize,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Lease>>> + Send;

    /// Extends a lease still held (same epoch) to `now + lease_duration`; Conflict
    /// (`LeaseLost`) if another claim took the run. A lease that expired but was not taken
    /// over can still be renewed.
    fn renew_lease(
        &self,
        lease: &Lease,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Lease>> + Send;

    /// Gives the run up; Conflict (`LeaseLost`) if it was taken over.
    fn release_lease(&self, lease: &Lease) -> impl Future<Output = Result<()>> + Send;
}
