//! What only a shared database has: several store handles (nodes, each with its own
//! connections) on one schema — migrating at once, claiming at once, taking over a lease
//! a dead node stopped renewing, accepting a callback for a run another node holds.

use std::collections::HashSet;

use chrono::Duration;
use hookflow_store::conformance::fixture::{
    at, create_run, create_workflow, entry, new_run, run_id,
};
use hookflow_store::{
    AccessKey, ActionKey, Append, CallbackInbox, ErrorKind, KeyType, LeaseOwner, NewCallback,
    RunChanges, RunStore, Runnable, WorkQueue, WorkflowState, WorkflowStore,
};
use hookflow_store_postgres::{Options, PostgresStore, SCHEMA_VERSION};
use serde_json::json;

use crate::support::{database_url, open_fresh, SchemaGuard};

/// Another node on the same schema.
async fn second_node(guard: &SchemaGuard) -> PostgresStore {
    let mut options = Options::new(database_url());
    options.schema = Some(guard.schema().to_string());
    options.read_connections = 2;
    PostgresStore::open(options)
        .await
        .expect("second node opens")
}

fn owner(name: &str) -> LeaseOwner {
    LeaseOwner::new(name).expect("owner")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once() {
    let Some((first, guard)) = open_fresh(|o| o).await else {
        return;
    };
    // Three more nodes open (and would migrate) at the same moment.
    let opens = (0..3).map(|_| {
        let mut options = Options::new(database_url());
        options.schema = Some(guard.schema().to_string());
        options.read_connections = 1;
        tokio::spawn(PostgresStore::open(options))
    });
    for open in opens {
        open.await.expect("task").expect("a node opens");
    }
    let (client, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    let rows = client
        .query(
            &format!(
                "SELECT version FROM \"{}\".hookflow_schema ORDER BY version",
                guard.schema()
            ),
            &[],
        )
        .await
        .expect("versions");
    let versions: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        versions,
        (1..=SCHEMA_VERSION).collect::<Vec<_>>(),
        "each migration once"
    );
    create_workflow(&first, "flow").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_claim_disjoint_runs() {
    let Some((a, guard)) = open_fresh(|o| o).await else {
        return;
    };
    let b = second_node(&guard).await;
    create_workflow(&a, "flow").await;
    let runs = 60;
    for n in 1..=runs {
        let mut new = new_run("flow", run_id(n));
        new.changes.runnable = Some(Runnable::At(at(0)));
        create_run(&a, new).await;
    }
    let mut tasks = Vec::new();
    for (i, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            let me = owner(&format!("claimer-{i}"));
            let mut mine = Vec::new();
            loop {
                let leases = store
                    .claim_runnable(&me, 4, Duration::seconds(60), at(10))
                    .await
                    .expect("claim");
                if leases.is_empty() {
                    return mine;
                }
                mine.extend(leases.into_iter().map(|l| l.run));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("claimer"));
    }
    let unique: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(unique.len(), all.len(), "no run claimed twice across nodes");
    assert_eq!(all.len() as u64, runs, "every runnable run claimed");
    let claimed = a.claim_counters().claimed + b.claim_counters().claimed;
    assert_eq!(claimed, runs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_not_renewed_is_taken_over_and_the_old_holder_is_fenced() {
    let Some((a, guard)) = open_fresh(|o| o).await else {
        return;
    };
    let b = second_node(&guard).await;
    create_workflow(&a, "flow").await;
    let mut new = new_run("flow", run_id(1));
    new.changes.runnable = Some(Runnable::At(at(0)));
    create_run(&a, new).await;

    let node_a = owner("node-a");
    let held = a
        .claim_runnable(&node_a, 10, Duration::seconds(30), at(1))
        .await
        .expect("a claims");
    assert_eq!(held.len(), 1);
    // Node B cannot take a live lease.
    let node_b = owner("node-b");
    assert!(b
        .claim_runnable(&node_b, 10, Duration::seconds(30), at(20))
        .await
        .expect("b claims")
        .is_empty());
    // A callback reaches node B meanwhile: accepted, the run stays owned by A.
    let accepted = b
        .accept_callback(NewCallback {
            run: run_id(1),
            action: ActionKey::new("Wait"),
            idempotency_key: Some("evt".into()),
            payload: json!({"body": 1}),
            received_at: at(21),
        })
        .await
        .expect("accepted on b");
    // A stops renewing (it died); after expiry B takes over, with a higher epoch.
    let taken = b
        .claim_runnable(&node_b, 10, Duration::seconds(30), at(31))
        .await
        .expect("takeover");
    assert_eq!(taken.len(), 1);
    assert!(taken[0].epoch > held[0].epoch);
    assert_eq!(b.claim_counters().taken_over, 1);
    assert_eq!(a.claim_counters().taken_over, 0);

    // A, come back to life, is fenced; B applies the callback exactly once.
    let late = Append {
        run: run_id(1),
        expected_position: 1,
        lease: Some(held[0].clone()),
        entries: vec![entry("Late", 1)],
        changes: RunChanges {
            consume_callbacks: vec![accepted.id()],
            ..RunChanges::default()
        },
    };
    match a.append(late.clone()).await {
        Err(e) => assert_eq!(e.kind(), ErrorKind::Conflict),
        Ok(p) => panic!("a stale lease wrote at {p}"),
    }
    let applied = Append {
        lease: Some(taken[0].clone()),
        ..late
    };
    assert_eq!(b.append(applied.clone()).await.expect("b applies"), 2);
    let again = Append {
        expected_position: 2,
        ..applied
    };
    match b.append(again).await {
        Err(e) => assert_eq!(e.kind(), ErrorKind::Conflict, "consumed once: {e}"),
        Ok(p) => panic!("a callback applied twice (position {p})"),
    }
    assert!(a
        .pending_callbacks(&run_id(1))
        .await
        .expect("pending")
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_chore_has_one_holder_at_a_time() {
    let Some((a, guard)) = open_fresh(|o| o).await else {
        return;
    };
    let b = second_node(&guard).await;
    let (node_a, node_b) = (owner("node-a"), owner("node-b"));
    let hold = Duration::seconds(60);
    assert!(a.take_task("chore", &node_a, at(0), hold).await.expect("a"));
    assert!(!b
        .take_task("chore", &node_b, at(30), hold)
        .await
        .expect("b"));
    assert!(a
        .take_task("chore", &node_a, at(30), hold)
        .await
        .expect("a keeps it"));
    assert!(!b
        .take_task("chore", &node_b, at(89), hold)
        .await
        .expect("still a's"));
    assert!(b
        .take_task("chore", &node_b, at(90), hold)
        .await
        .expect("expired: b's"));
    assert!(!a
        .take_task("chore", &node_a, at(91), hold)
        .await
        .expect("b's now"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_node_reaches_the_others_cached_workflow() {
    let Some((a, guard)) = open_fresh(|o| o).await else {
        return;
    };
    let b = second_node(&guard).await;
    create_workflow(&a, "flow").await;
    let name = hookflow_store::conformance::fixture::workflow("flow");
    // Both nodes read (and cache) the workflow and its keys.
    assert_eq!(
        b.get_workflow(&name).await.expect("b reads").state,
        WorkflowState::Enabled
    );
    let before = b.access_keys(&name).await.expect("b keys");
    // Node A changes both; node B sees the changes once the notice arrives.
    a.set_workflow_state(&name, WorkflowState::Disabled, at(5))
        .await
        .expect("disable on a");
    a.regenerate_access_key(&name, KeyType::Primary, AccessKey("fresh".into()))
        .await
        .expect("regenerate on a");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let state = b.get_workflow(&name).await.expect("b reads").state;
        let keys = b.access_keys(&name).await.expect("b keys");
        if state == WorkflowState::Disabled && keys.primary.0 == "fresh" {
            assert_eq!(keys.secondary, before.secondary);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "node b never saw node a's change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // A node reads its own writes at once.
    a.set_workflow_state(&name, WorkflowState::Enabled, at(6))
        .await
        .expect("enable on a");
    assert_eq!(
        a.get_workflow(&name).await.expect("a reads").state,
        WorkflowState::Enabled
    );
    a.delete_workflow(&name).await.expect("delete");
    assert_eq!(
        a.get_workflow(&name).await.map_err(|e| e.kind()).err(),
        Some(ErrorKind::NotFound)
    );
}
