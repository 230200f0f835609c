//! The run side of `MemoryStore`: runs, journals, timers, callbacks, leases, ledger.
//!
//! Writes check everything first and change state only after every check passed, which is
//! how a mutex-guarded map gets the all-or-nothing behaviour of a transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::{page_of, MemoryStore, RunEntry, State};
use crate::action::ActionRecord;
use crate::callback::{Acceptance, Callback, CallbackInbox, NewCallback};
use crate::error::{Entity, Error, Result};
use crate::history::TriggerHistory;
use crate::id::{CallbackId, HistoryId, LeaseOwner, LedgerId, RunId, TriggerName, WorkflowName};
use crate::journal::StoredEntry;
use crate::lease::{Lease, Runnable, WorkQueue};
use crate::ledger::{LedgerChange, LedgerEntry, LedgerUpdate, SubscriptionLedger};
use crate::page::{Page, PageRequest};
use crate::run::{
    Append, Creation, NewRun, Run, RunChanges, RunQuery, RunStatus, RunStore, WaitingRuns,
};
use crate::timer::{Timer, TimerChange, TimerStore};

impl State {
    fn run(&self, id: &RunId) -> Result<&RunEntry> {
        self.runs
            .get(id)
            .ok_or_else(|| Error::not_found(Entity::Run, id))
    }

    /// Every check `apply_changes` relies on; `entry` is `None` for a run being created.
    fn check_changes(&self, entry: Option<&RunEntry>, changes: &RunChanges) -> Result<()> {
        let mut consumed = HashSet::new();
        for id in &changes.consume_callbacks {
            let callback = entry.and_then(|e| e.callbacks.get(id));
            match callback {
                None => return Err(Error::not_found(Entity::Callback, id)),
                Some(c) if c.consumed || !consumed.insert(*id) => {
                    return Err(Error::AlreadyConsumed {
                        run: c.run.to_string(),
                        id: id.0,
                    })
                }
                Some(_) => {}
            }
        }
        let mut recorded = HashSet::new();
        for change in &changes.ledger {
            match change {
                LedgerChange::Record(new) => {
                    if self.ledger.contains_key(&new.id) || !recorded.insert(&new.id) {
                        return Err(Error::already_exists(Entity::LedgerEntry, &new.id));
                    }
                    self.workflow(&new.workflow)?;
                }
                LedgerChange::Update(update) => {
                    if !self.ledger.contains_key(&update.id) && !recorded.contains(&update.id) {
                        return Err(Error::not_found(Entity::LedgerEntry, &update.id));
                    }
                }
            }
        }
        Ok(())
    }

    /// Applies checked changes to the run `id`, which exists.
    fn apply_changes(&mut self, id: &RunId, changes: RunChanges) {
        for change in changes.ledger {
            match change {
                LedgerChange::Record(entry) => self.record_ledger_entry(entry),
                LedgerChange::Update(update) => {
                    self.update_ledger_entry(&update);
                }
            }
        }
        let Some(entry) = self.runs.get_mut(id) else {
            return;
        };
        if let Some(summary) = changes.summary {
            entry.run.status = summary.status;
            entry.run.end_time = summary.end_time;
            entry.run.outputs = summary.outputs;
            entry.run.error = summary.error;
        }
        for change in changes.timers {
            match change {
                TimerChange::Schedule {
                    id: timer,
                    due,
                    payload,
                } => {
                    entry.timers.insert(
                        timer.clone(),
                        Timer {
                            run: id.clone(),
                            id: timer,
                            due,
                            payload,
                        },
                    );
                }
                TimerChange::Cancel { id: timer } => {
                    entry.timers.remove(&timer);
                }
            }
        }
        for callback in &changes.consume_callbacks {
            if let Some(c) = entry.callbacks.get_mut(callback) {
                c.consumed = true;
            }
        }
        for record in changes.actions {
            self.action_seq += 1;
            let key = (record.key.name.clone(), record.key.repetition.clone());
            entry.actions.insert(key, (self.action_seq, record));
        }
        if let Some(runnable) = changes.runnable {
            entry.runnable_at = match runnable {
                Runnable::At(at) => Some(at),
                Runnable::Idle => None,
            };
        }
        // Pending callbacks keep the run runnable whatever the write said.
        let earliest_pending = entry
            .callbacks
            .values()
            .filter(|c| !c.consumed)
            .map(|c| c.received_at)
            .min();
        entry.runnable_at = earliest(entry.runnable_at, earliest_pending);
    }

    fn record_ledger_entry(&mut self, mut entry: LedgerEntry) {
        // New entries belong to the live workflow whatever the caller set.
        entry.workflow_deleted = false;
        self.ledger_seq += 1;
        self.ledger
            .insert(entry.id.clone(), (self.ledger_seq, entry));
    }

    fn update_ledger_entry(&mut self, update: &LedgerUpdate) -> Option<LedgerEntry> {
        let (_, entry) = self.ledger.get_mut(&update.id)?;
        entry.state = update.state;
        entry.response = update.response.clone();
        entry.updated_at = update.at;
        Some(entry.clone())
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl RunEntry {
    /// When this run next has work: its runnable time or its earliest timer.
    fn due(&self) -> Option<DateTime<Utc>> {
        earliest(self.runnable_at, self.timers.values().map(|t| t.due).min())
    }

    fn stored_entries(&self, from: u64) -> Vec<StoredEntry> {
        let start = usize::try_from(from).unwrap_or(usize::MAX);
        self.journal
            .iter()
            .enumerate()
            .skip(start)
            .map(|(position, entry)| StoredEntry {
                position: position as u64,
                entry: entry.clone(),
            })
            .collect()
    }

    /// The record `list_actions` shows for `name`: outside loops, or the latest written.
    fn shown_action(&self, name: &str) -> Option<ActionRecord> {
        self.actions
            .iter()
            .filter(|((n, _), _)| n == name)
            .max_by_key(|((_, repetition), (seq, _))| (repetition.0.is_empty(), *seq))
            .map(|(_, (_, record))| record.clone())
    }
}

impl RunStore for MemoryStore {
    async fn create_run(&self, new: NewRun) -> Result<Creation> {
        let mut state = self.lock()?;
        state.workflow(&new.workflow)?;
        if state.runs.contains_key(&new.id) {
            return Err(Error::already_exists(Entity::Run, &new.id));
        }
        let trigger_key = new
            .idempotency_key
            .as_ref()
            .map(|key| (new.trigger.name.clone(), key.clone()));
        if let Some((trigger, key)) = &trigger_key {
            let lookup = (new.workflow.clone(), trigger.clone(), key.clone());
            if let Some(original) = state.run_keys.get(&lookup) {
                return Ok(Creation::Duplicate {
                    original: original.clone(),
                });
            }
        }
        let history = new.records_history.then(|| new.fired_history());
        if let Some(history) = &history {
            let key = (
                history.workflow.clone(),
                history.trigger.clone(),
                history.id.clone(),
            );
            if state.histories.contains_key(&key) {
                return Err(Error::already_exists(Entity::TriggerHistory, &history.id));
            }
        }
        state.check_changes(None, &new.changes)?;

        let run = Run {
            id: new.id.clone(),
            workflow: new.workflow.clone(),
            version: new.version,
            status: new.status,
            start_time: new.start_time,
            end_time: None,
            trigger: new.trigger,
            outputs: None,
            error: None,
            client_tracking_id: new.client_tracking_id,
            position: new.entries.len() as u64,
        };
        if let Some((trigger, key)) = &trigger_key {
            state.run_keys.insert(
                (new.workflow.clone(), trigger.clone(), key.clone()),
                new.id.clone(),
            );
        }
        if let Some(history) = history {
            let key = (
                history.workflow.clone(),
                history.trigger.clone(),
                history.id.clone(),
            );
            state.histories.insert(key, history);
        }
        state.runs.insert(
            new.id.clone(),
            RunEntry {
                run,
                journal: new.entries,
                runnable_at: None,
                lease_owner: None,
                lease_epoch: 0,
                lease_expires: None,
                timers: BTreeMap::new(),
                callbacks: BTreeMap::new(),
                callback_keys: HashMap::new(),
                actions: BTreeMap::new(),
            },
        );
        state.apply_changes(&new.id, new.changes);
        Ok(Creation::Created(Box::new(state.run(&new.id)?.run.clone())))
    }

    async fn append(&self, append: Append) -> Result<u64> {
        let mut state = self.lock()?;
        let entry = state.run(&append.run)?;
        if entry.run.position != append.expected_position {
            return Err(Error::PositionConflict {
                run: append.run.to_string(),
                expected: append.expected_position,
                actual: entry.run.position,
            });
        }
        if let Some(lease) = &append.lease {
            if entry.lease_epoch != lease.epoch || entry.lease_owner.as_ref() != Some(&lease.owner)
            {
                return Err(Error::LeaseLost {
                    run: append.run.to_string(),
                    epoch: lease.epoch,
                    current: entry.lease_epoch,
                });
            }
        }
        state.check_changes(Some(entry), &append.changes)?;
        state.apply_changes(&append.run, append.changes);
        let entry = state
            .runs
            .get_mut(&append.run)
            .ok_or_else(|| Error::internal("run vanished during append"))?;
        entry.journal.extend(append.entries);
        entry.run.position = entry.journal.len() as u64;
        Ok(entry.run.position)
    }

    async fn load_journal(&self, run: &RunId, from: u64) -> Result<Vec<StoredEntry>> {
        Ok(self.lock()?.run(run)?.stored_entries(from))
    }

    async fn get_run(&self, run: &RunId) -> Result<Run> {
        Ok(self.lock()?.run(run)?.run.clone())
    }

    async fn list_runs(&self, query: RunQuery) -> Result<Page<Run>> {
        let state = self.lock()?;
        state.workflow(&query.workflow)?;
        let runs = state
            .runs
            .values()
            .rev()
            .map(|e| &e.run)
            .filter(|r| r.workflow == query.workflow)
            .filter(|r| query.status.is_none_or(|s| r.status == s))
            .cloned();
        page_of(
            runs,
            &query.page,
            |r| r.id.to_string(),
            |token, r| r.id.as_str() < token,
        )
    }

    async fn list_actions(&self, run: &RunId) -> Result<Vec<ActionRecord>> {
        let state = self.lock()?;
        let entry = state.run(run)?;
        let names: std::collections::BTreeSet<&String> =
            entry.actions.keys().map(|(name, _)| name).collect();
        Ok(names
            .into_iter()
            .filter_map(|name| entry.shown_action(name))
            .collect())
    }

    async fn get_action(&self, run: &RunId, name: &str) -> Result<ActionRecord> {
        let state = self.lock()?;
        state
            .run(run)?
            .shown_action(name)
            .ok_or_else(|| Error::not_found(Entity::Action, format!("{run}/{name}")))
    }

    async fn list_repetitions(
        &self,
        run: &RunId,
        name: &str,
        page: PageRequest,
    ) -> Result<Page<ActionRecord>> {
        let state = self.lock()?;
        let entry = state.run(run)?;
        let records = entry
            .actions
            .iter()
            .filter(|((n, repetition), _)| n == name && !repetition.0.is_empty())
            .map(|(_, (_, record))| record.clone());
        page_of(
            records,
            &page,
            |r| r.key.repetition.name(),
            |token, r| r.key.repetition.name().as_str() > token,
        )
    }

    async fn record_trigger_history(&self, history: TriggerHistory) -> Result<()> {
        let mut state = self.lock()?;
        state.workflow(&history.workflow)?;
        let key = (
            history.workflow.clone(),
            history.trigger.clone(),
            history.id.clone(),
        );
        if state.histories.contains_key(&key) {
            return Err(Error::already_exists(Entity::TriggerHistory, &history.id));
        }
        state.histories.insert(key, history);
        Ok(())
    }

    async fn get_trigger_history(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        id: &HistoryId,
    ) -> Result<TriggerHistory> {
        let state = self.lock()?;
        state
            .histories
            .get(&(workflow.clone(), trigger.clone(), id.clone()))
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::TriggerHistory, id))
    }

    async fn list_trigger_histories(
        &self,
        workflow: &WorkflowName,
        trigger: &TriggerName,
        status: Option<RunStatus>,
        page: PageRequest,
    ) -> Result<Page<TriggerHistory>> {
        let state = self.lock()?;
        state.workflow(workflow)?;
        let histories = state
            .histories
            .iter()
            .rev()
            .filter(|((w, t, _), _)| w == workflow && t == trigger)
            .map(|(_, h)| h)
            .filter(|h| status.is_none_or(|s| h.status == s))
            .cloned();
        page_of(
            histories,
            &page,
            |h| h.id.to_string(),
            |token, h| h.id.as_str() < token,
        )
    }

    async fn waiting_runs(&self) -> Result<WaitingRuns> {
        let state = self.lock()?;
        let mut waiting = WaitingRuns::default();
        for entry in state.runs.values() {
            if entry.run.status == RunStatus::Waiting {
                waiting.queued += 1;
            }
            let parked = !entry.run.status.is_terminal()
                && entry
                    .actions
                    .values()
                    .any(|(_, record)| record.status == RunStatus::Waiting);
            if parked {
                waiting.callback += 1;
            }
        }
        Ok(waiting)
    }
}

impl TimerStore for MemoryStore {
    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Timer>> {
        let state = self.lock()?;
        let mut due: Vec<Timer> = state
            .runs
            .values()
            .flat_map(|e| e.timers.values())
            .filter(|t| t.due <= now)
            .cloned()
            .collect();
        due.sort_by(|a, b| (a.due, &a.run, &a.id).cmp(&(b.due, &b.run, &b.id)));
        due.truncate(limit);
        Ok(due)
    }

    async fn run_timers(&self, run: &RunId) -> Result<Vec<Timer>> {
        let state = self.lock()?;
        let mut timers: Vec<Timer> = state.run(run)?.timers.values().cloned().collect();
        timers.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
        Ok(timers)
    }
}

impl CallbackInbox for MemoryStore {
    async fn accept_callback(&self, new: NewCallback) -> Result<Acceptance> {
        let mut guard = self.lock()?;
        let state = &mut *guard;
        let entry = state
            .runs
            .get_mut(&new.run)
            .ok_or_else(|| Error::not_found(Entity::Run, &new.run))?;
        if let Some(key) = &new.idempotency_key {
            if let Some(original) = entry.callback_keys.get(&(new.action.clone(), key.clone())) {
                return Ok(Acceptance::Duplicate {
                    original: *original,
                });
            }
        }
        state.callback_seq += 1;
        let id = CallbackId(state.callback_seq);
        if let Some(key) = &new.idempotency_key {
            entry
                .callback_keys
                .insert((new.action.clone(), key.clone()), id);
        }
        entry.runnable_at = earliest(entry.runnable_at, Some(new.received_at));
        entry.callbacks.insert(
            id,
            Callback {
                id,
                run: new.run,
                action: new.action,
                idempotency_key: new.idempotency_key,
                payload: new.payload,
                received_at: new.received_at,
                consumed: false,
            },
        );
        Ok(Acceptance::Accepted { id })
    }

    async fn pending_callbacks(&self, run: &RunId) -> Result<Vec<Callback>> {
        let state = self.lock()?;
        Ok(state
            .run(run)?
            .callbacks
            .values()
            .filter(|c| !c.consumed)
            .cloned()
            .collect())
    }
}

impl WorkQueue for MemoryStore {
    async fn claim_runnable(
        &self,
        owner: &LeaseOwner,
        limit: usize,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Lease>> {
        let mut state = self.lock()?;
        let mut candidates: Vec<(DateTime<Utc>, RunId)> = state
            .runs
            .values()
            .filter(|e| !(e.lease_owner.is_some() && e.lease_expires.is_some_and(|x| x > now)))
            .filter_map(|e| {
                e.due()
                    .filter(|due| *due <= now)
                    .map(|due| (due, e.run.id.clone()))
            })
            .collect();
        candidates.sort();
        candidates.truncate(limit);
        let expires_at = now + lease_duration;
        let mut leases = Vec::with_capacity(candidates.len());
        for (_, id) in candidates {
            if let Some(entry) = state.runs.get_mut(&id) {
                entry.lease_epoch += 1;
                entry.lease_owner = Some(owner.clone());
                entry.lease_expires = Some(expires_at);
                leases.push(Lease {
                    run: id,
                    owner: owner.clone(),
                    epoch: entry.lease_epoch,
                    expires_at,
                });
            }
        }
        Ok(leases)
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        lease_duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<Lease> {
        let mut state = self.lock()?;
        let entry = state
            .runs
            .get_mut(&lease.run)
            .ok_or_else(|| Error::not_found(Entity::Run, &lease.run))?;
        if entry.lease_epoch != lease.epoch || entry.lease_owner.as_ref() != Some(&lease.owner) {
            return Err(Error::LeaseLost {
                run: lease.run.to_string(),
                epoch: lease.epoch,
                current: entry.lease_epoch,
            });
        }
        let expires_at = now + lease_duration;
        entry.lease_expires = Some(expires_at);
        Ok(Lease {
            expires_at,
            ..lease.clone()
        })
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        let mut state = self.lock()?;
        let entry = state
            .runs
            .get_mut(&lease.run)
            .ok_or_else(|| Error::not_found(Entity::Run, &lease.run))?;
        if entry.lease_epoch != lease.epoch || entry.lease_owner.as_ref() != Some(&lease.owner) {
            return Err(Error::LeaseLost {
                run: lease.run.to_string(),
                epoch: lease.epoch,
                current: entry.lease_epoch,
            });
        }
        entry.lease_owner = None;
        entry.lease_expires = None;
        Ok(())
    }
}

impl SubscriptionLedger for MemoryStore {
    async fn record_ledger(&self, entry: LedgerEntry) -> Result<()> {
        let mut state = self.lock()?;
        state.workflow(&entry.workflow)?;
        if state.ledger.contains_key(&entry.id) {
            return Err(Error::already_exists(Entity::LedgerEntry, &entry.id));
        }
        state.record_ledger_entry(entry);
        Ok(())
    }

    async fn update_ledger(&self, update: LedgerUpdate) -> Result<LedgerEntry> {
        let mut state = self.lock()?;
        state
            .update_ledger_entry(&update)
            .ok_or_else(|| Error::not_found(Entity::LedgerEntry, &update.id))
    }

    async fn get_ledger_entry(&self, id: &LedgerId) -> Result<LedgerEntry> {
        let state = self.lock()?;
        state
            .ledger
            .get(id)
            .map(|(_, e)| e.clone())
            .ok_or_else(|| Error::not_found(Entity::LedgerEntry, id))
    }

    async fn unsettled_ledger(&self, limit: usize) -> Result<Vec<LedgerEntry>> {
        let state = self.lock()?;
        let mut entries: Vec<&(u64, LedgerEntry)> = state
            .ledger
            .values()
            .filter(|(_, e)| !e.state.is_settled())
            .collect();
        entries.sort_by_key(|(seq, _)| *seq);
        Ok(entries
            .into_iter()
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect())
    }

    async fn workflow_ledger(&self, workflow: &WorkflowName) -> Result<Vec<LedgerEntry>> {
        let state = self.lock()?;
        state.workflow(workflow)?;
        let mut entries: Vec<&(u64, LedgerEntry)> = state
            .ledger
            .values()
            .filter(|(_, e)| &e.workflow == workflow && !e.workflow_deleted)
            .collect();
        entries.sort_by_key(|(seq, _)| *seq);
        Ok(entries.into_iter().map(|(_, e)| e.clone()).collect())
    }
}
