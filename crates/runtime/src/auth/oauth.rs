//! `ActiveDirectoryOAuth`: an OAuth 2 client-credentials token, cached in memory.
//!
//! The endpoint is `{authority}/{tenant}/oauth2/token` (Microsoft identity platform v1),
//! with `resource = audience`: Logic Apps' `audience` is a resource URI
//! (`https://management.core.windows.net/`), which is what v1 takes. When the audience is
//! a v2 scope — it ends in `/.default` — the v2 endpoint `…/oauth2/v2.0/token` is used with
//! `scope = audience` instead. `authority` defaults to `https://login.microsoftonline.com`.
//!
//! Tokens are cached per authority + tenant + client + audience until
//! [`REFRESH_MARGIN`] before they expire (`expires_in`, else `expires_on`). The
//! credential is the `secret`, or a certificate (`pfx` + `password`, RSA) presented as a
//! signed JWT client assertion ([`super::assertion`]).

use super::{AuthError, ClientIdentity};
use crate::clock::Clock;
use hookflow_definition::model::Authentication;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// A cached token is renewed this long before it expires, so a request never leaves with
/// a token that dies in flight.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Tokens longer than this are not trusted to stay valid (guards against a bogus
/// `expires_in`).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Which token endpoint the audience asks for (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenEndpointVersion {
    /// `…/oauth2/token`, `resource = audience`
    V1,
    /// `…/oauth2/v2.0/token`, `scope = audience`
    V2,
}

#[derive(Clone, PartialEq, Eq)]
enum Credential {
    Secret(String),
    Certificate(Box<ClientIdentity>),
}

/// A parsed `ActiveDirectoryOAuth` authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthClient {
    authority: String,
    tenant: String,
    client_id: String,
    audience: String,
    credential: Credential,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("authority", &self.authority)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    pub fn from_authentication(auth: &Authentication) -> Result<OAuthClient, AuthError> {
        let required = |field: &'static str, v: &Option<String>| {
            v.clone()
                .filter(|s| !s.is_empty())
                .ok_or(AuthError::MissingField {
                    kind: "ActiveDirectoryOAuth",
                    field,
                })
        };
        let credential = match (&auth.secret, &auth.pfx) {
            (Some(secret), _) => Credential::Secret(secret.clone()),
            (None, Some(_)) => {
                Credential::Certificate(Box::new(ClientIdentity::from_authentication(auth)?))
            }
            (None, None) => {
                return Err(AuthError::MissingField {
                    kind: "ActiveDirectoryOAuth",
                    field: "secret",
                })
            }
        };
        Ok(OAuthClient {
            authority: auth
                .authority
                .clone()
                .filter(|a| !a.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_AUTHORITY.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            tenant: required("tenant", &auth.tenant)?,
            client_id: required("clientId", &auth.client_id)?,
            audience: required("audience", &auth.audience)?,
            credential,
        })
    }

    pub fn version(&self) -> TokenEndpointVersion {
        if self.audience.ends_with("/.default") {
            TokenEndpointVersion::V2
        } else {
            TokenEndpointVersion::V1
        }
    }

    /// The token endpoint this client asks.
    pub fn token_endpoint(&self) -> String {
        let tenant =
            percent_encoding::utf8_percent_encode(&self.tenant, percent_encoding::NON_ALPHANUMERIC);
        match self.version() {
            TokenEndpointVersion::V1 => format!("{}/{tenant}/oauth2/token", self.authority),
            TokenEndpointVersion::V2 => format!("{}/{tenant}/oauth2/v2.0/token", self.authority),
        }
    }

    fn cache_key(&self) -> TokenKey {
        TokenKey {
            authority: self.authority.to_ascii_lowercase(),
            tenant: self.tenant.to_ascii_lowercase(),
            client_id: self.client_id.clone(),
            audience: self.audience.clone(),
        }
    }

    fn form(&self, now: SystemTime) -> Result<Vec<(&'static str, String)>, AuthError> {
        let mut form = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", self.client_id.clone()),
        ];
        match &self.credential {
            Credential::Secret(secret) => form.push(("client_secret", secret.clone())),
            Credential::Certificate(identity) => {
                let endpoint = self.token_endpoint();
                let jwt =
                    super::assertion::client_assertion(identity, &self.client_id, &endpoint, now)?;
                form.push((
                    "client_assertion_type",
                    super::assertion::ASSERTION_TYPE.to_owned(),
                ));
                form.push(("client_assertion", jwt));
            }
        }
        form.push(match self.version() {
            TokenEndpointVersion::V1 => ("resource", self.audience.clone()),
            TokenEndpointVersion::V2 => ("scope", self.audience.clone()),
        });
        Ok(form)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TokenKey {
    authority: String,
    tenant: String,
    client_id: String,
    audience: String,
}

#[derive(Clone)]
struct CachedToken {
    authorization: String,
    renew_at: SystemTime,
}

/// Tokens by authority + tenant + client + audience. Shared by every request of the
/// process; two concurrent misses may both ask the endpoint (harmless, and simpler than
/// holding a lock across a network call).
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<TokenKey, CachedToken>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.entries.lock().map(|e| e.len()).unwrap_or(0);
        write!(f, "TokenCache({len} tokens)")
    }
}

impl TokenCache {
    /// The `Authorization` header value (`Bearer …`) for `client`: cached, or fetched.
    pub async fn authorization(
        &self,
        client: &OAuthClient,
        http: &reqwest::Client,
        clock: &dyn Clock,
        timeout: Duration,
    ) -> Result<String, AuthError> {
        let key = client.cache_key();
        let now = clock.now();
        if let Some(token) = self.lock().get(&key) {
            if now < token.renew_at {
                return Ok(token.authorization.clone());
            }
        }
        let (authorization, lifetime) = fetch(client, http, clock, timeout).await?;
        if let Some(lifetime) = lifetime {
            let lifetime = lifetime.min(MAX_LIFETIME);
            if lifetime > REFRESH_MARGIN {
                self.lock().insert(
                    key,
                    CachedToken {
                        authorization: authorization.clone(),
                        renew_at: now + (lifetime - REFRESH_MARGIN),
                    },
                );
            }
        }
        Ok(authorization)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TokenKey, CachedToken>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Asks the token endpoint; returns the header value and the token's lifetime.
async fn fetch(
    client: &OAuthClient,
    http: &reqwest::Client,
    clock: &dyn Clock,
    timeout: Duration,
) -> Result<(String, Option<Duration>), AuthError> {
    let endpoint = client.token_endpoint();
    let form = client.form(clock.now())?;
    let mut encoded = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &form {
        encoded.append_pair(k, v);
    }
    let failed = |message: String| AuthError::TokenRequest {
        endpoint: endpoint.clone(),
        message,
    };
    let response = http
        .post(&endpoint)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(encoded.finish())
        .timeout(timeout)
        .send()
        .await
        // reqwest's Display of an error names the URL, never the form.
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| failed(e.to_string()))?;
    if !status.is_success() {
        let answer: String = String::from_utf8_lossy(&bytes).chars().take(2000).collect();
        return Err(AuthError::TokenRefused {
            endpoint,
            status: status.as_u16(),
            answer,
        });
    }
    let json: Value =
        serde_json::from_slice(&bytes).map_err(|_| failed("the answer is not JSON".into()))?;
    let token = json
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| failed("the answer has no 'access_token'".into()))?;
    let token_type = json
        .get("token_type")
        .and_then(Value::as_str)
        .unwrap_or("Bearer");
    let lifetime = seconds(json.get("expires_in"))
        .map(Duration::from_secs)
        .or_else(|| {
            let on = UNIX_EPOCH + Duration::from_secs(seconds(json.get("expires_on"))?);
            on.duration_since(clock.now()).ok()
        });
    Ok((format!("{token_type} {token}"), lifetime))
}

/// v1 endpoints write numbers as strings (`"3599"`); v2 as numbers.
fn seconds(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
