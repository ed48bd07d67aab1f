//! HTTP caching of the public pages: a strong `ETag` (a 128-bit hash of the body), a
//! `Cache-Control`, and `304 Not Modified` when the request's `If-None-Match` names the same
//! entity tag.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

/// `Cache-Control` of lists and pages that change with every new notice.
pub const LIST: &str = "public, max-age=60";
/// `Cache-Control` of pages that rarely change once published (a notice).
pub const DETAIL: &str = "public, max-age=600";

/// The content type of every HTML page.
pub const HTML: &str = "text/html; charset=utf-8";

/// The strong entity tag of a body: its 128-bit XXH3 in hex, in quotes.
///
/// An entity tag only has to change whenever the body does; nobody can choose our page
/// bodies to collide, so it needs no cryptographic hash. XXH3 hashes a notice page in a
/// tenth of the time SHA-256 takes (which was 5 % of serving one). Files that are published
/// with their digest (the notice PDFs) keep their SHA-256 as tag.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(body))
}

/// Whether an `If-None-Match` header value matches `etag` (`*`, or one of a comma-separated
/// list; the weak comparison of RFC 9110 §13.1.2, so a `W/` prefix is ignored).
pub fn none_match(header_value: &str, etag: &str) -> bool {
    let wanted = etag.trim_start_matches("W/");
    header_value.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || (!candidate.is_empty() && candidate.trim_start_matches("W/") == wanted)
    })
}

/// A `200` with `body`, its `ETag` and `cache_control`, or a bodiless `304` carrying the same
/// headers when the request already holds this version.
pub fn respond(
    req: &HttpRequest,
    content_type: &str,
    cache_control: &str,
    body: String,
) -> HttpResponse {
    let etag = etag_of(body.as_bytes());
    respond_tagged(req, content_type, cache_control, &etag, Bytes::from(body))
}

/// [`respond`] with the entity tag already computed (a cached body).
pub fn respond_tagged(
    req: &HttpRequest,
    content_type: &str,
    cache_control: &str,
    etag: &str,
    body: Bytes,
) -> HttpResponse {
    let fresh = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .any(|value| none_match(value, etag));
    let mut builder = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()));
    if fresh {
        builder.finish()
    } else {
        builder.content_type(content_type.to_owned()).body(body)
    }
}

/// [`respond`] for an HTML page.
pub fn html(req: &HttpRequest, cache_control: &str, body: String) -> HttpResponse {
    respond(req, HTML, cache_control, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test::TestRequest;

    #[test]
    fn etags_are_the_quoted_xxh3_128_of_the_body() {
        // XXH3-128 (seed 0) of "abc" and of nothing, as the reference xxHash library gives them.
        assert_eq!(etag_of(b"abc"), "\"06b05ab6733a618578af5f94892f3950\"");
        assert_eq!(etag_of(b""), "\"99aa06d3014798d86001c324468d497f\"");
    }

    #[test]
    fn one_changed_byte_changes_the_etag() {
        let page = "<p>公告 2026-001</p>".repeat(500);
        let changed = page.replacen("001", "002", 1);
        assert_ne!(etag_of(page.as_bytes()), etag_of(changed.as_bytes()));
        assert_eq!(etag_of(page.as_bytes()), etag_of(page.clone().as_bytes()));
    }

    #[test]
    fn if_none_match_lists_and_wildcards() {
        let tag = "\"abc\"";
        assert!(none_match("\"abc\"", tag));
        assert!(none_match("\"x\", \"abc\"", tag));
        assert!(none_match("W/\"abc\"", tag));
        assert!(none_match("*", tag));
        assert!(!none_match("\"abd\"", tag));
        assert!(!none_match("", tag));
        assert!(!none_match("abc", tag));
    }

    #[actix_web::test]
    async fn a_matching_tag_gets_304_without_body() {
        let body = "<p>公告</p>".to_owned();
        let tag = etag_of(body.as_bytes());
        let first = html(
            &TestRequest::default().to_http_request(),
            LIST,
            body.clone(),
        );
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(
            first
                .headers()
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok()),
            Some(tag.as_str())
        );
        assert_eq!(
            first
                .headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some(LIST)
        );
        let again = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, tag.clone()))
            .to_http_request();
        let second = html(&again, LIST, body.clone());
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        assert!(second.headers().get(header::ETAG).is_some());
        let stale = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "\"old\""))
            .to_http_request();
        assert_eq!(html(&stale, LIST, body).status(), StatusCode::OK);
    }
}
