//! The admin key that guards `/api`: `Authorization: Bearer <key>`, compared in constant
//! time so response timing does not reveal how much of a guess was right.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

/// The management API's shared secret. `Debug` never prints it.
#[derive(Clone)]
pub struct AdminKey(String);

impl AdminKey {
    /// An empty key would let an empty `Bearer` through; refuse it.
    pub fn new(key: impl Into<String>) -> Result<AdminKey, String> {
        let key = key.into();
        if key.trim().is_empty() {
            return Err("the admin key must not be empty".to_string());
        }
        Ok(AdminKey(key))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time in the key's content. `ct_eq` on slices of different lengths returns
    /// early, which reveals only the length; generated keys all have the same length.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl std::fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

/// Middleware on every `/api` route except the OpenAPI document.
pub async fn require_admin_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let refusal = match presented {
        Some(token) if state.admin_key().matches(token) => return next.run(request).await,
        Some(_) => "The admin key in the Authorization header is not valid.",
        None => "The management API needs an 'Authorization: Bearer <admin key>' header.",
    };
    let mut response = AppError::Unauthorized {
        code: "AuthenticationFailed".into(),
        message: refusal.into(),
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}
