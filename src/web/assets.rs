//! `/static/workspace.css` and `/static/workspace.js`: the workspace's style sheet and its
//! one small script (vendored under `assets/static/`, embedded in the binary, no CDN), served
//! with a strong `ETag`.

use actix_web::{HttpRequest, HttpResponse, get};

use crate::public::http_cache;

/// The workspace style sheet.
pub const WORKSPACE_CSS: &str = include_str!("../../assets/static/workspace.css");

/// The workspace script (optional: every page works without it).
pub const WORKSPACE_JS: &str = include_str!("../../assets/static/workspace.js");

/// Browsers may keep them an hour; the `ETag` revalidates them after a release.
const CACHE_CONTROL: &str = "public, max-age=3600";

/// The workspace style sheet.
#[get("/static/workspace.css")]
pub async fn workspace_css(req: HttpRequest) -> HttpResponse {
    http_cache::respond(
        &req,
        "text/css; charset=utf-8",
        CACHE_CONTROL,
        WORKSPACE_CSS.to_owned(),
    )
}

/// The workspace script.
#[get("/static/workspace.js")]
pub async fn workspace_js(req: HttpRequest) -> HttpResponse {
    http_cache::respond(
        &req,
        "text/javascript; charset=utf-8",
        CACHE_CONTROL,
        WORKSPACE_JS.to_owned(),
    )
}
