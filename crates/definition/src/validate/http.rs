//! Outbound HTTP requests in inputs: Http, HttpWebhook `subscribe`/`unsubscribe`, their
//! authentication and retry policy.

use super::{is_expression, json_type, Validator};
use crate::error::{ErrorCode, Pointer};
use crate::model::{AuthenticationType, RetryPolicyType};
use serde_json::{Map, Value};

impl<'a> Validator<'a> {
    pub(super) fn check_webhook_inputs(
        &mut self,
        o: &'a Map<String, Value>,
        at: &Pointer,
        name: &'a str,
    ) {
        for (side, required) in [("subscribe", true), ("unsubscribe", false)] {
            let p = at.key(side);
            match o.get(side) {
                None if required => self.error(
                    &p,
                    Some(name),
                    ErrorCode::MissingInput,
                    "an HttpWebhook needs inputs.subscribe with 'method' and 'uri'",
                ),
                None => {}
                Some(v) if is_expression(v) => {}
                Some(Value::Object(request)) => {
                    self.check_http_request(request, &p, name, !required)
                }
                Some(other) => self.error(
                    &p,
                    Some(name),
                    ErrorCode::InvalidInput,
                    format!(
                        "'{side}' must be an object describing an HTTP request, not {}",
                        json_type(other)
                    ),
                ),
            }
        }
        if let Some(kind) = o.get("accessKeyType") {
            let ok = kind.as_str().is_some_and(|k| {
                k.eq_ignore_ascii_case("Primary") || k.eq_ignore_ascii_case("Secondary")
            });
            if !ok && !is_expression(kind) {
                self.error(
                    &at.key("accessKeyType"),
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'accessKeyType' must be Primary or Secondary",
                );
            }
        }
    }

    /// An outbound request: `method` and `uri` (`url` is accepted for unsubscribe),
    /// headers, queries, authentication, retry policy.
    pub(super) fn check_http_request(
        &mut self,
        o: &'a Map<String, Value>,
        at: &Pointer,
        name: &'a str,
        allow_url: bool,
    ) {
        let has_uri = o.contains_key("uri") || (allow_url && o.contains_key("url"));
        if !has_uri {
            self.error(
                &at.key("uri"),
                Some(name),
                ErrorCode::MissingInput,
                "the request needs a 'uri'",
            );
        }
        match o.get("method") {
            None => self.error(
                &at.key("method"),
                Some(name),
                ErrorCode::MissingInput,
                "the request needs a 'method'",
            ),
            Some(v) if is_expression(v) => {}
            Some(Value::String(m)) => {
                // Custom verbs are allowed, but they must look like a verb.
                let valid = !m.is_empty() && m.chars().all(|c| c.is_ascii_alphabetic());
                if !valid {
                    self.error(
                        &at.key("method"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!("'{m}' is not an HTTP method"),
                    );
                }
            }
            Some(other) => self.error(
                &at.key("method"),
                Some(name),
                ErrorCode::InvalidInput,
                format!("'method' must be a string, not {}", json_type(other)),
            ),
        }
        for key in ["uri", "url"] {
            if let Some(uri) = o.get(key) {
                if !uri.is_string() {
                    self.error(
                        &at.key(key),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!("'{key}' must be a string"),
                    );
                }
            }
        }
        self.check_object_or_expression(o, "headers", at, name);
        self.check_object_or_expression(o, "queries", at, name);
        if let Some(auth) = o.get("authentication") {
            self.check_authentication(auth, &at.key("authentication"), name);
        }
        if let Some(policy) = o.get("retryPolicy") {
            self.check_retry_policy(policy, &at.key("retryPolicy"), name);
        }
    }

    pub(super) fn check_object_or_expression(
        &mut self,
        o: &Map<String, Value>,
        key: &str,
        at: &Pointer,
        name: &str,
    ) {
        if let Some(v) = o.get(key) {
            if !v.is_object() && !is_expression(v) {
                self.error(
                    &at.key(key),
                    Some(name),
                    ErrorCode::InvalidInput,
                    format!("'{key}' must be an object, not {}", json_type(v)),
                );
            }
        }
    }

    pub(super) fn check_authentication(&mut self, auth: &Value, at: &Pointer, name: &str) {
        if is_expression(auth) {
            return;
        }
        let Some(obj) = auth.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                "'authentication' must be an object with a 'type'",
            );
            return;
        };
        if obj.is_empty() {
            // The designer writes `"authentication": {}` for "none".
            return;
        }
        let Some(type_value) = obj.get("type") else {
            self.error(
                &at.key("type"),
                Some(name),
                ErrorCode::MissingInput,
                "'authentication' needs a 'type'",
            );
            return;
        };
        if is_expression(type_value) {
            return;
        }
        let Some(t) = type_value.as_str().and_then(AuthenticationType::parse) else {
            self.error(
                &at.key("type"),
                Some(name),
                ErrorCode::UnsupportedAuthentication,
                format!(
                    "authentication type {type_value} is not supported; use Basic, Raw, ClientCertificate or ActiveDirectoryOAuth"
                ),
            );
            return;
        };
        let has = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
        let require = |this: &mut Self, keys: &[&str]| {
            for key in keys {
                if !has(key) {
                    this.error(
                        &at.key(key),
                        Some(name),
                        ErrorCode::MissingInput,
                        format!("{t} authentication needs '{key}'"),
                    );
                }
            }
        };
        match t {
            AuthenticationType::ManagedServiceIdentity => self.error(
                &at.key("type"),
                Some(name),
                ErrorCode::UnsupportedAuthentication,
                "ManagedServiceIdentity authentication is not supported by hookflow (there is no Azure identity endpoint); use ActiveDirectoryOAuth with a client secret or certificate",
            ),
            AuthenticationType::Basic => require(self, &["username", "password"]),
            AuthenticationType::Raw => require(self, &["value"]),
            AuthenticationType::ClientCertificate => {
                let pem = has("certificate") && has("privateKey");
                if !has("pfx") && !pem {
                    self.error(
                        &at.key("pfx"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "ClientCertificate authentication needs 'pfx' (base64, with 'password') or PEM 'certificate' and 'privateKey'",
                    );
                }
            }
            AuthenticationType::ActiveDirectoryOAuth => {
                require(self, &["tenant", "audience", "clientId"]);
                if !has("secret") && !has("pfx") {
                    self.error(
                        &at.key("secret"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "ActiveDirectoryOAuth authentication needs a 'secret' or a 'pfx' certificate",
                    );
                }
            }
        }
    }

    pub(super) fn check_retry_policy(&mut self, policy: &Value, at: &Pointer, name: &str) {
        if is_expression(policy) {
            return;
        }
        let Some(obj) = policy.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                "'retryPolicy' must be an object with a 'type'",
            );
            return;
        };
        let t = match obj.get("type") {
            None => {
                self.error(
                    &at.key("type"),
                    Some(name),
                    ErrorCode::MissingInput,
                    "'retryPolicy' needs a 'type'",
                );
                return;
            }
            Some(v) => {
                match v.as_str().and_then(RetryPolicyType::parse) {
                    Some(t) => t,
                    None => {
                        self.error(
                        &at.key("type"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!("retry policy type {v} is not one of default, none, fixed, exponential"),
                    );
                        return;
                    }
                }
            }
        };
        let counted = matches!(t, RetryPolicyType::Fixed | RetryPolicyType::Exponential);
        match obj.get("count") {
            None if counted => self.error(
                &at.key("count"),
                Some(name),
                ErrorCode::MissingInput,
                format!("a {t} retry policy needs a 'count'"),
            ),
            None => {}
            Some(c) => match c.as_u64() {
                Some(n) if (1..=90).contains(&n) => {}
                Some(n) => self.error(
                    &at.key("count"),
                    Some(name),
                    ErrorCode::LimitExceeded,
                    format!("a retry count must be between 1 and 90, not {n}"),
                ),
                None => self.error(
                    &at.key("count"),
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'count' must be an integer between 1 and 90",
                ),
            },
        }
        match obj.get("interval") {
            None if counted => self.error(
                &at.key("interval"),
                Some(name),
                ErrorCode::MissingInput,
                format!("a {t} retry policy needs an 'interval' (ISO 8601, PT5S..P1D)"),
            ),
            None => {}
            Some(v) => {
                self.check_duration(v, &at.key("interval"), name, Some(("PT5S", "P1D")));
            }
        }
        for key in ["minimumInterval", "maximumInterval"] {
            if let Some(v) = obj.get(key) {
                self.check_duration(v, &at.key(key), name, Some(("PT5S", "P1D")));
            }
        }
    }
}
