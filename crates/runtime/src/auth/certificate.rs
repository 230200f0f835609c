//! Client certificates for TLS client authentication: a base64 PKCS#12 (`pfx` +
//! `password`) or PEM text (`certificate` + `privateKey`, a hookflow extension).
//!
//! PKCS#12 is decoded with `p12-keystore` (pure Rust, RustCrypto primitives; reads both
//! the modern PBES2/AES and the legacy 3DES/RC2 encryptions Windows exports) and turned
//! into PEM, which is the form rustls-backed `reqwest` accepts.

use super::AuthError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hookflow_definition::model::Authentication;
use sha2::{Digest, Sha256};
use std::fmt;

/// A certificate chain and its private key, ready for the TLS client.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// Private key first, then the chain (leaf first), all PEM.
    pem: Vec<u8>,
    /// SHA-256 over `pem`: the key of the per-certificate client cache. It covers the key
    /// too, so two identities that share a certificate but not a key never share a client.
    fingerprint: [u8; 32],
    /// DER of the leaf certificate (for the `x5t` of OAuth client assertions).
    leaf_der: Vec<u8>,
    /// PKCS#8 DER of the private key, when known (PFX), for OAuth client assertions.
    key_pkcs8: Option<Vec<u8>>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientIdentity(sha256:{})", hex(&self.fingerprint[..8]))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ClientIdentity {
    /// From a `ClientCertificate` (or certificate-credential OAuth) authentication.
    pub fn from_authentication(auth: &Authentication) -> Result<ClientIdentity, AuthError> {
        if let Some(pfx) = &auth.pfx {
            return ClientIdentity::from_pfx(pfx, auth.password.as_deref().unwrap_or(""));
        }
        match (&auth.certificate, &auth.private_key) {
            (Some(cert), Some(key)) => ClientIdentity::from_pem(cert, key),
            _ => Err(AuthError::MissingField {
                kind: "ClientCertificate",
                field: "pfx",
            }),
        }
    }

    /// A base64 PKCS#12 file and its password (`""` when it has none).
    pub fn from_pfx(pfx_base64: &str, password: &str) -> Result<ClientIdentity, AuthError> {
        // Base64 pasted from tools is often wrapped; whitespace is not content.
        let compact: String = pfx_base64.split_whitespace().collect();
        let der = STANDARD
            .decode(compact)
            .map_err(|_| AuthError::Certificate("'pfx' is not valid base64".into()))?;
        let store = p12_keystore::KeyStore::from_pkcs12(
            &der,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| AuthError::Certificate(format!("the PFX cannot be read: {e}")))?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| {
            AuthError::Certificate("the PFX holds no private key with a certificate".into())
        })?;
        let leaf = chain.certs().first().ok_or_else(|| {
            AuthError::Certificate("the PFX's private key has no certificate".into())
        })?;
        let mut pem = pem_block("PRIVATE KEY", chain.key().as_der());
        for cert in chain.certs() {
            pem.push_str(&pem_block("CERTIFICATE", cert.as_der()));
        }
        Ok(ClientIdentity::new(
            pem.into_bytes(),
            leaf.as_der().to_vec(),
            Some(chain.key().as_der().to_vec()),
        ))
    }

    /// PEM certificate (chain) and PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub fn from_pem(certificate: &str, private_key: &str) -> Result<ClientIdentity, AuthError> {
        let leaf_der = first_pem_block(certificate, "CERTIFICATE").ok_or_else(|| {
            AuthError::Certificate("'certificate' holds no PEM CERTIFICATE block".into())
        })?;
        if !private_key.contains("-----BEGIN") || !private_key.contains("PRIVATE KEY-----") {
            return Err(AuthError::Certificate(
                "'privateKey' holds no PEM PRIVATE KEY block".into(),
            ));
        }
        let key_pkcs8 = first_pem_block(private_key, "PRIVATE KEY");
        let pem = format!("{}\n{}\n", private_key.trim(), certificate.trim());
        let identity = ClientIdentity::new(pem.into_bytes(), leaf_der, key_pkcs8);
        // Parse now so a broken key is an authentication error, not a client-build error.
        identity.to_reqwest()?;
        Ok(identity)
    }

    fn new(pem: Vec<u8>, leaf_der: Vec<u8>, key_pkcs8: Option<Vec<u8>>) -> ClientIdentity {
        let fingerprint: [u8; 32] = Sha256::digest(&pem).into();
        ClientIdentity {
            pem,
            fingerprint,
            leaf_der,
            key_pkcs8,
        }
    }

    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    pub fn leaf_der(&self) -> &[u8] {
        &self.leaf_der
    }

    pub fn key_pkcs8(&self) -> Option<&[u8]> {
        self.key_pkcs8.as_deref()
    }

    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Identity, AuthError> {
        reqwest::Identity::from_pem(&self.pem).map_err(|_| {
            AuthError::Certificate(
                "the certificate or private key is not valid PEM (keys: PKCS#8, RSA or EC)".into(),
            )
        })
    }
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER of the first `-----BEGIN {label}-----` block.
fn first_pem_block(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let b64: String = text[start..stop].split_whitespace().collect();
    STANDARD.decode(b64).ok()
}
