//! Occurrences of Recurrence plans: exact durations for Second/Minute/Hour, calendar
//! arithmetic that keeps wall-clock time for Day/Week/Month, schedules and time zones.

use chrono::{DateTime, Utc};
use hookflow_definition::model::Recurrence;
use hookflow_definition::recurrence::RecurrencePlan;
use serde_json::json;

fn plan(recurrence: serde_json::Value) -> RecurrencePlan {
    let recurrence: Recurrence = serde_json::from_value(recurrence).expect("recurrence shape");
    RecurrencePlan::from_recurrence(&recurrence).expect("valid recurrence")
}

fn error(recurrence: serde_json::Value) -> String {
    let recurrence: Recurrence = serde_json::from_value(recurrence).expect("recurrence shape");
    RecurrencePlan::from_recurrence(&recurrence)
        .expect_err("invalid recurrence")
        .to_string()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("timestamp")
        .with_timezone(&Utc)
}

/// The next `n` occurrences after `after`.
fn next(plan: &RecurrencePlan, after: &str, enabled_at: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut t = at(after);
    for _ in 0..n {
        match plan.next_after(t, at(enabled_at)) {
            Some(next) => {
                assert!(next > t, "occurrences move forward");
                out.push(next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                t = next;
            }
            None => break,
        }
    }
    out
}

const ENABLED: &str = "2026-01-01T00:00:00Z";

#[test]
fn minutes_count_from_the_start_time() {
    let p =
        plan(json!({"frequency": "Minute", "interval": 15, "startTime": "2026-01-01T00:00:00Z"}));
    assert_eq!(
        next(&p, "2026-01-01T00:20:00Z", ENABLED, 3),
        [
            "2026-01-01T00:30:00Z",
            "2026-01-01T00:45:00Z",
            "2026-01-01T01:00:00Z"
        ]
    );
}

#[test]
fn without_a_start_time_the_first_run_is_when_enabled() {
    let p = plan(json!({"frequency": "Hour", "interval": 1}));
    assert_eq!(
        next(&p, "2026-05-01T09:00:00Z", "2026-05-01T10:00:00Z", 2),
        ["2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z"]
    );
}

#[test]
fn a_future_start_time_is_the_first_occurrence() {
    let p = plan(json!({"frequency": "Day", "interval": 3, "startTime": "2026-06-10T07:15:00Z"}));
    assert_eq!(
        next(&p, "2026-06-01T00:00:00Z", ENABLED, 2),
        ["2026-06-10T07:15:00Z", "2026-06-13T07:15:00Z"]
    );
}

#[test]
fn daily_schedule_in_a_zone_keeps_wall_clock_time_across_dst() {
    // Europe switches to summer time on Sunday 29 March 2026.
    let p = plan(json!({
        "frequency": "Day", "interval": 1, "timeZone": "W. Europe Standard Time",
        "startTime": "2026-03-27T00:00:00",
        "schedule": {"hours": [9, 17], "minutes": [30]}
    }));
    assert_eq!(
        next(&p, "2026-03-27T10:00:00Z", ENABLED, 5),
        [
            "2026-03-27T16:30:00Z",
            "2026-03-28T08:30:00Z",
            "2026-03-28T16:30:00Z",
            "2026-03-29T07:30:00Z",
            "2026-03-29T15:30:00Z"
        ]
    );
}

#[test]
fn daily_without_schedule_follows_pacific_daylight_saving() {
    // The United States switch to daylight time on Sunday 8 March 2026.
    let p = plan(json!({
        "frequency": "Day", "interval": 1, "timeZone": "Pacific Standard Time",
        "startTime": "2026-03-06T09:00:00"
    }));
    assert_eq!(
        next(&p, "2026-03-06T17:00:00Z", ENABLED, 3),
        [
            "2026-03-07T17:00:00Z",
            "2026-03-08T16:00:00Z",
            "2026-03-09T16:00:00Z"
        ]
    );
}

#[test]
fn every_other_week_on_chosen_days() {
    // 5 January 2026 is a Monday.
    let p = plan(json!({
        "frequency": "Week", "interval": 2, "startTime": "2026-01-05T00:00:00Z",
        "schedule": {"weekDays": ["Monday", "friday"], "hours": [8], "minutes": [0]}
    }));
    assert_eq!(
        next(&p, "2026-01-05T09:00:00Z", ENABLED, 3),
        [
            "2026-01-09T08:00:00Z",
            "2026-01-19T08:00:00Z",
            "2026-01-23T08:00:00Z"
        ]
    );
}

#[test]
fn monthly_on_the_31st_falls_back_to_the_last_day() {
    let p = plan(json!({"frequency": "Month", "interval": 1, "startTime": "2026-01-31T12:00:00Z"}));
    assert_eq!(
        next(&p, "2026-01-31T12:00:00Z", ENABLED, 3),
        [
            "2026-02-28T12:00:00Z",
            "2026-03-31T12:00:00Z",
            "2026-04-30T12:00:00Z"
        ]
    );
}

#[test]
fn month_days_with_the_last_day() {
    let p = plan(json!({
        "frequency": "Month", "interval": 1, "startTime": "2026-02-01T00:00:00Z",
        "schedule": {"monthDays": [1, -1], "hours": [23], "minutes": [0]}
    }));
    assert_eq!(
        next(&p, "2026-02-01T00:00:00Z", ENABLED, 3),
        [
            "2026-02-01T23:00:00Z",
            "2026-02-28T23:00:00Z",
            "2026-03-01T23:00:00Z"
        ]
    );
}

#[test]
fn bad_recurrences_name_the_field() {
    assert!(error(json!({"frequency": "Fortnight", "interval": 1})).starts_with("frequency:"));
    assert!(error(json!({"frequency": "Day", "interval": 0})).starts_with("interval:"));
    assert!(
        error(json!({"frequency": "Day", "interval": 1, "timeZone": "Mars Standard Time"}))
            .starts_with("timeZone:")
    );
    assert!(
        error(json!({"frequency": "Day", "interval": 1, "startTime": "next tuesday"}))
            .starts_with("startTime:")
    );
    assert!(
        error(json!({"frequency": "Day", "interval": 1, "schedule": {"hours": [24]}}))
            .starts_with("schedule/hours:")
    );
    assert!(error(
        json!({"frequency": "Day", "interval": 1, "schedule": {"weekDays": ["Monday"]}})
    )
    .starts_with("schedule:"));
    assert!(error(
        json!({"frequency": "Week", "interval": 1, "schedule": {"weekDays": ["Someday"]}})
    )
    .starts_with("schedule/weekDays:"));
}
