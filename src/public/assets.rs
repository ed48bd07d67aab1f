//! `/assets/public.css`: the public site's style sheet, embedded in the binary and served
//! with a strong `ETag`, so each page carries a link instead of the same 2.7 KB of CSS.

use actix_web::{HttpRequest, HttpResponse, get};

use super::http_cache;

/// The style sheet of every public page.
pub const PUBLIC_CSS: &str = include_str!("../../assets/css/public.css");

/// Browsers may keep it a day; the `ETag` revalidates it after a release.
const CACHE_CONTROL: &str = "public, max-age=86400";

/// The public style sheet.
#[get("/assets/public.css")]
pub async fn public_css(req: HttpRequest) -> HttpResponse {
    http_cache::respond(
        &req,
        "text/css; charset=utf-8",
        CACHE_CONTROL,
        PUBLIC_CSS.to_owned(),
    )
}
