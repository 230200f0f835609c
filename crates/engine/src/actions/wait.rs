//! Wait (Delay / Delay until): a durable timer.

use super::evaluate_inputs;
use crate::duration::add_iso;
use crate::event::{Event, TimerPurpose};
use crate::key::{ActionKey, TimerId};
use crate::schedule::{Completion, Machine};
use chrono::{DateTime, Utc};
use hookflow_definition::duration::IsoDuration;
use hookflow_definition::CheckedAction;
use serde_json::Value;

pub(crate) fn start(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    let Some(inputs) = evaluate_inputs(m, action, key) else {
        return;
    };
    let due = match due_time(&inputs, m.now) {
        Ok(due) => due,
        Err(message) => {
            return m.complete(
                action,
                key,
                Completion::failed("InvalidTemplate", message, inputs),
            );
        }
    };
    if due <= m.now {
        return m.complete(action, key, Completion::succeeded(inputs, Value::Null));
    }
    let secure = action.secure;
    m.emit(Event::ActionStarted {
        key: key.clone(),
        inputs,
        secure,
        at: m.now,
    });
    m.schedule_timer(timer_id(key), due, TimerPurpose::Wait { key: key.clone() });
}

pub(crate) fn timer_id(key: &ActionKey) -> TimerId {
    TimerId(format!("wait:{key}"))
}

fn due_time(inputs: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Some(interval) = inputs.get("interval") {
        let count = interval
            .get("count")
            .and_then(|c| {
                c.as_u64()
                    .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or("'interval.count' must be a non-negative integer")?;
        let count = u32::try_from(count).map_err(|_| "'interval.count' is too large")?;
        let unit = interval.get("unit").and_then(Value::as_str).unwrap_or("");
        let mut d = IsoDuration::default();
        match unit.to_ascii_lowercase().as_str() {
            "second" => d.seconds = f64::from(count),
            "minute" => d.minutes = count,
            "hour" => d.hours = count,
            "day" => d.days = count,
            "week" => d.weeks = count,
            "month" => d.months = count,
            _ => {
                return Err(format!(
                    "'{unit}' is not a Wait unit (Second, Minute, Hour, Day, Week, Month)"
                ))
            }
        }
        return Ok(add_iso(now, &d));
    }
    if let Some(until) = inputs.get("until") {
        let text = until
            .get("timestamp")
            .and_then(Value::as_str)
            .ok_or("'until.timestamp' must be a timestamp")?;
        return DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("'{text}' is not an ISO 8601 timestamp: {e}"));
    }
    Err("Wait needs 'interval' or 'until'".into())
}

pub(crate) fn on_timer(m: &mut Machine<'_>, action: &CheckedAction, key: &ActionKey) {
    if m.work.action(key).is_some_and(|r| !r.status.is_terminal()) {
        m.complete(action, key, Completion::succeeded(Value::Null, Value::Null));
    }
}
