//! Settings shared by actions and triggers: `limit`, `runtimeConfiguration`,
//! `retryPolicy` and `authentication` (the last two live inside `inputs`).

use super::action::names_enum;
use super::Ordered;
use crate::duration::{DurationError, IsoDuration};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `limit`: `timeout` (ISO 8601) for asynchronous actions; `count` and `timeout` for Until.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Limit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Limit {
    /// The timeout, when it is a literal duration (not an expression).
    pub fn timeout(&self) -> Option<Result<IsoDuration, DurationError>> {
        self.timeout
            .as_deref()
            .filter(|t| !t.starts_with('@'))
            .map(IsoDuration::parse)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Ordered<Concurrency>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_data: Option<Ordered<SecureData>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination_policy: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Concurrency {
    /// Triggers: runs in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// Triggers: queue size for waiting runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_waiting_runs: Option<u64>,
    /// Foreach: parallel iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repetitions: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `secureData.properties`: `"inputs"` and/or `"outputs"`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SecureData {
    #[serde(default)]
    pub properties: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

names_enum! {
    RetryPolicyType {
        Default = "default",
        None = "none",
        Fixed = "fixed",
        Exponential = "exponential",
    }
}

/// `inputs.retryPolicy` of Http and HttpWebhook.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_interval: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RetryPolicy {
    pub fn policy_type(&self) -> Option<RetryPolicyType> {
        RetryPolicyType::parse(&self.type_name)
    }
}

names_enum! {
    AuthenticationType {
        Basic = "Basic",
        Raw = "Raw",
        ClientCertificate = "ClientCertificate",
        ActiveDirectoryOAuth = "ActiveDirectoryOAuth",
        ManagedServiceIdentity = "ManagedServiceIdentity",
    }
}

/// `inputs.authentication`. One flat struct for all types; which fields apply depends on
/// the type:
///
/// - `Basic`: `username`, `password`.
/// - `Raw`: `value` (the whole `Authorization` header value).
/// - `ClientCertificate`: `pfx` (base64) with optional `password`, or PEM text in
///   `certificate` and `privateKey` (a hookflow extension for self-hosting).
/// - `ActiveDirectoryOAuth`: `tenant`, `audience`, `clientId`, then `secret` or `pfx`
///   (+ `password`); `authority` optional; `credentialType` (`Secret`/`Certificate`) is a
///   designer hint.
/// - `ManagedServiceIdentity`: read, but rejected by validation (not supported).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authentication {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pfx: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Authentication {
    pub fn authentication_type(&self) -> Option<AuthenticationType> {
        AuthenticationType::parse(&self.type_name)
    }
}
