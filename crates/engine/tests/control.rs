//! runAfter, branches, scopes, loops, Terminate, Cancel, Wait and the run-duration limit.

use crate::scenario::Scenario;
use hookflow_engine::{Effect, Input, Outcome, StaleReason, Status};
use serde_json::json;

fn failing() -> serde_json::Value {
    // Fails at run time: the expression cannot be evaluated.
    json!({ "type": "Compose", "inputs": "@int('not a number')" })
}

#[test]
fn run_after_status_combinations() {
    for (pred_fails, accepted, expect) in [
        (false, json!(["Succeeded"]), Status::Succeeded),
        (false, json!(["Failed"]), Status::Skipped),
        (true, json!(["Succeeded"]), Status::Skipped),
        (true, json!(["Failed"]), Status::Succeeded),
        (true, json!(["Succeeded", "Failed"]), Status::Succeeded),
        (false, json!(["Skipped"]), Status::Skipped),
        (false, json!(["TimedOut"]), Status::Skipped),
    ] {
        let pred = if pred_fails {
            failing()
        } else {
            json!({ "type": "Compose", "inputs": 1 })
        };
        let mut s = Scenario::actions(json!({
            "A": pred,
            "B": { "type": "Compose", "inputs": 2, "runAfter": { "A": accepted } }
        }));
        s.start(json!({}));
        assert_eq!(
            s.status("B"),
            Some(expect),
            "pred fails: {pred_fails}, accepted {accepted}"
        );
    }
}

#[test]
fn skipped_propagates_and_run_after_skipped_matches() {
    let mut s = Scenario::actions(json!({
        "A": failing(),
        "B": { "type": "Compose", "inputs": 1, "runAfter": { "A": ["Succeeded"] } },
        "C": { "type": "Compose", "inputs": 1, "runAfter": { "B": ["Succeeded"] } },
        "D": { "type": "Compose", "inputs": 1, "runAfter": { "C": ["Skipped"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("B"), Some(Status::Skipped));
    assert_eq!(s.status("C"), Some(Status::Skipped));
    assert_eq!(s.status("D"), Some(Status::Succeeded));
    assert_eq!(s.record("B").error["code"], json!("ActionConditionFailed"));
    // D succeeded after the skip chain: the failure of A counts as handled.
    assert_eq!(s.run_status(), Some(Status::Succeeded));
}

#[test]
fn a_branch_ending_in_skipped_takes_its_predecessors_status() {
    let mut s = Scenario::actions(json!({
        "A": failing(),
        "OnlyOnSuccess": { "type": "Compose", "inputs": 1, "runAfter": { "A": ["Succeeded"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.run_status(), Some(Status::Failed));

    let mut s = Scenario::actions(json!({
        "A": { "type": "Compose", "inputs": 1 },
        "Catch": { "type": "Compose", "inputs": 1, "runAfter": { "A": ["Failed"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("Catch"), Some(Status::Skipped));
    assert_eq!(s.run_status(), Some(Status::Succeeded));
}

#[test]
fn parallel_branches_join() {
    let mut s = Scenario::actions(json!({
        "Start": { "type": "Compose", "inputs": 0 },
        "Left": { "type": "Compose", "inputs": "l", "runAfter": { "Start": ["Succeeded"] } },
        "Right": failing(),
        "Join": { "type": "Compose", "inputs": "@outputs('Left')", "runAfter": { "Left": ["Succeeded"], "Right": ["Succeeded", "Failed"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.outputs("Join"), json!("l"));
    assert_eq!(s.run_status(), Some(Status::Succeeded));
}

#[test]
fn if_takes_a_branch_and_skips_the_other() {
    let mut s = Scenario::actions(json!({
        "Check": { "type": "If", "expression": { "and": [{ "greater": ["@triggerBody()?['n']", 2] }] },
                   "actions": { "Big": { "type": "Compose", "inputs": "big" } },
                   "else": { "actions": { "Small": { "type": "Compose", "inputs": "small" } } } }
    }));
    s.start(json!({ "n": 1 }));
    assert_eq!(s.status("Small"), Some(Status::Succeeded));
    assert_eq!(s.status("Big"), Some(Status::Skipped));
    assert_eq!(
        s.record("Big").error["code"],
        json!("ActionBranchingConditionNotSatisfied")
    );
    assert_eq!(s.status("Check"), Some(Status::Succeeded));
}

#[test]
fn if_with_a_non_boolean_fails() {
    let mut s = Scenario::actions(json!({
        "Check": { "type": "If", "expression": "@triggerBody()?['n']", "actions": {} }
    }));
    s.start(json!({ "n": "yes" }));
    assert_eq!(s.status("Check"), Some(Status::Failed));
    assert_eq!(s.run_status(), Some(Status::Failed));
}

#[test]
fn switch_matches_by_value_with_default() {
    for (value, ran) in [
        (json!("Approve"), "A"),
        (json!(2), "Two"),
        (json!("other"), "Else"),
    ] {
        let mut s = Scenario::actions(json!({
            "Switch": { "type": "Switch", "expression": "@triggerBody()",
                "cases": {
                    "C1": { "case": "Approve", "actions": { "A": { "type": "Compose", "inputs": 1 } } },
                    "C2": { "case": 2, "actions": { "Two": { "type": "Compose", "inputs": 2 } } }
                },
                "default": { "actions": { "Else": { "type": "Compose", "inputs": 3 } } } }
        }));
        s.start(value);
        assert_eq!(s.status(ran), Some(Status::Succeeded));
        let skipped = ["A", "Two", "Else"]
            .iter()
            .filter(|n| s.status(n) == Some(Status::Skipped))
            .count();
        assert_eq!(skipped, 2);
    }
}

#[test]
fn scope_try_catch_with_result() {
    let mut s = Scenario::actions(json!({
        "Try": { "type": "Scope", "actions": {
            "Ok": { "type": "Compose", "inputs": 1 },
            "Boom": { "type": "Compose", "inputs": "@int('x')", "runAfter": { "Ok": ["Succeeded"] } },
            "Nested": { "type": "Scope", "actions": { "Deep": { "type": "Compose", "inputs": "deep" } } }
        } },
        "Catch": { "type": "Compose", "inputs": "@length(result('Try'))", "runAfter": { "Try": ["Failed", "TimedOut"] } },
        "Finally": { "type": "Compose", "inputs": "@body('Deep')", "runAfter": { "Try": ["Succeeded"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("Try"), Some(Status::Failed));
    assert_eq!(s.status("Nested"), Some(Status::Succeeded));
    assert_eq!(s.outputs("Catch"), json!(3));
    assert_eq!(s.status("Finally"), Some(Status::Skipped));
    // The branch through Finally ends in Skipped and takes Try's Failed (reference §1.3).
    assert_eq!(s.run_status(), Some(Status::Failed));
}

#[test]
fn foreach_parallel_keys_iterations_and_aggregates() {
    let mut s = Scenario::actions(json!({
        "Loop": { "type": "Foreach", "foreach": "@triggerBody()",
            "actions": { "Double": { "type": "Compose", "inputs": "@mul(item(), 2)" },
                         "Check": { "type": "Compose", "inputs": "@outputs('Double')", "runAfter": { "Double": ["Succeeded"] } } } },
        "After": { "type": "Compose", "inputs": "@length(result('Loop'))", "runAfter": { "Loop": ["Succeeded"] } }
    }));
    s.start(json!([1, 2, 3]));
    assert_eq!(s.outputs("Double[2]"), json!(6));
    assert_eq!(s.outputs("Check[1]"), json!(4));
    assert_eq!(s.status("Loop"), Some(Status::Succeeded));
    assert_eq!(s.outputs("After"), json!(6));
    s.save_journal("foreach_parallel");
}

#[test]
fn foreach_non_array_fails_and_empty_succeeds() {
    let mut s = Scenario::actions(
        json!({ "Loop": { "type": "Foreach", "foreach": "@triggerBody()", "actions": {} } }),
    );
    s.start(json!("x"));
    assert_eq!(s.status("Loop"), Some(Status::Failed));
    let mut s = Scenario::actions(
        json!({ "Loop": { "type": "Foreach", "foreach": "@triggerBody()", "actions": { "X": { "type": "Compose", "inputs": 1 } } } }),
    );
    s.start(json!([]));
    assert_eq!(s.status("Loop"), Some(Status::Succeeded));
}

#[test]
fn sequential_foreach_runs_one_iteration_at_a_time() {
    let mut s = Scenario::actions(json!({
        "Loop": { "type": "Foreach", "foreach": "@triggerBody()", "operationOptions": "Sequential",
            "actions": { "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "https://x.test/@{item()}" } } } }
    }));
    s.start(json!(["a", "b"]));
    let calls: Vec<_> = s
        .effects()
        .iter()
        .filter(|e| matches!(e, Effect::Http { .. }))
        .collect();
    assert_eq!(calls.len(), 1, "only the first iteration started");
    s.http_result("Call[0]", 1, 200, json!("A"));
    assert!(s
        .effects()
        .iter()
        .any(|e| matches!(e, Effect::Http { request, .. } if request.uri == "https://x.test/b")));
    s.http_result("Call[1]", 1, 404, json!(null));
    assert_eq!(s.status("Loop"), Some(Status::Failed));
    assert_eq!(s.run_status(), Some(Status::Failed));
}

#[test]
fn foreach_respects_repetitions() {
    let mut s = Scenario::actions(json!({
        "Loop": { "type": "Foreach", "foreach": "@range(0, 5)", "runtimeConfiguration": { "concurrency": { "repetitions": 2 } },
            "actions": { "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "https://x.test/@{item()}" } } } }
    }));
    s.start(json!({}));
    assert_eq!(
        s.effects()
            .iter()
            .filter(|e| matches!(e, Effect::Http { .. }))
            .count(),
        2
    );
    s.http_result("Call[1]", 1, 200, json!(null));
    assert!(s
        .effects()
        .iter()
        .any(|e| matches!(e, Effect::Http { key, .. } if key.to_string() == "Call[2]")));
}

/// A decision starts at most `actions_per_step` actions and asks to be continued for the
/// rest; continuing picks up exactly where it stopped, however the loop is nested, and a
/// continue with nothing ready is stale.
#[test]
fn a_long_loop_is_decided_in_parts() {
    let mut s = Scenario::actions(json!({
        "Outer": { "type": "Foreach", "foreach": "@range(0, 3)",
            "actions": { "Inner": { "type": "Foreach", "foreach": "@range(0, 10)",
                "actions": { "Pair": { "type": "Compose", "inputs": "@{items('Outer')}-@{item()}" } } } } },
        "After": { "type": "Compose", "inputs": "@length(result('Outer'))", "runAfter": { "Outer": ["Succeeded"] } }
    }));
    s.env.config.actions_per_step = 7;
    s.start(json!({}));
    let mut steps = 1;
    while s.effects().contains(&Effect::Continue) {
        let started = s
            .last()
            .events
            .iter()
            .filter(|e| e.kind() == "ActionStarted")
            .count();
        assert!(started <= 7, "step {steps} started {started} actions");
        assert_eq!(
            s.run_status(),
            Some(Status::Running),
            "the run goes on between parts"
        );
        s.input(Input::Continue);
        steps += 1;
    }
    // 1 + 3 + 30 + 1 actions, 7 a step.
    assert_eq!(steps, 5);
    assert_eq!(s.run_status(), Some(Status::Succeeded));
    assert_eq!(s.outputs("Pair[2,9]"), json!("2-9"));
    assert_eq!(s.outputs("After"), json!(3));
    let late = s.try_input(Input::Continue).expect("decides");
    assert_eq!(late.outcome, Outcome::Stale(StaleReason::RunCompleted));

    let mut s = Scenario::actions(json!({
        "Call": { "type": "Http", "inputs": { "method": "GET", "uri": "https://x.test/" } }
    }));
    s.start(json!({}));
    let waiting = s.try_input(Input::Continue).expect("decides");
    assert_eq!(waiting.outcome, Outcome::Stale(StaleReason::NothingReady));
}

#[test]
fn nested_loops_and_items() {
    let mut s = Scenario::actions(json!({
        "Outer": { "type": "Foreach", "foreach": "@createArray('a','b')",
            "actions": { "Inner": { "type": "Foreach", "foreach": "@createArray(1,2)",
                "actions": { "Pair": { "type": "Compose", "inputs": "@{items('Outer')}@{item()}" } } } } }
    }));
    s.start(json!({}));
    assert_eq!(s.outputs("Pair[1,0]"), json!("b1"));
    assert_eq!(s.outputs("Pair[0,1]"), json!("a2"));
    assert_eq!(s.run_status(), Some(Status::Succeeded));
}

#[test]
fn until_loops_until_the_condition_holds() {
    let mut s = Scenario::actions(json!({
        "Init": { "type": "InitializeVariable", "inputs": { "variables": [{ "name": "n", "type": "Integer", "value": 0 }] } },
        "Until": { "type": "Until", "expression": "@equals(variables('n'), 3)", "limit": { "count": 10, "timeout": "PT1H" },
            "actions": { "Inc": { "type": "IncrementVariable", "inputs": { "name": "n" } },
                         "Idx": { "type": "Compose", "inputs": "@iterationIndexes('Until')", "runAfter": { "Inc": ["Succeeded"] } } },
            "runAfter": { "Init": ["Succeeded"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("Until"), Some(Status::Succeeded));
    assert_eq!(s.outputs("Idx[2]"), json!(2));
    assert_eq!(s.status("Inc[3]"), None, "three cycles only");
}

#[test]
fn until_stops_at_its_count() {
    let mut s = Scenario::actions(json!({
        "Until": { "type": "Until", "expression": "@false", "limit": { "count": 4 },
            "actions": { "Tick": { "type": "Compose", "inputs": 1 } } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("Until"), Some(Status::Succeeded));
    assert!(s.status("Tick[3]").is_some() && s.status("Tick[4]").is_none());
}

#[test]
fn until_limits_may_be_expressions() {
    let mut s = Scenario::actions(json!({
        "Until": { "type": "Until", "expression": "@false",
            "limit": { "count": "@triggerBody()?['n']", "timeout": "@triggerBody()?['t']" },
            "actions": { "Tick": { "type": "Compose", "inputs": 1 } } }
    }));
    s.start(json!({ "n": 3, "t": "PT1H" }));
    assert_eq!(s.status("Until"), Some(Status::Succeeded));
    assert!(s.status("Tick[2]").is_some() && s.status("Tick[3]").is_none());

    let mut s = Scenario::actions(json!({
        "Until": { "type": "Until", "expression": "@false",
            "limit": { "count": "@triggerBody()?['n']" },
            "actions": { "Tick": { "type": "Compose", "inputs": 1 } } }
    }));
    s.start(json!({ "n": "many" }));
    assert_eq!(s.status("Until"), Some(Status::Failed));
    assert_eq!(s.record("Until").code.as_deref(), Some("InvalidTemplate"));
}

#[test]
fn until_timeout_is_checked_between_cycles() {
    let mut s = Scenario::actions(json!({
        "Until": { "type": "Until", "expression": "@false", "limit": { "count": 100, "timeout": "PT10M" },
            "actions": { "Pause": { "type": "Wait", "inputs": { "interval": { "count": 6, "unit": "Minute" } } } } }
    }));
    s.start(json!({}));
    s.fire_timer("wait:Pause[0]");
    assert_eq!(s.status("Until"), None.or(Some(Status::Running)));
    s.fire_timer("wait:Pause[1]");
    assert_eq!(
        s.status("Until"),
        Some(Status::Succeeded),
        "12 minutes > PT10M"
    );
}

#[test]
fn terminate_cancels_running_actions() {
    let mut s = Scenario::actions(json!({
        "Slow": { "type": "Http", "inputs": { "method": "GET", "uri": "https://x.test" } },
        "Stop": { "type": "Terminate", "inputs": { "runStatus": "Failed", "runError": { "code": "Nope", "message": "stopped" } } },
        "Never": { "type": "Compose", "inputs": 1, "runAfter": { "Stop": ["Succeeded"] } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("Slow"), Some(Status::Cancelled));
    assert_eq!(s.status("Never"), None);
    s.save_journal("terminate_failed");
    assert_eq!(s.run_status(), Some(Status::Failed));
    assert_eq!(
        s.state.completion().and_then(|c| c.code.clone()).as_deref(),
        Some("Nope")
    );
    // The late HTTP result is stale.
    s.http_result("Slow", 1, 200, json!(null));
    assert!(s.last().is_stale());
}

#[test]
fn terminate_succeeded_and_cancelled() {
    for (status, expect) in [
        ("Succeeded", Status::Succeeded),
        ("Cancelled", Status::Cancelled),
    ] {
        let mut s = Scenario::actions(
            json!({ "Stop": { "type": "Terminate", "inputs": { "runStatus": status } } }),
        );
        s.start(json!({}));
        assert_eq!(s.run_status(), Some(expect));
    }
}

#[test]
fn cancel_ends_the_run_and_drops_timers() {
    let mut s = Scenario::actions(json!({
        "Pause": { "type": "Wait", "inputs": { "interval": { "count": 1, "unit": "Hour" } } }
    }));
    s.start(json!({}));
    assert_eq!(s.timer_ids(), ["run-timeout", "wait:Pause"]);
    s.cancel();
    assert_eq!(s.status("Pause"), Some(Status::Cancelled));
    assert_eq!(s.run_status(), Some(Status::Cancelled));
    assert!(s
        .effects()
        .iter()
        .any(|e| matches!(e, Effect::CancelTimer { id } if id.0 == "wait:Pause")));
    s.fire_timer("wait:Pause");
    assert!(s.last().is_stale());
    s.cancel();
    assert!(s.last().is_stale());
}

#[test]
fn wait_interval_and_until() {
    let mut s = Scenario::actions(json!({
        "Delay": { "type": "Wait", "inputs": { "interval": { "count": 15, "unit": "Minute" } } },
        "Past": { "type": "Wait", "inputs": { "until": { "timestamp": "2020-01-01T00:00:00Z" } } }
    }));
    s.start(json!({}));
    assert_eq!(s.status("Past"), Some(Status::Succeeded));
    assert_eq!(s.status("Delay"), Some(Status::Running));
    let due = s
        .state
        .timers()
        .values()
        .find(|t| matches!(t.purpose, hookflow_engine::TimerPurpose::Wait { .. }))
        .map(|t| t.due);
    assert_eq!(
        due.map(|d| d.to_rfc3339()),
        Some("2025-01-01T00:15:00+00:00".to_string())
    );
    s.fire_timer("wait:Delay");
    assert_eq!(s.run_status(), Some(Status::Succeeded));
    assert!(s
        .effects()
        .iter()
        .any(|e| matches!(e, Effect::CancelTimer { id } if id.0 == "run-timeout")));
}

#[test]
fn the_run_duration_limit_times_the_run_out() {
    let mut s = Scenario::actions(json!({
        "Pause": { "type": "Wait", "inputs": { "interval": { "count": 1, "unit": "Month" } } },
        "After": { "type": "Compose", "inputs": 1, "runAfter": { "Pause": ["TimedOut"] } }
    }));
    s.start(json!({}));
    s.fire_timer("run-timeout");
    assert_eq!(s.run_status(), Some(Status::TimedOut));
    assert_eq!(s.status("Pause"), Some(Status::TimedOut));
    assert_eq!(s.status("After"), None, "nothing runs after the run ended");
}

#[test]
fn inputs_before_start_are_errors_and_unknown_actions_too() {
    let mut s = Scenario::actions(json!({ "A": { "type": "Compose", "inputs": 1 } }));
    assert!(s.try_input(hookflow_engine::Input::Cancel).is_err());
    s.start(json!({}));
    let late = s
        .try_input(hookflow_engine::Input::Cancel)
        .map(|d| d.is_stale());
    assert_eq!(late, Ok(true));
}

#[test]
fn run_outputs_are_evaluated_at_the_end() {
    let mut s = Scenario::new(json!({
        "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": { "A": { "type": "Compose", "inputs": "@triggerBody()" } },
            "outputs": { "result": { "type": "String", "value": "@outputs('A')" } }
        }
    }));
    s.start(json!("done"));
    assert_eq!(
        s.state.completion().map(|c| c.outputs.clone()),
        Some(json!({ "result": { "type": "String", "value": "done" } }))
    );
}
