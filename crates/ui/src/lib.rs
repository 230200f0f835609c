//! The browser designer's built files (`ui/`), embedded at compile time.
//!
//! Owns nothing but bytes: `build.rs` runs the npm build into `OUT_DIR` and generates the
//! file table; [`asset`] looks a file up by its URL path. Serving them (routes, SPA
//! fallback, caching headers) is the server's job. Must not depend on any other crate of
//! the workspace.

mod table {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// An embedded file: its bytes and its `Content-Type`.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
}

/// The file at `path` (`index.html`, `assets/index-abc.js`; a leading `/` is ignored).
pub fn asset(path: &str) -> Option<Asset> {
    let path = path.trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    table::FILES
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(name, bytes)| Asset {
            bytes,
            content_type: content_type(name),
        })
}

/// The designer's entry page.
pub fn index_html() -> Asset {
    asset("index.html").unwrap_or(Asset {
        bytes: b"<!doctype html><title>hookflow</title><p>The designer was not built.</p>",
        content_type: "text/html; charset=utf-8",
    })
}

/// Every embedded path (for tests and diagnostics).
pub fn paths() -> impl Iterator<Item = &'static str> {
    table::FILES.iter().map(|(name, _)| *name)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_and_its_assets_are_embedded() {
        let index = asset("/").expect("index.html");
        assert!(index.content_type.starts_with("text/html"));
        let html = std::str::from_utf8(index.bytes).expect("utf-8");
        assert!(html.contains("<div id=\"root\">"), "{html}");
        assert!(paths().any(|p| p.starts_with("assets/") && p.ends_with(".js")));
        assert!(asset("nope.js").is_none());
    }
}
