//! The serde model of a workflow definition document.
//!
//! Every struct keeps the properties it does not know (designer `metadata`, `description`,
//! `correlation`, …) in `extra`, and [`Ordered`] remembers the order in which the
//! properties came, so serialising a parsed definition gives back the same JSON, key
//! order included. Type names and statuses are kept as written (`"request"`,
//! `"SUCCEEDED"`); the typed readings (`ActionType`, `RunAfterStatus`, …) are
//! case-insensitive.
//!
//! Inputs stay JSON values here: they are templates that the engine evaluates at run
//! time. The typed input structs in [`inputs`] read an *evaluated* inputs value.
//!
//! Read a whole definition as `Ordered<Definition>` to keep its top-level key order too.

mod action;
pub mod inputs;
mod ordered;
mod settings;
mod trigger;

pub use action::{Action, ActionType, Actions, Branch, RunAfterStatus, SwitchCase};
pub use ordered::Ordered;
pub use settings::{
    Authentication, AuthenticationType, Concurrency, Limit, RetryPolicy, RetryPolicyType,
    RuntimeConfiguration, SecureData,
};
pub use trigger::{Recurrence, RecurrenceFrequency, Trigger, TriggerCondition, TriggerType};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `definition` object: parameters, triggers, actions, outputs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<IndexMap<String, Ordered<Parameter>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers: Option<IndexMap<String, Ordered<Trigger>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Actions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<IndexMap<String, Ordered<Output>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_results: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A parameter declaration (`definition.parameters.<name>`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Parameter {
    pub fn parameter_type(&self) -> Option<ParameterType> {
        ParameterType::parse(&self.type_name)
    }
}

/// The declared type of a parameter (names are case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterType {
    Int,
    Float,
    String,
    SecureString,
    Bool,
    Array,
    Object,
    SecureObject,
}

impl ParameterType {
    pub fn parse(name: &str) -> Option<ParameterType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "int" | "integer" => ParameterType::Int,
            "float" => ParameterType::Float,
            "string" => ParameterType::String,
            "securestring" => ParameterType::SecureString,
            "bool" | "boolean" => ParameterType::Bool,
            "array" => ParameterType::Array,
            "object" => ParameterType::Object,
            "secureobject" => ParameterType::SecureObject,
            _ => return None,
        })
    }

    /// Whether a concrete JSON value fits this type.
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            ParameterType::Int => value.is_i64() || value.is_u64(),
            ParameterType::Float => value.is_number(),
            ParameterType::String | ParameterType::SecureString => value.is_string(),
            ParameterType::Bool => value.is_boolean(),
            ParameterType::Array => value.is_array(),
            ParameterType::Object | ParameterType::SecureObject => value.is_object(),
        }
    }

    pub fn is_secure(self) -> bool {
        matches!(
            self,
            ParameterType::SecureString | ParameterType::SecureObject
        )
    }
}

/// A workflow output (`definition.outputs.<name>`): `{ "type", "value" }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Output {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
