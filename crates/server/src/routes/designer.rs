//! The web designer's files, embedded by `hookflow-ui`: `/` and client-side pages answer
//! with index.html, `/assets/*` with the hashed bundles. No auth: the files hold no data;
//! the page asks for the admin key and sends it to `/api` itself.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `GET /` (and client-side pages): the designer's entry page, never cached so a new
/// binary's bundles are picked up.
pub async fn index() -> Response {
    let page = hookflow_ui::index_html();
    (
        [
            (header::CONTENT_TYPE, page.content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        page.bytes,
    )
        .into_response()
}

/// `GET /assets/{*path}`: a bundle; its name carries a content hash, so it is cached for good.
pub async fn asset(Path(path): Path<String>) -> Response {
    match hookflow_ui::asset(&format!("assets/{path}")) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            file.bytes,
        )
            .into_response(),
        None => crate::edge_error(StatusCode::NOT_FOUND, "NotFound", "No such designer file."),
    }
}

/// Whether an unmatched GET path is one of the designer's client-side pages (`/w/{wf}…`),
/// so a reload or a shared link opens the designer there. Everything else — the API,
/// operations, callback paths and unknown paths — keeps its JSON 404.
pub fn is_page_path(path: &str) -> bool {
    path == "/w" || path.starts_with("/w/")
}
