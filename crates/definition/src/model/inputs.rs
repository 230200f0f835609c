//! Typed readings of *evaluated* inputs. A definition's inputs are templates; the engine
//! evaluates them and then reads the result through these structs
//! (`serde_json::from_value::<HttpRequestInputs>(evaluated)`).

use super::settings::{Authentication, RetryPolicy};
use super::Ordered;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An outbound HTTP request: the Http action and trigger, and each side of HttpWebhook.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequestInputs {
    pub method: String,
    /// `uri`; `url` is read as a synonym (seen in HttpWebhook `unsubscribe` examples).
    #[serde(alias = "url")]
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queries: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Ordered<Authentication>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<Ordered<RetryPolicy>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// HttpWebhook trigger and action inputs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookInputs {
    pub subscribe: HttpRequestInputs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<HttpRequestInputs>,
    /// `"Secondary"` signs the trigger's callback URL with the secondary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_type: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Request trigger inputs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Response action inputs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseInputs {
    pub status_code: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One variable of an InitializeVariable action.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VariableDeclaration {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

super::action::names_enum! {
    /// InitializeVariable types (case-insensitive: `"integer"` and `"Integer"` both read).
    VariableType {
        Integer = "Integer",
        Float = "Float",
        Boolean = "Boolean",
        String = "String",
        Array = "Array",
        Object = "Object",
    }
}

impl VariableType {
    /// Whether a literal JSON value fits this type.
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            VariableType::Integer => value.is_i64() || value.is_u64(),
            VariableType::Float => value.is_number(),
            VariableType::Boolean => value.is_boolean(),
            VariableType::String => value.is_string(),
            VariableType::Array => value.is_array(),
            VariableType::Object => value.is_object(),
        }
    }
}
