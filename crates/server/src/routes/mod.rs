//! Handlers, one module per resource. Each handler parses its input, calls the backend
//! and serialises the answer; errors travel as [`AppError`](crate::AppError) and become
//! HTTP in [`crate::error`].

pub mod callbacks;
pub mod designer;
pub mod health;
pub mod nodes;
pub mod runs;
pub mod triggers;
pub mod versions;
pub mod workflows;

use crate::model::Page;
use crate::query::ListQuery;
use crate::state::AppState;
use axum::http::Uri;
use serde::Serialize;
use utoipa::ToSchema;

/// A list answer: `{ "value": [...], "nextLink"? }`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    pub value: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// Turns a backend page into the answer; the continuation becomes an absolute `nextLink`
/// on the public URL with the same `$top`/`$filter`.
pub(crate) fn list_response<T>(
    page: Page<T>,
    query: &ListQuery,
    uri: &Uri,
    state: &AppState,
) -> ListResponse<T> {
    let next_link = page.continuation.map(|token| {
        let base = state.settings().public_url.as_str().trim_end_matches('/');
        format!("{base}{}?{}", uri.path(), query.next_link_query(&token))
    });
    ListResponse {
        value: page.value,
        next_link,
    }
}
