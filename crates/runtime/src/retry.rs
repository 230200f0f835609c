//! Retry policies (reference §8): which outcomes are retried and how long to wait first.
//!
//! [`next_delay`] is pure: the engine calls it after each attempt of an Http action or a
//! webhook subscribe and, when it returns a delay, journals a durable timer. The jitter
//! of exponential policies comes from an injected [`RandomSource`] so the engine can
//! journal the draw and replay it. [`execute_with_retries`] is the in-process loop for
//! the one place where holding a task is right: a webhook trigger's subscribe while its
//! workflow is being saved.
//!
//! Retried: responses `408`, `429`, `5xx`, and connection failures and timeouts. A
//! `Retry-After` on a retried response (seconds or an HTTP date) replaces the policy's
//! delay, but never grants a retry the policy does not have.

use crate::clock::Clock;
use crate::outbound::{OutboundClient, OutboundFailure, OutboundRequest, OutboundResponse};
use hookflow_definition::duration::IsoDuration;
use hookflow_definition::model::{RetryPolicy, RetryPolicyType};
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// A retry policy with its durations resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetrySchedule {
    /// `none`
    Never,
    /// `fixed`: `count` retries, `interval` apart.
    Fixed { count: u32, interval: Duration },
    /// `exponential` (and `default`): retry `n` waits a uniformly random time in
    /// `[max(interval·2ⁿ⁻², minimum), min(interval·2ⁿ⁻¹, maximum)]` (retry 1 starts at
    /// `max(0, minimum)`).
    Exponential {
        count: u32,
        interval: Duration,
        minimum: Duration,
        maximum: Duration,
    },
}

/// The `default` policy. The reference's sample equivalent definition:
/// `{"type":"exponential","interval":"PT7S","count":4,"minimumInterval":"PT5S","maximumInterval":"PT1H"}`
/// (its prose "scaling by 7.5 s, capped between 5 and 45 s" is an approximation of the
/// first retries of this schedule: 5–7 s, 7–14 s, 14–28 s, 28–56 s).
pub const DEFAULT_SCHEDULE: RetrySchedule = RetrySchedule::Exponential {
    count: 4,
    interval: Duration::from_secs(7),
    minimum: Duration::from_secs(5),
    maximum: Duration::from_secs(3600),
};

/// `minimumInterval` of an explicit exponential policy without one.
pub const DEFAULT_MINIMUM: Duration = Duration::from_secs(5);
/// `maximumInterval` of an explicit exponential policy without one (Consumption: `P1D`).
pub const DEFAULT_MAXIMUM: Duration = Duration::from_secs(86_400);

/// A retry policy that cannot be used (evaluated expressions can produce these even
/// though validation passed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetryPolicyError {
    #[error("'retryPolicy' must be an object with a 'type'")]
    Malformed,
    #[error("retry policy type '{0}' is not one of default, none, fixed, exponential")]
    UnknownType(String),
    #[error("a {0} retry policy needs '{1}'")]
    Missing(&'static str, &'static str),
    #[error("retry policy '{field}': {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

impl RetrySchedule {
    /// From the definition model; `None` (no `retryPolicy`) is the default policy.
    pub fn from_policy(policy: Option<&RetryPolicy>) -> Result<RetrySchedule, RetryPolicyError> {
        let Some(policy) = policy else {
            return Ok(DEFAULT_SCHEDULE);
        };
        let kind = policy
            .policy_type()
            .ok_or_else(|| RetryPolicyError::UnknownType(policy.type_name.clone()))?;
        let name = kind.as_str();
        let duration = |field: &'static str,
                        text: &Option<String>|
         -> Result<Option<Duration>, RetryPolicyError> {
            text.as_deref()
                .map(|t| {
                    IsoDuration::parse(t).map(|d| d.approx()).map_err(|e| {
                        RetryPolicyError::Invalid {
                            field,
                            message: e.to_string(),
                        }
                    })
                })
                .transpose()
        };
        let count = || -> Result<u32, RetryPolicyError> {
            let n = policy
                .count
                .ok_or(RetryPolicyError::Missing(name, "count"))?;
            match u32::try_from(n) {
                Ok(n @ 1..=90) => Ok(n),
                _ => Err(RetryPolicyError::Invalid {
                    field: "count",
                    message: format!("must be between 1 and 90, not {n}"),
                }),
            }
        };
        let interval = || {
            duration("interval", &policy.interval)?
                .ok_or(RetryPolicyError::Missing(name, "interval"))
        };
        Ok(match kind {
            RetryPolicyType::Default => DEFAULT_SCHEDULE,
            RetryPolicyType::None => RetrySchedule::Never,
            RetryPolicyType::Fixed => RetrySchedule::Fixed {
                count: count()?,
                interval: interval()?,
            },
            RetryPolicyType::Exponential => RetrySchedule::Exponential {
                count: count()?,
                interval: interval()?,
                minimum: duration("minimumInterval", &policy.minimum_interval)?
                    .unwrap_or(DEFAULT_MINIMUM),
                maximum: duration("maximumInterval", &policy.maximum_interval)?
                    .unwrap_or(DEFAULT_MAXIMUM),
            },
        })
    }

    /// From the evaluated `retryPolicy` JSON.
    pub fn from_json(value: Option<&Value>) -> Result<RetrySchedule, RetryPolicyError> {
        match value {
            None | Some(Value::Null) => Ok(DEFAULT_SCHEDULE),
            Some(Value::Object(_)) => {
                let policy: RetryPolicy =
                    serde_json::from_value(value.cloned().unwrap_or_default())
                        .map_err(|_| RetryPolicyError::Malformed)?;
                RetrySchedule::from_policy(Some(&policy))
            }
            Some(_) => Err(RetryPolicyError::Malformed),
        }
    }

    /// How many retries the policy allows after the first attempt.
    pub fn max_retries(&self) -> u32 {
        match *self {
            RetrySchedule::Never => 0,
            RetrySchedule::Fixed { count, .. } | RetrySchedule::Exponential { count, .. } => count,
        }
    }
}

/// What an attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// An answer, with its `Retry-After` already turned into a wait ([`retry_after`]).
    Response {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No answer: a connection failure or timeout is transient, anything else is not.
    Failure { transient: bool },
}

impl AttemptOutcome {
    /// From the result of [`OutboundClient::execute`], reading `Retry-After` against `now`.
    pub fn of(
        result: &Result<OutboundResponse, OutboundFailure>,
        now: SystemTime,
    ) -> AttemptOutcome {
        match result {
            Ok(response) => AttemptOutcome::Response {
                status: response.status_code,
                retry_after: response
                    .header("retry-after")
                    .and_then(|v| retry_after(v, now)),
            },
            Err(failure) => AttemptOutcome::Failure {
                transient: failure.kind.is_transient(),
            },
        }
    }

    /// 408, 429, 5xx and transient failures are retried.
    pub fn is_retryable(&self) -> bool {
        match *self {
            AttemptOutcome::Response { status, .. } => {
                status == 408 || status == 429 || (500..=599).contains(&status)
            }
            AttemptOutcome::Failure { transient } => transient,
        }
    }
}

/// A source of uniform random numbers in `[0, 1)` for the jitter of exponential policies.
pub trait RandomSource {
    fn next_unit(&mut self) -> f64;
}

/// Always the same draw; for tests, and for replaying a journaled draw.
#[derive(Debug, Clone, Copy)]
pub struct FixedRandom(pub f64);

impl RandomSource for FixedRandom {
    fn next_unit(&mut self) -> f64 {
        self.0
    }
}

/// The operating system's random source.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn next_unit(&mut self) -> f64 {
        // 53 random bits make every representable f64 in [0, 1) equally likely.
        let bits = getrandom::u64().unwrap_or(0) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }
}

/// The wait before the next attempt, or `None` when there is none: the outcome is not
/// retried, or `attempt` (1 for the first attempt, which is not a retry) used up the
/// policy's retries.
pub fn next_delay(
    schedule: &RetrySchedule,
    attempt: u32,
    outcome: &AttemptOutcome,
    random: &mut dyn RandomSource,
) -> Option<Duration> {
    if !outcome.is_retryable() || attempt == 0 || attempt > schedule.max_retries() {
        return None;
    }
    if let AttemptOutcome::Response {
        retry_after: Some(wait),
        ..
    } = outcome
    {
        return Some(*wait);
    }
    // The retry about to be made: attempt 1 failed, so retry 1 comes next.
    let retry = attempt;
    Some(match *schedule {
        RetrySchedule::Never => return None,
        RetrySchedule::Fixed { interval, .. } => interval,
        RetrySchedule::Exponential {
            interval,
            minimum,
            maximum,
            ..
        } => {
            let low = if retry == 1 {
                Duration::ZERO
            } else {
                scaled(interval, retry - 2)
            }
            .max(minimum);
            let high = scaled(interval, retry - 1).min(maximum);
            if high <= low {
                // A minimum above the range (or above the maximum) leaves one value.
                low.min(maximum.max(minimum))
            } else {
                let unit = random.next_unit().clamp(0.0, 1.0);
                low + (high - low).mul_f64(unit)
            }
        }
    })
}

/// `interval · 2^power`, saturating.
fn scaled(interval: Duration, power: u32) -> Duration {
    interval.saturating_mul(2u32.saturating_pow(power))
}

/// A `Retry-After` value: delay-seconds or an HTTP date (a date in the past is no wait).
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What [`execute_with_retries`] ended with.
#[derive(Debug)]
pub struct Retried {
    /// The last attempt's result.
    pub result: Result<OutboundResponse, OutboundFailure>,
    /// How many attempts were made (1 = no retry).
    pub attempts: u32,
}

/// Executes `request`, retrying in process per `schedule` with `tokio::time::sleep`.
/// Only for a webhook trigger's subscribe while its workflow is saved: everywhere else the
/// engine retries durably.
pub async fn execute_with_retries(
    client: &OutboundClient,
    request: &OutboundRequest,
    schedule: &RetrySchedule,
    random: &mut (dyn RandomSource + Send),
    clock: &dyn Clock,
) -> Retried {
    let mut attempt = 1;
    loop {
        let result = client.execute(request).await;
        let outcome = AttemptOutcome::of(&result, clock.now());
        match next_delay(schedule, attempt, &outcome, random) {
            Some(wait) => {
                tracing::debug!(attempt, ?wait, uri = %request.uri, "retrying outbound request");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            None => {
                return Retried {
                    result,
                    attempts: attempt,
                }
            }
        }
    }
}
