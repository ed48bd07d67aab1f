//! `GET /notices/{id}.pdf`: a notice's official PDF (public, no login). Served from the
//! in-memory cache or storage; a notice whose PDF the `render_notice_pdfs` job has not made
//! yet is rendered on this first request. The SHA-256 of the bytes is the `ETag`, so a
//! client that has it gets `304 Not Modified`.

use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::pdf_store;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::public::http_cache::none_match;

/// The `Cache-Control` of a notice PDF: a day (a notice never changes once published).
pub const PDF_CACHE_CONTROL: &str = "public, max-age=86400";

/// A notice's PDF (`application/pdf`, inline), rendered on the first request when missing;
/// `304` when `If-None-Match` names its `ETag`; the HTML error page (404) for an unknown
/// notice.
#[utoipa::path(get, path = "/notices/{id}.pdf", tag = "disclosure",
    params(("id" = i64, Path, description = "notice id")),
    responses(
        (status = 200, description = "the notice PDF", content_type = "application/pdf"),
        (status = 304, description = "unchanged (If-None-Match)"),
        (status = 404, description = "no such notice (HTML error page)")))]
#[get("/notices/{id:\\d+}.pdf")]
pub async fn notice_pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let pdf = pdf_store::pdf_for(&state, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("公告 {id} 不存在")))?;
    let etag = format!("\"{}\"", pdf.sha256);
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| none_match(value, &etag));
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, PDF_CACHE_CONTROL))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"notice-{id}.pdf\""),
        ))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, PDF_CACHE_CONTROL))
        // PDF streams are compressed already: keep the compression middleware off it.
        .insert_header(ContentEncoding::Identity)
        .body(pdf.bytes))
}

/// OpenAPI of this route.
#[derive(utoipa::OpenApi)]
#[openapi(paths(notice_pdf))]
pub struct NoticePdfApi;

/// Registers the handler.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(notice_pdf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_the_wildcard() {
        let etag = "\"abc\"";
        assert!(none_match("\"abc\"", etag));
        assert!(none_match("W/\"abc\"", etag));
        assert!(none_match("\"x\", \"abc\"", etag));
        assert!(none_match("*", etag));
        assert!(!none_match("\"abcd\"", etag));
        assert!(!none_match("abc", etag));
        assert!(!none_match("", etag));
    }
}
