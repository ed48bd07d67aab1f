//! Use cases of bids: submit (or replace), withdraw and add documents before the deadline;
//! read one's own bid; count; the opening with its qualification check and notices; and the
//! views that exist only after opening.
//!
//! **Sealing.** Until the tender's `opened_at` is set, no role reads a price, proposal or
//! document of another party's bid: every such read answers `403 bids_sealed`, and the audit
//! rows of bid changes hold only the bid id, the bidder and the receipt. A bid change and an
//! opening never interleave: each bid change first takes the tender row's lock
//! ([`model::lock_unopened`]) and the opening sets `opened_at` by compare-and-set.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{self, BidRow, DISQUALIFIED, QUALIFIED, SUBMITTED, WITHDRAWN};
use crate::audit::{self, Actor};
use crate::auth::{CurrentUser, Role};
use crate::clock::{rfc3339, shanghai_date};
use crate::db::schema::{bids, projects as projects_table, tenders};
use crate::db::{AnyConnection, Db, write_tx};
use crate::disclosure::bodies::{self, FailureBody, OpeningBody, OpeningLine};
use crate::disclosure::notices::{self, NewNotice, NoticeKind};
use crate::domain::contractor_status::ContractorStatus;
use crate::domain::money::{format_yuan, from_fen, to_fen};
use crate::domain::project_status::{ProjectAction, ProjectStatus, transition};
use crate::domain::qualification;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::extract::Page;
use crate::procurement::documents::{self, CheckedUpload, DocumentRow, DocumentView, OWNER_BID};
use crate::procurement::projects::model::{self as projects, ProjectRow};
use crate::procurement::projects::service::notice_header;
use crate::procurement::rules::ProcurementRules;
use crate::procurement::tenders::model::{self as tenders_model, TenderRow};
use crate::procurement::tenders::service::zh_datetime;
use crate::purchasers::service::push;
use crate::storage::Storage;

/// Longest proposal, in characters.
pub const MAX_PROPOSAL_CHARS: usize = 20_000;

/// Largest team size accepted.
pub const MAX_TEAM_SIZE: i32 = 10_000;

/// `POST /api/v1/projects/{id}/bids`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBid {
    /// Price (元), more than 0 and at most the tender's maximum price.
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub price: Decimal,
    /// Service proposal (服务方案), 1–20000 characters, stored exactly as sent.
    pub proposal: String,
    /// People on the service team, at least 1.
    pub team_size: i32,
}

/// The answer to a submission.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BidReceipt {
    /// Bid id (the same on resubmission).
    pub id: i64,
    /// SHA-256 of the canonical bid ([`super::receipt`]).
    pub receipt_sha256: String,
    /// RFC 3339.
    pub submitted_at: String,
}

/// The answer to a bid-document upload: the document and the bid's new receipt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BidDocumentReceipt {
    /// The stored document.
    pub document: DocumentView,
    /// The bid's receipt, recomputed with this document.
    pub receipt_sha256: String,
}

/// A bid with everything in it: for its bidder at any time, for the readers of opened bids
/// after opening.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BidView {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Tender (round).
    pub tender_id: i64,
    /// Bidder.
    pub contractor_id: i64,
    /// Bidder's name.
    pub contractor_name: String,
    /// Price (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub price: Decimal,
    /// Proposal.
    pub proposal: String,
    /// Team size.
    pub team_size: i32,
    /// RFC 3339.
    pub submitted_at: String,
    /// Receipt.
    pub receipt_sha256: String,
    /// `submitted`, `withdrawn`, `qualified` or `disqualified`.
    pub status: String,
    /// Why it was disqualified.
    pub reasons: Vec<String>,
    /// Its documents, oldest first.
    pub documents: Vec<DocumentView>,
}

/// `{count}` of bids not withdrawn (public; reveals nothing else).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BidCount {
    /// Bids received and not withdrawn, for the current tender.
    pub count: i64,
}

/// One bid in the opening record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpeningBid {
    /// Bid id.
    pub bid_id: i64,
    /// Bidder.
    pub contractor_id: i64,
    /// Bidder's name.
    pub contractor_name: String,
    /// Price (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub price: Decimal,
    /// Receipt the bidder can recompute.
    pub receipt_sha256: String,
    /// RFC 3339 submission time (part of the receipt).
    pub submitted_at: String,
    /// `qualified` or `disqualified`.
    pub status: String,
    /// Why it was disqualified (Chinese).
    pub reasons: Vec<String>,
}

/// The opening record (开标记录), public after opening.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpeningView {
    /// Project.
    pub project_id: i64,
    /// Tender.
    pub tender_id: i64,
    /// Round of the tender.
    pub round: i32,
    /// RFC 3339 deadline.
    pub bid_deadline: String,
    /// RFC 3339 opening time.
    pub opened_at: String,
    /// The project's status after opening (`evaluating` or `failed`, or later).
    pub project_status: String,
    /// Qualified bids the method needs.
    pub min_suppliers: u32,
    /// Every bid that was not withdrawn.
    pub bids: Vec<OpeningBid>,
}

/// What one opening did.
#[derive(Debug, Clone, Serialize)]
pub struct OpeningOutcome {
    /// Project.
    pub project_id: i64,
    /// Tender.
    pub tender_id: i64,
    /// `evaluating` or `failed`.
    pub status: String,
    /// Bids opened (not withdrawn).
    pub bids: usize,
    /// Of which qualified.
    pub qualified: usize,
}

// ------------------------------------------------------------------ helpers

/// The contractor a contractor user acts for, or `403`.
fn bidder_of(user: &CurrentUser) -> AppResult<i64> {
    match (user.role, user.contractor_id) {
        (Role::Contractor, Some(id)) => Ok(id),
        _ => Err(AppError::Forbidden(
            "只有承接主体（供应商）可以投标".to_owned(),
        )),
    }
}

fn deadline_passed(tender: &TenderRow) -> AppError {
    AppError::rule(
        "bid_deadline_passed",
        format!(
            "投标截止时间（{}）已过，不再接受投标、修改或撤回",
            zh_datetime(tender.bid_deadline)
        ),
    )
}

/// The current tender while it accepts bid changes (`action`, for the error): `409` without
/// a tender or outside `tendering`, `bid_deadline_passed` at or after the deadline or once
/// opened.
fn accepting_tender(
    conn: &mut AnyConnection,
    project: &ProjectRow,
    now: NaiveDateTime,
    action: &str,
) -> AppResult<TenderRow> {
    let status = project.status()?;
    let invalid = || AppError::InvalidState {
        from: status.as_str().to_owned(),
        action: action.to_owned(),
    };
    let tender = tenders_model::current(conn, project.id)?.ok_or_else(invalid)?;
    if tender.opened_at.is_some() || now >= tender.bid_deadline {
        return Err(deadline_passed(&tender));
    }
    if status != ProjectStatus::Tendering {
        return Err(invalid());
    }
    Ok(tender)
}

/// Inside the transaction: the tender is still unopened (and locked against opening).
fn lock_tender(conn: &mut AnyConnection, tender: &TenderRow) -> AppResult<()> {
    if model::lock_unopened(conn, tender.id)? {
        Ok(())
    } else {
        Err(deadline_passed(tender))
    }
}

/// The field checks of a bid; returns the price in 分.
fn check_fields(input: &SubmitBid) -> AppResult<i64> {
    let mut errors = FieldErrors::new();
    let price = match to_fen(input.price) {
        Ok(fen) if fen > 0 => Some(fen),
        Ok(_) => {
            push(&mut errors, "price", "投标报价须大于 0");
            None
        }
        Err(e) => {
            push(&mut errors, "price", e.message());
            None
        }
    };
    if input.proposal.trim().is_empty() {
        push(&mut errors, "proposal", "必须填写服务方案");
    } else if input.proposal.chars().count() > MAX_PROPOSAL_CHARS {
        push(
            &mut errors,
            "proposal",
            format!("服务方案最多 {MAX_PROPOSAL_CHARS} 个字符"),
        );
    }
    if !(1..=MAX_TEAM_SIZE).contains(&input.team_size) {
        push(
            &mut errors,
            "team_size",
            format!("服务团队人数须在 1 到 {MAX_TEAM_SIZE} 之间"),
        );
    }
    match price {
        Some(fen) if errors.is_empty() => Ok(fen),
        _ => Err(AppError::Validation(errors)),
    }
}

fn bid_view(conn: &mut AnyConnection, bid: &BidRow, contractor_name: String) -> AppResult<BidView> {
    let documents = documents::of_owner(conn, OWNER_BID, bid.id)?;
    Ok(BidView {
        id: bid.id,
        project_id: bid.project_id,
        tender_id: bid.tender_id,
        contractor_id: bid.contractor_id,
        contractor_name,
        price: from_fen(bid.price_fen),
        proposal: bid.proposal.clone(),
        team_size: bid.team_size,
        submitted_at: rfc3339(bid.submitted_at),
        receipt_sha256: bid.receipt_sha256.clone(),
        status: bid.status.clone(),
        reasons: bid.reasons(),
        documents: documents.iter().map(DocumentRow::view).collect(),
    })
}

/// `403` unless the user may read the opened bids of `project`: its purchaser's officers,
/// evaluators on its panel, auditors, admins, and — for its own bid — the bidder.
fn ensure_can_read_opened(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    project: &ProjectRow,
    bidder: Option<i64>,
) -> AppResult<()> {
    let allowed = match user.role {
        Role::Admin | Role::Auditor => true,
        Role::Officer => user.purchaser_id == Some(project.purchaser_id),
        Role::Evaluator => model::on_panel(conn, project.id, user.id)?,
        Role::Contractor => bidder.is_some() && user.contractor_id == bidder,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden("无权查看该项目的投标文件".to_owned()))
    }
}

// ------------------------------------------------------------ bidder's side

/// Submits a bid, or replaces the contractor's bid for the current tender (same row; new
/// price, proposal, team size, `submitted_at` and receipt; back to `submitted` if it was
/// withdrawn). Audited as `bid.submit` with the bid id, the bidder and the receipt only.
pub fn submit(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    input: &SubmitBid,
) -> AppResult<BidReceipt> {
    let contractor_id = bidder_of(user)?;
    let price_fen = check_fields(input)?;
    let project = projects::get(conn, project_id)?;
    let tender = accepting_tender(conn, &project, now, "submit_bid")?;
    let contractor = crate::contractors::model::find(conn, contractor_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("contractor {contractor_id} missing")))?;
    if contractor.status() != ContractorStatus::Qualified {
        return Err(AppError::rule(
            "contractor_not_qualified",
            format!(
                "承接主体资格状态为「{}」，经审核认定后方可投标",
                contractor.status().label()
            ),
        ));
    }
    let invited = tenders_model::invited(conn, tender.id)?;
    if !invited.is_empty() && !invited.contains(&contractor_id) {
        return Err(AppError::rule(
            "not_invited",
            "本项目为邀请招标，只有受邀供应商可以投标",
        ));
    }
    if price_fen > tender.max_price_fen {
        return Err(AppError::rule(
            "price_above_max",
            format!(
                "投标报价 {} 超过最高限价 {}",
                format_yuan(from_fen(price_fen)),
                format_yuan(from_fen(tender.max_price_fen))
            ),
        ));
    }
    let submitted_at = crate::clock::truncate_micros(now);
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        lock_tender(conn, &tender)?;
        let existing = model::find_for(conn, tender.id, contractor_id)?;
        let documents = match &existing {
            Some(bid) => model::document_hashes(conn, bid.id)?,
            None => Vec::new(),
        };
        let mut bid = BidRow {
            id: existing.as_ref().map_or(0, |b| b.id),
            project_id,
            tender_id: tender.id,
            contractor_id,
            price_fen,
            proposal: input.proposal.clone(),
            team_size: input.team_size,
            receipt_sha256: String::new(),
            submitted_at,
            status: SUBMITTED.to_owned(),
            reasons: None,
        };
        bid.receipt_sha256 = bid.receipt_with(&documents);
        let values = (
            bids::price_fen.eq(bid.price_fen),
            bids::proposal.eq(&bid.proposal),
            bids::team_size.eq(bid.team_size),
            bids::receipt_sha256.eq(&bid.receipt_sha256),
            bids::submitted_at.eq(bid.submitted_at),
            bids::status.eq(SUBMITTED),
            bids::reasons.eq(None::<String>),
        );
        let before = match &existing {
            Some(old) => {
                diesel::update(bids::table.find(old.id))
                    .set(values)
                    .execute(conn)?;
                Some(json!({
                    "bid_id": old.id,
                    "contractor_id": contractor_id,
                    "receipt_sha256": old.receipt_sha256,
                }))
            }
            None => {
                bid.id = diesel::insert_into(bids::table)
                    .values((
                        bids::project_id.eq(project_id),
                        bids::tender_id.eq(tender.id),
                        bids::contractor_id.eq(contractor_id),
                        values,
                    ))
                    .returning(bids::id)
                    .get_result(conn)?;
                None
            }
        };
        audit::record(
            conn,
            &actor,
            "bid.submit",
            "bid",
            &bid.id.to_string(),
            before.as_ref(),
            Some(&json!({
                "bid_id": bid.id,
                "contractor_id": contractor_id,
                "receipt_sha256": bid.receipt_sha256,
            })),
        )?;
        crate::notify::events::bid_received(conn, now, bid.id)?;
        Ok(BidReceipt {
            id: bid.id,
            receipt_sha256: bid.receipt_sha256,
            submitted_at: rfc3339(bid.submitted_at),
        })
    })
}

/// The caller's bid for the current tender, with price, proposal, documents and receipt.
pub fn mine(conn: &mut AnyConnection, user: &CurrentUser, project_id: i64) -> AppResult<BidView> {
    let contractor_id = bidder_of(user)?;
    let project = projects::get(conn, project_id)?;
    let no_bid = || AppError::NotFound("您尚未对本项目投标".to_owned());
    let tender = tenders_model::current(conn, project.id)?.ok_or_else(no_bid)?;
    let bid = model::find_for(conn, tender.id, contractor_id)?.ok_or_else(no_bid)?;
    let name = crate::contractors::model::find(conn, contractor_id)?
        .map(|c| c.name)
        .unwrap_or_default();
    bid_view(conn, &bid, name)
}

/// Withdraws the caller's bid before the deadline (it is then ignored at opening; a new
/// submission revives it). Audited as `bid.withdraw`.
pub fn withdraw(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
) -> AppResult<()> {
    let contractor_id = bidder_of(user)?;
    let project = projects::get(conn, project_id)?;
    let tender = accepting_tender(conn, &project, now, "withdraw_bid")?;
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        lock_tender(conn, &tender)?;
        let bid = model::find_for(conn, tender.id, contractor_id)?
            .filter(|b| b.status == SUBMITTED)
            .ok_or_else(|| AppError::NotFound("没有可撤回的投标".to_owned()))?;
        diesel::update(bids::table.find(bid.id))
            .set(bids::status.eq(WITHDRAWN))
            .execute(conn)?;
        audit::record(
            conn,
            &actor,
            "bid.withdraw",
            "bid",
            &bid.id.to_string(),
            Some(&json!({ "bid_id": bid.id, "contractor_id": contractor_id, "status": SUBMITTED })),
            Some(&json!({ "bid_id": bid.id, "contractor_id": contractor_id, "status": WITHDRAWN })),
        )?;
        Ok(())
    })
}

/// Adds a document to the caller's (submitted) bid before the deadline. The document is part
/// of the bid, so the receipt is recomputed (with the bid's unchanged `submitted_at`) and
/// returned. Audited as `bid.document_upload` without the document's name or content.
pub fn upload_document(
    conn: &mut AnyConnection,
    storage: &Storage,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    file: &CheckedUpload,
) -> AppResult<BidDocumentReceipt> {
    let contractor_id = bidder_of(user)?;
    let project = projects::get(conn, project_id)?;
    let tender = accepting_tender(conn, &project, now, "upload_bid_document")?;
    let submitted_bid = |conn: &mut AnyConnection| -> AppResult<BidRow> {
        let bid = model::find_for(conn, tender.id, contractor_id)?.ok_or_else(|| {
            AppError::NotFound("尚未投标：请先提交投标，再上传投标文件".to_owned())
        })?;
        if bid.status != SUBMITTED {
            return Err(AppError::rule(
                "bid_withdrawn",
                "投标已撤回；重新提交投标后方可上传投标文件",
            ));
        }
        Ok(bid)
    };
    submitted_bid(conn)?;
    documents::store(storage, file)?;
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        lock_tender(conn, &tender)?;
        let bid = submitted_bid(conn)?;
        let document = documents::insert(conn, OWNER_BID, bid.id, file, user.id, now)?;
        let receipt = bid.receipt_with(&model::document_hashes(conn, bid.id)?);
        diesel::update(bids::table.find(bid.id))
            .set(bids::receipt_sha256.eq(&receipt))
            .execute(conn)?;
        audit::record(
            conn,
            &actor,
            "bid.document_upload",
            "bid",
            &bid.id.to_string(),
            Some(&json!({
                "bid_id": bid.id,
                "contractor_id": contractor_id,
                "receipt_sha256": bid.receipt_sha256,
            })),
            Some(&json!({
                "bid_id": bid.id,
                "contractor_id": contractor_id,
                "document_id": document.id,
                "receipt_sha256": receipt,
            })),
        )?;
        Ok(BidDocumentReceipt {
            document: document.view(),
            receipt_sha256: receipt,
        })
    })
}

// --------------------------------------------------------------- readers

/// How many bids the current tender has received (not withdrawn); 0 without a tender.
pub fn count(conn: &mut AnyConnection, project_id: i64) -> AppResult<BidCount> {
    let project = projects::get(conn, project_id)?;
    let count = match tenders_model::current(conn, project.id)? {
        Some(tender) => model::count_active(conn, tender.id)?,
        None => 0,
    };
    Ok(BidCount { count })
}

/// The current tender, opened; `403 bids_sealed` otherwise (also without a tender).
fn opened_tender(conn: &mut AnyConnection, project: &ProjectRow) -> AppResult<TenderRow> {
    match tenders_model::current(conn, project.id)? {
        Some(tender) if tender.opened_at.is_some() => Ok(tender),
        _ => Err(AppError::BidsSealed),
    }
}

/// The bids of the current tender with prices, proposals, documents, status and reasons:
/// `403 bids_sealed` for everyone before opening; afterwards for the purchaser's officers,
/// evaluators on the panel, auditors and admins.
pub fn list(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    project_id: i64,
    page: i64,
    per_page: i64,
) -> AppResult<Page<BidView>> {
    let project = projects::get(conn, project_id)?;
    let tender = opened_tender(conn, &project)?;
    ensure_can_read_opened(conn, user, &project, None)?;
    let all = model::active_with_names(conn, tender.id)?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(0);
    let mut items = Vec::new();
    for (bid, name) in all.into_iter().skip(skip).take(take) {
        items.push(bid_view(conn, &bid, name)?);
    }
    Ok(Page {
        items,
        page,
        per_page,
        total,
    })
}

/// A document for download, after the access check: tender documents are public once a
/// tender is published (before, the purchaser's officers, auditors and admins); bid documents
/// are sealed like bids (`403 bids_sealed` before opening, except for the bidder itself),
/// then readable by those who read opened bids and by the bidder.
pub fn readable_document(
    conn: &mut AnyConnection,
    user: Option<&CurrentUser>,
    id: i64,
) -> AppResult<DocumentRow> {
    let document = documents::find(conn, id)?
        .ok_or_else(|| AppError::NotFound(format!("文件 {id} 不存在")))?;
    if document.owner_kind != OWNER_BID {
        documents::ensure_tender_documents_readable(conn, user, document.owner_id)?;
        return Ok(document);
    }
    let bid = model::find(conn, document.owner_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bid of document {id} missing")))?;
    let own = user
        .is_some_and(|u| u.role == Role::Contractor && u.contractor_id == Some(bid.contractor_id));
    if own {
        return Ok(document);
    }
    let opened: Option<NaiveDateTime> = tenders::table
        .find(bid.tender_id)
        .select(tenders::opened_at)
        .first(conn)?;
    if opened.is_none() {
        return Err(AppError::BidsSealed);
    }
    let user = user.ok_or_else(|| AppError::Unauthorized("请先登录".to_owned()))?;
    let project = projects::get(conn, bid.project_id)?;
    ensure_can_read_opened(conn, user, &project, Some(bid.contractor_id))?;
    Ok(document)
}

/// The opening record of a project's current tender (or of `round`): public after opening,
/// `403 bids_sealed` before.
pub fn opening(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    project_id: i64,
    round: Option<i32>,
) -> AppResult<OpeningView> {
    let project = projects::get(conn, project_id)?;
    let tender = match round {
        None => opened_tender(conn, &project)?,
        Some(round) => tenders::table
            .filter(tenders::project_id.eq(project_id))
            .filter(tenders::round.eq(round))
            .select(tenders::all_columns)
            .first::<TenderRow>(conn)
            .optional()?
            .ok_or_else(|| AppError::NotFound(format!("该项目没有第 {round} 轮采购公告")))?,
    };
    let opened_at = tender.opened_at.ok_or(AppError::BidsSealed)?;
    let bids = model::active_with_names(conn, tender.id)?
        .into_iter()
        .map(|(bid, name)| OpeningBid {
            bid_id: bid.id,
            contractor_id: bid.contractor_id,
            contractor_name: name,
            price: from_fen(bid.price_fen),
            reasons: bid.reasons(),
            receipt_sha256: bid.receipt_sha256,
            submitted_at: rfc3339(bid.submitted_at),
            status: bid.status,
        })
        .collect();
    Ok(OpeningView {
        project_id,
        tender_id: tender.id,
        round: tender.round,
        bid_deadline: rfc3339(tender.bid_deadline),
        opened_at: rfc3339(opened_at),
        project_status: project.status,
        min_suppliers: rules.method(&project.method).map_or(0, |m| m.min_suppliers),
        bids,
    })
}

// --------------------------------------------------------------- opening

/// Opens the bids of a project by its officer: only at or after the deadline
/// (`deadline_not_reached` before), only once (`409` afterwards).
pub fn open_by_officer(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
) -> AppResult<OpeningOutcome> {
    let project = projects::get(conn, project_id)?;
    crate::procurement::access::ensure_officer_of(user, project.purchaser_id)?;
    transition(project.status()?, ProjectAction::OpenBids)?;
    let tender = tenders_model::current(conn, project_id)?.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "tendering project {project_id} has no tender"
        ))
    })?;
    if now < tender.bid_deadline {
        return Err(AppError::rule(
            "deadline_not_reached",
            format!(
                "投标截止时间（{}）未到，不得开标",
                zh_datetime(tender.bid_deadline)
            ),
        ));
    }
    open(
        conn,
        rules,
        &user.actor(now),
        Some(user.id),
        &project,
        &tender,
    )
}

/// Why a bid fails the check at opening (empty: qualified): the contractor's status and every
/// failing qualification check against the tender's requirements, on the opening day.
fn disqualification_reasons(
    conn: &mut AnyConnection,
    project: &ProjectRow,
    tender: &TenderRow,
    bid: &BidRow,
    now: NaiveDateTime,
) -> AppResult<Vec<String>> {
    let contractor =
        crate::contractors::model::find(conn, bid.contractor_id)?.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("contractor {} missing", bid.contractor_id))
        })?;
    let mut reasons = Vec::new();
    if contractor.status() != ContractorStatus::Qualified {
        reasons.push(format!(
            "承接主体资格状态为「{}」，不是「{}」",
            contractor.status().label(),
            ContractorStatus::Qualified.label()
        ));
    }
    let facts = crate::contractors::model::facts(conn, &contractor)?;
    let requirements = tender.requirements(&project.domain_code);
    reasons.extend(
        qualification::evaluate(&facts, &requirements, shanghai_date(now))
            .into_iter()
            .filter(|c| !c.passed)
            .map(|c| c.message),
    );
    Ok(reasons)
}

/// Opens a tender in one transaction: sets `opened_at` by compare-and-set (`409` when it was
/// already opened), checks every bid not withdrawn (qualified or disqualified with reasons),
/// publishes the opening record (开标记录, every bidder, price and receipt), then moves the
/// project to `evaluating` — or, with fewer qualified bids than the method needs, to `failed`
/// with a failure notice (废标公告). Audited as `project.open_bids`.
pub fn open(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    actor: &Actor,
    created_by: Option<i64>,
    project: &ProjectRow,
    tender: &TenderRow,
) -> AppResult<OpeningOutcome> {
    let now = crate::clock::truncate_micros(actor.at);
    let method = rules
        .method(&project.method)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown method {}", project.method)))?;
    write_tx(conn, |conn| {
        if !model::mark_opened(conn, tender.id, now)? {
            return Err(AppError::Conflict("该项目已经开标".to_owned()));
        }
        let from = ProjectStatus::Tendering;
        let opened = model::active_with_names(conn, tender.id)?;
        let mut lines = Vec::with_capacity(opened.len());
        let mut record = Vec::with_capacity(opened.len());
        for (bid, name) in &opened {
            let reasons = disqualification_reasons(conn, project, tender, bid, now)?;
            let status = if reasons.is_empty() {
                QUALIFIED
            } else {
                DISQUALIFIED
            };
            let reasons_json = serde_json::to_string(&reasons).map_err(AppError::internal)?;
            diesel::update(bids::table.find(bid.id))
                .set((
                    bids::status.eq(status),
                    bids::reasons.eq(Some(reasons_json.as_str())),
                ))
                .execute(conn)?;
            record.push(json!({
                "bid_id": bid.id,
                "contractor_id": bid.contractor_id,
                "price": format!("{:.2}", from_fen(bid.price_fen)),
                "receipt_sha256": bid.receipt_sha256,
                "status": status,
                "reasons": reasons,
            }));
            lines.push(OpeningLine {
                contractor_name: name.clone(),
                price: from_fen(bid.price_fen),
                receipt_sha256: bid.receipt_sha256.clone(),
                qualified: reasons.is_empty(),
                reasons,
            });
        }
        let qualified = lines.iter().filter(|l| l.qualified).count();
        let header = notice_header(conn, rules, project)?;
        let due_by = Some(shanghai_date(tender.bid_deadline));
        let notice = |kind: NoticeKind, body_html: String| NewNotice {
            kind,
            project_id: Some(project.id),
            purchaser_id: project.purchaser_id,
            region_code: project.region_code.clone(),
            title: bodies::title(kind, &project.title),
            body_html,
            due_by,
            created_by,
        };
        let opening_html = bodies::render_opening(&OpeningBody {
            header: header.clone(),
            opened_at: zh_datetime(now),
            lines,
        })
        .map_err(AppError::internal)?;
        notices::publish(conn, actor, &notice(NoticeKind::Opening, opening_html))?;
        let enough = u32::try_from(qualified).unwrap_or(u32::MAX) >= method.min_suppliers;
        let (to, reason) = if enough {
            (transition(from, ProjectAction::OpenBids)?, None)
        } else {
            let reason = format!(
                "开标时资格审查合格的投标 {qualified} 家（共收到 {} 家），少于{}所需的 {} 家，采购失败（废标）",
                opened.len(),
                method.label,
                method.min_suppliers
            );
            (transition(from, ProjectAction::Fail)?, Some(reason))
        };
        projects::set_status(conn, project.id, from, to, reason.as_deref(), now)?;
        if let Some(reason) = &reason {
            let failure_html = bodies::render_failure(&FailureBody {
                header,
                reason: reason.clone(),
                shortfall: Some((qualified, method.min_suppliers)),
            })
            .map_err(AppError::internal)?;
            notices::publish(conn, actor, &notice(NoticeKind::Failure, failure_html))?;
        }
        crate::notify::events::bids_opened(conn, now, tender.id)?;
        audit::record(
            conn,
            actor,
            "project.open_bids",
            "project",
            &project.id.to_string(),
            Some(&json!({ "status": from.as_str() })),
            Some(&json!({
                "status": to.as_str(),
                "status_reason": reason,
                "tender_id": tender.id,
                "opened_at": rfc3339(now),
                "bids": record,
            })),
        )?;
        Ok(OpeningOutcome {
            project_id: project.id,
            tender_id: tender.id,
            status: to.as_str().to_owned(),
            bids: opened.len(),
            qualified,
        })
    })
}

/// The `open_bids` job: opens every `tendering` project whose current tender's deadline has
/// passed and which is not opened yet, each in its own transaction. Idempotent: a tender
/// opened meanwhile (by an officer or another instance) is skipped.
pub async fn open_due(
    db: &Db,
    rules: std::sync::Arc<ProcurementRules>,
    now: NaiveDateTime,
) -> AppResult<serde_json::Value> {
    db.run(move |conn| {
        let due: Vec<i64> = tenders::table
            .filter(tenders::opened_at.is_null())
            .filter(tenders::bid_deadline.le(now))
            .filter(
                tenders::project_id.eq_any(
                    projects_table::table
                        .filter(projects_table::status.eq(ProjectStatus::Tendering.as_str()))
                        .select(projects_table::id),
                ),
            )
            .order(tenders::bid_deadline.asc())
            .select(tenders::project_id)
            .load(conn)?;
        let actor = Actor::system("job:open_bids", now);
        let (mut opened, mut skipped, mut errors) = (Vec::new(), 0_usize, Vec::new());
        for project_id in due {
            let attempt = (|| -> AppResult<Option<OpeningOutcome>> {
                let project = projects::get(conn, project_id)?;
                if project.status()? != ProjectStatus::Tendering {
                    return Ok(None);
                }
                let Some(tender) = tenders_model::current(conn, project_id)? else {
                    return Ok(None);
                };
                if tender.opened_at.is_some() || tender.bid_deadline > now {
                    return Ok(None);
                }
                match open(conn, &rules, &actor, None, &project, &tender) {
                    Ok(outcome) => Ok(Some(outcome)),
                    // Opened or moved by someone else since we looked.
                    Err(AppError::Conflict(_)) => Ok(None),
                    Err(other) => Err(other),
                }
            })();
            match attempt {
                Ok(Some(outcome)) => opened.push(outcome),
                Ok(None) => skipped += 1,
                Err(error) => {
                    tracing::error!(project_id, error = %error, "opening failed");
                    errors.push(format!("project {project_id}: {error:#}"));
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::internal(anyhow::anyhow!(
                "{} opened, {} failed: {}",
                opened.len(),
                errors.len(),
                errors.join("; ")
            )));
        }
        Ok(json!({ "opened": opened, "skipped": skipped }))
    })
    .await
}
