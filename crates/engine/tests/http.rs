//! Http: single attempts, durable retries, the 202 polling pattern, timeouts.

use crate::scenario::Scenario;
use hookflow_engine::{Effect, FailureKind, Status};
use serde_json::json;

fn http(extra: serde_json::Value) -> Scenario {
    let mut action = json!({ "type": "Http", "inputs": { "method": "post", "uri": "https://svc.test/do", "body": { "x": "@triggerBody()" } } });
    if let (Some(a), Some(e)) = (action.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            if k == "inputs" {
                for (ik, iv) in v.as_object().into_iter().flatten() {
                    a["inputs"][ik] = iv.clone();
                }
            } else {
                a.insert(k.clone(), v.clone());
            }
        }
    }
    Scenario::actions(
        json!({ "Call": action, "Next": { "type": "Compose", "inputs": "@body('Call')", "runAfter": { "Call": ["Succeeded"] } } }),
    )
}

#[test]
fn one_attempt_then_success() {
    let mut s = http(json!({}));
    s.start(json!(1));
    let Some(Effect::Http {
        attempt, request, ..
    }) = s.effects().first()
    else {
        panic!("no Http effect: {:?}", s.effects())
    };
    assert_eq!((*attempt, request.method.as_str()), (1, "POST"));
    assert_eq!(request.body, Some(json!({ "x": 1 })));
    assert_eq!(s.status("Call"), Some(Status::Running));
    s.http_result("Call", 1, 200, json!({ "ok": true }));
    assert_eq!(s.outputs("Next"), json!({ "ok": true }));
    assert_eq!(s.record("Call").code.as_deref(), Some("OK"));
    assert_eq!(s.run_status(), Some(Status::Succeeded));
}

#[test]
fn retries_are_durable_timers_with_the_default_policy() {
    let mut s = http(json!({}));
    s.start(json!(1));
    for attempt in 1..=4u32 {
        s.http_result("Call", attempt, 503, json!(null));
        let id = format!("retry:Call:{attempt}");
        assert!(
            s.timer_ids().contains(&id),
            "attempt {attempt}: {:?}",
            s.timer_ids()
        );
        s.fire_timer(&id);
        assert!(
            matches!(s.effects().first(), Some(Effect::Http { attempt: a, .. }) if *a == attempt + 1)
        );
    }
    // Four retries used: the fifth answer is final.
    s.http_result("Call", 5, 503, json!("down"));
    assert_eq!(s.status("Call"), Some(Status::Failed));
    assert_eq!(s.record("Call").code.as_deref(), Some("ServiceUnavailable"));
    assert_eq!(s.status("Next"), Some(Status::Skipped));
    s.save_journal("http_retries_exhausted");
}

#[test]
fn exponential_delays_grow_and_retry_after_wins() {
    let mut s = http(
        json!({ "inputs": { "retryPolicy": { "type": "exponential", "count": 3, "interval": "PT10S", "minimumInterval": "PT5S", "maximumInterval": "PT1H" } } }),
    );
    s.start(json!(1));
    let t0 = s.env.now.get();
    s.http_failure("Call", 1, FailureKind::Connection);
    let due = |s: &Scenario, id: &str| {
        s.state
            .timers()
            .get(&hookflow_engine::TimerId(id.into()))
            .map(|t| (t.due - t0).num_seconds())
    };
    assert_eq!(
        due(&s, "retry:Call:1"),
        Some(5),
        "retry 1: [max(0,min), interval] drawn at its low end"
    );
    s.fire_timer("retry:Call:1");
    let t1 = s.env.now.get();
    s.http_response("Call", 2, 429, json!({ "Retry-After": "30" }), json!(null));
    let d = s
        .state
        .timers()
        .get(&hookflow_engine::TimerId("retry:Call:2".into()))
        .map(|t| (t.due - t1).num_seconds());
    assert_eq!(d, Some(30));
}

#[test]
fn non_retryable_answers_are_final() {
    let mut s = http(
        json!({ "inputs": { "retryPolicy": { "type": "fixed", "count": 2, "interval": "PT5S" } } }),
    );
    s.start(json!(1));
    s.http_result("Call", 1, 400, json!({ "error": "bad" }));
    assert_eq!(s.status("Call"), Some(Status::Failed));
    assert_eq!(s.outputs("Call")["statusCode"], json!(400));
    let mut s = http(json!({ "inputs": { "retryPolicy": { "type": "none" } } }));
    s.start(json!(1));
    s.http_result("Call", 1, 500, json!(null));
    assert_eq!(s.status("Call"), Some(Status::Failed));
}

#[test]
fn stale_and_duplicate_results_change_nothing() {
    let mut s = http(json!({}));
    s.start(json!(1));
    s.http_result("Call", 2, 200, json!(null));
    assert!(s.last().is_stale(), "no attempt 2 was sent");
    s.http_result("Call", 1, 200, json!(null));
    s.http_result("Call", 1, 200, json!(null));
    assert!(s.last().is_stale());
}

#[test]
fn async_pattern_polls_location_until_done() {
    let mut s = http(json!({}));
    s.start(json!(1));
    s.http_response(
        "Call",
        1,
        202,
        json!({ "Location": "https://svc.test/op/1", "Retry-After": "10" }),
        json!(null),
    );
    assert_eq!(s.status("Call"), Some(Status::Running));
    s.fire_timer("poll:Call:1");
    let Some(Effect::Http {
        attempt: 2,
        request,
        ..
    }) = s.effects().first()
    else {
        panic!("{:?}", s.effects())
    };
    assert_eq!(
        (request.method.as_str(), request.uri.as_str()),
        ("GET", "https://svc.test/op/1")
    );
    s.http_response(
        "Call",
        2,
        202,
        json!({ "Location": "https://svc.test/op/1" }),
        json!(null),
    );
    s.fire_timer("poll:Call:2");
    s.http_result("Call", 3, 200, json!("result"));
    assert_eq!(s.outputs("Next"), json!("result"));
}

#[test]
fn disable_async_pattern_takes_the_202() {
    let mut s = http(json!({ "operationOptions": "DisableAsyncPattern" }));
    s.start(json!(1));
    s.http_response(
        "Call",
        1,
        202,
        json!({ "Location": "https://svc.test/op/1" }),
        json!(null),
    );
    assert_eq!(s.status("Call"), Some(Status::Succeeded));
}

#[test]
fn limit_timeout_caps_the_async_operation() {
    let mut s = Scenario::actions(json!({
        "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "https://svc.test" }, "limit": { "timeout": "PT1M" } },
        "OnTimeout": { "type": "Compose", "inputs": "late", "runAfter": { "Call": ["TimedOut"] } }
    }));
    s.start(json!({}));
    s.http_response(
        "Call",
        1,
        202,
        json!({ "Location": "https://svc.test/op" }),
        json!(null),
    );
    s.fire_timer("timeout:Call");
    assert_eq!(s.status("Call"), Some(Status::TimedOut));
    assert_eq!(s.record("Call").code.as_deref(), Some("ActionTimedOut"));
    assert_eq!(s.status("OnTimeout"), Some(Status::Succeeded));
    assert!(s
        .effects()
        .iter()
        .any(|e| matches!(e, Effect::CancelTimer { id } if id.0 == "poll:Call:1")));
    s.fire_timer("poll:Call:1");
    assert!(s.last().is_stale());
}
