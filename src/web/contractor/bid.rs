//! `/app/tenders/{project_id}/bid`: a tender's facts (criteria, requirements, documents to
//! download), this organization's bid with its receipt (投标回执: SHA-256, time and what it
//! covers), the bid form (submit or replace), the bid-document upload and the withdrawal —
//! the same service functions as `POST /api/v1/projects/{id}/bids`,
//! `POST …/bids/mine/documents` and `DELETE …/bids/mine`. Refusals (deadline passed, not
//! qualified, price above the maximum) are shown in Chinese above the form; nothing is
//! written then.

use actix_web::http::StatusCode;
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDateTime;

use super::tenders::{award_method_label, failing_checks, method_label};
use super::{contractor_of, respond_with};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::AnyConnection;
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};
use crate::procurement::bids::model::{
    self as bids_model, DISQUALIFIED, QUALIFIED, SUBMITTED, WITHDRAWN,
};
use crate::procurement::bids::receipt::{self, BidContent};
use crate::procurement::bids::service::{self, SubmitBid};
use crate::procurement::documents::{self, OWNER_BID, OWNER_TENDER};
use crate::procurement::projects::model::{self as projects, ProjectRow};
use crate::procurement::rules::ProcurementRules;
use crate::procurement::tenders::model::{self as tenders_model, TenderRow};
use crate::procurement::tenders::service::zh_datetime;
use crate::public::{shanghai_minutes, yuan};
use crate::storage::Storage;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, money_input, see_other};
use crate::web::layout::{PageUser, Shell};
use crate::web::upload::read_form_upload;

/// Shown after a bid is submitted or replaced.
pub const BID_SUBMITTED: Flash = Flash::new(
    "bid_submitted",
    "投标已提交。投标回执（SHA-256）见下方，请妥善保存，开标后可据此核对投标内容未被改动。",
);
/// Shown after a bid document is uploaded.
pub const BID_DOCUMENT_UPLOADED: Flash = Flash::new(
    "bid_document_uploaded",
    "投标文件已上传，投标回执已随之更新，请保存新的回执。",
);
/// Shown after a bid is withdrawn.
pub const BID_WITHDRAWN: Flash = Flash::new(
    "bid_withdrawn",
    "投标已撤回，开标时不予开启；截止时间前重新提交即可恢复投标。",
);

/// A document as listed.
#[derive(Debug, Clone)]
pub struct DocumentLine {
    /// Download link.
    pub href: String,
    /// Filename.
    pub filename: String,
    /// Size, e.g. `12.5 KB`.
    pub size: String,
    /// SHA-256 of the content.
    pub sha256: String,
}

/// What the page shows of the tender.
#[derive(Debug, Clone)]
pub struct TenderFacts {
    /// Project id.
    pub project_id: i64,
    /// 项目编号.
    pub number: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Purchaser.
    pub purchaser: String,
    /// Region.
    pub region: String,
    /// Project status label.
    pub status_label: &'static str,
    /// Method label.
    pub method: String,
    /// Round of the tender.
    pub round: i32,
    /// Service period.
    pub service_period: String,
    /// Deadline, Beijing time.
    pub deadline: String,
    /// Maximum price.
    pub max_price: String,
    /// Award method label.
    pub award_method: &'static str,
    /// Price weight, e.g. `30` (points).
    pub price_points: String,
    /// Criteria: (name, max points).
    pub criteria: Vec<(String, String)>,
    /// Requirements beyond the base ones, in words.
    pub requirements: Vec<String>,
    /// Tender documents (public).
    pub documents: Vec<DocumentLine>,
}

/// This organization's bid and its receipt.
#[derive(Debug, Clone)]
pub struct MyBid {
    /// Price.
    pub price: String,
    /// Price in 分.
    pub price_fen: i64,
    /// Proposal as submitted.
    pub proposal: String,
    /// Team size.
    pub team_size: i32,
    /// Submitted, Beijing time to the second.
    pub submitted_at: String,
    /// Submitted, RFC 3339 UTC as the receipt covers it.
    pub submitted_at_utc: String,
    /// The receipt.
    pub receipt_sha256: String,
    /// The canonical text the receipt hashes.
    pub canonical: String,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// Why it was disqualified.
    pub reasons: Vec<String>,
    /// Its documents.
    pub documents: Vec<DocumentLine>,
}

#[derive(Template)]
#[template(path = "workspace/contractor/bid.html")]
struct BidPage {
    shell: Shell,
    tender: TenderFacts,
    bid: Option<MyBid>,
    /// Why bids cannot be changed now (the forms are then not shown).
    closed: Option<String>,
    /// Why this organization would be refused or disqualified (shown above the form).
    failing: Vec<String>,
    form: FormState,
    upload: FormState,
    withdraw: FormState,
}

/// The Chinese label of a bid status.
pub fn bid_status_label(status: &str) -> &'static str {
    match status {
        SUBMITTED => "已提交（密封）",
        WITHDRAWN => "已撤回",
        QUALIFIED => "开标资格审查合格",
        DISQUALIFIED => "开标资格审查不合格",
        _ => "未知",
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} 字节")
    }
}

/// Everything the page reads, in one database call.
struct Loaded {
    tender: TenderFacts,
    bid: Option<MyBid>,
    closed: Option<String>,
    failing: Vec<String>,
}

/// The project's tender, or `404` while none is published (drafts stay hidden).
fn published(conn: &mut AnyConnection, project_id: i64) -> AppResult<(ProjectRow, TenderRow)> {
    let project = projects::get(conn, project_id)?;
    let tender = tenders_model::current(conn, project_id)?
        .ok_or_else(|| AppError::NotFound("该项目尚未发布采购公告".to_owned()))?;
    Ok((project, tender))
}

fn load(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    user: &CurrentUser,
    contractor_id: i64,
    project_id: i64,
    now: NaiveDateTime,
) -> AppResult<Loaded> {
    let (project, tender) = published(conn, project_id)?;
    let status = project.status()?;
    let invited = tenders_model::invited(conn, tender.id)?;
    let closed = if tender.opened_at.is_some() || now >= tender.bid_deadline {
        Some(format!(
            "投标截止时间（{}）已过，不再接受投标、修改或撤回",
            zh_datetime(tender.bid_deadline)
        ))
    } else if status != ProjectStatus::Tendering {
        Some(format!("本项目当前状态为“{}”，不接受投标", status.label()))
    } else if !invited.is_empty() && !invited.contains(&contractor_id) {
        Some("本项目为邀请招标，只有受邀供应商可以投标".to_owned())
    } else {
        None
    };
    let contractor = crate::contractors::service::get(conn, contractor_id)?;
    let facts = crate::contractors::model::facts(conn, &contractor)?;
    let failing = failing_checks(&contractor, &facts, &project, &tender, now);
    let purchaser = crate::purchasers::model::find(conn, project.purchaser_id)?
        .map(|p| p.name)
        .unwrap_or_default();
    let region = crate::regions::full_name(conn, &project.region_code)?;
    let criteria = tenders_model::criteria(conn, tender.id)?
        .iter()
        .map(|c| (c.name.clone(), format!("{:.2}", c.max_points())))
        .collect();
    let mut requirements = Vec::new();
    if tender.min_full_time_staff > 0 {
        requirements.push(format!(
            "专职工作人员不少于 {} 人",
            tender.min_full_time_staff
        ));
    }
    if tender.min_certified_social_workers > 0 {
        requirements.push(format!(
            "持证社会工作者不少于 {} 人",
            tender.min_certified_social_workers
        ));
    }
    if tender.min_years_established > 0 {
        requirements.push(format!("成立满 {} 年", tender.min_years_established));
    }
    let domain = crate::catalog::domain_label(&project.domain_code).unwrap_or("");
    requirements.push(format!("业务范围涵盖所购服务（{domain}）"));
    let tender_documents = documents::tender_documents(conn, Some(user), project_id)?
        .iter()
        .filter(|d| d.owner_kind == OWNER_TENDER)
        .map(|d| DocumentLine {
            href: format!("/api/v1/documents/{}", d.id),
            filename: d.filename.clone(),
            size: size_text(d.size_bytes),
            sha256: d.sha256.clone(),
        })
        .collect();
    let facts = TenderFacts {
        project_id,
        number: project.number.clone(),
        title: project.title.clone(),
        summary: project.summary.clone(),
        purchaser,
        region: if region.is_empty() {
            project.region_code.clone()
        } else {
            region
        },
        status_label: status.label(),
        method: method_label(rules, &project.method),
        round: tender.round,
        service_period: format!("{} 至 {}", project.service_start, project.service_end),
        deadline: shanghai_minutes(tender.bid_deadline),
        max_price: yuan(tender.max_price_fen),
        award_method: award_method_label(&tender.award_method),
        price_points: format!(
            "{:.2}",
            tender.price_weight() * rust_decimal::Decimal::from(100)
        ),
        criteria,
        requirements,
        documents: tender_documents,
    };
    let bid = match bids_model::find_for(conn, tender.id, contractor_id)? {
        None => None,
        Some(row) => {
            let docs = documents::of_owner(conn, OWNER_BID, row.id)?;
            let hashes: Vec<String> = docs.iter().map(|d| d.sha256.clone()).collect();
            let canonical = receipt::canonical_form(&BidContent {
                project_id: row.project_id,
                tender_id: row.tender_id,
                contractor_id: row.contractor_id,
                price_fen: row.price_fen,
                proposal: &row.proposal,
                team_size: row.team_size,
                submitted_at: row.submitted_at,
                documents: &hashes,
            });
            Some(MyBid {
                price: yuan(row.price_fen),
                price_fen: row.price_fen,
                proposal: row.proposal.clone(),
                team_size: row.team_size,
                submitted_at: row
                    .submitted_at
                    .and_utc()
                    .with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                submitted_at_utc: crate::clock::rfc3339(row.submitted_at),
                receipt_sha256: row.receipt_sha256.clone(),
                canonical,
                status_label: bid_status_label(&row.status),
                reasons: row.reasons(),
                status: row.status.clone(),
                documents: docs
                    .iter()
                    .map(|d| DocumentLine {
                        href: format!("/app/tenders/{project_id}/bid/documents/{}", d.id),
                        filename: d.filename.clone(),
                        size: size_text(d.size_bytes),
                        sha256: d.sha256.clone(),
                    })
                    .collect(),
            })
        }
    };
    Ok(Loaded {
        tender: facts,
        bid,
        closed,
        failing,
    })
}

/// The forms of the page; `None` for each means its first display.
#[derive(Default)]
struct Forms {
    bid: Option<FormState>,
    upload: Option<FormState>,
    withdraw: Option<FormState>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    project_id: i64,
    forms: Forms,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let contractor_id = contractor_of(user)?;
    let now = state.clock.now();
    let rules = state.rules.clone();
    let reader = user.clone();
    let loaded = state
        .db
        .run(move |conn| load(conn, &rules, &reader, contractor_id, project_id, now))
        .await?;
    let form = forms.bid.unwrap_or_else(|| match &loaded.bid {
        Some(bid) => FormState::with_values([
            ("price".to_owned(), money_input(bid.price_fen)),
            ("proposal".to_owned(), bid.proposal.clone()),
            ("team_size".to_owned(), bid.team_size.to_string()),
        ]),
        None => FormState::new(),
    });
    let shell = Shell::new(req, user)?;
    let page = BidPage {
        shell: shell.clone(),
        tender: loaded.tender,
        bid: loaded.bid,
        closed: loaded.closed,
        failing: loaded.failing,
        form,
        upload: forms.upload.unwrap_or_default(),
        withdraw: forms.withdraw.unwrap_or_default(),
    };
    respond_with(&shell, &page, status)
}

fn bid_location(project_id: i64) -> String {
    format!("/app/tenders/{project_id}/bid")
}

/// `GET /app/tenders/{project_id}/bid`.
#[get("/app/tenders/{project_id}/bid")]
pub async fn bid_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    render(
        &req,
        &state,
        &user.0,
        path.into_inner(),
        Forms::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /app/tenders/{project_id}/bid`: submits the bid or replaces it (a new receipt).
#[post("/app/tenders/{project_id}/bid")]
pub async fn submit_bid(
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
    let price = form.money(&data, "price");
    // The proposal is stored exactly as typed (the receipt covers it).
    let proposal = data
        .pairs()
        .iter()
        .find(|(n, _)| n == "proposal")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let team_size = form.integer(&data, "team_size", "服务团队人数");
    if let (Some(price), Some(team_size)) = (price, team_size) {
        let input = SubmitBid {
            price,
            proposal,
            team_size: i32::try_from(team_size).unwrap_or(if team_size < 0 {
                i32::MIN
            } else {
                i32::MAX
            }),
        };
        let now = state.clock.now();
        let bidder = user.clone();
        let result = state
            .db
            .run(move |conn| service::submit(conn, &bidder, now, project_id, &input))
            .await;
        match result {
            Ok(_) => return Ok(see_other(&bid_location(project_id), BID_SUBMITTED)),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        bid: Some(form),
        ..Forms::default()
    };
    render(
        &req,
        &state,
        &user,
        project_id,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /app/tenders/{project_id}/bid/documents` (`multipart/form-data`: `csrf`, `file`):
/// adds a document to the bid; the receipt is recomputed.
#[post("/app/tenders/{project_id}/bid/documents")]
pub async fn upload_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let user = user.0;
    contractor_of(&user)?;
    let project_id = path.into_inner();
    let mut form = FormState::new();
    match read_form_upload(&req, &state, payload).await? {
        Ok(file) => {
            let now = state.clock.now();
            let storage = Storage::new(&state.settings.storage.dir);
            let bidder = user.clone();
            let result = state
                .db
                .run(move |conn| {
                    service::upload_document(conn, &storage, &bidder, now, project_id, &file)
                })
                .await;
            match result {
                Ok(_) => return Ok(see_other(&bid_location(project_id), BID_DOCUMENT_UPLOADED)),
                Err(AppError::NotFound(message)) => form.error("file", message),
                Err(error) => form.absorb(error)?,
            }
        }
        Err(AppError::PayloadTooLarge(limit)) => form.error(
            "file",
            format!(
                "文件过大：每次上传不得超过 {:.1} MB",
                limit as f64 / (1024.0 * 1024.0)
            ),
        ),
        Err(refusal) => form.absorb(refusal)?,
    }
    let forms = Forms {
        upload: Some(form),
        ..Forms::default()
    };
    render(
        &req,
        &state,
        &user,
        project_id,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /app/tenders/{project_id}/bid/withdraw` (`confirm=yes` required): withdraws the bid.
#[post("/app/tenders/{project_id}/bid/withdraw")]
pub async fn withdraw_bid(
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
    if form.confirmed(&data) {
        let now = state.clock.now();
        let bidder = user.clone();
        let result = state
            .db
            .run(move |conn| service::withdraw(conn, &bidder, now, project_id))
            .await;
        match result {
            Ok(()) => return Ok(see_other(&bid_location(project_id), BID_WITHDRAWN)),
            Err(AppError::NotFound(message)) => form.general_error(message),
            Err(error) => form.absorb(error)?,
        }
    }
    let forms = Forms {
        withdraw: Some(form),
        ..Forms::default()
    };
    render(
        &req,
        &state,
        &user,
        project_id,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `GET /app/tenders/{project_id}/bid/documents/{document_id}`: a document of this
/// organization's bid (the JSON API takes no session cookie), after the same access check as
/// `GET /api/v1/documents/{id}`.
#[get("/app/tenders/{project_id}/bid/documents/{document_id}")]
pub async fn download_document(
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    contractor_of(&user)?;
    let (project_id, document_id) = path.into_inner();
    let storage = Storage::new(&state.settings.storage.dir);
    let (row, bytes) = state
        .db
        .run(move |conn| {
            let row = service::readable_document(conn, Some(&user), document_id)?;
            let of_project = row.owner_kind == OWNER_BID
                && bids_model::find(conn, row.owner_id)?
                    .is_some_and(|b| b.project_id == project_id);
            if !of_project {
                return Err(AppError::NotFound(format!("文件 {document_id} 不存在")));
            }
            let bytes = storage.get(&row.sha256).map_err(|e| {
                AppError::internal(anyhow::anyhow!(
                    "document {document_id} ({}): {e}",
                    row.sha256
                ))
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
