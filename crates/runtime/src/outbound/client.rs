//! The HTTP client: one shared, pooled `reqwest` client, plus one client per client
//! certificate (TLS identities are fixed when a client is built), cached by the
//! certificate's fingerprint so repeated calls with one certificate reuse connections.

use super::{body, headers, FailureKind, OutboundFailure, OutboundRequest, OutboundResponse};
use crate::auth::{AuthError, ClientIdentity, Credentials, TokenCache};
use crate::clock::{Clock, SystemClock};
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use std::collections::HashMap;
use std::error::Error as _;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many certificate clients are kept; beyond that the cache starts afresh (a
/// workflow set rarely uses more than a handful of certificates).
const MAX_CERTIFICATE_CLIENTS: usize = 64;

/// Settings of the outbound client.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Timeout of a request without its own (Logic Apps Consumption: 120 s).
    pub default_timeout: Duration,
    /// Connecting (TCP + TLS) must finish within this.
    pub connect_timeout: Duration,
    /// Larger answers fail with [`FailureKind::ResponseTooLarge`] (default 100 MiB, the
    /// message size limit of the reference).
    pub max_response_bytes: usize,
    /// Extra trusted root certificates (PEM), on top of the system's and the Mozilla
    /// roots; for private CAs and tests.
    pub extra_root_certificates: Vec<Vec<u8>>,
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            default_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(30),
            max_response_bytes: 100 * 1024 * 1024,
            extra_root_certificates: Vec::new(),
            user_agent: format!("hookflow/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Building the client failed (bad configuration, not a request's fault).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    #[error("extra root certificate {index} is not valid PEM")]
    RootCertificate { index: usize },
    #[error("the HTTP client cannot be built: {0}")]
    Build(String),
}

/// Executes outbound requests. Cheap to clone; clones share pools and caches.
#[derive(Clone)]
pub struct OutboundClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    roots: Vec<reqwest::Certificate>,
    shared: reqwest::Client,
    by_certificate: Mutex<HashMap<[u8; 32], reqwest::Client>>,
    tokens: TokenCache,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundClient")
            .field("config", &self.inner.config)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

impl OutboundClient {
    pub fn new(config: ClientConfig) -> Result<OutboundClient, ClientError> {
        OutboundClient::with_clock(config, Arc::new(SystemClock))
    }

    /// With an injected clock (token expiry).
    pub fn with_clock(
        config: ClientConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<OutboundClient, ClientError> {
        let roots = config
            .extra_root_certificates
            .iter()
            .enumerate()
            .map(|(index, pem)| {
                reqwest::Certificate::from_pem(pem)
                    .map_err(|_| ClientError::RootCertificate { index })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let shared = build(&config, &roots, None).map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(OutboundClient {
            inner: Arc::new(Inner {
                config,
                roots,
                shared,
                by_certificate: Mutex::new(HashMap::new()),
                tokens: TokenCache::default(),
                clock,
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// One attempt: applies authentication, encodes the body, sends, reads and decodes
    /// the answer. Any status code is a response; only "no answer" is a failure.
    pub async fn execute(
        &self,
        request: &OutboundRequest,
    ) -> Result<OutboundResponse, OutboundFailure> {
        let timeout = request.timeout.unwrap_or(self.inner.config.default_timeout);
        let credentials =
            Credentials::parse(request.authentication.as_ref()).map_err(auth_failure)?;
        let client = match &credentials {
            Some(Credentials::ClientCertificate(identity)) => self.certificate_client(identity)?,
            _ => self.inner.shared.clone(),
        };
        let authorization = match &credentials {
            Some(Credentials::OAuth(oauth)) => Some(
                self.inner
                    .tokens
                    .authorization(
                        oauth,
                        &self.inner.shared,
                        self.inner.clock.as_ref(),
                        timeout,
                    )
                    .await
                    .map_err(auth_failure)?,
            ),
            Some(other) => other.static_authorization(),
            None => None,
        };

        let method =
            reqwest::Method::from_bytes(request.method.trim().to_ascii_uppercase().as_bytes())
                .map_err(|_| invalid(format!("'{}' is not an HTTP method", request.method)))?;
        let url = request_url(&request.uri, &request.queries)?;
        let content_type =
            headers::find(&request.headers, "content-type").and_then(headers::value_text);
        let encoded = body::encode(request.body.as_ref(), content_type.as_deref())?;
        let mut header_map = headers::request_headers(&request.headers, encoded.is_some())?;
        if !request.suppress_workflow_headers {
            headers::add_workflow_headers(&mut header_map, &request.workflow_headers)?;
        }
        if let Some(value) = authorization {
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                auth_failure(AuthError::Malformed(
                    "the Authorization value contains control characters".into(),
                ))
            })?;
            value.set_sensitive(true);
            header_map.insert(AUTHORIZATION, value);
        }
        let mut builder = client.request(method, url).timeout(timeout);
        if let Some(encoded) = encoded {
            headers::insert(
                &mut header_map,
                CONTENT_TYPE.as_str(),
                &encoded.content_type,
            )?;
            builder = builder.body(encoded.bytes);
        }
        let mut response = builder.headers(header_map).send().await.map_err(classify)?;

        let status_code = response.status().as_u16();
        let response_headers = headers::response_headers(response.headers());
        let limit = self.inner.config.max_response_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large(limit));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        let content_type = response_headers
            .get("content-type")
            .and_then(|v| v.as_str());
        let body = body::decode(content_type, &bytes);
        Ok(OutboundResponse {
            status_code,
            headers: response_headers,
            body,
        })
    }

    fn certificate_client(
        &self,
        identity: &ClientIdentity,
    ) -> Result<reqwest::Client, OutboundFailure> {
        let key = identity.fingerprint();
        let mut cache = self
            .inner
            .by_certificate
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(client) = cache.get(&key) {
            return Ok(client.clone());
        }
        let tls_identity = identity.to_reqwest().map_err(auth_failure)?;
        let client =
            build(&self.inner.config, &self.inner.roots, Some(tls_identity)).map_err(|_| {
                auth_failure(AuthError::Certificate(
                    "the TLS client rejected the certificate or key".into(),
                ))
            })?;
        if cache.len() >= MAX_CERTIFICATE_CLIENTS {
            cache.clear();
        }
        cache.insert(key, client.clone());
        Ok(client)
    }
}

fn build(
    config: &ClientConfig,
    roots: &[reqwest::Certificate],
    identity: Option<reqwest::Identity>,
) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .connect_timeout(config.connect_timeout)
        .user_agent(config.user_agent.clone())
        // A redirect is an answer the workflow should see (Location in outputs); following
        // it silently could also carry an Authorization header to another host.
        .redirect(reqwest::redirect::Policy::none());
    for root in roots {
        builder = builder.add_root_certificate(root.clone());
    }
    if let Some(identity) = identity {
        builder = builder.identity(identity);
    }
    builder.build()
}

/// The URI with `queries` appended.
fn request_url(
    uri: &str,
    queries: &serde_json::Map<String, serde_json::Value>,
) -> Result<url::Url, OutboundFailure> {
    let mut url = url::Url::parse(uri.trim())
        .map_err(|e| invalid(format!("'{uri}' is not a valid URI: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the URI scheme '{}' is not http or https",
            url.scheme()
        )));
    }
    if !queries.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in queries {
            if let Some(text) = headers::value_text(value) {
                pairs.append_pair(name, &text);
            }
        }
    }
    Ok(url)
}

fn invalid(message: String) -> OutboundFailure {
    OutboundFailure::new(FailureKind::InvalidRequest, message)
}

fn too_large(limit: usize) -> OutboundFailure {
    OutboundFailure::new(
        FailureKind::ResponseTooLarge,
        format!("the response is larger than {limit} bytes"),
    )
}

fn auth_failure(error: AuthError) -> OutboundFailure {
    OutboundFailure::new(FailureKind::Authentication, error.to_string())
}

/// Sorts a transport error by kind, from its type chain (never its text).
fn classify(error: reqwest::Error) -> OutboundFailure {
    let kind = if error.is_timeout() {
        FailureKind::Timeout
    } else if has_tls_cause(&error) {
        FailureKind::Tls
    } else if error.is_builder() || error.is_request() && error.is_body() {
        FailureKind::InvalidRequest
    } else {
        FailureKind::Connection
    };
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    OutboundFailure::new(kind, message)
}

fn has_tls_cause(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if is_tls_error(cause) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// `io::Error::source` skips the error it wraps, so wrapped io errors are opened by hand.
fn is_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    match error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => is_tls_error(inner),
        None => false,
    }
}
