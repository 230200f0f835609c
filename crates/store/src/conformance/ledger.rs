//! The webhook subscription ledger.

use serde_json::json;

use super::fixture::{
    assert_kind, at, create_run, create_workflow, entry, new_run, run_id, trigger, workflow,
};
use crate::{
    ActionKey, Append, ErrorKind, LedgerChange, LedgerEntry, LedgerId, LedgerOperation,
    LedgerState, LedgerTarget, LedgerUpdate, RunChanges, Store,
};

fn ledger_id(id: &str) -> LedgerId {
    LedgerId::new(id).expect("ledger id")
}

fn trigger_entry(id: &str, operation: LedgerOperation, secs: i64) -> LedgerEntry {
    LedgerEntry {
        id: ledger_id(id),
        workflow: workflow("flow"),
        target: LedgerTarget::Trigger(trigger("hook")),
        operation,
        request: json!({"method": "POST", "uri": "http://svc/subscribe", "body": {"callback": "u"}}),
        response: None,
        state: LedgerState::Pending,
        created_at: at(secs),
        updated_at: at(secs),
        workflow_deleted: false,
    }
}

pub async fn ledger_records_and_reconciles<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    store
        .record_ledger(trigger_entry("sub-1", LedgerOperation::Subscribe, 1))
        .await
        .expect("record");
    store
        .record_ledger(trigger_entry("unsub-1", LedgerOperation::Unsubscribe, 2))
        .await
        .expect("record");
    assert_kind(
        store
            .record_ledger(trigger_entry("sub-1", LedgerOperation::Subscribe, 3))
            .await,
        ErrorKind::Conflict,
    );
    let mut orphan = trigger_entry("x", LedgerOperation::Subscribe, 3);
    orphan.workflow = workflow("missing");
    assert_kind(store.record_ledger(orphan).await, ErrorKind::NotFound);

    let unsettled: Vec<_> = store
        .unsettled_ledger(10)
        .await
        .expect("unsettled")
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        unsettled,
        vec![ledger_id("sub-1"), ledger_id("unsub-1")],
        "oldest first"
    );

    // An answer can be recorded before the entry is settled (a trigger's exchange stays
    // unsettled until the trigger state it leads to is written).
    let sent = store
        .update_ledger(LedgerUpdate {
            id: ledger_id("sub-1"),
            state: LedgerState::Sent,
            response: Some(json!({"statusCode": 202})),
            at: at(4),
        })
        .await
        .expect("sent");
    assert_eq!(sent.state, LedgerState::Sent);
    let unsettled = store.unsettled_ledger(10).await.expect("unsettled");
    assert_eq!(unsettled.len(), 2, "sent is not settled");
    assert_eq!(
        unsettled[0].response,
        Some(json!({"statusCode": 202})),
        "an unsettled entry keeps its recorded answer"
    );
    let done = store
        .update_ledger(LedgerUpdate {
            id: ledger_id("sub-1"),
            state: LedgerState::Succeeded,
            response: Some(json!({"statusCode": 200})),
            at: at(5),
        })
        .await
        .expect("succeeded");
    assert_eq!(done.response, Some(json!({"statusCode": 200})));
    assert_eq!((done.created_at, done.updated_at), (at(1), at(5)));
    assert_eq!(
        store
            .get_ledger_entry(&ledger_id("sub-1"))
            .await
            .expect("get"),
        done
    );
    let unsettled = store.unsettled_ledger(10).await.expect("unsettled");
    assert_eq!(unsettled.len(), 1);
    assert_eq!(unsettled[0].id, ledger_id("unsub-1"));
    assert_eq!(store.unsettled_ledger(0).await.expect("limit 0").len(), 0);

    assert_kind(
        store
            .update_ledger(LedgerUpdate {
                id: ledger_id("nope"),
                state: LedgerState::Failed,
                response: None,
                at: at(6),
            })
            .await,
        ErrorKind::NotFound,
    );
    assert_kind(
        store.get_ledger_entry(&ledger_id("nope")).await,
        ErrorKind::NotFound,
    );
}

pub async fn ledger_written_with_appends<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let action_entry = LedgerEntry {
        id: ledger_id("run1-wait-sub"),
        target: LedgerTarget::Action {
            run: run.id.clone(),
            key: ActionKey::in_repetition("Wait", vec![2]),
        },
        ..trigger_entry("ignored", LedgerOperation::Subscribe, 10)
    };
    store
        .append(Append {
            run: run.id.clone(),
            expected_position: 1,
            lease: None,
            entries: vec![entry("ActionStarted", 1)],
            changes: RunChanges {
                ledger: vec![
                    LedgerChange::Record(action_entry.clone()),
                    LedgerChange::Update(LedgerUpdate {
                        id: ledger_id("run1-wait-sub"),
                        state: LedgerState::Sent,
                        response: None,
                        at: at(11),
                    }),
                ],
                ..RunChanges::default()
            },
        })
        .await
        .expect("append with ledger");
    let stored = store
        .get_ledger_entry(&action_entry.id)
        .await
        .expect("stored");
    assert_eq!(stored.target, action_entry.target);
    assert_eq!(stored.state, LedgerState::Sent);
    assert_eq!(stored.updated_at, at(11));

    // A duplicate ledger id fails the whole append.
    let result = store
        .append(Append {
            run: run.id.clone(),
            expected_position: 2,
            lease: None,
            entries: vec![entry("Again", 2)],
            changes: RunChanges {
                ledger: vec![LedgerChange::Record(action_entry.clone())],
                ..RunChanges::default()
            },
        })
        .await;
    assert_kind(result, ErrorKind::Conflict);
    assert_eq!(store.get_run(&run.id).await.expect("run").position, 2);

    store
        .record_ledger(trigger_entry("trigger-sub", LedgerOperation::Subscribe, 20))
        .await
        .expect("trigger");
    let all: Vec<_> = store
        .workflow_ledger(&workflow("flow"))
        .await
        .expect("ledger")
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        all,
        vec![ledger_id("run1-wait-sub"), ledger_id("trigger-sub")]
    );
    assert_kind(
        store.workflow_ledger(&workflow("missing")).await,
        ErrorKind::NotFound,
    );
}

/// Deleting a workflow keeps its ledger entries as the record (an unsettled one still
/// settles), marked as the deleted workflow's: a workflow created again under the same
/// name starts with a ledger of its own.
pub async fn ledger_outlives_its_workflow<S: Store>(store: S) {
    create_workflow(&store, "flow").await;
    let run = create_run(&store, new_run("flow", run_id(1))).await;
    let unsubscribe = LedgerEntry {
        id: ledger_id("run1-wait-unsub"),
        target: LedgerTarget::Action {
            run: run.id.clone(),
            key: ActionKey::in_repetition("Wait", vec![]),
        },
        ..trigger_entry("ignored", LedgerOperation::Unsubscribe, 10)
    };
    store
        .append(Append {
            run: run.id.clone(),
            expected_position: 1,
            lease: None,
            entries: vec![entry("RunCancelled", 1)],
            changes: RunChanges {
                ledger: vec![LedgerChange::Record(unsubscribe.clone())],
                ..RunChanges::default()
            },
        })
        .await
        .expect("append with ledger");
    store
        .record_ledger(trigger_entry("trigger-sub", LedgerOperation::Subscribe, 11))
        .await
        .expect("trigger subscribe");
    store
        .update_ledger(LedgerUpdate {
            id: ledger_id("trigger-sub"),
            state: LedgerState::Succeeded,
            response: Some(json!({"statusCode": 200})),
            at: at(12),
        })
        .await
        .expect("settled");

    store
        .delete_workflow(&workflow("flow"))
        .await
        .expect("delete");
    let kept = store
        .get_ledger_entry(&ledger_id("trigger-sub"))
        .await
        .expect("the settled entry is kept as the record");
    assert!(kept.workflow_deleted, "marked as the deleted workflow's");
    assert_eq!(kept.state, LedgerState::Succeeded);
    let unsettled = store.unsettled_ledger(10).await.expect("unsettled");
    assert_eq!(
        unsettled.len(),
        1,
        "the unsubscribe in flight is still seen"
    );
    assert_eq!(unsettled[0].id, unsubscribe.id);
    assert!(unsettled[0].workflow_deleted);
    let settled = store
        .update_ledger(LedgerUpdate {
            id: unsubscribe.id.clone(),
            state: LedgerState::Failed,
            response: Some(json!({"statusCode": 503})),
            at: at(13),
        })
        .await
        .expect("an answer after the delete is still recorded");
    assert!(settled.workflow_deleted);
    assert_eq!(settled.target, unsubscribe.target);
    assert!(store.unsettled_ledger(10).await.expect("none").is_empty());
    assert_kind(
        store
            .record_ledger(trigger_entry("late", LedgerOperation::Subscribe, 14))
            .await,
        ErrorKind::NotFound,
    );
    assert_kind(
        store.workflow_ledger(&workflow("flow")).await,
        ErrorKind::NotFound,
    );

    // The same name again: none of the old entries are the new workflow's.
    create_workflow(&store, "flow").await;
    assert!(store
        .workflow_ledger(&workflow("flow"))
        .await
        .expect("new ledger")
        .is_empty());
    let claims_deleted = LedgerEntry {
        workflow_deleted: true,
        ..trigger_entry("new-sub", LedgerOperation::Subscribe, 20)
    };
    store
        .record_ledger(claims_deleted)
        .await
        .expect("new entry");
    let new_entries = store
        .workflow_ledger(&workflow("flow"))
        .await
        .expect("new ledger");
    assert_eq!(new_entries.len(), 1);
    assert_eq!(new_entries[0].id, ledger_id("new-sub"));
    assert!(
        !new_entries[0].workflow_deleted,
        "a new entry belongs to the live workflow"
    );
    let unsettled = store.unsettled_ledger(10).await.expect("unsettled");
    assert_eq!(unsettled.len(), 1);
    assert!(!unsettled[0].workflow_deleted);

    // Deleted again: the second workflow's entries join the first one's.
    store
        .delete_workflow(&workflow("flow"))
        .await
        .expect("delete again");
    for id in ["trigger-sub", "run1-wait-unsub", "new-sub"] {
        let entry = store.get_ledger_entry(&ledger_id(id)).await.expect(id);
        assert!(entry.workflow_deleted, "{id} marked");
    }
}
