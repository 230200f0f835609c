//! Signed callback URLs (contract §4): the workflow's access keys, minting the URLs of
//! triggers and webhook actions, and verifying an incoming callback's signature.
//!
//! # The signature
//!
//! A callback URL carries `sp` (the permission: comma-separated operation paths such as
//! `/triggers/manual/run`), `sv` (the signature version, `1.0`), optionally `se` (expiry,
//! RFC 3339 UTC with whole seconds, e.g. `2030-01-01T00:00:00Z`) and `sig`:
//!
//! ```text
//! sig = base64url_nopad( HMAC-SHA256( key, sv + "\n" + sp + "\n" + se ) )
//! ```
//!
//! where `sp`, `sv` and `se` are the *decoded* query values exactly as they appear in the
//! URL (`se` is the empty string when absent) and `key` is the raw 32 bytes of the
//! workflow's primary or secondary access key. The workflow itself is not in the string:
//! each workflow has its own keys, so a signature of one never verifies for another.
//! Binding `se` into the string is what makes the expiry tamper-proof.
//!
//! Names inside permission paths are percent-encoded path segments (the same encoding as
//! in the URL's path), so a loop-iteration action key like `For_each[3] > Inner` has one
//! unambiguous permission string.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// The runtime API version every callback URL carries.
pub const API_VERSION: &str = "2016-10-01";
/// The only signature version hookflow mints and accepts.
pub const SIGNATURE_VERSION: &str = "1.0";

/// Unreserved characters (RFC 3986) stay as they are; everything else is escaped, so a
/// name can never break out of its path segment or query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Relative paths of Request triggers keep their `{parameter}` placeholders readable.
const RELATIVE_SEGMENT: &AsciiSet = &COMPONENT.remove(b'{').remove(b'}');

type HmacSha256 = Hmac<Sha256>;

/// One of a workflow's two 256-bit access keys.
#[derive(Clone)]
pub struct AccessKey {
    bytes: [u8; 32],
    /// HMAC-SHA256 already keyed with `bytes`: every signature check starts from a copy
    /// instead of hashing the key's inner and outer pads again.
    keyed: HmacSha256,
}

impl PartialEq for AccessKey {
    fn eq(&self, other: &AccessKey) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for AccessKey {}

impl AccessKey {
    /// A new key from the operating system's secure random source.
    pub fn generate() -> Result<AccessKey, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(AccessKey::from_bytes(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> AccessKey {
        // HMAC accepts keys of any length; 32 bytes cannot fail.
        let keyed = <HmacSha256 as Mac>::new_from_slice(&bytes).unwrap_or_else(|_| unreachable!());
        AccessKey { bytes, keyed }
    }

    /// Reads a key as stored (base64url without padding).
    pub fn from_base64url(text: &str) -> Result<AccessKey, KeyError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| KeyError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(AccessKey::from_bytes(bytes))
    }

    /// The form to store (base64url without padding, 43 characters).
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.bytes)
    }

    fn mac(&self) -> HmacSha256 {
        self.keyed.clone()
    }
}

impl fmt::Debug for AccessKey {
    // Keys must never reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("an access key must be 32 bytes in base64url")]
    Malformed,
}

/// Which of the two keys signs or signed a URL (`keyType` of listCallbackUrl,
/// `accessKeyType` of webhook triggers, regenerateAccessKey).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum KeyType {
    #[default]
    Primary,
    Secondary,
}

impl KeyType {
    /// Case-insensitive, as definitions and API bodies write it.
    pub fn parse(text: &str) -> Option<KeyType> {
        if text.eq_ignore_ascii_case("Primary") {
            Some(KeyType::Primary)
        } else if text.eq_ignore_ascii_case("Secondary") {
            Some(KeyType::Secondary)
        } else {
            None
        }
    }
}

/// A workflow's primary and secondary access keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowKeys {
    pub primary: AccessKey,
    pub secondary: AccessKey,
}

impl WorkflowKeys {
    pub fn generate() -> Result<WorkflowKeys, KeyError> {
        Ok(WorkflowKeys {
            primary: AccessKey::generate()?,
            secondary: AccessKey::generate()?,
        })
    }

    pub fn key(&self, key_type: KeyType) -> &AccessKey {
        match key_type {
            KeyType::Primary => &self.primary,
            KeyType::Secondary => &self.secondary,
        }
    }

    /// Replaces one key; every URL signed with the old one stops verifying.
    pub fn regenerate(&mut self, key_type: KeyType) -> Result<(), KeyError> {
        let fresh = AccessKey::generate()?;
        match key_type {
            KeyType::Primary => self.primary = fresh,
            KeyType::Secondary => self.secondary = fresh,
        }
        Ok(())
    }
}

/// The operation a callback asks to perform; the server derives it from the request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation<'a> {
    /// `POST …/triggers/{trigger}/paths/invoke…`
    TriggerRun { trigger: &'a str },
    /// `POST …/runs/{run}/actions/{action}/run`
    ActionRun { run: &'a str, action: &'a str },
}

impl Operation<'_> {
    /// The operation path as it appears in `sp`, names percent-encoded.
    pub fn permission(&self) -> String {
        match self {
            Operation::TriggerRun { trigger } => format!("/triggers/{}/run", component(trigger)),
            Operation::ActionRun { run, action } => {
                format!("/runs/{}/actions/{}/run", component(run), component(action))
            }
        }
    }
}

/// The `queries` of a listCallbackUrl answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackQueries {
    #[serde(rename = "api-version")]
    pub api_version: String,
    pub sp: String,
    pub sv: String,
    pub sig: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se: Option<String>,
}

/// The answer of `listCallbackUrl` (and what `listCallbackUrl()` evaluates to the URL of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackUrl {
    /// The complete URL to call.
    pub value: String,
    pub method: String,
    /// The URL without query and without the relative path.
    pub base_path: String,
    pub queries: CallbackQueries,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_path: Option<String>,
}

/// What to mint a trigger's callback URL from.
#[derive(Debug, Clone, Copy)]
pub struct TriggerUrlParams<'a> {
    /// `--public-url`, e.g. `https://flows.example.com` (a trailing `/` is ignored).
    pub public_base: &'a str,
    pub workflow: &'a str,
    pub trigger: &'a str,
    /// A Request trigger's `relativePath`, e.g. `customers/{id}`.
    pub relative_path: Option<&'a str>,
    /// A Request trigger's `method`; `POST` when absent.
    pub method: Option<&'a str>,
    pub key: &'a AccessKey,
    /// `notAfter` of listCallbackUrl: the URL stops verifying after it.
    pub not_after: Option<DateTime<Utc>>,
}

/// `{public}/workflows/{wf}/triggers/{t}/paths/invoke[/{relativePath}]?api-version=…&sp=%2Ftriggers%2F{t}%2Frun&sv=1.0[&se=…]&sig=…`
pub fn mint_trigger_url(params: &TriggerUrlParams<'_>) -> CallbackUrl {
    let base_path = format!(
        "{}/workflows/{}/triggers/{}/paths/invoke",
        params.public_base.trim_end_matches('/'),
        component(params.workflow),
        component(params.trigger)
    );
    let relative = params
        .relative_path
        .map(|p| p.trim_start_matches('/'))
        .filter(|p| !p.is_empty());
    let path = match relative {
        Some(rel) => format!("{base_path}/{}", relative_path(rel)),
        None => base_path.clone(),
    };
    let operation = Operation::TriggerRun {
        trigger: params.trigger,
    };
    let expiry = params
        .not_after
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
    let method = params.method.unwrap_or("POST").to_ascii_uppercase();
    let parts = UrlParts {
        path,
        base_path,
        method,
        relative_path: relative.map(str::to_owned),
    };
    signed_url(parts, &operation, params.key, expiry)
}

/// What to mint a webhook action's callback URL from.
#[derive(Debug, Clone, Copy)]
pub struct ActionUrlParams<'a> {
    pub public_base: &'a str,
    pub workflow: &'a str,
    pub run: &'a str,
    /// The action instance's key, loop iterations included (`For_each[3] > Inner`).
    pub action: &'a str,
    pub key: &'a AccessKey,
}

/// `{public}/workflows/{wf}/runs/{run}/actions/{a}/run?api-version=…&sp=%2Fruns%2F{run}%2Factions%2F{a}%2Frun&sv=1.0&sig=…`
///
/// No expiry: the URL is valid while the action waits; the server answers 409 once the
/// action is no longer waiting, and key rotation invalidates it.
pub fn mint_action_url(params: &ActionUrlParams<'_>) -> CallbackUrl {
    let path = format!(
        "{}/workflows/{}/runs/{}/actions/{}/run",
        params.public_base.trim_end_matches('/'),
        component(params.workflow),
        component(params.run),
        component(params.action)
    );
    let operation = Operation::ActionRun {
        run: params.run,
        action: params.action,
    };
    let parts = UrlParts {
        path: path.clone(),
        base_path: path,
        method: "POST".to_owned(),
        relative_path: None,
    };
    signed_url(parts, &operation, params.key, None)
}

/// A callback URL before its query is added.
struct UrlParts {
    path: String,
    base_path: String,
    method: String,
    relative_path: Option<String>,
}

fn signed_url(
    parts: UrlParts,
    operation: &Operation<'_>,
    key: &AccessKey,
    expiry: Option<String>,
) -> CallbackUrl {
    let UrlParts {
        path,
        base_path,
        method,
        relative_path,
    } = parts;
    let sp = operation.permission();
    let sig = sign(key, SIGNATURE_VERSION, &sp, expiry.as_deref());
    let mut value = format!(
        "{path}?api-version={API_VERSION}&sp={}&sv={SIGNATURE_VERSION}",
        component(&sp)
    );
    if let Some(se) = &expiry {
        value.push_str("&se=");
        value.push_str(&component(se));
    }
    value.push_str("&sig=");
    value.push_str(&sig);
    CallbackUrl {
        value,
        method,
        base_path,
        queries: CallbackQueries {
            api_version: API_VERSION.to_owned(),
            sp,
            sv: SIGNATURE_VERSION.to_owned(),
            sig,
            se: expiry,
        },
        relative_path,
    }
}

fn component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn relative_path(path: &str) -> String {
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, RELATIVE_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The exact string the HMAC covers (see the module docs).
pub fn string_to_sign(sv: &str, sp: &str, se: Option<&str>) -> String {
    format!("{sv}\n{sp}\n{}", se.unwrap_or(""))
}

fn sign(key: &AccessKey, sv: &str, sp: &str, se: Option<&str>) -> String {
    let mut mac = key.mac();
    mac.update(string_to_sign(sv, sp, se).as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` (raw bytes) is the HMAC of `message` under `key`, compared in
/// constant time (`hmac`'s `verify_slice`, built on `subtle`), so the time taken does not
/// reveal how many leading bytes of a forged signature were right.
pub fn signature_matches(key: &AccessKey, message: &[u8], signature: &[u8]) -> bool {
    let mut mac = key.mac();
    mac.update(message);
    mac.verify_slice(signature).is_ok()
}

/// The signature parameters of an incoming callback's query, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedQuery {
    pub sp: Option<String>,
    pub sv: Option<String>,
    pub sig: Option<String>,
    pub se: Option<String>,
}

impl SignedQuery {
    /// Reads `sp`, `sv`, `sig`, `se` from a raw query string (`a=b&c=d`, no `?`); other
    /// parameters are ignored. A repeated parameter keeps its first value.
    pub fn from_query(query: &str) -> SignedQuery {
        let mut out = SignedQuery::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "sp" => &mut out.sp,
                "sv" => &mut out.sv,
                "sig" => &mut out.sig,
                "se" => &mut out.se,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.into_owned());
            }
        }
        out
    }
}

/// What a verified signature grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The key that signed the URL.
    pub key_type: KeyType,
    /// The operation paths of `sp`.
    pub operations: Vec<String>,
    pub expires: Option<DateTime<Utc>>,
}

/// Why a callback's signature was refused. The server maps `Missing`/`Invalid` to 401 and
/// `WrongOperation`/`Expired` to 403 (contract §4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    #[error("the request is not signed: the query needs 'sp', 'sv' and 'sig'")]
    Missing,
    #[error("the signature is not valid for this workflow")]
    Invalid,
    #[error("the signature does not grant this operation")]
    WrongOperation,
    #[error("the signed URL expired at {0}")]
    Expired(String),
}

/// Checks an incoming callback: the signature against both keys (primary first), then
/// that `sp` grants `operation`, then the expiry against `now`.
pub fn verify(
    keys: &WorkflowKeys,
    operation: &Operation<'_>,
    query: &SignedQuery,
    now: DateTime<Utc>,
) -> Result<Permission, SignatureError> {
    let (Some(sp), Some(sv), Some(sig)) = (&query.sp, &query.sv, &query.sig) else {
        return Err(SignatureError::Missing);
    };
    if sv != SIGNATURE_VERSION {
        return Err(SignatureError::Invalid);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(sig.trim_end_matches('='))
        .map_err(|_| SignatureError::Invalid)?;
    let message = string_to_sign(sv, sp, query.se.as_deref());
    // Both keys are always tried so the time taken does not say which key is in use.
    let primary = signature_matches(&keys.primary, message.as_bytes(), &signature);
    let secondary = signature_matches(&keys.secondary, message.as_bytes(), &signature);
    let key_type = match (primary, secondary) {
        (true, _) => KeyType::Primary,
        (false, true) => KeyType::Secondary,
        (false, false) => return Err(SignatureError::Invalid),
    };
    let operations: Vec<String> = sp.split(',').map(str::to_owned).collect();
    let wanted = operation.permission();
    if !operations.contains(&wanted) {
        return Err(SignatureError::WrongOperation);
    }
    let expires = match &query.se {
        None => None,
        // We signed it, so an unreadable expiry means a key leak or a bug; refuse.
        Some(se) => Some(
            DateTime::parse_from_rfc3339(se)
                .map_err(|_| SignatureError::Invalid)?
                .with_timezone(&Utc),
        ),
    };
    if let Some(at) = expires {
        if now > at {
            return Err(SignatureError::Expired(
                at.to_rfc3339_opts(SecondsFormat::Secs, true),
            ));
        }
    }
    Ok(Permission {
        key_type,
        operations,
        expires,
    })
}
