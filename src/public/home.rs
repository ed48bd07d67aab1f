//! `/`: the home page — headline figures and the newest notices.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Datelike;

use super::http_cache;
use super::notices::NoticeItem;
use super::queries;
use crate::app::AppState;
use crate::error::AppResult;

/// Notices listed on the home page.
pub const NEWEST: i64 = 10;

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    projects: i64,
    contracts: i64,
    contracted: String,
    contractors: i64,
    qualified: i64,
    year: i32,
    notices_in_year: i64,
    on_time_rate: Option<String>,
    notices: Vec<NoticeItem>,
}

/// The home page.
#[get("/")]
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    super::page_cache::serve(
        &req,
        &state.pages,
        super::page_cache::SUMMARY_TTL,
        http_cache::HTML,
        http_cache::LIST,
        || render_home(state.clone()),
    )
    .await
}

/// Builds the home page (what [`home`] caches: its figures aggregate every project and
/// contract; its newest notices follow each publication at once).
async fn render_home(state: web::Data<AppState>) -> AppResult<String> {
    let year = state.clock.today().year();
    let (headline, lines, names) = state
        .db
        .run(move |conn| {
            let headline = queries::headline(conn, year)?;
            let lines = queries::newest_notices(conn, NEWEST)?;
            let ids: Vec<i64> = lines.iter().map(|l| l.purchaser_id).collect();
            let names = queries::purchaser_names(conn, &ids)?;
            Ok((headline, lines, names))
        })
        .await?;
    let body = super::render(&HomePage {
        projects: headline.projects,
        contracts: headline.contracts,
        contracted: super::yuan(headline.contracted_fen),
        contractors: headline.contractors,
        qualified: headline.qualified_contractors,
        year,
        notices_in_year: headline.notices_in_year,
        on_time_rate: super::percent(headline.on_time_in_year, headline.due_in_year),
        notices: lines
            .iter()
            .map(|l| NoticeItem::of_line(l, &names))
            .collect(),
    })?;
    Ok(body)
}
