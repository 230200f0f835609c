//! Workflows: versions, preconditions, paging, delete, state, keys, trigger state.

use serde_json::json;

use super::fixture::{
    assert_kind, at, create_run, create_workflow, new_run, run_id, save, trigger, workflow,
};
use crate::{
    AccessKey, Continuation, ErrorKind, Exchange, KeyType, PageRequest, Store, SubscriptionStatus,
    TriggerState, VersionId, VersionPrecondition, WorkflowName, WorkflowState,
};

pub async fn workflow_save_creates_versions<S: Store>(store: S) {
    let first = store
        .put_workflow(save("orders", json!({"v": 1}), 10))
        .await
        .expect("first save");
    assert!(first.created);
    assert_eq!(first.workflow.version, VersionId(1));
    assert_eq!(first.workflow.created_at, at(10));

    let second = store
        .put_workflow(save("orders", json!({"v": 2}), 20))
        .await
        .expect("second save");
    assert!(!second.created);
    assert_eq!(second.workflow.version, VersionId(2));
    assert_eq!(
        second.workflow.created_at,
        at(10),
        "creation time survives saves"
    );
    assert_eq!(second.workflow.changed_at, at(20));

    let current = store.get_workflow(&workflow("orders")).await.expect("get");
    assert_eq!(current.definition, json!({"v": 2}));
    assert_eq!(current, second.workflow);

    let old = store
        .get_version(&workflow("orders"), VersionId(1))
        .await
        .expect("version 1 kept");
    assert_eq!(old.definition, json!({"v": 1}));
    assert_eq!(old.created_at, at(10));

    let versions = store
        .list_versions(&workflow("orders"), PageRequest::first(10))
        .await
        .expect("versions");
    let numbers: Vec<u64> = versions.items.iter().map(|v| v.version.0).collect();
    assert_eq!(numbers, vec![2, 1], "newest first");
    assert!(versions.continuation.is_none());

    let page = store
        .list_versions(&workflow("orders"), PageRequest::first(1))
        .await
        .expect("page 1");
    assert_eq!(page.items[0].version, VersionId(2));
    let token = page.continuation.expect("a second page");
    let rest = store
        .list_versions(&workflow("orders"), PageRequest::after(1, token))
        .await
        .expect("page 2");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].version, VersionId(1));
    assert!(rest.continuation.is_none());

    assert_kind(
        store.get_version(&workflow("orders"), VersionId(3)).await,
        ErrorKind::NotFound,
    );
}

pub async fn workflow_save_preconditions<S: Store>(store: S) {
    let mut create = save("flow", json!({}), 1);
    create.expect = VersionPrecondition::Absent;
    store
        .put_workflow(create.clone())
        .await
        .expect("create when absent");
    assert_kind(store.put_workflow(create).await, ErrorKind::Conflict);

    let mut stale = save("flow", json!({"x": 1}), 2);
    stale.expect = VersionPrecondition::Current(VersionId(7));
    assert_kind(store.put_workflow(stale).await, ErrorKind::Conflict);

    let mut fresh = save("flow", json!({"x": 1}), 2);
    fresh.expect = VersionPrecondition::Current(VersionId(1));
    let saved = store
        .put_workflow(fresh)
        .await
        .expect("save on the expected version");
    assert_eq!(saved.workflow.version, VersionId(2));

    let mut missing = save("other", json!({}), 3);
    missing.expect = VersionPrecondition::Current(VersionId(1));
    assert_kind(store.put_workflow(missing).await, ErrorKind::Conflict);
}

pub async fn workflow_list_pages<S: Store>(store: S) {
    for name in ["e", "b", "d", "a", "c"] {
        create_workflow(&store, name).await;
    }
    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let result = store
            .list_workflows(None, page.clone())
            .await
            .expect("list");
        assert!(result.items.len() <= 2);
        seen.extend(result.items.iter().map(|w| w.name.to_string()));
        match result.continuation {
            Some(token) => page = PageRequest::after(2, token),
            None => break,
        }
    }
    assert_eq!(seen, vec!["a", "b", "c", "d", "e"]);

    assert_kind(
        store.list_workflows(None, PageRequest::first(0)).await,
        ErrorKind::Invalid,
    );
    assert_kind(
        store
            .list_workflows(None, PageRequest::first(crate::MAX_PAGE + 1))
            .await,
        ErrorKind::Invalid,
    );
}

/// The names on every page of `list_workflows(state)` with pages of `top`, checking the
/// paging promise on the way: each page but the last is full, and only the last has no
/// continuation.
async fn workflow_names_paged<S: Store>(
    store: &S,
    state: Option<WorkflowState>,
    top: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut page = PageRequest::first(top);
    loop {
        let result = store
            .list_workflows(state, page.clone())
            .await
            .expect("list");
        let names = result.items.iter().map(|w| w.name.to_string());
        seen.extend(names);
        match result.continuation {
            Some(token) => {
                assert_eq!(
                    result.items.len(),
                    top,
                    "a page with a continuation is full ({state:?}, top {top})"
                );
                page = PageRequest::after(top, token);
            }
            None => return seen,
        }
    }
}

pub async fn workflow_list_filters_by_state<S: Store>(store: S) {
    // Disabled workflows lie before, between and after the enabled ones, so a filter
    // applied after fetching a page would return short or empty pages.
    let enabled = ["c", "f", "g", "k"];
    for name in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"] {
        let mut new = save(name, json!({"actions": {}}), 0);
        if !enabled.contains(&name) {
            new.state = WorkflowState::Disabled;
        }
        store.put_workflow(new).await.expect("workflow saved");
    }
    let disabled = ["a", "b", "d", "e", "h", "i", "j", "l"];

    for top in [1, 2, 3, 4, 5] {
        assert_eq!(
            workflow_names_paged(&store, Some(WorkflowState::Enabled), top).await,
            enabled,
            "enabled workflows in pages of {top}"
        );
        assert_eq!(
            workflow_names_paged(&store, Some(WorkflowState::Disabled), top).await,
            disabled,
            "disabled workflows in pages of {top}"
        );
    }
    let all = workflow_names_paged(&store, None, 5).await;
    assert_eq!(all.len(), 12, "no filter lists every workflow");

    // A page holding the last matching workflow has no continuation, even though
    // non-matching workflows follow it.
    let last = store
        .list_workflows(Some(WorkflowState::Enabled), PageRequest::first(4))
        .await
        .expect("list");
    assert_eq!(last.items.len(), 4);
    assert!(
        last.continuation.is_none(),
        "no empty page after the last match"
    );

    store
        .set_workflow_state(&workflow("k"), WorkflowState::Disabled, at(1))
        .await
        .expect("disable");
    assert_eq!(
        workflow_names_paged(&store, Some(WorkflowState::Enabled), 2).await,
        ["c", "f", "g"],
        "the filter reads the current state"
    );
}

pub async fn workflow_delete_removes_runs<S: Store>(store: S) {
    create_workflow(&store, "gone").await;
    create_workflow(&store, "kept").await;
    let doomed = create_run(&store, new_run("gone", run_id(1))).await;
    let survivor = create_run(&store, new_run("kept", run_id(2))).await;

    store
        .delete_workflow(&workflow("gone"))
        .await
        .expect("delete");
    assert_kind(
        store.get_workflow(&workflow("gone")).await,
        ErrorKind::NotFound,
    );
    assert_kind(store.get_run(&doomed.id).await, ErrorKind::NotFound);
    assert_kind(store.load_journal(&doomed.id, 0).await, ErrorKind::NotFound);
    assert_kind(
        store.delete_workflow(&workflow("gone")).await,
        ErrorKind::NotFound,
    );
    store
        .get_run(&survivor.id)
        .await
        .expect("other workflow's run untouched");

    // A workflow saved again under the same name starts afresh.
    let again = store
        .put_workflow(save("gone", json!({}), 5))
        .await
        .expect("save again");
    assert!(again.created);
    assert_eq!(again.workflow.version, VersionId(1));
}

pub async fn workflow_state_and_keys<S: Store>(store: S) {
    create_workflow(&store, "keys").await;
    let name = workflow("keys");
    let disabled = store
        .set_workflow_state(&name, WorkflowState::Disabled, at(30))
        .await
        .expect("disable");
    assert_eq!(disabled.state, WorkflowState::Disabled);
    assert_eq!(
        disabled.version,
        VersionId(1),
        "state changes make no version"
    );
    assert_eq!(
        store.get_workflow(&name).await.expect("get").state,
        WorkflowState::Disabled
    );

    let keys = store.access_keys(&name).await.expect("keys");
    assert_eq!(keys.primary, AccessKey("keys-primary".into()));
    assert_eq!(keys.secondary, AccessKey("keys-secondary".into()));

    let after = store
        .regenerate_access_key(&name, KeyType::Primary, AccessKey("fresh".into()))
        .await
        .expect("regenerate");
    assert_eq!(after.primary, AccessKey("fresh".into()));
    assert_eq!(
        after.secondary, keys.secondary,
        "the other key keeps working"
    );

    // Saving again keeps the keys; the initial keys of a save only apply to creation.
    store
        .put_workflow(save("keys", json!({"v": 2}), 40))
        .await
        .expect("save");
    assert_eq!(
        store.access_keys(&name).await.expect("keys").primary,
        AccessKey("fresh".into())
    );

    let missing = workflow("missing");
    assert_kind(store.access_keys(&missing).await, ErrorKind::NotFound);
    assert_kind(
        store
            .set_workflow_state(&missing, WorkflowState::Enabled, at(1))
            .await,
        ErrorKind::NotFound,
    );
    assert_kind(
        store
            .regenerate_access_key(&missing, KeyType::Secondary, AccessKey("x".into()))
            .await,
        ErrorKind::NotFound,
    );
}

pub async fn workflow_trigger_state<S: Store>(store: S) {
    create_workflow(&store, "hooks").await;
    let name = workflow("hooks");
    assert_eq!(
        store
            .get_trigger_state(&name, &trigger("t1"))
            .await
            .expect("get"),
        None
    );

    let state = TriggerState {
        trigger: trigger("t1"),
        subscription: SubscriptionStatus::Subscribed,
        last_subscribe: Some(Exchange {
            request: json!({"method": "POST", "uri": "http://svc/sub"}),
            response: Some(json!({"statusCode": 201})),
            at: at(3),
        }),
        last_unsubscribe: None,
        updated_at: at(3),
    };
    store
        .put_trigger_state(&name, state.clone())
        .await
        .expect("put");
    let mut other = state.clone();
    other.trigger = trigger("a0");
    other.subscription = SubscriptionStatus::Failed;
    store
        .put_trigger_state(&name, other.clone())
        .await
        .expect("put other");
    assert_eq!(
        store
            .get_trigger_state(&name, &trigger("t1"))
            .await
            .expect("get"),
        Some(state.clone())
    );

    let mut replaced = state.clone();
    replaced.subscription = SubscriptionStatus::Unsubscribed;
    replaced.last_unsubscribe = Some(Exchange {
        request: json!({"method": "DELETE"}),
        response: None,
        at: at(9),
    });
    store
        .put_trigger_state(&name, replaced.clone())
        .await
        .expect("replace");
    let all = store.list_trigger_states(&name).await.expect("list");
    assert_eq!(all, vec![other, replaced]);

    let missing = workflow("missing");
    assert_kind(
        store.get_trigger_state(&missing, &trigger("t1")).await,
        ErrorKind::NotFound,
    );
    assert_kind(
        store.put_trigger_state(&missing, state).await,
        ErrorKind::NotFound,
    );
    assert_kind(
        store.list_trigger_states(&missing).await,
        ErrorKind::NotFound,
    );
}

pub async fn invalid_input_is_invalid<S: Store>(store: S) {
    for bad in ["", "a/b", "has space", &"x".repeat(81)] {
        match WorkflowName::new(bad) {
            Err(e) => assert_eq!(e.kind(), ErrorKind::Invalid),
            Ok(name) => panic!("accepted workflow name {name}"),
        }
    }
    assert_eq!(
        crate::RunId::parse("../x").map_err(|e| e.kind()),
        Err(ErrorKind::Invalid)
    );

    create_workflow(&store, "paged").await;
    assert_kind(
        store
            .list_versions(
                &workflow("paged"),
                PageRequest::after(5, Continuation("not a version".into())),
            )
            .await,
        ErrorKind::Invalid,
    );
    assert_kind(
        store.get_workflow(&workflow("nope")).await,
        ErrorKind::NotFound,
    );
    let error = store
        .get_workflow(&workflow("nope"))
        .await
        .expect_err("not found");
    assert!(!error.is_retryable());
}
