//! A run created with a whole change set, as a run that finishes (or parks) in its first
//! step is: summary, runnable time, timers and action records land with the run itself.

use chrono::Duration;
use serde_json::json;

use super::fixture::{at, create_run, create_workflow, new_run, run_id};
use crate::{
    ActionKey, ActionRecord, LeaseOwner, RunChanges, RunStatus, RunSummary, Runnable, Store,
    TimerChange, TimerId,
};

fn record(name: &str, repetition: Vec<u32>, status: RunStatus, n: i64) -> ActionRecord {
    ActionRecord {
        key: ActionKey::in_repetition(name, repetition),
        status,
        code: None,
        start_time: Some(at(n)),
        end_time: status.is_terminal().then(|| at(n + 1)),
        inputs: Some(json!({"n": n})),
        outputs: None,
        error: None,
    }
}

pub async fn create_run_applies_its_changes<S: Store>(store: S) {
    create_workflow(&store, "flow").await;

    // A run that finished in its first step: created already Succeeded.
    let mut finished = new_run("flow", run_id(1));
    finished.changes = RunChanges {
        summary: Some(RunSummary {
            status: RunStatus::Succeeded,
            end_time: Some(at(5)),
            outputs: Some(json!({"answer": 42})),
            error: None,
        }),
        actions: vec![
            record("Loop", vec![], RunStatus::Running, 1),
            record("Inner", vec![1], RunStatus::Succeeded, 2),
            record("Inner", vec![0], RunStatus::Running, 3),
            // A second record of the same action in one write: the last one wins.
            record("Inner", vec![0], RunStatus::Succeeded, 4),
            record("Loop", vec![], RunStatus::Succeeded, 5),
        ],
        ..RunChanges::default()
    };
    create_run(&store, finished).await;
    let run = store.get_run(&run_id(1)).await.expect("finished run");
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(run.end_time, Some(at(5)));
    assert_eq!(run.outputs, Some(json!({"answer": 42})));

    let latest: Vec<_> = store
        .list_actions(&run.id)
        .await
        .expect("actions")
        .into_iter()
        .map(|a| (a.key.name, a.key.repetition.0, a.status))
        .collect();
    assert_eq!(
        latest,
        vec![
            ("Inner".to_string(), vec![0], RunStatus::Succeeded),
            ("Loop".to_string(), vec![], RunStatus::Succeeded),
        ],
        "per name, the record written last, in the order of the write"
    );
    assert_eq!(
        store
            .get_action(&run.id, "Loop")
            .await
            .expect("loop record"),
        record("Loop", vec![], RunStatus::Succeeded, 5)
    );

    // A run that parked in its first step: runnable later, with a timer.
    let mut parked = new_run("flow", run_id(2));
    parked.changes = RunChanges {
        runnable: Some(Runnable::At(at(50))),
        timers: vec![TimerChange::Schedule {
            id: TimerId::new("wake").expect("timer id"),
            due: at(80),
            payload: json!({"wake": true}),
        }],
        ..RunChanges::default()
    };
    create_run(&store, parked).await;
    assert_eq!(
        store.get_run(&run_id(2)).await.expect("parked run").status,
        RunStatus::Running
    );
    let node = LeaseOwner::new("node-a").expect("owner");
    let lease = Duration::seconds(30);
    let early = store
        .claim_runnable(&node, 10, lease, at(49))
        .await
        .expect("claim early");
    assert!(early.is_empty(), "not runnable before its time: {early:?}");
    let due = store
        .claim_runnable(&node, 10, lease, at(50))
        .await
        .expect("claim");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].run, run_id(2));
    let timers = store.due_timers(at(80), 10).await.expect("timers");
    assert_eq!(timers.len(), 1);
    assert_eq!(timers[0].run, run_id(2));
}
