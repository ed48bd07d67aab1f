//! `/api/ocds`: OCDS 1.1 release packages (paged, `since`) and record packages, public and
//! cacheable for a minute. The data comes from [`super::ocds`].

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ocds::{self, VERSION};
use crate::app::AppState;
use crate::error::{AppError, AppResult, ErrorBody};

/// Steps per page of `GET /api/ocds/releases`: a page holds the releases of 100
/// consecutive source rows ([`ocds::events`]), about 100 releases.
pub const PAGE_SIZE: i64 = 100;

/// `GET /api/ocds/releases` parameters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ReleaseQuery {
    /// Page number from 1.
    pub page: Option<i64>,
    /// Only releases dated at or after this time: RFC 3339, or a date (`2026-03-01`, from
    /// 00:00 Asia/Shanghai).
    pub since: Option<String>,
}

/// Parses `since` to a UTC time.
fn parse_since(text: &str) -> Result<NaiveDateTime, AppError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.naive_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| DateTime::parse_from_rfc3339(&format!("{d}T00:00:00+08:00")).ok())
        .map(|t| t.naive_utc())
        .ok_or_else(|| AppError::field("since", "应为 RFC 3339 时间或日期，如 2026-03-01"))
}

/// The publisher object.
fn publisher(state: &AppState) -> Value {
    json!({"name": state.settings.ocds.publisher_name, "uri": state.settings.ocds.publisher_uri})
}

/// The absolute URL of this request.
fn self_uri(state: &AppState, req: &HttpRequest) -> String {
    let base = state.settings.server.public_base_url.trim_end_matches('/');
    match req.uri().path_and_query() {
        Some(pq) => format!("{base}{pq}"),
        None => format!("{base}{}", req.path()),
    }
}

/// The release package of one page.
#[utoipa::path(get, path = "/api/ocds/releases", tag = "disclosure", params(ReleaseQuery),
    responses((status = 200, description = "OCDS 1.1 release package"),
        (status = 422, body = ErrorBody)))]
#[get("/api/ocds/releases")]
pub async fn release_package(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ReleaseQuery>,
) -> AppResult<HttpResponse> {
    let page = query.page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::field("page", "必须从 1 开始"));
    }
    let since = query.since.as_deref().map(parse_since).transpose()?;
    let settings = state.settings.clone();
    let rules = state.rules.clone();
    // Beyond the last page any offset is as good as another.
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let (items, more) = state
        .db
        .run(move |conn| {
            // One more than a page, to know whether another page follows.
            let mut events = ocds::events(conn, since, offset, PAGE_SIZE + 1)?;
            let more = events.len() > PAGE_SIZE as usize;
            events.truncate(PAGE_SIZE as usize);
            let projects: Vec<i64> = events.iter().map(|e| e.project_id).collect();
            let data = ocds::load(conn, &projects)?;
            let releases = data.releases_at(&settings.ocds, &rules, &events);
            Ok((
                releases.into_iter().map(|r| r.json).collect::<Vec<Value>>(),
                more,
            ))
        })
        .await?;
    let base = state.settings.server.public_base_url.trim_end_matches('/');
    let mut package = json!({
        "uri": self_uri(&state, &req),
        "version": VERSION,
        "publishedDate": crate::clock::rfc3339(state.clock.now()),
        "publisher": publisher(&state),
        "releases": items,
    });
    if more {
        let mut next = format!("{base}/api/ocds/releases?page={}", page + 1);
        if let Some(s) = &query.since {
            next.push_str("&since=");
            next.push_str(&encode(s.trim()));
        }
        package["links"] = json!({"next": next});
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", super::routes::CACHE_CONTROL))
        .json(package))
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The record package of one contracting process.
#[utoipa::path(get, path = "/api/ocds/records/{ocid}", tag = "disclosure",
    params(("ocid" = String, Path, description = "prefix + project number")),
    responses((status = 200, description = "OCDS 1.1 record package"),
        (status = 404, body = ErrorBody)))]
#[get("/api/ocds/records/{ocid}")]
pub async fn record_package(
    state: web::Data<AppState>,
    req: HttpRequest,
    ocid: web::Path<String>,
) -> AppResult<HttpResponse> {
    let ocid = ocid.into_inner();
    let settings = state.settings.clone();
    let rules = state.rules.clone();
    let wanted = ocid.clone();
    let releases = state
        .db
        .run(move |conn| {
            let Some(project) = ocds::project_of_ocid(conn, &settings.ocds, &wanted)? else {
                return Err(AppError::NotFound(format!("OCDS 记录 {wanted} 不存在")));
            };
            let data = ocds::load(conn, &[project])?;
            Ok(data.releases(&settings.ocds, &rules))
        })
        .await?;
    if releases.is_empty() {
        return Err(AppError::NotFound(format!("OCDS 记录 {ocid} 不存在")));
    }
    let compiled = ocds::compile(&ocid, &releases);
    let embedded: Vec<Value> = releases.into_iter().map(|r| r.json).collect();
    let package = json!({
        "uri": self_uri(&state, &req),
        "version": VERSION,
        "publishedDate": crate::clock::rfc3339(state.clock.now()),
        "publisher": publisher(&state),
        "records": [{"ocid": ocid, "releases": embedded, "compiledRelease": compiled}],
    });
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", super::routes::CACHE_CONTROL))
        .json(package))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(release_package, record_package))]
pub struct OcdsApi;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(release_package).service(record_package);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_rfc3339_or_a_shanghai_date() {
        assert_eq!(
            parse_since("2026-03-01").map(|t| t.to_string()).ok(),
            Some("2026-02-28 16:00:00".to_owned())
        );
        assert_eq!(
            parse_since("2026-03-01T10:00:00+08:00")
                .map(|t| t.to_string())
                .ok(),
            Some("2026-03-01 02:00:00".to_owned())
        );
        assert!(parse_since("yesterday").is_err());
    }
}
