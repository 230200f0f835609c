//! The embedded web designer: `/`, `/assets/*`, and the index.html fallback for the
//! designer's client-side pages (`/w/…`) — never for API, operations, callback or
//! unknown paths.

use crate::harness::Harness;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn the_designer_is_served_at_the_root_without_a_key() {
    let h = Harness::new();
    let page = h.api(Method::GET, "/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/html")));
    let html = page.text();
    assert!(html.contains("<div id=\"root\">"), "{html}");

    // Its script is served from /assets with a long cache life.
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a script src");
    assert!(script.starts_with("/assets/"), "{script}");
    let js = h.api(Method::GET, script, None).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.headers["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/javascript")));
    assert!(js.headers["cache-control"]
        .to_str()
        .is_ok_and(|c| c.contains("immutable")));
    h.api(Method::GET, "/assets/nope.js", None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn client_side_pages_get_the_index_but_api_and_callback_paths_keep_their_404() {
    let h = Harness::new();
    for page in ["/w/orders", "/w/orders/runs/08585", "/w/orders/code"] {
        let answer = h.api(Method::GET, page, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{page}");
        assert!(answer.text().contains("<div id=\"root\">"), "{page}");
    }
    for path in [
        "/api/nope",
        "/workflows/x",
        "/healthz/x",
        "/metrics/x",
        "/anything",
        "/wx",
    ] {
        h.api(Method::GET, path, None)
            .await
            .expect_error(StatusCode::NOT_FOUND, "NotFound");
    }
    // Only GET falls back.
    h.api(Method::POST, "/w/orders", Some("{}"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "NotFound");
}
