//! Retry policies (reference §8) and the HTTP facts they depend on: which answers are
//! retried, `Retry-After`, and the codes final answers get.

use crate::context::Environment;
use chrono::{DateTime, Utc};
use hookflow_definition::duration::IsoDuration;
use hookflow_definition::model::{RetryPolicy, RetryPolicyType};
use serde_json::{Map, Value};
use std::time::Duration;

/// A retry policy read from evaluated inputs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RetryStrategy {
    None,
    Fixed {
        count: u32,
        interval: Duration,
    },
    Exponential {
        count: u32,
        interval: Duration,
        min: Duration,
        max: Duration,
    },
}

impl RetryStrategy {
    /// `default` is the reference's sample equivalent (§8, open question 13):
    /// exponential, 4 retries, interval PT7S, between PT5S and PT1H.
    pub fn default_policy() -> RetryStrategy {
        RetryStrategy::Exponential {
            count: 4,
            interval: Duration::from_secs(7),
            min: Duration::from_secs(5),
            max: Duration::from_secs(3600),
        }
    }

    /// Reads `inputs.retryPolicy` (absent = default).
    pub fn from_inputs(policy: Option<&Value>) -> Result<RetryStrategy, String> {
        let Some(policy) = policy.filter(|p| !p.is_null()) else {
            return Ok(RetryStrategy::default_policy());
        };
        let policy: RetryPolicy = serde_json::from_value(policy.clone())
            .map_err(|e| format!("the retry policy is not valid: {e}"))?;
        let duration = |text: Option<&String>, default: u64| -> Result<Duration, String> {
            match text {
                None => Ok(Duration::from_secs(default)),
                Some(t) => IsoDuration::parse(t)
                    .map(|d| d.approx())
                    .map_err(|e| e.to_string()),
            }
        };
        let count = |default: u64| -> Result<u32, String> {
            let c = policy.count.unwrap_or(default);
            if !(1..=90).contains(&c) {
                return Err(format!("the retry count must be between 1 and 90, not {c}"));
            }
            Ok(c as u32)
        };
        match policy.policy_type() {
            Some(RetryPolicyType::Default) => Ok(RetryStrategy::default_policy()),
            Some(RetryPolicyType::None) => Ok(RetryStrategy::None),
            Some(RetryPolicyType::Fixed) => Ok(RetryStrategy::Fixed {
                count: count(4)?,
                interval: duration(policy.interval.as_ref(), 7)?,
            }),
            Some(RetryPolicyType::Exponential) => Ok(RetryStrategy::Exponential {
                count: count(4)?,
                interval: duration(policy.interval.as_ref(), 7)?,
                min: duration(policy.minimum_interval.as_ref(), 5)?,
                max: duration(policy.maximum_interval.as_ref(), 86_400)?,
            }),
            None => Err(format!(
                "'{}' is not a retry policy type (default, none, fixed, exponential)",
                policy.type_name
            )),
        }
    }

    /// How many retries follow the first attempt.
    pub fn count(&self) -> u32 {
        match self {
            RetryStrategy::None => 0,
            RetryStrategy::Fixed { count, .. } | RetryStrategy::Exponential { count, .. } => *count,
        }
    }

    /// The wait before retry number `retry` (1-based). Exponential draws uniformly from
    /// `[max(interval·2^(n-2), min), min(interval·2^(n-1), max)]` (retry 1 starts at 0).
    pub fn delay(&self, retry: u32, env: &dyn Environment) -> Duration {
        match self {
            RetryStrategy::None => Duration::ZERO,
            RetryStrategy::Fixed { interval, .. } => *interval,
            RetryStrategy::Exponential {
                interval, min, max, ..
            } => {
                let ms = interval.as_millis().min(u64::MAX as u128) as u64;
                let scale = |power: i32| -> u64 {
                    if power < 0 {
                        0
                    } else {
                        ms.saturating_mul(1u64 << power.min(40))
                    }
                };
                let n = retry.max(1) as i32;
                let lo = scale(n - 2).max(min.as_millis() as u64);
                let hi = scale(n - 1).min(max.as_millis() as u64).max(lo);
                let lo_i = i64::try_from(lo).unwrap_or(i64::MAX - 1);
                let hi_i = i64::try_from(hi).unwrap_or(i64::MAX - 1);
                let drawn = if hi_i > lo_i {
                    env.random_int(lo_i, hi_i + 1)
                } else {
                    lo_i
                };
                Duration::from_millis(drawn.max(0) as u64)
            }
        }
    }
}

/// 408, 429 and 5xx are retried; other answers are final.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..=599).contains(&status)
}

/// A header by name, ignoring case.
pub(crate) fn header<'h>(headers: &'h Map<String, Value>, name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| match v {
            Value::String(s) => Some(s.as_str()),
            Value::Array(items) => items.first().and_then(Value::as_str),
            _ => None,
        })
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &Map<String, Value>, now: DateTime<Utc>) -> Option<Duration> {
    let value = header(headers, "retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The action `code` for a final HTTP status (the reason phrase, as Logic Apps shows it).
pub(crate) fn status_code_name(status: u16) -> String {
    let name = match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "NoContent",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return format!("Http{status}"),
    };
    name.to_string()
}
