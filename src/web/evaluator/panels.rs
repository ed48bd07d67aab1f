//! `/app/panels`: the bid-evaluation panels (评审委员会) an evaluator sits on, and
//! `/app/panels/{project_id}`: after opening, every bid of the current round with a score
//! sheet per qualified bid (one input per criterion of the tender, named `scores.<code>` as
//! the API's errors are); before opening, only the sealed notice. The sheet is stored by the
//! same service as `PUT /api/v1/projects/{id}/bids/{bid_id}/scores`, which also decides who
//! may score (a panel member, project `evaluating`, 回避) and replaces a sheet until the award.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde_json::Value;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::AnyConnection;
use crate::domain::money::format_yuan;
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};
use crate::procurement::bids::model as bids_model;
use crate::procurement::bids::service as bids_service;
use crate::procurement::documents::OWNER_BID;
use crate::procurement::evaluation::model as evaluation_model;
use crate::procurement::evaluation::service::{self as evaluation, ScoresInput};
use crate::procurement::projects::model as projects_model;
use crate::procurement::tenders::model::{self as tenders_model, CriterionRow};
use crate::storage::Storage;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a score sheet is stored.
pub const SCORES_SAVED: Flash = Flash::new("bid_scores_saved", "评分已保存。");

/// The most bids one page lists (a round never has nearly as many).
const MAX_BIDS: i64 = 100;

/// `403` unless the user is an evaluator.
fn evaluator(user: &CurrentUser) -> AppResult<()> {
    user.require_any(&[Role::Evaluator])
}

/// Chinese label of a project status code.
fn status_label(code: &str) -> String {
    ProjectStatus::parse(code).map_or_else(|| code.to_owned(), |s| s.label().to_owned())
}

/// Chinese label of a bid status.
fn bid_status_label(code: &str) -> &'static str {
    match code {
        "qualified" => "资格审查合格",
        "disqualified" => "资格审查不合格",
        "withdrawn" => "已撤回",
        _ => "已提交",
    }
}

/// Points in hundredths as `12.50`.
fn points(centi: i64) -> String {
    format!("{:.2}", rust_decimal::Decimal::new(centi, 2))
}

// ------------------------------------------------------------------------------ list

/// One panel as listed.
#[derive(Debug, Clone)]
pub struct PanelLine {
    /// Project id.
    pub project_id: i64,
    /// Project number.
    pub number: String,
    /// Project title.
    pub title: String,
    /// Project status in Chinese.
    pub status: String,
    /// Whether the current round's bids are open.
    pub opened: bool,
    /// Qualified bids of the current round.
    pub bids: usize,
    /// Of those, the ones the evaluator has scored on every criterion.
    pub scored: usize,
    /// Whether scores can still be given (project `evaluating`).
    pub scoring: bool,
}

#[derive(Template)]
#[template(path = "workspace/evaluator/panels.html")]
struct PanelsPage {
    shell: Shell,
    panels: Vec<PanelLine>,
}

/// The evaluator's complete sheets among `bids`, given the tender's criteria.
fn complete_sheets(
    conn: &mut AnyConnection,
    user_id: i64,
    bid_ids: &[i64],
    criteria: &[CriterionRow],
) -> AppResult<HashMap<i64, usize>> {
    let mut per_bid: HashMap<i64, usize> = HashMap::new();
    for score in evaluation_model::scores_of(conn, bid_ids)? {
        if score.evaluator_id == user_id && criteria.iter().any(|c| c.code == score.criterion_code)
        {
            *per_bid.entry(score.bid_id).or_default() += 1;
        }
    }
    Ok(per_bid)
}

fn panel_lines(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<Vec<PanelLine>> {
    let mut lines = Vec::new();
    for project_id in evaluation_model::panels_of(conn, user.id)? {
        let project = projects_model::get(conn, project_id)?;
        let tender = tenders_model::current(conn, project_id)?;
        let (opened, bids, scored) = match tender {
            Some(t) if t.opened_at.is_some() => {
                let bids = evaluation_model::qualified_bids(conn, t.id)?;
                let ids: Vec<i64> = bids.iter().map(|b| b.id).collect();
                let criteria = tenders_model::criteria(conn, t.id)?;
                let sheets = complete_sheets(conn, user.id, &ids, &criteria)?;
                let scored = ids
                    .iter()
                    .filter(|id| sheets.get(id).copied().unwrap_or(0) >= criteria.len())
                    .filter(|id| !criteria.is_empty() || sheets.contains_key(id))
                    .count();
                (true, bids.len(), scored)
            }
            _ => (false, 0, 0),
        };
        lines.push(PanelLine {
            project_id,
            number: project.number.clone(),
            title: project.title.clone(),
            status: status_label(&project.status),
            opened,
            bids,
            scored,
            scoring: project.status == ProjectStatus::Evaluating.as_str(),
        });
    }
    Ok(lines)
}

/// `GET /app/panels`: the panels the evaluator sits on.
#[get("/app/panels")]
pub async fn panels_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let who = user.clone();
    let panels = state.db.run(move |conn| panel_lines(conn, &who)).await?;
    let shell = Shell::new(&req, &user)?;
    shell.respond(&PanelsPage {
        shell: shell.clone(),
        panels,
    })
}

// ---------------------------------------------------------------------------- detail

/// One criterion input of a score sheet.
#[derive(Debug, Clone)]
pub struct ScoreField {
    /// Input name: `scores.<code>`.
    pub name: String,
    /// Criterion code.
    pub code: String,
    /// Criterion name.
    pub label: String,
    /// Maximum points, `40.00`.
    pub max: String,
    /// The value shown.
    pub value: String,
    /// Messages next to the input.
    pub errors: Vec<String>,
}

/// A bid with its sheet.
#[derive(Debug, Clone)]
pub struct BidSheet {
    /// Bid id.
    pub id: i64,
    /// Bidder's name.
    pub bidder: String,
    /// Price, `¥1,000.00`.
    pub price: String,
    /// Team size.
    pub team_size: i32,
    /// Proposal.
    pub proposal: String,
    /// Bid status in Chinese.
    pub status: &'static str,
    /// Whether the bid is scored (qualified).
    pub qualified: bool,
    /// Why it was disqualified.
    pub reasons: Vec<String>,
    /// `(download path, filename, size in KB)`.
    pub documents: Vec<(String, String, String)>,
    /// The evaluator's stored total, if the sheet is complete.
    pub total: Option<String>,
    /// One input per criterion.
    pub fields: Vec<ScoreField>,
    /// Messages about this sheet as a whole.
    pub general: Vec<String>,
}

#[derive(Template)]
#[template(path = "workspace/evaluator/panel.html")]
struct PanelPage {
    shell: Shell,
    project_id: i64,
    number: String,
    title: String,
    status: String,
    sealed: bool,
    scoring: bool,
    members: Vec<String>,
    criteria: Vec<(String, String)>,
    bids: Vec<BidSheet>,
}

/// What the page shows, read with the API's checks: the panel (a member, else `403`) and
/// the bids (`bids_sealed` before opening, shown as the sealed notice).
struct PanelData {
    project: projects_model::ProjectRow,
    members: Vec<String>,
    sealed: bool,
    criteria: Vec<CriterionRow>,
    bids: Vec<bids_service::BidView>,
    mine: HashMap<i64, BTreeMap<String, i64>>,
}

fn load(conn: &mut AnyConnection, user: &CurrentUser, project_id: i64) -> AppResult<PanelData> {
    let panel = evaluation::panel_view(conn, user, project_id)?;
    let project = projects_model::get(conn, project_id)?;
    let members = panel.members.into_iter().map(|m| m.display_name).collect();
    let bids = match bids_service::list(conn, user, project_id, 1, MAX_BIDS) {
        Ok(page) => Some(page.items),
        Err(AppError::BidsSealed) => None,
        Err(other) => return Err(other),
    };
    let Some(bids) = bids else {
        return Ok(PanelData {
            project,
            members,
            sealed: true,
            criteria: Vec::new(),
            bids: Vec::new(),
            mine: HashMap::new(),
        });
    };
    let criteria = match tenders_model::current(conn, project_id)? {
        Some(t) => tenders_model::criteria(conn, t.id)?,
        None => Vec::new(),
    };
    let ids: Vec<i64> = bids.iter().map(|b| b.id).collect();
    let mut mine: HashMap<i64, BTreeMap<String, i64>> = HashMap::new();
    for score in evaluation_model::scores_of(conn, &ids)? {
        if score.evaluator_id == user.id {
            mine.entry(score.bid_id)
                .or_default()
                .insert(score.criterion_code, score.points_centi);
        }
    }
    Ok(PanelData {
        project,
        members,
        sealed: false,
        criteria,
        bids,
        mine,
    })
}

/// Builds the page; `submitted` is the sheet just refused: `(bid id, form as typed)`.
fn page(shell: Shell, data: PanelData, submitted: Option<(i64, &FormState)>) -> PanelPage {
    let project_id = data.project.id;
    let scoring = data.project.status == ProjectStatus::Evaluating.as_str();
    let bids = data
        .bids
        .iter()
        .map(|bid| {
            let stored = data.mine.get(&bid.id);
            let form = submitted.filter(|(id, _)| *id == bid.id).map(|(_, f)| f);
            let fields = data
                .criteria
                .iter()
                .map(|c| {
                    let name = format!("scores.{}", c.code);
                    let value = match form {
                        Some(f) => f.value(&name).to_owned(),
                        None => stored
                            .and_then(|s| s.get(&c.code))
                            .map(|p| points(*p))
                            .unwrap_or_default(),
                    };
                    let errors = form.map(|f| f.errors(&name).to_vec()).unwrap_or_default();
                    ScoreField {
                        code: c.code.clone(),
                        label: c.name.clone(),
                        max: format!("{:.2}", c.max_points()),
                        value,
                        errors,
                        name,
                    }
                })
                .collect();
            let complete =
                stored.is_some_and(|s| data.criteria.iter().all(|c| s.contains_key(&c.code)));
            let total = complete.then(|| {
                points(
                    data.criteria
                        .iter()
                        .filter_map(|c| stored.and_then(|s| s.get(&c.code)))
                        .sum(),
                )
            });
            let mut general: Vec<String> = form.map(|f| f.general().to_vec()).unwrap_or_default();
            if let Some(f) = form {
                let shown: Vec<String> = data
                    .criteria
                    .iter()
                    .map(|c| format!("scores.{}", c.code))
                    .collect();
                let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
                general.extend(f.errors_except(&shown));
            }
            BidSheet {
                id: bid.id,
                bidder: bid.contractor_name.clone(),
                price: format_yuan(bid.price),
                team_size: bid.team_size,
                proposal: bid.proposal.clone(),
                status: bid_status_label(&bid.status),
                qualified: bid.status == evaluation_model::QUALIFIED,
                reasons: bid.reasons.clone(),
                documents: bid
                    .documents
                    .iter()
                    .map(|d| {
                        (
                            format!("/app/panels/{project_id}/documents/{}", d.id),
                            d.filename.clone(),
                            format!("{:.1}", d.size_bytes as f64 / 1024.0),
                        )
                    })
                    .collect(),
                total,
                fields,
                general,
            }
        })
        .collect();
    PanelPage {
        shell,
        project_id,
        number: data.project.number.clone(),
        title: data.project.title.clone(),
        status: status_label(&data.project.status),
        sealed: data.sealed,
        scoring,
        members: data.members,
        criteria: data
            .criteria
            .iter()
            .map(|c| (c.name.clone(), format!("{:.2}", c.max_points())))
            .collect(),
        bids,
    }
}

/// `GET /app/panels/{project_id}`: the bids and score sheets (panel members only).
#[get("/app/panels/{project_id}")]
pub async fn panel_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let project_id = path.into_inner();
    let who = user.clone();
    let data = state
        .db
        .run(move |conn| load(conn, &who, project_id))
        .await?;
    let shell = Shell::new(&req, &user)?;
    shell.respond(&page(shell.clone(), data, None))
}

/// `POST /app/panels/{project_id}/bids/{bid_id}/scores`: stores the evaluator's sheet of a
/// bid (`scores.<code>` per criterion); 303 back with a flash, or 422 with the messages next
/// to the criteria.
#[post("/app/panels/{project_id}/bids/{bid_id}/scores")]
pub async fn score_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(i64, i64)>,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let (project_id, bid_id) = path.into_inner();
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    // Only the sheet's own inputs, and only those filled in: an empty one is "missing",
    // which the service reports next to its criterion.
    let scores: BTreeMap<String, Value> = data
        .pairs()
        .iter()
        .filter_map(|(name, value)| {
            let code = name.strip_prefix("scores.")?;
            let value = value.trim();
            (!value.is_empty()).then(|| (code.to_owned(), Value::String(value.to_owned())))
        })
        .collect();
    let input = ScoresInput { scores };
    let now = state.clock.now();
    let who = user.clone();
    let result = state
        .db
        .run(move |conn| {
            // The panel's own check first, so that a non-member gets 403 and not a form.
            evaluation::panel_view(conn, &who, project_id)?;
            Ok(evaluation::score_bid(
                conn, &who, now, project_id, bid_id, &input,
            ))
        })
        .await?;
    match result {
        Ok(_) => {
            return Ok(see_other(
                &format!("/app/panels/{project_id}#bid-{bid_id}"),
                SCORES_SAVED,
            ));
        }
        Err(error) => form.absorb(error)?,
    }
    let who = user.clone();
    let page_data = state
        .db
        .run(move |conn| load(conn, &who, project_id))
        .await?;
    let shell = Shell::new(&req, &user)?;
    let mut response = shell.respond(&page(shell.clone(), page_data, Some((bid_id, &form))))?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// `GET /app/panels/{project_id}/documents/{id}`: a bid document of the project, with the
/// API's check (sealed before opening; then panel members and the other readers).
#[get("/app/panels/{project_id}/documents/{id}")]
pub async fn bid_document(
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    evaluator(&user)?;
    let (project_id, id) = path.into_inner();
    let storage = Storage::new(&state.settings.storage.dir);
    let (row, bytes) = state
        .db
        .run(move |conn| {
            let row = bids_service::readable_document(conn, Some(&user), id)?;
            let bid_project = if row.owner_kind == OWNER_BID {
                bids_model::find(conn, row.owner_id)?.map(|b| b.project_id)
            } else {
                None
            };
            if bid_project != Some(project_id) {
                return Err(AppError::NotFound(format!("该项目没有文件 {id}")));
            }
            let bytes = storage.get(&row.sha256).map_err(|e| {
                AppError::internal(anyhow::anyhow!("document {id} ({}): {e}", row.sha256))
            })?;
            Ok((row, bytes))
        })
        .await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: row.filename.clone().into_bytes(),
        })],
    };
    Ok(HttpResponse::Ok()
        .content_type(row.content_type.as_str())
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}
