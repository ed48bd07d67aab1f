//! `/notices`: the public list of notices, filtered by kind, region, purchaser, year and a
//! keyword, with pagination that keeps the filters; `/notices/{id}`: one notice with its
//! official text and its PDF.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::queries::{self, NoticeLine};
use super::{http_cache, page_cache};
use crate::app::AppState;
use crate::disclosure::notices::{self, NoticeKind, NoticeRow};
use crate::disclosure::routes::NoticeQuery;
use crate::error::{AppError, AppResult};

/// Notices per page unless `per_page` says otherwise.
pub const PER_PAGE: i64 = 20;

/// A notice in a list.
#[derive(Debug, Clone)]
pub struct NoticeItem {
    /// Id.
    pub id: i64,
    /// The kind's official name.
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// Publishing purchaser's name.
    pub purchaser: String,
    /// Publication time (Asia/Shanghai).
    pub published: String,
    /// Legal due date, or empty.
    pub due_by: String,
    /// Whether it met its due date (always true without one).
    pub on_time: bool,
    /// The project, when it belongs to one.
    pub project_id: Option<i64>,
}

impl NoticeItem {
    /// The list item of a notice line, naming its purchaser from `names`.
    pub fn of_line(line: &NoticeLine, names: &HashMap<i64, String>) -> NoticeItem {
        NoticeItem {
            id: line.id,
            kind_label: NoticeKind::label_of(&line.kind),
            title: line.title.clone(),
            purchaser: names.get(&line.purchaser_id).cloned().unwrap_or_default(),
            published: super::shanghai_minutes(line.published_at),
            due_by: line.due_by.map(|d| d.to_string()).unwrap_or_default(),
            on_time: line.on_time,
            project_id: line.project_id,
        }
    }

    /// The list item of a full notice row.
    pub fn of_row(row: &NoticeRow, names: &HashMap<i64, String>) -> NoticeItem {
        NoticeItem {
            id: row.id,
            kind_label: NoticeKind::label_of(&row.kind),
            title: row.title.clone(),
            purchaser: names.get(&row.purchaser_id).cloned().unwrap_or_default(),
            published: super::shanghai_minutes(row.published_at),
            due_by: row.due_by.map(|d| d.to_string()).unwrap_or_default(),
            on_time: row.on_time,
            project_id: row.project_id,
        }
    }
}

/// `GET /notices` parameters (all text, so any malformed value gets the 400 page naming it).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    /// Kind code.
    pub kind: Option<String>,
    /// Region code (6 or 9 digits); the region and everything below it.
    pub region_code: Option<String>,
    /// Purchaser id.
    pub purchaser_id: Option<String>,
    /// Publication year (Asia/Shanghai).
    pub year: Option<String>,
    /// Keyword in the title.
    pub q: Option<String>,
    /// Page from 1.
    pub page: Option<String>,
    /// Page size, 1–100.
    pub per_page: Option<String>,
}

/// A trimmed, non-empty parameter.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ListParams {
    /// The checked filter, page and page size; a bad value is a `400` naming it.
    pub fn resolve(&self) -> AppResult<(notices::NoticeFilter, i64, i64)> {
        let query = NoticeQuery {
            kind: self.kind.clone(),
            region_code: self.region_code.clone(),
            purchaser_id: self.purchaser_id.clone(),
            year: self.year.clone(),
            q: self.q.clone(),
            page: None,
            per_page: None,
        };
        let mut problems: Vec<String> = Vec::new();
        let filter = match query.filter() {
            Ok(filter) => Some(filter),
            Err(AppError::Validation(fields)) => {
                for (field, messages) in fields {
                    problems.push(format!("{field}：{}", messages.join("；")));
                }
                None
            }
            Err(other) => return Err(other),
        };
        let page = match present(&self.page).map(str::parse::<i64>) {
            None => 1,
            Some(Ok(page)) if page >= 1 => page,
            Some(_) => {
                problems.push("page：页码应为从 1 开始的整数".to_owned());
                1
            }
        };
        let per_page = match present(&self.per_page).map(str::parse::<i64>) {
            None => PER_PAGE,
            Some(Ok(n)) if (1..=100).contains(&n) => n,
            Some(_) => {
                problems.push("per_page：每页条数应在 1 到 100 之间".to_owned());
                PER_PAGE
            }
        };
        match filter {
            Some(filter) if problems.is_empty() => Ok((filter, page, per_page)),
            _ => Err(AppError::BadRequest(format!(
                "筛选条件有误：{}",
                problems.join("；")
            ))),
        }
    }

    /// `/notices?…` with these filters and `page` (blank filters and page 1 left out).
    pub fn link(&self, page: i64) -> String {
        let mut pairs: Vec<String> = Vec::new();
        for (name, value) in [
            ("kind", &self.kind),
            ("region_code", &self.region_code),
            ("purchaser_id", &self.purchaser_id),
            ("year", &self.year),
            ("q", &self.q),
            ("per_page", &self.per_page),
        ] {
            if let Some(value) = present(value) {
                pairs.push(format!("{name}={}", super::encode_query_value(value)));
            }
        }
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        if pairs.is_empty() {
            "/notices".to_owned()
        } else {
            format!("/notices?{}", pairs.join("&"))
        }
    }
}

/// An `<option>` of a filter select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Value sent.
    pub value: String,
    /// Text shown.
    pub label: String,
    /// Currently chosen.
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "public/notices.html")]
struct ListPage {
    items: Vec<NoticeItem>,
    kinds: Vec<Choice>,
    years: Vec<Choice>,
    purchasers: Vec<Choice>,
    region_code: String,
    q: String,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    filtered: bool,
}

/// The public list of notices, newest first.
#[get("/notices")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let (filter, page, per_page) = params.resolve()?;
    page_cache::serve(
        &req,
        &state.pages,
        page_cache::TTL,
        http_cache::HTML,
        http_cache::LIST,
        || render_list(state.clone(), params, filter, page, per_page),
    )
    .await
}

/// Builds the list page (what [`list`] caches).
async fn render_list(
    state: web::Data<AppState>,
    params: ListParams,
    filter: notices::NoticeFilter,
    page: i64,
    per_page: i64,
) -> AppResult<String> {
    let this_year = state.clock.today().year();
    let chosen = filter.clone();
    let (rows, total, names, purchasers, span) = state
        .db
        .run(move |conn| {
            if let Some(code) = &filter.region_code
                && crate::regions::find(conn, code)?.is_none()
            {
                return Err(AppError::BadRequest(format!(
                    "筛选条件有误：region_code：行政区划代码 {code} 不存在"
                )));
            }
            let (rows, total) =
                notices::list(conn, &filter, (page - 1).saturating_mul(per_page), per_page)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.purchaser_id).collect();
            let names = queries::purchaser_names(conn, &ids)?;
            let purchasers = queries::purchaser_options(conn)?;
            let span = queries::notice_span(conn)?;
            Ok((rows, total, names, purchasers, span))
        })
        .await?;
    let items = rows.iter().map(|r| NoticeItem::of_row(r, &names)).collect();
    let kinds = NoticeKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: k.label().to_owned(),
            selected: chosen.kind.as_deref() == Some(k.as_str()),
        })
        .collect();
    let first_year = span
        .0
        .map_or(this_year, |t| crate::clock::shanghai_date(t).year());
    let last_year = span
        .1
        .map_or(this_year, |t| crate::clock::shanghai_date(t).year())
        .max(this_year);
    let mut year_values: Vec<i32> = (first_year.min(last_year)..=last_year).rev().collect();
    if let Some(year) = chosen.year
        && !year_values.contains(&year)
    {
        year_values.push(year);
    }
    let years = year_values
        .into_iter()
        .map(|y| Choice {
            value: y.to_string(),
            label: format!("{y}年"),
            selected: chosen.year == Some(y),
        })
        .collect();
    let purchasers = purchasers
        .into_iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name,
            selected: chosen.purchaser_id == Some(id),
        })
        .collect();
    let pages = ((total + per_page - 1) / per_page).max(1);
    let body = super::render(&ListPage {
        items,
        kinds,
        years,
        purchasers,
        region_code: chosen.region_code.clone().unwrap_or_default(),
        q: chosen.q.clone().unwrap_or_default(),
        total,
        page,
        pages,
        prev: (page > 1).then(|| params.link(page.min(pages + 1) - 1)),
        next: (page < pages).then(|| params.link(page + 1)),
        filtered: chosen.kind.is_some()
            || chosen.region_code.is_some()
            || chosen.purchaser_id.is_some()
            || chosen.year.is_some()
            || chosen.q.is_some(),
    })?;
    Ok(body)
}

#[derive(Template)]
#[template(path = "public/notice.html")]
struct DetailPage {
    id: i64,
    title: String,
    kind_label: String,
    purchaser: String,
    published: String,
    due_by: Option<String>,
    on_time: bool,
    body_html: String,
    project: Option<(i64, String)>,
    pdf_url: String,
    pdf_sha256: Option<String>,
}

/// One notice: its facts, its official text and its PDF.
#[get("/notices/{id:\\d+}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound("公告不存在".to_owned()))?;
    let page = state
        .db
        .read(move |conn| {
            queries::notice_page(conn, id)?
                .ok_or_else(|| AppError::NotFound(format!("公告 {id} 不存在")))
        })
        .await?;
    let project = page.project_id.zip(page.project_title);
    let body = super::render(&DetailPage {
        id: page.id,
        kind_label: NoticeKind::label_of(&page.kind),
        purchaser: page.purchaser,
        published: super::shanghai_minutes(page.published_at),
        due_by: page.due_by.map(|d| d.to_string()),
        on_time: page.on_time,
        pdf_url: format!("/notices/{}.pdf", page.id),
        pdf_sha256: page.pdf_sha256,
        project,
        title: page.title,
        body_html: page.body_html,
    })?;
    Ok(http_cache::html(&req, http_cache::DETAIL, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let mut p = ListParams::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "kind" => p.kind = v,
                "region_code" => p.region_code = v,
                "purchaser_id" => p.purchaser_id = v,
                "year" => p.year = v,
                "q" => p.q = v,
                "page" => p.page = v,
                "per_page" => p.per_page = v,
                _ => panic!("unknown {k}"),
            }
        }
        p
    }

    #[test]
    fn links_keep_the_filters_and_encode_them() {
        let p = params(&[
            ("kind", "award"),
            ("q", "养老 & <x>"),
            ("year", " "),
            ("page", "3"),
        ]);
        assert_eq!(
            p.link(4),
            "/notices?kind=award&q=%E5%85%BB%E8%80%81%20%26%20%3Cx%3E&page=4"
        );
        assert_eq!(
            p.link(1),
            "/notices?kind=award&q=%E5%85%BB%E8%80%81%20%26%20%3Cx%3E"
        );
        assert_eq!(params(&[]).link(1), "/notices");
    }

    #[test]
    fn bad_values_are_a_400_naming_each() {
        let (filter, page, per_page) = params(&[("kind", "tender"), ("page", "2")])
            .resolve()
            .expect("valid");
        assert_eq!(filter.kind.as_deref(), Some("tender"));
        assert_eq!((page, per_page), (2, PER_PAGE));
        match params(&[("kind", "nope"), ("year", "20x6"), ("page", "0")]).resolve() {
            Err(AppError::BadRequest(message)) => {
                assert!(message.contains("kind"), "{message}");
                assert!(message.contains("year"), "{message}");
                assert!(message.contains("page"), "{message}");
            }
            other => panic!("expected 400, got {other:?}"),
        }
        assert!(params(&[("per_page", "101")]).resolve().is_err());
    }
}
