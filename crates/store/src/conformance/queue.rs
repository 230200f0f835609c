//! Timers, the callback inbox, and the runnable-work queue with leases.

use chrono::Duration;
use serde_json::json;

use super::fixture::{assert_kind, at, create_run, create_workflow, entry, new_run, run_id};
use crate::{
    Acceptance, ActionKey, Append, ErrorKind, LeaseOwner, NewCallback, RunChanges, RunId, Runnable,
    Store, TimerChange, TimerId,
};

fn timer(id: &str) -> TimerId {
    TimerId::new(id).expect("timer id")
}

fn owner(name: &str) -> LeaseOwner {
    LeaseOwner::new(name).expect("owner")
}

fn changes_only(run: &RunId, position: u64, changes: RunChanges) -> Append {
    Append {
        run: run.clone(),
        expected_position: position,
        lease: None,
        entries: Vec::new(),
        changes,
    }
}

fn callback(run: &RunId, action: &str, key: Option<&str>, secs: i64) -> NewCallback {
    NewCallback {
        run: run.clone(),
        action: ActionKey::new(action),
        idempotency_key: key.map(str::to_owned),
        payload: json!({"body": {"approved": true}, "at": secs}),
        received_at: at(secs),
    }
}

pub async fn timers_fall_due<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let a = create_run(&store, new_run("flow", run_id(1))).await;
    let b = create_run(&store, new_run("flow", run_id(2))).await;
    let schedule = |id: &str, secs| TimerChange::Schedule {
        id: timer(id),
        due: at(secs),
        payload: json!({"timer": id}),
    };
    store
        .append(changes_only(
            &a.id,
            1,
            RunChanges {
                timers: vec![schedule("t30", 30), schedule("t10", 10)],
                ..RunChanges::default()
            },
        ))
        .await
        .expect("schedule a");
    store
        .append(changes_only(
            &b.id,
            1,
            RunChanges {
                timers: vec![schedule("t20", 20)],
                ..RunChanges::default()
            },
        ))
        .await
        .expect("schedule b");

    assert!(store
        .due_timers(at(9), 10)
        .await
        .expect("none due")
        .is_empty());
    let due = store.due_timers(at(20), 10).await.expect("due");
    let ids: Vec<_> = due.iter().map(|t| t.id.as_str().to_owned()).collect();
    assert_eq!(
        ids,
        vec!["t10", "t20"],
        "earliest first, due time inclusive"
    );
    assert_eq!(due[0].run, a.id);
    assert_eq!(due[0].payload, json!({"timer": "t10"}));
    assert_eq!(
        store.due_timers(at(100), 1).await.expect("limited").len(),
        1
    );

    // Rescheduling an id moves it; cancelling removes it; cancelling twice is harmless.
    store
        .append(changes_only(
            &a.id,
            1,
            RunChanges {
                timers: vec![
                    schedule("t10", 40),
                    TimerChange::Cancel { id: timer("t30") },
                    TimerChange::Cancel { id: timer("never") },
                ],
                ..RunChanges::default()
            },
        ))
        .await
        .expect("move and cancel");
    let timers = store.run_timers(&a.id).await.expect("run timers");
    assert_eq!(timers.len(), 1);
    assert_eq!((timers[0].id.as_str(), timers[0].due), ("t10", at(40)));
    let due = store.due_timers(at(35), 10).await.expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].run, b.id);
    assert_kind(store.run_timers(&run_id(9)).await, ErrorKind::NotFound);
}

pub async fn callbacks_are_idempotent<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;

    let first = store
        .accept_callback(callback(&run.id, "Wait", Some("k1"), 5))
        .await
        .expect("accept");
    let Acceptance::Accepted { id } = first else {
        panic!("first delivery must be accepted, got {first:?}");
    };
    let repeat = store
        .accept_callback(callback(&run.id, "Wait", Some("k1"), 6))
        .await
        .expect("repeat");
    assert_eq!(repeat, Acceptance::Duplicate { original: id });

    let other_action = store
        .accept_callback(callback(&run.id, "Other", Some("k1"), 7))
        .await
        .expect("same key, other action");
    assert!(matches!(other_action, Acceptance::Accepted { id: other } if other != id));
    let unkeyed_a = store
        .accept_callback(callback(&run.id, "Wait", None, 8))
        .await
        .expect("a");
    let unkeyed_b = store
        .accept_callback(callback(&run.id, "Wait", None, 9))
        .await
        .expect("b");
    assert_ne!(unkeyed_a.id(), unkeyed_b.id(), "no key, no deduplication");

    let pending = store.pending_callbacks(&run.id).await.expect("pending");
    assert_eq!(pending.len(), 4);
    assert_eq!(pending[0].id, id);
    assert_eq!(
        pending[0].payload,
        callback(&run.id, "Wait", Some("k1"), 5).payload
    );
    assert_eq!(pending[0].received_at, at(5));
    assert!(
        pending.windows(2).all(|w| w[0].id < w[1].id),
        "arrival order"
    );

    // Consuming happens with the append that applies the callback.
    store
        .append(Append {
            run: run.id.clone(),
            expected_position: 1,
            lease: None,
            entries: vec![entry("CallbackApplied", 1)],
            changes: RunChanges {
                consume_callbacks: vec![id],
                ..RunChanges::default()
            },
        })
        .await
        .expect("consume");
    let pending = store.pending_callbacks(&run.id).await.expect("pending");
    assert_eq!(pending.len(), 3);
    assert!(pending.iter().all(|c| c.id != id && !c.consumed));
    assert_kind(
        store
            .append(changes_only(
                &run.id,
                2,
                RunChanges {
                    consume_callbacks: vec![id],
                    ..RunChanges::default()
                },
            ))
            .await,
        ErrorKind::Conflict,
    );
    // A repeat after consumption still gets the original answer.
    assert_eq!(
        store
            .accept_callback(callback(&run.id, "Wait", Some("k1"), 10))
            .await
            .expect("late"),
        Acceptance::Duplicate { original: id }
    );
    assert_kind(
        store
            .accept_callback(callback(&run_id(9), "Wait", None, 1))
            .await,
        ErrorKind::NotFound,
    );
}

pub async fn callback_makes_run_runnable<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let node = owner("node-a");
    assert!(store
        .claim_runnable(&node, 10, Duration::seconds(30), at(100))
        .await
        .expect("claim")
        .is_empty());

    let accepted = store
        .accept_callback(callback(&run.id, "Wait", Some("k"), 50))
        .await
        .expect("accept");
    // Idle while a callback is pending must not park the run: the callback would be lost.
    store
        .append(changes_only(
            &run.id,
            1,
            RunChanges {
                runnable: Some(Runnable::Idle),
                ..RunChanges::default()
            },
        ))
        .await
        .expect("idle");
    let leases = store
        .claim_runnable(&node, 10, Duration::seconds(30), at(100))
        .await
        .expect("claim");
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].run, run.id);

    store
        .append(Append {
            run: run.id.clone(),
            expected_position: 1,
            lease: Some(leases[0].clone()),
            entries: vec![entry("CallbackApplied", 1)],
            changes: RunChanges {
                consume_callbacks: vec![accepted.id()],
                runnable: Some(Runnable::Idle),
                ..RunChanges::default()
            },
        })
        .await
        .expect("apply");
    store.release_lease(&leases[0]).await.expect("release");
    assert!(store
        .claim_runnable(&node, 10, Duration::seconds(30), at(200))
        .await
        .expect("claim")
        .is_empty());
}

pub async fn claims_respect_due_time_and_leases<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let mut new = new_run("flow", run_id(1));
    new.changes.runnable = Some(Runnable::At(at(100)));
    let run = create_run(&store, new).await;
    let (a, b) = (owner("node-a"), owner("node-b"));
    let lease = Duration::seconds(30);

    assert!(store
        .claim_runnable(&a, 10, lease, at(99))
        .await
        .expect("early")
        .is_empty());
    let claimed = store
        .claim_runnable(&a, 10, lease, at(100))
        .await
        .expect("due");
    assert_eq!(claimed.len(), 1);
    let first = claimed[0].clone();
    assert_eq!(
        (first.run.clone(), first.owner.clone(), first.expires_at),
        (run.id.clone(), a.clone(), at(130))
    );
    assert!(store
        .claim_runnable(&b, 10, lease, at(110))
        .await
        .expect("held")
        .is_empty());
    assert!(store
        .claim_runnable(&a, 10, lease, at(110))
        .await
        .expect("held by self")
        .is_empty());

    // Renewing extends; the run stays unclaimable until the new expiry.
    let renewed = store
        .renew_lease(&first, lease, at(120))
        .await
        .expect("renew");
    assert_eq!(renewed.expires_at, at(150));
    assert_eq!(renewed.epoch, first.epoch);
    assert!(store
        .claim_runnable(&b, 10, lease, at(140))
        .await
        .expect("renewed")
        .is_empty());

    // After expiry another node takes over with a higher epoch.
    let taken = store
        .claim_runnable(&b, 10, lease, at(150))
        .await
        .expect("takeover");
    assert_eq!(taken.len(), 1);
    assert!(taken[0].epoch > first.epoch);
    assert_eq!(taken[0].owner, b);

    // The old holder is fenced everywhere.
    assert_kind(
        store.renew_lease(&renewed, lease, at(151)).await,
        ErrorKind::Conflict,
    );
    assert_kind(store.release_lease(&renewed).await, ErrorKind::Conflict);
    let stale = Append {
        run: run.id.clone(),
        expected_position: 1,
        lease: Some(renewed.clone()),
        entries: vec![entry("Late", 1)],
        changes: RunChanges::default(),
    };
    assert_kind(store.append(stale.clone()).await, ErrorKind::Conflict);
    let fresh = Append {
        lease: Some(taken[0].clone()),
        ..stale
    };
    assert_eq!(store.append(fresh).await.expect("holder writes"), 2);

    // Release makes the (still runnable) run claimable at once.
    store.release_lease(&taken[0]).await.expect("release");
    let again = store
        .claim_runnable(&a, 10, lease, at(151))
        .await
        .expect("after release");
    assert_eq!(again.len(), 1);
    assert!(again[0].epoch > taken[0].epoch);
    assert_kind(
        store.renew_lease(&taken[0], lease, at(152)).await,
        ErrorKind::Conflict,
    );
}

pub async fn claims_follow_timers_and_limits<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    for n in 1..=3 {
        let mut new = new_run("flow", run_id(n));
        new.changes.timers.push(TimerChange::Schedule {
            id: timer("wake"),
            due: at(10 * n as i64),
            payload: json!(null),
        });
        create_run(&store, new).await;
    }
    let node = owner("node");
    let lease = Duration::seconds(5);
    assert!(store
        .claim_runnable(&node, 10, lease, at(5))
        .await
        .expect("none")
        .is_empty());
    let claimed = store
        .claim_runnable(&node, 1, lease, at(25))
        .await
        .expect("limited");
    assert_eq!(
        claimed.iter().map(|l| l.run.clone()).collect::<Vec<_>>(),
        vec![run_id(1)],
        "earliest due first"
    );
    let claimed = store
        .claim_runnable(&node, 10, lease, at(25))
        .await
        .expect("rest");
    assert_eq!(
        claimed.iter().map(|l| l.run.clone()).collect::<Vec<_>>(),
        vec![run_id(2)]
    );

    // Cancelling the timer takes the run off the queue.
    store
        .append(changes_only(
            &run_id(3),
            1,
            RunChanges {
                timers: vec![TimerChange::Cancel { id: timer("wake") }],
                runnable: Some(Runnable::Idle),
                ..RunChanges::default()
            },
        ))
        .await
        .expect("cancel");
    assert!(store
        .claim_runnable(&node, 10, lease, at(1000))
        .await
        .expect("claim")
        .iter()
        .all(|l| l.run != run_id(3)));
    assert_kind(
        store
            .renew_lease(
                &crate::Lease {
                    run: run_id(9),
                    owner: node.clone(),
                    epoch: 1,
                    expires_at: at(1),
                },
                lease,
                at(1),
            )
            .await,
        ErrorKind::NotFound,
    );
}
