//! `/stats`: contracted funds by domain and year, projects by procurement method, station
//! coverage by county and disclosure timeliness by purchaser — each aggregated in SQL, drawn
//! as an inline SVG bar chart and listed in a table.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::http_cache;
use super::queries::{self, TimelinessRow};
use super::svg::{Bar, BarChart};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::stations::coverage::CoverageRow;

/// `GET /stats` parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsParams {
    /// The year of the timeliness table (defaults to the current year, Asia/Shanghai).
    pub year: Option<String>,
}

/// One row of the funds table.
#[derive(Debug, Clone)]
pub struct FundsLine {
    /// Budget year.
    pub year: i32,
    /// Domain name.
    pub domain: String,
    /// Amount.
    pub amount: String,
    /// Amount in 分.
    pub fen: i64,
}

/// One row of the methods table.
#[derive(Debug, Clone)]
pub struct MethodLine {
    /// Method name.
    pub method: String,
    /// Projects.
    pub projects: i64,
}

/// One row of the timeliness table.
#[derive(Debug, Clone)]
pub struct TimelinessLine {
    /// The figures.
    pub row: TimelinessRow,
    /// On-time rate, e.g. `75.00`, or `—` when nothing fell due.
    pub rate: String,
}

#[derive(Template)]
#[template(path = "public/stats.html")]
struct StatsPage {
    year: i32,
    funds_chart: String,
    funds: Vec<FundsLine>,
    funds_total: String,
    methods_chart: String,
    methods: Vec<MethodLine>,
    coverage_chart: String,
    coverage: Vec<CoverageRow>,
    timeliness_chart: String,
    timeliness: Vec<TimelinessLine>,
}

/// A rate text such as `"93.75"` in basis points (`9375`).
fn basis_points(rate: &str) -> i64 {
    rate.parse::<rust_decimal::Decimal>()
        .ok()
        .and_then(|d| {
            rust_decimal::prelude::ToPrimitive::to_i64(&(d * rust_decimal::Decimal::ONE_HUNDRED))
        })
        .unwrap_or(0)
}

/// The statistics page.
#[get("/stats")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<StatsParams>,
) -> AppResult<HttpResponse> {
    let today = state.clock.today();
    let year = match params
        .year
        .as_deref()
        .map(str::trim)
        .filter(|y| !y.is_empty())
    {
        None => today.year(),
        Some(text) => match text.parse::<i32>() {
            Ok(year) if (2000..=2100).contains(&year) => year,
            _ => {
                return Err(AppError::BadRequest(
                    "year：年份应在 2000 到 2100 之间".to_owned(),
                ));
            }
        },
    };
    super::page_cache::serve(
        &req,
        &state.pages,
        super::page_cache::SUMMARY_TTL,
        http_cache::HTML,
        http_cache::LIST,
        || render_stats(state.clone(), year),
    )
    .await
}

/// Builds the statistics page for `year` (what [`show`] caches: it aggregates every
/// project, contract, station and notice).
async fn render_stats(state: web::Data<AppState>, year: i32) -> AppResult<String> {
    let lead = state.rules.intention_lead_days;
    let today = state.clock.today();
    let (funds, methods, coverage, timeliness) = state
        .db
        .run(move |conn| {
            Ok((
                queries::funds_by_domain_year(conn)?,
                queries::projects_by_method(conn)?,
                queries::county_coverage(conn)?,
                queries::timeliness(conn, lead, year, today)?,
            ))
        })
        .await?;

    let funds_total = super::yuan(funds.iter().map(|f| f.2).sum());
    let funds: Vec<FundsLine> = funds
        .into_iter()
        .map(|(domain, y, fen)| FundsLine {
            year: y,
            domain: super::domain_label(&domain),
            amount: super::yuan(fen),
            fen,
        })
        .collect();
    let funds_chart = BarChart {
        title: "各服务领域合同金额（按年度）".to_owned(),
        bars: funds
            .iter()
            .map(|f| Bar {
                label: format!("{}年 {}", f.year, f.domain),
                value: f.fen,
                display: f.amount.clone(),
            })
            .collect(),
        scale_max: None,
    }
    .render();

    let methods: Vec<MethodLine> = methods
        .into_iter()
        .map(|(code, n)| MethodLine {
            method: super::method_label(&state.rules, &code),
            projects: n,
        })
        .collect();
    let methods_chart = BarChart {
        title: "各采购方式项目数".to_owned(),
        bars: methods
            .iter()
            .map(|m| Bar {
                label: m.method.clone(),
                value: m.projects,
                display: format!("{} 个", m.projects),
            })
            .collect(),
        scale_max: None,
    }
    .render();

    let coverage_chart = BarChart {
        title: "乡镇（街道）社工站覆盖率（按县区）".to_owned(),
        bars: coverage
            .iter()
            .map(|c| Bar {
                label: c.region_name.rsplit(' ').next().unwrap_or("").to_owned(),
                value: basis_points(&c.coverage_rate),
                display: format!("{}%", c.coverage_rate),
            })
            .collect(),
        scale_max: Some(10_000),
    }
    .render();

    let timeliness: Vec<TimelinessLine> = timeliness
        .into_iter()
        .filter(|r| r.due > 0)
        .map(|row| TimelinessLine {
            rate: super::percent(row.on_time, row.due).unwrap_or_else(|| "—".to_owned()),
            row,
        })
        .collect();
    let timeliness_chart = BarChart {
        title: format!("{year}年各采购人信息公开按时率"),
        bars: timeliness
            .iter()
            .map(|t| Bar {
                label: t.row.purchaser_name.clone(),
                value: basis_points(&t.rate),
                display: format!("{}%", t.rate),
            })
            .collect(),
        scale_max: Some(10_000),
    }
    .render();

    let body = super::render(&StatsPage {
        year,
        funds_chart,
        funds,
        funds_total,
        methods_chart,
        methods,
        coverage_chart,
        coverage,
        timeliness_chart,
        timeliness,
    })?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_become_basis_points() {
        assert_eq!(basis_points("93.75"), 9375);
        assert_eq!(basis_points("100.00"), 10_000);
        assert_eq!(basis_points("0.00"), 0);
        assert_eq!(basis_points("—"), 0);
    }
}
