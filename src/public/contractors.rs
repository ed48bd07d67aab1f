//! `/contractors/{id}`: a contractor's public record — name, kind, USCC or masked resident ID
//! number, qualification status, priority mark and bars, awards won and evaluation grades.
//! Contact details never appear (the contractors module's public view leaves them out).

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::http_cache;
use super::queries::{self, AwardWon, GradeLine};
use crate::app::AppState;
use crate::contractors::model as contractors;
use crate::contractors::views::PublicContractorView;
use crate::domain::grades::Grade;
use crate::error::{AppError, AppResult};
use crate::evaluations::model::EvaluationKind;

/// Awards and grades listed at most.
pub const MAX_ROWS: i64 = 100;

/// An award as listed.
#[derive(Debug, Clone)]
pub struct AwardLine {
    /// Project id.
    pub project_id: i64,
    /// 项目编号.
    pub number: String,
    /// Project title.
    pub title: String,
    /// Award price.
    pub price: String,
    /// Decided on (Asia/Shanghai).
    pub decided: String,
    /// Still in force (not voided by a challenge).
    pub active: bool,
}

impl AwardLine {
    fn of(row: &AwardWon) -> AwardLine {
        AwardLine {
            project_id: row.project_id,
            number: row.project_number.clone(),
            title: row.project_title.clone(),
            price: super::yuan(row.price_fen),
            decided: super::shanghai_day(row.decided_at),
            active: row.active,
        }
    }
}

/// A grade as listed.
#[derive(Debug, Clone)]
pub struct GradeView {
    /// Project id.
    pub project_id: i64,
    /// Project title.
    pub title: String,
    /// 中期评价 / 终期评价.
    pub kind: String,
    /// Grade label.
    pub grade: String,
    /// Total score.
    pub score: String,
    /// Graded on.
    pub graded: String,
}

impl GradeView {
    fn of(row: &GradeLine) -> GradeView {
        GradeView {
            project_id: row.project_id,
            title: row.project_title.clone(),
            kind: EvaluationKind::parse(&row.kind)
                .map_or_else(|| row.kind.clone(), |k| k.label().to_owned()),
            grade: row.grade.as_deref().map_or_else(String::new, |g| {
                Grade::parse(g).map_or_else(|| g.to_owned(), |g| g.label().to_owned())
            }),
            score: row
                .total_centi
                .map(|c| rust_decimal::Decimal::new(c, 2).to_string())
                .unwrap_or_default(),
            graded: row.graded_at.map(super::shanghai_day).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "public/contractor.html")]
struct ContractorPage {
    view: PublicContractorView,
    region: String,
    domains: String,
    barred: String,
    awards: Vec<AwardLine>,
    grades: Vec<GradeView>,
}

/// A contractor's public record.
#[get("/contractors/{id:\\d+}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound("承接主体不存在".to_owned()))?;
    let today = state.clock.today();
    let (view, region, awards, grades) = state
        .db
        .run(move |conn| {
            let row = contractors::find(conn, id)?
                .ok_or_else(|| AppError::NotFound(format!("承接主体 {id} 不存在")))?;
            let mut view = row.public_view(today);
            view.priority = contractors::has_priority_mark(conn, id)?;
            view.barred_years = contractors::barred_years(conn, id)?;
            let region = crate::regions::full_name(conn, &row.region_code)?;
            let awards = queries::awards_won(conn, id, MAX_ROWS)?;
            let grades = queries::grades_of(conn, id, MAX_ROWS)?;
            Ok((view, region, awards, grades))
        })
        .await?;
    let domains = view
        .service_domains
        .iter()
        .map(|d| super::domain_label(d))
        .collect::<Vec<_>>()
        .join("、");
    let barred = view
        .barred_years
        .iter()
        .map(|y| format!("{y}年"))
        .collect::<Vec<_>>()
        .join("、");
    let body = super::render(&ContractorPage {
        view,
        region,
        domains,
        barred,
        awards: awards.iter().map(AwardLine::of).collect(),
        grades: grades.iter().map(GradeView::of).collect(),
    })?;
    Ok(http_cache::html(&req, http_cache::LIST, body))
}
