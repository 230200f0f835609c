//! Triggers: `Request`, `HttpWebhook`, `Http` (polling) and `Recurrence`.

use super::action::{names_enum, split_options};
use super::settings::{Limit, RuntimeConfiguration};
use super::Ordered;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Ordered<Recurrence>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Ordered<TriggerCondition>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_on: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Ordered<Limit>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_configuration: Option<Ordered<RuntimeConfiguration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_options: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Trigger {
    pub fn trigger_type(&self) -> Option<TriggerType> {
        TriggerType::parse(&self.type_name)
    }

    pub fn operation_options(&self) -> Vec<&str> {
        split_options(self.operation_options.as_deref())
    }
}

names_enum! {
    /// The trigger types hookflow runs.
    TriggerType {
        Request = "Request",
        HttpWebhook = "HttpWebhook",
        Http = "Http",
        Recurrence = "Recurrence",
    }
}

/// `recurrence` of polling triggers: `{ "frequency": "Minute", "interval": 5, … }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recurrence {
    pub frequency: String,
    /// An integer (or, rarely, an expression).
    pub interval: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Recurrence {
    pub fn frequency(&self) -> Option<RecurrenceFrequency> {
        RecurrenceFrequency::parse(&self.frequency)
    }
}

names_enum! {
    RecurrenceFrequency {
        Second = "Second",
        Minute = "Minute",
        Hour = "Hour",
        Day = "Day",
        Week = "Week",
        Month = "Month",
    }
}

impl RecurrenceFrequency {
    /// The documented interval range for this frequency (together ≤ 500 days).
    pub fn interval_range(self) -> (u64, u64) {
        match self {
            RecurrenceFrequency::Second => (1, 9_999_999),
            RecurrenceFrequency::Minute => (1, 72_000),
            RecurrenceFrequency::Hour => (1, 12_000),
            RecurrenceFrequency::Day => (1, 500),
            RecurrenceFrequency::Week => (1, 71),
            RecurrenceFrequency::Month => (1, 16),
        }
    }
}

/// A trigger condition: `{ "expression": "@…" }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TriggerCondition {
    pub expression: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
