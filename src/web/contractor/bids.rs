//! `/app/bids`: this organization's bids (project, round, submission time, receipt, status;
//! after opening the check result; the award result once public) and, for an awarded project
//! within its challenge window, the challenge form (质疑: `POST /app/bids/{project_id}/challenge`,
//! the same `file_challenge` as `POST /api/v1/projects/{id}/challenges`) with the
//! organization's challenges and their answers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::bid::bid_status_label;
use super::{contractor_of, respond_with};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::clock::shanghai_date;
use crate::db::AnyConnection;
use crate::db::schema::{bids, projects, tenders};
use crate::domain::project_status::ProjectStatus;
use crate::error::AppResult;
use crate::procurement::bids::model::BidRow;
use crate::procurement::evaluation::model as evaluation;
use crate::procurement::evaluation::service::{self as evaluation_service, ChallengeInput};
use crate::procurement::projects::model::ProjectRow;
use crate::procurement::tenders::model::{self as tenders_model, TenderRow};
use crate::public::{shanghai_minutes, yuan};
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a challenge is filed.
pub const CHALLENGE_FILED: Flash = Flash::new(
    "challenge_filed",
    "质疑已提交，采购人须在答复期限内书面答复；答复前不得签订合同。",
);

/// A challenge as listed.
#[derive(Debug, Clone)]
pub struct ChallengeLine {
    /// Filed, Beijing time.
    pub filed_at: String,
    /// Grounds.
    pub grounds: String,
    /// Last day to answer.
    pub answer_due: String,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// The answer.
    pub answer: Option<String>,
}

/// One bid as listed.
#[derive(Debug, Clone)]
pub struct BidLine {
    /// Project id.
    pub project_id: i64,
    /// 项目编号.
    pub number: String,
    /// Title.
    pub title: String,
    /// Round of the tender.
    pub round: i32,
    /// Whether this is the project's current tender.
    pub current_round: bool,
    /// Project status label.
    pub project_status: &'static str,
    /// Price.
    pub price: String,
    /// Submitted, Beijing time.
    pub submitted_at: String,
    /// The receipt.
    pub receipt_sha256: String,
    /// Bid status code.
    pub status: String,
    /// Bid status label.
    pub status_label: &'static str,
    /// Disqualification reasons.
    pub reasons: Vec<String>,
    /// Deadline, Beijing time.
    pub deadline: String,
    /// Opened, Beijing time.
    pub opened_at: Option<String>,
    /// The award result, once public.
    pub result: Option<String>,
    /// Whether this organization won.
    pub won: bool,
    /// Last day to challenge, when the form is open.
    pub challenge_until: Option<String>,
    /// This organization's challenges of the project.
    pub challenges: Vec<ChallengeLine>,
}

#[derive(Template)]
#[template(path = "workspace/contractor/bids.html")]
struct BidsPage {
    shell: Shell,
    bids: Vec<BidLine>,
    /// The challenge form re-shown with errors: (project, form).
    challenge: Option<(i64, FormState)>,
    empty: FormState,
}

impl BidsPage {
    /// The challenge form of `project_id`: the refused one, or an empty one.
    fn challenge_form(&self, project_id: &i64) -> &FormState {
        match &self.challenge {
            Some((id, form)) if id == project_id => form,
            _ => &self.empty,
        }
    }
}

fn challenge_status_label(status: &str) -> &'static str {
    match status {
        "pending" => "待答复",
        "upheld" => "质疑成立",
        "rejected" => "质疑不成立",
        _ => "未知",
    }
}

fn zh_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Every bid of `contractor_id`, newest first, as listed.
pub fn my_bids(
    conn: &mut AnyConnection,
    contractor_id: i64,
    now: NaiveDateTime,
) -> AppResult<Vec<BidLine>> {
    let rows: Vec<(BidRow, TenderRow, ProjectRow)> = bids::table
        .inner_join(tenders::table.inner_join(projects::table))
        .filter(bids::contractor_id.eq(contractor_id))
        .order((bids::submitted_at.desc(), bids::id.desc()))
        .select((
            bids::all_columns,
            tenders::all_columns,
            projects::all_columns,
        ))
        .load(conn)?;
    let today = shanghai_date(now);
    let mut lines = Vec::with_capacity(rows.len());
    for (bid, tender, project) in rows {
        let status = project.status()?;
        let current = tenders_model::current(conn, project.id)?.is_some_and(|t| t.id == tender.id);
        let award = match current {
            true => evaluation::active_award(conn, project.id)?,
            false => None,
        };
        let won = award.as_ref().is_some_and(|a| a.bid_id == bid.id);
        let result = match &award {
            Some(_) if won => Some("中标（成交）".to_owned()),
            Some(a) => {
                let name = evaluation::contractor_names(conn, &[a.contractor_id])?
                    .into_iter()
                    .next()
                    .map(|(_, n)| n)
                    .unwrap_or_default();
                Some(format!(
                    "未中标（中标人：{name}，中标价 {}）",
                    yuan(a.price_fen)
                ))
            }
            None if status == ProjectStatus::Failed && current => Some(format!(
                "采购失败（废标）{}",
                project
                    .status_reason
                    .as_deref()
                    .map(|r| format!("：{r}"))
                    .unwrap_or_default()
            )),
            None if !current => Some("本轮已结束，项目已重新招标".to_owned()),
            None => None,
        };
        let challenge_until = match &award {
            Some(a) if status == ProjectStatus::Awarded && today <= a.challenge_deadline => {
                Some(zh_date(a.challenge_deadline))
            }
            _ => None,
        };
        let challenges = evaluation::challenges_of(conn, project.id, Some(contractor_id))?
            .into_iter()
            .map(|c| ChallengeLine {
                filed_at: shanghai_minutes(c.filed_at),
                grounds: c.grounds,
                answer_due: c.answer_due.to_string(),
                status_label: challenge_status_label(&c.status),
                answer: c.answer,
            })
            .collect();
        lines.push(BidLine {
            project_id: project.id,
            number: project.number.clone(),
            title: project.title.clone(),
            round: tender.round,
            current_round: current,
            project_status: status.label(),
            price: yuan(bid.price_fen),
            submitted_at: shanghai_minutes(bid.submitted_at),
            receipt_sha256: bid.receipt_sha256.clone(),
            status_label: bid_status_label(&bid.status),
            reasons: bid.reasons(),
            status: bid.status,
            deadline: shanghai_minutes(tender.bid_deadline),
            opened_at: tender.opened_at.map(shanghai_minutes),
            result,
            won,
            challenge_until,
            challenges,
        });
    }
    Ok(lines)
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    challenge: Option<(i64, FormState)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let contractor_id = contractor_of(user)?;
    let now = state.clock.now();
    let bids = state
        .db
        .run(move |conn| my_bids(conn, contractor_id, now))
        .await?;
    let shell = Shell::new(req, user)?;
    let page = BidsPage {
        shell: shell.clone(),
        bids,
        challenge,
        empty: FormState::new(),
    };
    respond_with(&shell, &page, status)
}

/// `GET /app/bids`.
#[get("/app/bids")]
pub async fn bids_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    render(&req, &state, &user.0, None, StatusCode::OK).await
}

/// `POST /app/bids/{project_id}/challenge` (`grounds`, `facts`): files a challenge.
#[post("/app/bids/{project_id}/challenge")]
pub async fn file_challenge(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    contractor_of(&user)?;
    let project_id = path.into_inner();
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    let input = ChallengeInput {
        grounds: data.text("grounds").to_owned(),
        facts: data.text("facts").to_owned(),
    };
    let now = state.clock.now();
    let rules = state.rules.clone();
    let calendar = state.calendar.clone();
    let challenger = user.clone();
    let result = state
        .db
        .run(move |conn| {
            evaluation_service::file_challenge(
                conn,
                &rules,
                &calendar,
                &challenger,
                now,
                project_id,
                &input,
            )
        })
        .await;
    match result {
        Ok(_) => return Ok(see_other("/app/bids", CHALLENGE_FILED)),
        Err(error) => form.absorb(error)?,
    }
    render(
        &req,
        &state,
        &user,
        Some((project_id, form)),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
