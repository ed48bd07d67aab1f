//! `/api/v1/notices`: the public list of notices and one notice with its official text.
//! Public (no login); responses may be cached for a minute.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::notices::{self, NoticeFilter, NoticeKind, NoticeRow};
use crate::app::AppState;
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors};
use crate::extract::PageQuery;

/// The `Cache-Control` of every public notice response.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// Longest keyword accepted by `q`, in characters.
const MAX_KEYWORD_CHARS: usize = 100;

/// `GET /api/v1/notices` parameters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct NoticeQuery {
    /// One kind: `intention, tender, correction, opening, failure, award, contract,
    /// evaluation, termination`.
    pub kind: Option<String>,
    /// A region code (6 or 9 digits): notices of it and of every region below it.
    pub region_code: Option<String>,
    /// The publishing purchaser's id.
    #[param(value_type = Option<i64>)]
    pub purchaser_id: Option<String>,
    /// The year of publication (Asia/Shanghai), e.g. `2026`.
    #[param(value_type = Option<i32>)]
    pub year: Option<String>,
    /// A keyword in the title (taken literally).
    pub q: Option<String>,
    /// Page number from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20).
    pub per_page: Option<i64>,
}

/// A trimmed, non-empty parameter.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn push(fields: &mut FieldErrors, field: &str, message: impl Into<String>) {
    fields
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

impl NoticeQuery {
    /// The checked filter; every malformed parameter is reported at once, each naming its
    /// field. (Whether the region exists is checked against the database by the handler.)
    pub fn filter(&self) -> Result<NoticeFilter, AppError> {
        let mut fields = FieldErrors::new();
        let mut filter = NoticeFilter::default();
        if let Some(kind) = present(&self.kind) {
            match NoticeKind::parse(kind) {
                Some(kind) => filter.kind = Some(kind.as_str().to_owned()),
                None => push(
                    &mut fields,
                    "kind",
                    format!(
                        "未知的公告类型，可选：{}",
                        NoticeKind::ALL
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                ),
            }
        }
        if let Some(code) = present(&self.region_code) {
            if matches!(code.len(), 6 | 9) && code.bytes().all(|b| b.is_ascii_digit()) {
                filter.region_code = Some(code.to_owned());
            } else {
                push(
                    &mut fields,
                    "region_code",
                    "行政区划代码应为 6 位或 9 位数字",
                );
            }
        }
        if let Some(id) = present(&self.purchaser_id) {
            match id.parse::<i64>() {
                Ok(id) if id > 0 => filter.purchaser_id = Some(id),
                _ => push(&mut fields, "purchaser_id", "采购人编号应为正整数"),
            }
        }
        if let Some(year) = present(&self.year) {
            match year.parse::<i32>() {
                Ok(year) if (1900..=9999).contains(&year) => filter.year = Some(year),
                _ => push(&mut fields, "year", "年份应为四位数字，如 2026"),
            }
        }
        if let Some(q) = present(&self.q) {
            if q.chars().count() > MAX_KEYWORD_CHARS {
                push(
                    &mut fields,
                    "q",
                    format!("关键词最多 {MAX_KEYWORD_CHARS} 个字符"),
                );
            } else {
                filter.q = Some(q.to_owned());
            }
        }
        if fields.is_empty() {
            Ok(filter)
        } else {
            Err(AppError::Validation(fields))
        }
    }
}

/// A notice in the public list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeSummary {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// The kind's official name, e.g. `采购意向公告`.
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// The project, when it belongs to one.
    pub project_id: Option<i64>,
    /// The publishing purchaser.
    pub purchaser_id: i64,
    /// When it was published (RFC 3339, UTC).
    pub published_at: String,
    /// Legal due date (`YYYY-MM-DD`, Asia/Shanghai), if any.
    pub due_by: Option<NaiveDate>,
    /// Whether it was published by its due date.
    pub on_time: bool,
}

impl NoticeSummary {
    /// The list view of a row.
    pub fn of(row: &NoticeRow) -> NoticeSummary {
        NoticeSummary {
            id: row.id,
            kind: row.kind.clone(),
            kind_label: NoticeKind::label_of(&row.kind),
            title: row.title.clone(),
            project_id: row.project_id,
            purchaser_id: row.purchaser_id,
            published_at: crate::clock::rfc3339(row.published_at),
            due_by: row.due_by,
            on_time: row.on_time,
        }
    }
}

/// One notice with its official text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeDetail {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// The kind's official name.
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// The official text, an HTML fragment (`<section class="notice …">`).
    pub body_html: String,
    /// The project, when it belongs to one.
    pub project_id: Option<i64>,
    /// The publishing purchaser.
    pub purchaser_id: i64,
    /// When it was published (RFC 3339, UTC).
    pub published_at: String,
    /// Legal due date (`YYYY-MM-DD`, Asia/Shanghai), if any.
    pub due_by: Option<NaiveDate>,
    /// Whether it was published by its due date.
    pub on_time: bool,
    /// Where its PDF is served: `/notices/{id}.pdf`.
    pub pdf_url: String,
    /// SHA-256 of the PDF, once rendered.
    pub pdf_sha256: Option<String>,
}

impl NoticeDetail {
    /// The detail view of a row.
    pub fn of(row: NoticeRow) -> NoticeDetail {
        NoticeDetail {
            id: row.id,
            kind_label: NoticeKind::label_of(&row.kind),
            kind: row.kind,
            title: row.title,
            body_html: row.body_html,
            project_id: row.project_id,
            purchaser_id: row.purchaser_id,
            published_at: crate::clock::rfc3339(row.published_at),
            due_by: row.due_by,
            on_time: row.on_time,
            pdf_url: format!("/notices/{}.pdf", row.id),
            pdf_sha256: row.pdf_sha256,
        }
    }
}

/// A page of notices.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticePage {
    /// This page's notices, newest first.
    pub items: Vec<NoticeSummary>,
    /// Page number.
    pub page: i64,
    /// Page size.
    pub per_page: i64,
    /// Notices over all pages.
    pub total: i64,
}

/// Published notices (public), newest first, filtered by kind, region (with everything
/// below it), purchaser, year (Asia/Shanghai) and a keyword in the title.
#[utoipa::path(get, path = "/api/v1/notices", tag = "disclosure", params(NoticeQuery),
    responses((status = 200, body = NoticePage), (status = 422, body = ErrorBody)))]
#[get("/api/v1/notices")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NoticeQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let filter = query.filter()?;
    crate::public::page_cache::serve(
        &req,
        &state.pages,
        crate::public::page_cache::TTL,
        JSON,
        CACHE_CONTROL,
        || notice_page_json(state.clone(), filter, page, per_page),
    )
    .await
}

/// The content type of the JSON answers.
const JSON: &str = "application/json";

/// Builds the JSON page of notices (what [`list`] caches).
async fn notice_page_json(
    state: web::Data<AppState>,
    filter: NoticeFilter,
    page: i64,
    per_page: i64,
) -> AppResult<String> {
    let result = state
        .db
        .run(move |conn| {
            if let Some(code) = &filter.region_code
                && crate::regions::find(conn, code)?.is_none()
            {
                return Err(AppError::field("region_code", "行政区划代码不存在"));
            }
            let (rows, total) = notices::list(conn, &filter, (page - 1) * per_page, per_page)?;
            Ok(NoticePage {
                items: rows.iter().map(NoticeSummary::of).collect(),
                page,
                per_page,
                total,
            })
        })
        .await?;
    serde_json::to_string(&result).map_err(AppError::internal)
}

/// One notice with its official text (public).
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "disclosure",
    params(("id" = i64, Path, description = "notice id")),
    responses((status = 200, body = NoticeDetail), (status = 404, body = ErrorBody)))]
#[get("/api/v1/notices/{id}")]
pub async fn show(state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let detail = state
        .db
        .run(move |conn| {
            notices::find(conn, id)?
                .map(NoticeDetail::of)
                .ok_or_else(|| AppError::NotFound(format!("公告 {id} 不存在")))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", CACHE_CONTROL))
        .json(detail))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, show))]
pub struct DisclosureApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(show);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(error: AppError) -> Vec<String> {
        match error {
            AppError::Validation(fields) => fields.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn query_is_checked_field_by_field() {
        let ok = NoticeQuery {
            kind: Some("award".to_owned()),
            region_code: Some(" 640100 ".to_owned()),
            purchaser_id: Some("7".to_owned()),
            year: Some("2026".to_owned()),
            q: Some("100%".to_owned()),
            ..NoticeQuery::default()
        }
        .filter()
        .expect("valid");
        assert_eq!(ok.kind.as_deref(), Some("award"));
        assert_eq!(ok.region_code.as_deref(), Some("640100"));
        assert_eq!(ok.purchaser_id, Some(7));
        assert_eq!(ok.year, Some(2026));
        assert_eq!(ok.q.as_deref(), Some("100%"));

        let empty = NoticeQuery {
            kind: Some(String::new()),
            q: Some("  ".to_owned()),
            ..NoticeQuery::default()
        }
        .filter()
        .expect("blank parameters are absent");
        assert!(empty.kind.is_none() && empty.q.is_none());

        let bad = NoticeQuery {
            kind: Some("bogus".to_owned()),
            region_code: Some("64%".to_owned()),
            purchaser_id: Some("x".to_owned()),
            year: Some("26".to_owned()),
            q: Some("字".repeat(101)),
            ..NoticeQuery::default()
        }
        .filter()
        .expect_err("invalid");
        assert_eq!(
            fields(bad),
            vec!["kind", "purchaser_id", "q", "region_code", "year"]
        );
    }
}
