//! Many tasks at once: fencing, deduplication and claims must hold under contention.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::json;

use super::fixture::{at, create_run, create_workflow, entry, new_run, run_id};
use crate::{
    Acceptance, ActionKey, Append, ErrorKind, LeaseOwner, NewCallback, PageRequest, RunChanges,
    RunQuery, Runnable, Store,
};

const TASKS: u64 = 16;

async fn join_all<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("task did not panic"));
    }
    out
}

pub async fn concurrent_appends_one_winner_per_position<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;

    // Everyone writes at position 1: exactly one wins.
    let handles = (0..TASKS)
        .map(|n| {
            let store = store.clone();
            let id = run.id.clone();
            tokio::spawn(async move {
                store
                    .append(Append {
                        run: id,
                        expected_position: 1,
                        lease: None,
                        entries: vec![entry("Race", n)],
                        changes: RunChanges::default(),
                    })
                    .await
            })
        })
        .collect();
    let results = join_all(handles).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.kind() == ErrorKind::Conflict));

    // Everyone retries on conflict until their entry is in: no entry lost or doubled.
    let handles = (0..TASKS)
        .map(|n| {
            let store = store.clone();
            let id = run.id.clone();
            tokio::spawn(async move {
                loop {
                    let position = store.get_run(&id).await.expect("run").position;
                    let append = Append {
                        run: id.clone(),
                        expected_position: position,
                        lease: None,
                        entries: vec![entry("Retry", 100 + n)],
                        changes: RunChanges::default(),
                    };
                    match store.append(append).await {
                        Ok(_) => break,
                        Err(e) if e.kind() == ErrorKind::Conflict => tokio::task::yield_now().await,
                        Err(e) => panic!("append failed: {e}"),
                    }
                }
            })
        })
        .collect();
    join_all(handles).await;
    let journal = store.load_journal(&run.id, 0).await.expect("journal");
    assert_eq!(journal.len() as u64, 2 + TASKS);
    let retried: HashSet<_> = journal
        .iter()
        .filter(|e| e.entry.kind == "Retry")
        .map(|e| e.entry.payload_value().expect("JSON")["n"].clone())
        .collect();
    assert_eq!(retried.len() as u64, TASKS);
    assert!(journal
        .iter()
        .enumerate()
        .all(|(i, e)| e.position == i as u64));
}

pub async fn concurrent_callbacks_deduplicate<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let handles = (0..TASKS)
        .map(|n| {
            let store = store.clone();
            let id = run.id.clone();
            tokio::spawn(async move {
                // Half deliver the same event; the others deliver distinct ones.
                let key = if n % 2 == 0 {
                    "same".to_string()
                } else {
                    format!("own-{n}")
                };
                store
                    .accept_callback(NewCallback {
                        run: id,
                        action: ActionKey::new("Wait"),
                        idempotency_key: Some(key),
                        payload: json!({"n": n}),
                        received_at: at(n as i64),
                    })
                    .await
                    .expect("accept")
            })
        })
        .collect();
    let results = join_all(handles).await;
    let same: Vec<_> = results.iter().step_by(2).collect();
    assert_eq!(
        same.iter()
            .filter(|a| matches!(a, Acceptance::Accepted { .. }))
            .count(),
        1
    );
    let ids: HashSet<_> = same.iter().map(|a| a.id()).collect();
    assert_eq!(ids.len(), 1, "every repeat names the one accepted callback");
    assert!(results
        .iter()
        .skip(1)
        .step_by(2)
        .all(|a| matches!(a, Acceptance::Accepted { .. })));
    let pending = store.pending_callbacks(&run.id).await.expect("pending");
    assert_eq!(pending.len() as u64, 1 + TASKS / 2);
}

pub async fn concurrent_claims_are_disjoint<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let runs = 24;
    for n in 1..=runs {
        let mut new = new_run("flow", run_id(n));
        new.changes.runnable = Some(Runnable::At(at(0)));
        create_run(&store, new).await;
    }
    let handles = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let owner = LeaseOwner::new(format!("node-{n}")).expect("owner");
                let mut mine = Vec::new();
                for _ in 0..3 {
                    let leases = store
                        .claim_runnable(&owner, 2, Duration::seconds(60), at(10))
                        .await
                        .expect("claim");
                    mine.extend(leases.into_iter().map(|l| l.run));
                    tokio::task::yield_now().await;
                }
                mine
            })
        })
        .collect();
    let claimed: Vec<_> = join_all(handles).await.into_iter().flatten().collect();
    let unique: HashSet<_> = claimed.iter().cloned().collect();
    assert_eq!(unique.len(), claimed.len(), "no run claimed twice");
    assert_eq!(
        claimed.len() as u64,
        runs,
        "8 claimers × 3 rounds × 2 cover all 24 runs"
    );
}

pub async fn concurrent_run_creation<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let handles = (0..TASKS)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut new = new_run("flow", run_id(n + 1));
                // Pairs share a trigger idempotency key: one of each pair is a duplicate.
                new.idempotency_key = Some(format!("evt-{}", n / 2));
                store.create_run(new).await.expect("create")
            })
        })
        .collect();
    let results = join_all(handles).await;
    let created = results
        .iter()
        .filter(|c| matches!(c, crate::Creation::Created(_)))
        .count() as u64;
    assert_eq!(created, TASKS / 2);
    let listed = store
        .list_runs(RunQuery {
            workflow: super::fixture::workflow("flow"),
            status: None,
            page: PageRequest::first(100),
        })
        .await
        .expect("list");
    assert_eq!(listed.items.len() as u64, TASKS / 2);
}
