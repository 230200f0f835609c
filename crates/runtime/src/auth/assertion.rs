//! The signed JWT a confidential client presents instead of a secret when its
//! `ActiveDirectoryOAuth` credential is a certificate (`client_assertion`, RFC 7523 as
//! the Microsoft identity platform takes it: RS256, `x5t` = SHA-1 thumbprint of the
//! certificate, `aud` = the token endpoint, `iss` = `sub` = the client id).

use super::{AuthError, ClientIdentity};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long an assertion is valid; it is used once, right away.
const LIFETIME: Duration = Duration::from_secs(600);

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A fresh client assertion for `client_id` at `endpoint`.
pub fn client_assertion(
    identity: &ClientIdentity,
    client_id: &str,
    endpoint: &str,
    now: SystemTime,
) -> Result<String, AuthError> {
    let key_der = identity.key_pkcs8().ok_or_else(|| {
        AuthError::Certificate("the certificate's private key must be PKCS#8".into())
    })?;
    // The identity platform accepts RSA certificate credentials only.
    let key = RsaKeyPair::from_pkcs8(key_der).map_err(|_| {
        AuthError::Certificate("ActiveDirectoryOAuth certificates need an RSA private key".into())
    })?;
    let thumbprint =
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, identity.leaf_der());
    let issued = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": URL_SAFE_NO_PAD.encode(thumbprint)});
    let claims = json!({
        "aud": endpoint,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": issued,
        "iat": issued,
        "exp": issued + LIFETIME.as_secs(),
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| AuthError::Certificate("signing the client assertion failed".into()))?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}
