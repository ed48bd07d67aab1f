//! `/app/tenders`: the tendering projects whose bid deadline has not passed and on which this
//! organization may bid (an invitation method only when invited), each with its deadline
//! (Beijing time), maximum price, method, region, whether the organization already bid and
//! whether it is qualified for it — the same check the opening applies (status `qualified`
//! and every qualification check against the tender's requirements), failing checks named.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{check_label, contractor_of};
use crate::app::AppState;
use crate::clock::shanghai_date;
use crate::contractors::model::ContractorRow;
use crate::db::AnyConnection;
use crate::db::schema::projects;
use crate::domain::contractor_status::ContractorStatus;
use crate::domain::project_status::ProjectStatus;
use crate::domain::qualification::{self, ContractorFacts};
use crate::error::AppResult;
use crate::procurement::bids::model::{self as bids_model, WITHDRAWN};
use crate::procurement::projects::model::ProjectRow;
use crate::procurement::rules::ProcurementRules;
use crate::procurement::tenders::model::{self as tenders_model, TenderRow};
use crate::public::{shanghai_minutes, yuan};
use crate::web::layout::{PageUser, Shell};

/// At most this many tenders are listed (oldest deadline first).
const LIMIT: i64 = 200;

/// Why the organization cannot bid on a tender now (empty: it may): its review status and
/// every failing qualification check against the tender's requirements on `now`'s Beijing
/// date, as `名称：说明`.
pub fn failing_checks(
    contractor: &ContractorRow,
    facts: &ContractorFacts,
    project: &ProjectRow,
    tender: &TenderRow,
    now: NaiveDateTime,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if contractor.status() != ContractorStatus::Qualified {
        reasons.push(format!(
            "资格状态：{}（经民政部门审核认定后方可投标）",
            contractor.status().label()
        ));
    }
    reasons.extend(
        qualification::evaluate(
            facts,
            &tender.requirements(&project.domain_code),
            shanghai_date(now),
        )
        .into_iter()
        .filter(|c| !c.passed)
        .map(|c| format!("{}：{}", check_label(&c.code), c.message)),
    );
    reasons
}

/// The Chinese name of a method code.
pub fn method_label(rules: &ProcurementRules, code: &str) -> String {
    rules
        .method(code)
        .map_or_else(|| code.to_owned(), |m| m.label.clone())
}

/// The Chinese name of an award method code.
pub fn award_method_label(code: &str) -> &'static str {
    match code {
        "comprehensive" => "综合评分法",
        "lowest_price" => "最低评标价法",
        _ => "其他",
    }
}

/// One open tender as listed.
#[derive(Debug, Clone)]
pub struct TenderLine {
    /// Project id.
    pub project_id: i64,
    /// 项目编号.
    pub number: String,
    /// Title.
    pub title: String,
    /// Deadline, Beijing time.
    pub deadline: String,
    /// Maximum price.
    pub max_price: String,
    /// Method label.
    pub method: String,
    /// Whether the method is by invitation (and this organization was invited).
    pub invited: bool,
    /// Region, full name.
    pub region: String,
    /// Whether this organization has a bid that is not withdrawn.
    pub has_bid: bool,
    /// Whether it withdrew its bid.
    pub withdrawn: bool,
    /// Why it cannot bid (empty: qualified).
    pub failing: Vec<String>,
}

#[derive(Template)]
#[template(path = "workspace/contractor/tenders.html")]
struct TendersPage {
    shell: Shell,
    tenders: Vec<TenderLine>,
    now: String,
}

/// The open tenders `contractor_id` may bid on, at `now`.
pub fn open_tenders(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    contractor_id: i64,
    now: NaiveDateTime,
) -> AppResult<Vec<TenderLine>> {
    let contractor = crate::contractors::service::get(conn, contractor_id)?;
    let facts = crate::contractors::model::facts(conn, &contractor)?;
    let rows: Vec<ProjectRow> = projects::table
        .filter(projects::status.eq(ProjectStatus::Tendering.as_str()))
        .order(projects::id.asc())
        .limit(LIMIT)
        .select(projects::all_columns)
        .load(conn)?;
    let mut lines = Vec::new();
    for project in rows {
        let Some(tender) = tenders_model::current(conn, project.id)? else {
            continue;
        };
        if tender.opened_at.is_some() || now >= tender.bid_deadline {
            continue;
        }
        let invited = tenders_model::invited(conn, tender.id)?;
        if !invited.is_empty() && !invited.contains(&contractor_id) {
            continue;
        }
        let bid = bids_model::find_for(conn, tender.id, contractor_id)?;
        let region = crate::regions::full_name(conn, &project.region_code)?;
        lines.push(TenderLine {
            project_id: project.id,
            number: project.number.clone(),
            title: project.title.clone(),
            deadline: shanghai_minutes(tender.bid_deadline),
            max_price: yuan(tender.max_price_fen),
            method: method_label(rules, &project.method),
            invited: !invited.is_empty(),
            region: if region.is_empty() {
                project.region_code.clone()
            } else {
                region
            },
            has_bid: bid.as_ref().is_some_and(|b| b.status != WITHDRAWN),
            withdrawn: bid.as_ref().is_some_and(|b| b.status == WITHDRAWN),
            failing: failing_checks(&contractor, &facts, &project, &tender, now),
        });
    }
    lines.sort_by(|a, b| a.deadline.cmp(&b.deadline));
    Ok(lines)
}

/// `GET /app/tenders`.
#[get("/app/tenders")]
pub async fn tenders_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    let contractor_id = contractor_of(&user.0)?;
    let now = state.clock.now();
    let rules = state.rules.clone();
    let tenders = state
        .db
        .run(move |conn| open_tenders(conn, &rules, contractor_id, now))
        .await?;
    let shell = Shell::new(&req, &user.0)?;
    shell.respond(&TendersPage {
        shell: shell.clone(),
        tenders,
        now: shanghai_minutes(now),
    })
}
