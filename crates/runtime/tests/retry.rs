use hookflow_definition::model::RetryPolicy;
use hookflow_runtime::retry::{
    next_delay, retry_after, AttemptOutcome, FixedRandom, RetrySchedule, DEFAULT_SCHEDULE,
};
use serde_json::json;
use std::time::{Duration, UNIX_EPOCH};

fn schedule(policy: serde_json::Value) -> RetrySchedule {
    RetrySchedule::from_json(Some(&policy)).expect("a valid policy")
}

fn status(code: u16) -> AttemptOutcome {
    AttemptOutcome::Response {
        status: code,
        retry_after: None,
    }
}

const SERVER_ERROR: AttemptOutcome = AttemptOutcome::Response {
    status: 500,
    retry_after: None,
};

/// The delays of every attempt until the policy gives up, with a fixed jitter draw.
fn table(schedule: &RetrySchedule, unit: f64) -> Vec<Duration> {
    let mut out = Vec::new();
    let mut attempt = 1;
    while let Some(d) = next_delay(schedule, attempt, &SERVER_ERROR, &mut FixedRandom(unit)) {
        out.push(d);
        attempt += 1;
        assert!(attempt < 100, "the policy never gives up");
    }
    out
}

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|s| Duration::from_secs(*s)).collect()
}

#[test]
fn default_policy_is_exponential_7s_four_retries() {
    assert_eq!(RetrySchedule::from_policy(None), Ok(DEFAULT_SCHEDULE));
    assert_eq!(schedule(json!({"type": "default"})), DEFAULT_SCHEDULE);
    assert_eq!(RetrySchedule::from_json(None), Ok(DEFAULT_SCHEDULE));
    // Ranges: [5,7], [7,14], [14,28], [28,56].
    assert_eq!(table(&DEFAULT_SCHEDULE, 0.0), secs(&[5, 7, 14, 28]));
    assert_eq!(
        table(&DEFAULT_SCHEDULE, 0.5),
        vec![
            Duration::from_secs(6),
            Duration::from_millis(10_500),
            Duration::from_secs(21),
            Duration::from_secs(42)
        ]
    );
    let top = table(&DEFAULT_SCHEDULE, 0.999_999);
    assert_eq!(top.len(), 4);
    for (d, max) in top.iter().zip([7, 14, 28, 56]) {
        assert!(
            *d < Duration::from_secs(max)
                && *d > Duration::from_secs(max) - Duration::from_millis(1)
        );
    }
}

#[test]
fn none_never_retries() {
    let none = schedule(json!({"type": "none"}));
    assert_eq!(none, RetrySchedule::Never);
    assert_eq!(table(&none, 0.5), Vec::<Duration>::new());
    let throttled = AttemptOutcome::Response {
        status: 429,
        retry_after: Some(Duration::from_secs(3)),
    };
    assert_eq!(
        next_delay(&none, 1, &throttled, &mut FixedRandom(0.0)),
        None
    );
}

#[test]
fn fixed_waits_the_interval_count_times() {
    let fixed = schedule(json!({"type": "fixed", "count": 2, "interval": "PT30S"}));
    assert_eq!(table(&fixed, 0.3), secs(&[30, 30]));
}

#[test]
fn exponential_doubles_within_minimum_and_maximum() {
    let policy = json!({"type": "Exponential", "count": 6, "interval": "PT10S",
        "minimumInterval": "PT15S", "maximumInterval": "PT1M"});
    let exp = schedule(policy);
    // Ranges: [15,10]→15, [15,20], [20,40], [40,60], [80,60]→60, [160,60]→60.
    assert_eq!(table(&exp, 0.0), secs(&[15, 15, 20, 40, 60, 60]));
    assert_eq!(
        table(&exp, 0.5),
        vec![
            Duration::from_secs(15),
            Duration::from_millis(17_500),
            Duration::from_secs(30),
            Duration::from_secs(50),
            Duration::from_secs(60),
            Duration::from_secs(60),
        ]
    );
    // Without minimum/maximum: 5 s and one day.
    let plain = schedule(json!({"type": "exponential", "count": 3, "interval": "PT20S"}));
    assert_eq!(table(&plain, 0.0), secs(&[5, 20, 40]));
    assert_eq!(table(&plain, 1.0), secs(&[20, 40, 80]));
}

#[test]
fn exponential_with_ninety_retries_saturates_at_the_maximum() {
    let exp = schedule(
        json!({"type": "exponential", "count": 90, "interval": "P1D",
        "maximumInterval": "P1D"}),
    );
    let delays = table(&exp, 0.5);
    assert_eq!(delays.len(), 90);
    assert!(delays.iter().all(|d| *d <= Duration::from_secs(86_400)));
}

#[test]
fn only_408_429_5xx_and_transient_failures_are_retried() {
    let mut random = FixedRandom(0.0);
    for code in [408, 429, 500, 502, 503, 504, 599] {
        assert!(
            next_delay(&DEFAULT_SCHEDULE, 1, &status(code), &mut random).is_some(),
            "{code}"
        );
    }
    for code in [200, 202, 301, 400, 401, 403, 404, 409, 422] {
        assert_eq!(
            next_delay(&DEFAULT_SCHEDULE, 1, &status(code), &mut random),
            None,
            "{code}"
        );
    }
    let connection = AttemptOutcome::Failure { transient: true };
    let tls = AttemptOutcome::Failure { transient: false };
    assert!(next_delay(&DEFAULT_SCHEDULE, 1, &connection, &mut random).is_some());
    assert_eq!(next_delay(&DEFAULT_SCHEDULE, 1, &tls, &mut random), None);
}

#[test]
fn retry_after_replaces_the_delay_but_not_the_count() {
    let fixed = schedule(json!({"type": "fixed", "count": 1, "interval": "PT30S"}));
    let throttled = AttemptOutcome::Response {
        status: 429,
        retry_after: Some(Duration::from_secs(3)),
    };
    let mut random = FixedRandom(0.0);
    assert_eq!(
        next_delay(&fixed, 1, &throttled, &mut random),
        Some(Duration::from_secs(3))
    );
    assert_eq!(next_delay(&fixed, 2, &throttled, &mut random), None);
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
    assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
    assert_eq!(
        retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
        Some(Duration::from_secs(30))
    );
    // The obsolete RFC 850 and asctime forms are HTTP dates too.
    assert_eq!(
        retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now),
        Some(Duration::from_secs(60))
    );
    assert_eq!(
        retry_after("Sun Nov  6 08:49:47 1994", now),
        Some(Duration::from_secs(10))
    );
    assert_eq!(
        retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
        Some(Duration::ZERO)
    );
    assert_eq!(retry_after("-5", now), None);
    assert_eq!(retry_after("soon", now), None);
}

#[test]
fn policies_read_from_the_definition_model() {
    let policy: RetryPolicy = serde_json::from_value(json!({
        "type": "fixed", "count": 3, "interval": "PT1M"
    }))
    .expect("model");
    assert_eq!(
        RetrySchedule::from_policy(Some(&policy)),
        Ok(RetrySchedule::Fixed {
            count: 3,
            interval: Duration::from_secs(60)
        })
    );
    for bad in [
        json!({"type": "sometimes"}),
        json!({"type": "fixed", "interval": "PT5S"}),
        json!({"type": "fixed", "count": 3}),
        json!({"type": "fixed", "count": 0, "interval": "PT5S"}),
        json!({"type": "fixed", "count": 91, "interval": "PT5S"}),
        json!({"type": "exponential", "count": 2, "interval": "5 seconds"}),
        json!("default"),
    ] {
        assert!(RetrySchedule::from_json(Some(&bad)).is_err(), "{bad}");
    }
}

mod in_process {
    use crate::support::{closed_port, request, Answer, StandIn};
    use hookflow_runtime::clock::SystemClock;
    use hookflow_runtime::outbound::{ClientConfig, FailureKind, OutboundClient};
    use hookflow_runtime::retry::{execute_with_retries, FixedRandom, RetrySchedule};
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn quick(count: u32) -> RetrySchedule {
        RetrySchedule::from_json(Some(
            &json!({"type": "fixed", "count": count, "interval": "PT0.02S"}),
        ))
        .expect("policy")
    }

    #[tokio::test]
    async fn retries_server_errors_until_success() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let server = StandIn::start(move |_| match counter.fetch_add(1, Ordering::SeqCst) {
            0 => Answer::new(503),
            1 => Answer::new(429).header("retry-after", "0"),
            _ => Answer::new(201),
        })
        .await;
        let client = OutboundClient::new(ClientConfig::default()).expect("client");
        let done = execute_with_retries(
            &client,
            &request("POST", &server.base),
            &quick(4),
            &mut FixedRandom(0.0),
            &SystemClock,
        )
        .await;
        assert_eq!(done.attempts, 3);
        assert_eq!(done.result.map(|r| r.status_code), Ok(201));
    }

    #[tokio::test]
    async fn gives_up_after_the_count_with_the_last_answer() {
        let server = StandIn::answering(Answer::new(500).body("down")).await;
        let client = OutboundClient::new(ClientConfig::default()).expect("client");
        let done = execute_with_retries(
            &client,
            &request("POST", &server.base),
            &quick(2),
            &mut FixedRandom(0.0),
            &SystemClock,
        )
        .await;
        assert_eq!(done.attempts, 3, "one attempt and two retries");
        assert_eq!(server.received().len(), 3);
        assert_eq!(done.result.map(|r| r.status_code), Ok(500));
    }

    #[tokio::test]
    async fn does_not_retry_client_errors_and_retries_refused_connections() {
        let server = StandIn::answering(Answer::new(400)).await;
        let client = OutboundClient::new(ClientConfig::default()).expect("client");
        let done = execute_with_retries(
            &client,
            &request("POST", &server.base),
            &quick(3),
            &mut FixedRandom(0.0),
            &SystemClock,
        )
        .await;
        assert_eq!(done.attempts, 1);

        let base = closed_port().await;
        let done = execute_with_retries(
            &client,
            &request("POST", &base),
            &quick(2),
            &mut FixedRandom(0.0),
            &SystemClock,
        )
        .await;
        assert_eq!(done.attempts, 3);
        assert_eq!(
            done.result.map_err(|e| e.kind),
            Err(FailureKind::Connection)
        );
    }
}
