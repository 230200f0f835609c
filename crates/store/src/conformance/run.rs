//! Runs: creation, fenced appends, atomicity, listing, action records, trigger histories,
//! waiting-run counts.

use serde_json::json;

use super::fixture::{
    action, appending, assert_kind, at, create_run, create_workflow, entry, manual_histories,
    manual_history_page, new_run, run_id, trigger, workflow,
};
use crate::{
    ActionKey, ActionRecord, Append, CallbackId, Creation, ErrorKind, HistoryId, PageRequest,
    RunChanges, RunQuery, RunStatus, RunSummary, Store, TimerChange, TimerId, TriggerHistory,
    WaitingRuns,
};

/// A skipped trigger's history (a fired one's is its run's, `NewRun::fired_history`).
fn history(id: HistoryId, secs: i64) -> TriggerHistory {
    TriggerHistory {
        workflow: workflow("flow"),
        trigger: trigger("manual"),
        id,
        start_time: at(secs),
        end_time: Some(at(secs)),
        status: RunStatus::Skipped,
        code: Some("OK".into()),
        fired: false,
        run: None,
        inputs: None,
        outputs: Some(json!({"body": secs})),
        error: None,
    }
}

pub async fn create_run_writes_record_and_journal<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let id = run_id(1);
    let mut new = new_run("flow", id.clone());
    new.entries.push(entry("ActionStarted", 1));
    new.records_history = true;
    let run = create_run(&store, new.clone()).await;
    assert_eq!(run.position, 2);
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(run.trigger, new.trigger);
    assert_eq!(run.end_time, None);

    let stored = store.get_run(&id).await.expect("get");
    assert_eq!(stored, run);
    let journal = store.load_journal(&id, 0).await.expect("journal");
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].position, 0);
    assert_eq!(journal[0].entry, new.entries[0]);
    assert_eq!(journal[1].entry, new.entries[1]);
    assert_eq!(store.load_journal(&id, 1).await.expect("tail").len(), 1);
    assert!(store
        .load_journal(&id, 9)
        .await
        .expect("past the end")
        .is_empty());

    let histories = manual_histories(&store).await;
    assert_eq!(histories, vec![new.fired_history()]);
    assert!(histories[0].fired);
    assert_eq!(
        store
            .get_trigger_history(&workflow("flow"), &trigger("manual"), &id.clone().into())
            .await
            .expect("the fired history"),
        new.fired_history()
    );
    // Its id is taken like any other history's.
    assert_kind(
        store
            .record_trigger_history(history(id.clone().into(), 2))
            .await,
        ErrorKind::Conflict,
    );
}

pub async fn create_run_conflicts<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    create_run(&store, new_run("flow", run_id(1))).await;
    assert_kind(
        store.create_run(new_run("flow", run_id(1))).await,
        ErrorKind::Conflict,
    );
    assert_kind(
        store.create_run(new_run("missing", run_id(2))).await,
        ErrorKind::NotFound,
    );
    assert_kind(store.get_run(&run_id(2)).await, ErrorKind::NotFound);

    // Consuming a callback that does not exist fails the whole creation.
    let mut broken = new_run("flow", run_id(3));
    broken.changes.consume_callbacks.push(CallbackId(999));
    assert!(store.create_run(broken).await.is_err());
    assert_kind(store.get_run(&run_id(3)).await, ErrorKind::NotFound);
}

pub async fn create_run_is_idempotent_by_trigger_key<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let mut first = new_run("flow", run_id(1));
    first.idempotency_key = Some("evt-1".into());
    create_run(&store, first).await;

    let mut repeat = new_run("flow", run_id(2));
    repeat.idempotency_key = Some("evt-1".into());
    assert_eq!(
        store.create_run(repeat).await.expect("repeat"),
        Creation::Duplicate {
            original: run_id(1)
        }
    );
    assert_kind(store.get_run(&run_id(2)).await, ErrorKind::NotFound);

    let mut other = new_run("flow", run_id(3));
    other.idempotency_key = Some("evt-2".into());
    create_run(&store, other).await;
}

pub async fn append_is_fenced_by_position<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let append = |position, n| appending(&run.id, position, vec![entry("Step", n)]);
    assert_eq!(store.append(append(1, 1)).await.expect("append at 1"), 2);
    match store.append(append(1, 2)).await {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Conflict);
            assert!(!e.is_retryable());
        }
        Ok(p) => panic!("stale append accepted at {p}"),
    }
    assert_kind(store.append(append(5, 2)).await, ErrorKind::Conflict);
    assert_eq!(store.append(append(2, 2)).await.expect("append at 2"), 3);
    let journal = store.load_journal(&run.id, 0).await.expect("journal");
    let ns: Vec<_> = journal
        .iter()
        .map(|e| e.entry.payload_value().expect("JSON")["n"].clone())
        .collect();
    assert_eq!(ns, vec![json!(0), json!(1), json!(2)]);
    assert_eq!(store.get_run(&run.id).await.expect("run").position, 3);

    // Changes without entries are fenced too and leave the position.
    let mut empty = append(3, 0);
    empty.entries.clear();
    assert_eq!(store.append(empty).await.expect("changes only"), 3);

    let mut missing = append(0, 0);
    missing.run = run_id(42);
    assert_kind(store.append(missing).await, ErrorKind::NotFound);
}

/// Writes of many entries, creating and appending, read back whole, in order, at their
/// positions, and from a position on.
pub async fn long_writes_keep_their_order<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let mut new = new_run("flow", run_id(1));
    new.entries.extend((1..20).map(|n| entry("Step", n)));
    let run = create_run(&store, new).await;
    assert_eq!(run.position, 20);
    let append = Append {
        run: run.id.clone(),
        expected_position: 20,
        lease: None,
        entries: (20..37).map(|n| entry("Step", n)).collect(),
        changes: RunChanges::default(),
    };
    assert_eq!(store.append(append).await.expect("append"), 37);
    let journal = store.load_journal(&run.id, 0).await.expect("journal");
    let positions: Vec<u64> = journal.iter().map(|e| e.position).collect();
    assert_eq!(positions, (0..37).collect::<Vec<u64>>());
    let ns: Vec<_> = journal
        .iter()
        .map(|e| e.entry.payload_value().expect("JSON")["n"].clone())
        .collect();
    let expected: Vec<_> = (0..37).map(|n: u64| json!(n)).collect();
    assert_eq!(ns, expected);
    assert_eq!(
        store.load_journal(&run.id, 30).await.expect("tail").len(),
        7
    );
}

pub async fn append_updates_summary<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let summary = RunSummary {
        status: RunStatus::Failed,
        end_time: Some(at(50)),
        outputs: Some(json!({"result": 1})),
        error: Some(json!({"code": "ActionFailed", "message": "boom"})),
    };
    store
        .append(Append {
            run: run.id.clone(),
            expected_position: 1,
            lease: None,
            entries: vec![entry("RunCompleted", 1)],
            changes: RunChanges {
                summary: Some(summary.clone()),
                ..RunChanges::default()
            },
        })
        .await
        .expect("append");
    let after = store.get_run(&run.id).await.expect("run");
    assert_eq!(after.status, RunStatus::Failed);
    assert_eq!(after.end_time, summary.end_time);
    assert_eq!(after.outputs, summary.outputs);
    assert_eq!(after.error, summary.error);
    assert_eq!(after.start_time, run.start_time);
}

pub async fn append_is_atomic<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let result = store
        .append(Append {
            run: run.id.clone(),
            expected_position: 1,
            lease: None,
            entries: vec![entry("Step", 1)],
            changes: RunChanges {
                summary: Some(RunSummary {
                    status: RunStatus::Succeeded,
                    end_time: Some(at(5)),
                    outputs: None,
                    error: None,
                }),
                timers: vec![TimerChange::Schedule {
                    id: TimerId::new("t").expect("id"),
                    due: at(10),
                    payload: json!({}),
                }],
                consume_callbacks: vec![CallbackId(12345)],
                actions: vec![ActionRecord {
                    key: ActionKey::new("A"),
                    status: RunStatus::Succeeded,
                    code: None,
                    start_time: None,
                    end_time: None,
                    inputs: None,
                    outputs: None,
                    error: None,
                }],
                ..RunChanges::default()
            },
        })
        .await;
    assert_kind(result, ErrorKind::NotFound);
    let after = store.get_run(&run.id).await.expect("run");
    assert_eq!(after, run, "nothing of the failed write is visible");
    assert_eq!(
        store.load_journal(&run.id, 0).await.expect("journal").len(),
        1
    );
    assert!(store.run_timers(&run.id).await.expect("timers").is_empty());
    assert!(store
        .list_actions(&run.id)
        .await
        .expect("actions")
        .is_empty());
}

pub async fn list_runs_pages_and_filters<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    create_workflow(&store, "other").await;
    for n in 1..=5 {
        let mut new = new_run("flow", run_id(n));
        if n % 2 == 0 {
            new.status = RunStatus::Succeeded;
        }
        create_run(&store, new).await;
    }
    create_run(&store, new_run("other", run_id(6))).await;

    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let query = RunQuery {
            workflow: workflow("flow"),
            status: None,
            page: page.clone(),
        };
        let result = store.list_runs(query).await.expect("list");
        seen.extend(result.items.into_iter().map(|r| r.id));
        match result.continuation {
            Some(token) => page = PageRequest::after(2, token),
            None => break,
        }
    }
    let expected: Vec<_> = (1..=5).rev().map(run_id).collect();
    assert_eq!(seen, expected, "newest first, every run once");

    let succeeded = store
        .list_runs(RunQuery {
            workflow: workflow("flow"),
            status: Some(RunStatus::Succeeded),
            page: PageRequest::first(10),
        })
        .await
        .expect("filtered");
    let ids: Vec<_> = succeeded.items.into_iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![run_id(4), run_id(2)]);

    assert_kind(
        store
            .list_runs(RunQuery {
                workflow: workflow("missing"),
                status: None,
                page: PageRequest::first(10),
            })
            .await,
        ErrorKind::NotFound,
    );
}

pub async fn action_records<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let write = |position, actions: Vec<ActionRecord>| Append {
        run: run.id.clone(),
        expected_position: position,
        lease: None,
        entries: vec![entry("Step", position)],
        changes: RunChanges {
            actions,
            ..RunChanges::default()
        },
    };
    store
        .append(write(
            1,
            vec![
                action("Compose", vec![], RunStatus::Running, 1),
                action("Inner", vec![0], RunStatus::Succeeded, 2),
                action("Inner", vec![2], RunStatus::Succeeded, 3),
            ],
        ))
        .await
        .expect("first");
    store
        .append(write(
            2,
            vec![
                action("Compose", vec![], RunStatus::Succeeded, 4),
                action("Inner", vec![1], RunStatus::Failed, 5),
            ],
        ))
        .await
        .expect("second");

    let all = store.list_actions(&run.id).await.expect("actions");
    let shown: Vec<_> = all.iter().map(|a| (a.key.name.clone(), a.status)).collect();
    assert_eq!(
        shown,
        vec![
            ("Compose".to_string(), RunStatus::Succeeded),
            ("Inner".to_string(), RunStatus::Failed)
        ],
        "one per name, the latest write of a repeated action"
    );
    let compose = store.get_action(&run.id, "Compose").await.expect("compose");
    assert_eq!(compose, action("Compose", vec![], RunStatus::Succeeded, 4));
    assert_kind(store.get_action(&run.id, "Nope").await, ErrorKind::NotFound);
    // A repetition written again is the latest written, whenever it was first written.
    store
        .append(write(
            3,
            vec![action("Inner", vec![0], RunStatus::Succeeded, 6)],
        ))
        .await
        .expect("third");
    let inner = store.get_action(&run.id, "Inner").await.expect("inner");
    assert_eq!(inner, action("Inner", vec![0], RunStatus::Succeeded, 6));

    let page = store
        .list_repetitions(&run.id, "Inner", PageRequest::first(2))
        .await
        .expect("repetitions");
    let reps: Vec<_> = page
        .items
        .iter()
        .map(|a| a.key.repetition.0.clone())
        .collect();
    assert_eq!(reps, vec![vec![0], vec![1]]);
    let rest = store
        .list_repetitions(
            &run.id,
            "Inner",
            PageRequest::after(2, page.continuation.expect("more")),
        )
        .await
        .expect("rest");
    assert_eq!(
        rest.items,
        vec![action("Inner", vec![2], RunStatus::Succeeded, 3)]
    );
    assert!(rest.continuation.is_none());
    assert!(store
        .list_repetitions(&run.id, "Compose", PageRequest::first(5))
        .await
        .expect("none")
        .items
        .is_empty());
    assert_kind(store.list_actions(&run_id(9)).await, ErrorKind::NotFound);
}

pub async fn trigger_histories<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    for n in 1..=3 {
        store
            .record_trigger_history(history(run_id(n).into(), n as i64))
            .await
            .expect("record");
    }
    assert_kind(
        store
            .record_trigger_history(history(run_id(2).into(), 2))
            .await,
        ErrorKind::Conflict,
    );
    let mut missing = history(run_id(4).into(), 4);
    missing.workflow = workflow("missing");
    assert_kind(
        store.record_trigger_history(missing).await,
        ErrorKind::NotFound,
    );

    let page = manual_history_page(&store, None, PageRequest::first(2)).await;
    let ids: Vec<_> = page.items.iter().map(|h| h.id.clone()).collect();
    assert_eq!(
        ids,
        vec![HistoryId::from(run_id(3)), HistoryId::from(run_id(2))]
    );
    let rest = manual_history_page(
        &store,
        None,
        PageRequest::after(2, page.continuation.expect("more")),
    )
    .await;
    assert_eq!(rest.items.len(), 1);
    assert!(!rest.items[0].fired);
    assert_eq!(rest.items[0].status, RunStatus::Skipped);

    let one = store
        .get_trigger_history(&workflow("flow"), &trigger("manual"), &run_id(1).into())
        .await
        .expect("get");
    assert_eq!(one, history(run_id(1).into(), 1));
    assert_kind(
        store
            .get_trigger_history(&workflow("flow"), &trigger("other"), &run_id(1).into())
            .await,
        ErrorKind::NotFound,
    );
}

pub async fn waiting_runs_count_parked_and_queued_runs<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    create_workflow(&store, "other").await;
    let waiting = || async { store.waiting_runs().await.expect("waiting runs") };
    assert_eq!(waiting().await, WaitingRuns::default(), "an empty store");

    let write = |run: u64, position, actions: Vec<ActionRecord>, summary| Append {
        run: run_id(run),
        expected_position: position,
        lease: None,
        entries: vec![entry("Step", position)],
        changes: RunChanges {
            actions,
            summary,
            ..RunChanges::default()
        },
    };
    let summary = |status: RunStatus| {
        Some(RunSummary {
            status,
            end_time: status.is_terminal().then(|| at(9)),
            outputs: None,
            error: None,
        })
    };

    // Run 1 waits in two actions; it counts once.
    create_run(&store, new_run("flow", run_id(1))).await;
    store
        .append(write(
            1,
            1,
            vec![
                action("Approve", vec![], RunStatus::Waiting, 1),
                action("Notify", vec![], RunStatus::Waiting, 1),
                action("Compose", vec![], RunStatus::Succeeded, 1),
            ],
            None,
        ))
        .await
        .expect("run 1 parked");
    // Run 2, of another workflow, waits in two repetitions of a loop; it counts once.
    create_run(&store, new_run("other", run_id(2))).await;
    store
        .append(write(
            2,
            1,
            vec![
                action("Each", vec![0], RunStatus::Waiting, 1),
                action("Each", vec![1], RunStatus::Waiting, 1),
            ],
            None,
        ))
        .await
        .expect("run 2 parked");
    // Run 3 runs with nothing waiting.
    create_run(&store, new_run("flow", run_id(3))).await;
    store
        .append(write(
            3,
            1,
            vec![action("Compose", vec![], RunStatus::Running, 1)],
            None,
        ))
        .await
        .expect("run 3 running");
    // Runs 4 and 5 are queued for a concurrency slot.
    for n in [4, 5] {
        let mut queued = new_run("flow", run_id(n));
        queued.status = RunStatus::Waiting;
        create_run(&store, queued).await;
    }
    assert_eq!(
        waiting().await,
        WaitingRuns {
            callback: 2,
            queued: 2
        }
    );

    // Run 1's callbacks arrive: one action done, the other still waiting.
    store
        .append(write(
            1,
            2,
            vec![action("Approve", vec![], RunStatus::Succeeded, 2)],
            None,
        ))
        .await
        .expect("run 1 half resumed");
    assert_eq!(waiting().await.callback, 2, "run 1 still waits in Notify");
    store
        .append(write(
            1,
            3,
            vec![action("Notify", vec![], RunStatus::Succeeded, 3)],
            None,
        ))
        .await
        .expect("run 1 resumed");
    assert_eq!(waiting().await.callback, 1, "only run 2 waits");

    // Run 2 is cancelled; a finished run no longer waits, whatever its records say.
    store
        .append(write(2, 2, Vec::new(), summary(RunStatus::Cancelled)))
        .await
        .expect("run 2 cancelled");
    // Run 4 leaves the queue and starts.
    store
        .append(write(4, 1, Vec::new(), summary(RunStatus::Running)))
        .await
        .expect("run 4 started");
    assert_eq!(
        waiting().await,
        WaitingRuns {
            callback: 0,
            queued: 1
        }
    );
}

/// The ids on every page of the `flow`/`manual` histories in `status`, with pages of `top`,
/// checking the paging promise on the way: each page but the last is full, and only the
/// last has no continuation.
async fn history_ids_paged<S: Store>(
    store: &S,
    status: Option<RunStatus>,
    top: usize,
) -> Vec<HistoryId> {
    let mut seen = Vec::new();
    let mut page = PageRequest::first(top);
    loop {
        let result = manual_history_page(store, status, page.clone()).await;
        seen.extend(result.items.iter().map(|h| h.id.clone()));
        match result.continuation {
            Some(token) => {
                assert_eq!(
                    result.items.len(),
                    top,
                    "a page with a continuation is full ({status:?}, top {top})"
                );
                page = PageRequest::after(top, token);
            }
            None => return seen,
        }
    }
}

pub async fn trigger_histories_filter_by_status<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    // Failed histories lie before, between and after the others, so a filter applied
    // after fetching a page would return short or empty pages.
    let failed = [2, 6, 7, 11];
    let fired = [4, 9];
    for n in 1..=12u64 {
        let id = run_id(n);
        if fired.contains(&n) {
            let mut new = new_run("flow", id.clone());
            new.records_history = true;
            create_run(&store, new).await;
            continue;
        }
        let mut recorded = history(id.into(), n as i64);
        if failed.contains(&n) {
            recorded.status = RunStatus::Failed;
            recorded.code = Some("BadRequest".into());
        }
        store
            .record_trigger_history(recorded)
            .await
            .expect("record");
    }
    let mut elsewhere = history(run_id(13).into(), 13);
    elsewhere.trigger = trigger("other");
    elsewhere.status = RunStatus::Failed;
    store
        .record_trigger_history(elsewhere)
        .await
        .expect("another trigger's history");

    let newest_first =
        |ns: &[u64]| -> Vec<HistoryId> { ns.iter().rev().map(|&n| run_id(n).into()).collect() };
    let skipped: Vec<u64> = (1..=12)
        .filter(|n| !failed.contains(n) && !fired.contains(n))
        .collect();
    for top in [1, 2, 3, 4, 5] {
        assert_eq!(
            history_ids_paged(&store, Some(RunStatus::Failed), top).await,
            newest_first(&failed),
            "failed histories of this trigger in pages of {top}"
        );
        assert_eq!(
            history_ids_paged(&store, Some(RunStatus::Succeeded), top).await,
            newest_first(&fired),
            "succeeded histories in pages of {top}"
        );
        assert_eq!(
            history_ids_paged(&store, Some(RunStatus::Skipped), top).await,
            newest_first(&skipped),
            "skipped histories in pages of {top}"
        );
    }
    assert!(history_ids_paged(&store, Some(RunStatus::Running), 2)
        .await
        .is_empty());
    let all: Vec<u64> = (1..=12).collect();
    assert_eq!(
        history_ids_paged(&store, None, 5).await,
        newest_first(&all),
        "no filter lists every history of the trigger"
    );

    // A page holding the oldest matching history has no continuation, even though
    // non-matching histories follow it.
    let last = manual_history_page(&store, Some(RunStatus::Failed), PageRequest::first(4)).await;
    assert_eq!(last.items.len(), 4);
    assert!(
        last.continuation.is_none(),
        "no empty page after the last match"
    );

    assert_kind(
        store
            .list_trigger_histories(
                &workflow("missing"),
                &trigger("manual"),
                Some(RunStatus::Failed),
                PageRequest::first(2),
            )
            .await,
        ErrorKind::NotFound,
    );
}
