//! Outbound `authentication` (contract §5, reference §7) and the masked form of a request
//! for run history.
//!
//! | type | effect on the request |
//! |---|---|
//! | `Basic` | `Authorization: Basic base64(username:password)` |
//! | `Raw` | `Authorization: <value>` as given |
//! | `ClientCertificate` | TLS client certificate: `pfx` (base64 PKCS#12) + `password`, or PEM `certificate` + `privateKey` |
//! | `ActiveDirectoryOAuth` | `Authorization: Bearer <token>` from an OAuth 2 client-credentials request ([`oauth`]) |
//! | `ManagedServiceIdentity` | refused (validation already rejects it) |
//!
//! An `authentication` wins over an `Authorization` header written in `headers`.

pub mod assertion;
pub mod certificate;
pub mod oauth;
mod recorded;

pub use certificate::ClientIdentity;
pub use oauth::{TokenCache, TokenEndpointVersion};
pub use recorded::{mask_authentication, recorded_request, MASK};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hookflow_definition::model::{Authentication, AuthenticationType};
use serde_json::Value;
use std::fmt;

/// Why an `authentication` could not be applied. Messages never contain the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    #[error("'authentication' is malformed: {0}")]
    Malformed(String),
    #[error("authentication type '{0}' is not supported")]
    Unsupported(String),
    #[error("{kind} authentication needs '{field}'")]
    MissingField {
        kind: &'static str,
        field: &'static str,
    },
    #[error("the client certificate cannot be used: {0}")]
    Certificate(String),
    #[error("the token request to {endpoint} failed: {message}")]
    TokenRequest { endpoint: String, message: String },
    #[error("the token endpoint {endpoint} answered {status}: {answer}")]
    TokenRefused {
        endpoint: String,
        status: u16,
        answer: String,
    },
}

/// A parsed, usable `authentication`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    Basic { username: String, password: String },
    Raw { value: String },
    ClientCertificate(ClientIdentity),
    OAuth(oauth::OAuthClient),
}

impl fmt::Debug for Credentials {
    // Secrets must not reach logs through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .finish_non_exhaustive(),
            Credentials::Raw { .. } => f.write_str("Raw(***)"),
            Credentials::ClientCertificate(identity) => identity.fmt(f),
            Credentials::OAuth(client) => client.fmt(f),
        }
    }
}

impl Credentials {
    /// Reads an evaluated `authentication` object. `None` for absent, `null` or `{}`.
    pub fn parse(value: Option<&Value>) -> Result<Option<Credentials>, AuthError> {
        let Some(value) = value else { return Ok(None) };
        match value {
            Value::Null => return Ok(None),
            Value::Object(o) if o.is_empty() => return Ok(None),
            Value::Object(_) => {}
            _ => {
                return Err(AuthError::Malformed(
                    "it must be an object with a 'type'".into(),
                ))
            }
        }
        let auth: Authentication = serde_json::from_value(value.clone())
            // serde's message could quote a secret value; say only where it went wrong.
            .map_err(|_| {
                AuthError::Malformed("a field has the wrong type (all must be strings)".into())
            })?;
        let kind = auth
            .authentication_type()
            .ok_or_else(|| AuthError::Unsupported(auth.type_name.clone()))?;
        let required = |field: &'static str, v: &Option<String>| {
            v.clone().ok_or(AuthError::MissingField {
                kind: kind.as_str(),
                field,
            })
        };
        Ok(Some(match kind {
            AuthenticationType::Basic => Credentials::Basic {
                username: required("username", &auth.username)?,
                password: required("password", &auth.password)?,
            },
            AuthenticationType::Raw => Credentials::Raw {
                value: required("value", &auth.value)?,
            },
            AuthenticationType::ClientCertificate => {
                Credentials::ClientCertificate(ClientIdentity::from_authentication(&auth)?)
            }
            AuthenticationType::ActiveDirectoryOAuth => {
                Credentials::OAuth(oauth::OAuthClient::from_authentication(&auth)?)
            }
            AuthenticationType::ManagedServiceIdentity => {
                return Err(AuthError::Unsupported(
                    "ManagedServiceIdentity (hookflow has no Azure identity endpoint; use ActiveDirectoryOAuth)".into(),
                ))
            }
        }))
    }

    /// The `Authorization` header value for the header-based types.
    pub fn static_authorization(&self) -> Option<String> {
        match self {
            Credentials::Basic { username, password } => Some(format!(
                "Basic {}",
                STANDARD.encode(format!("{username}:{password}"))
            )),
            Credentials::Raw { value } => Some(value.clone()),
            Credentials::ClientCertificate(_) | Credentials::OAuth(_) => None,
        }
    }
}
