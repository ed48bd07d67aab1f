//! Rows and queries of `panel_members`, `bid_scores`, `awards` and `challenges`, and the few
//! columns of `bids` that evaluation reads.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{awards, bid_scores, bids, challenges, contractors, panel_members, users};
use crate::error::{AppError, AppResult};

/// The bid status of a bid that passed the qualification check at opening.
pub const QUALIFIED: &str = "qualified";
/// The bid status of a bid refused at opening or after an upheld challenge.
pub const DISQUALIFIED: &str = "disqualified";
/// The bid status of a bid its bidder withdrew before the deadline.
pub const WITHDRAWN: &str = "withdrawn";

/// What evaluation needs of a `bids` row (never the proposal).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct BidLite {
    /// Bid id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Tender (round) it was submitted to.
    pub tender_id: i64,
    /// Bidder.
    pub contractor_id: i64,
    /// Price in 分.
    pub price_fen: i64,
    /// `submitted | withdrawn | qualified | disqualified`.
    pub status: String,
}

/// An `awards` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AwardRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Winning bid.
    pub bid_id: i64,
    /// Winning bidder.
    pub contractor_id: i64,
    /// Award price in 分 (the bid price).
    pub price_fen: i64,
    /// Why a bid other than the first-ranked one was chosen (or a note on the decision).
    pub reason: Option<String>,
    /// When the officer decided (UTC).
    pub decided_at: NaiveDateTime,
    /// The Shanghai date the award notice was published.
    pub notice_on: NaiveDate,
    /// Last day a bidder may challenge the result.
    pub challenge_deadline: NaiveDate,
    /// Last day to sign the contract.
    pub signing_deadline: NaiveDate,
    /// False once an upheld challenge voided the award.
    pub active: bool,
    /// Deciding officer.
    pub decided_by: Option<i64>,
}

/// A `challenges` row (质疑).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ChallengeRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// The award challenged.
    pub award_id: i64,
    /// The challenging bidder.
    pub contractor_id: i64,
    /// 质疑事项 and the claims.
    pub grounds: String,
    /// Facts and evidence.
    pub facts: String,
    /// Filed (UTC).
    pub filed_at: NaiveDateTime,
    /// Last day to answer.
    pub answer_due: NaiveDate,
    /// `pending | upheld | rejected`.
    pub status: String,
    /// The purchaser's answer.
    pub answer: Option<String>,
    /// Answered (UTC).
    pub answered_at: Option<NaiveDateTime>,
    /// Answering officer.
    pub answered_by: Option<i64>,
}

/// One stored criterion score: (bid, evaluator, criterion code, points in hundredths).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ScoreRow {
    /// Bid.
    pub bid_id: i64,
    /// Evaluator (user id).
    pub evaluator_id: i64,
    /// Criterion code of the tender.
    pub criterion_code: String,
    /// Points in hundredths.
    pub points_centi: i64,
}

/// A panel member with the name the award notice lists (评审专家名单).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MemberRow {
    /// User id.
    pub id: i64,
    /// `users.display_name`.
    pub display_name: String,
    /// `users.contractor_id`: the employer an evaluator may carry (used for 回避).
    pub contractor_id: Option<i64>,
}

fn bid_columns() -> (
    bids::id,
    bids::project_id,
    bids::tender_id,
    bids::contractor_id,
    bids::price_fen,
    bids::status,
) {
    (
        bids::id,
        bids::project_id,
        bids::tender_id,
        bids::contractor_id,
        bids::price_fen,
        bids::status,
    )
}

/// One bid of a project, or `404`.
pub fn bid(conn: &mut AnyConnection, project_id: i64, bid_id: i64) -> AppResult<BidLite> {
    bids::table
        .find(bid_id)
        .filter(bids::project_id.eq(project_id))
        .select(bid_columns())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("该项目没有投标 {bid_id}")))
}

/// The bids of a tender that were not withdrawn, by id.
pub fn tender_bids(conn: &mut AnyConnection, tender_id: i64) -> QueryResult<Vec<BidLite>> {
    bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.ne(WITHDRAWN))
        .order(bids::id.asc())
        .select(bid_columns())
        .load(conn)
}

/// The qualified bids of a tender, by id.
pub fn qualified_bids(conn: &mut AnyConnection, tender_id: i64) -> QueryResult<Vec<BidLite>> {
    bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.eq(QUALIFIED))
        .order(bids::id.asc())
        .select(bid_columns())
        .load(conn)
}

/// Marks a bid disqualified with a reason (an upheld challenge); only a qualified bid moves.
pub fn disqualify_bid(conn: &mut AnyConnection, bid_id: i64, reason: &str) -> AppResult<()> {
    let changed = diesel::update(bids::table.find(bid_id).filter(bids::status.eq(QUALIFIED)))
        .set((
            bids::status.eq(DISQUALIFIED),
            bids::reasons.eq(Some(reason)),
        ))
        .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "投标状态已被他人修改，请刷新后重试".to_owned(),
        ))
    }
}

/// The panel of a project with names, by user id.
pub fn panel(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Vec<MemberRow>> {
    panel_members::table
        .inner_join(users::table.on(users::id.eq(panel_members::evaluator_id)))
        .filter(panel_members::project_id.eq(project_id))
        .order(users::id.asc())
        .select((users::id, users::display_name, users::contractor_id))
        .load(conn)
}

/// Whether `user_id` sits on the panel of `project_id`.
pub fn is_panel_member(
    conn: &mut AnyConnection,
    project_id: i64,
    user_id: i64,
) -> QueryResult<bool> {
    let n: i64 = panel_members::table
        .filter(panel_members::project_id.eq(project_id))
        .filter(panel_members::evaluator_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The projects on whose panel `user_id` sits, newest first.
pub fn panels_of(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Vec<i64>> {
    panel_members::table
        .filter(panel_members::evaluator_id.eq(user_id))
        .order(panel_members::project_id.desc())
        .select(panel_members::project_id)
        .load(conn)
}

/// Replaces the panel of a project.
pub fn replace_panel(
    conn: &mut AnyConnection,
    project_id: i64,
    evaluator_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(panel_members::table.filter(panel_members::project_id.eq(project_id)))
        .execute(conn)?;
    for id in evaluator_ids {
        diesel::insert_into(panel_members::table)
            .values((
                panel_members::project_id.eq(project_id),
                panel_members::evaluator_id.eq(*id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Every stored score of the given bids.
pub fn scores_of(conn: &mut AnyConnection, bid_ids: &[i64]) -> QueryResult<Vec<ScoreRow>> {
    bid_scores::table
        .filter(bid_scores::bid_id.eq_any(bid_ids))
        .order((
            bid_scores::bid_id.asc(),
            bid_scores::evaluator_id.asc(),
            bid_scores::id.asc(),
        ))
        .select((
            bid_scores::bid_id,
            bid_scores::evaluator_id,
            bid_scores::criterion_code,
            bid_scores::points_centi,
        ))
        .load(conn)
}

/// Whether any score exists for the given bids.
pub fn any_score(conn: &mut AnyConnection, bid_ids: &[i64]) -> QueryResult<bool> {
    let n: i64 = bid_scores::table
        .filter(bid_scores::bid_id.eq_any(bid_ids))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Replaces one evaluator's score sheet of one bid: `(criterion code, points in hundredths)`.
pub fn replace_scores(
    conn: &mut AnyConnection,
    bid_id: i64,
    evaluator_id: i64,
    points: &[(String, i64)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        bid_scores::table
            .filter(bid_scores::bid_id.eq(bid_id))
            .filter(bid_scores::evaluator_id.eq(evaluator_id)),
    )
    .execute(conn)?;
    for (code, centi) in points {
        diesel::insert_into(bid_scores::table)
            .values((
                bid_scores::bid_id.eq(bid_id),
                bid_scores::evaluator_id.eq(evaluator_id),
                bid_scores::criterion_code.eq(code),
                bid_scores::points_centi.eq(*centi),
                bid_scores::scored_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The names of contractors by id.
pub fn contractor_names(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    contractors::table
        .filter(contractors::id.eq_any(ids))
        .select((contractors::id, contractors::name))
        .load(conn)
}

/// The active award of a project, if any (at most one is active at a time).
pub fn active_award(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Option<AwardRow>> {
    awards::table
        .filter(awards::project_id.eq(project_id))
        .filter(awards::active.eq(true))
        .order(awards::id.desc())
        .select(awards::all_columns)
        .first(conn)
        .optional()
}

/// One award.
pub fn award(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<AwardRow>> {
    awards::table
        .find(id)
        .select(awards::all_columns)
        .first(conn)
        .optional()
}

/// Voids an active award (an upheld challenge); `Conflict` when it is no longer active.
pub fn deactivate_award(conn: &mut AnyConnection, id: i64) -> AppResult<()> {
    let changed = diesel::update(awards::table.find(id).filter(awards::active.eq(true)))
        .set(awards::active.eq(false))
        .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "中标结果已被他人修改，请刷新后重试".to_owned(),
        ))
    }
}

/// Whether a challenge of the project still waits for its answer — any challenge, also one
/// against an award voided since (every challenge gets its written answer). A pending
/// challenge blocks signing the contract.
pub fn pending_challenge(conn: &mut AnyConnection, project_id: i64) -> QueryResult<bool> {
    let n: i64 = challenges::table
        .filter(challenges::project_id.eq(project_id))
        .filter(challenges::status.eq("pending"))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// One challenge, or `404`.
pub fn challenge(conn: &mut AnyConnection, id: i64) -> AppResult<ChallengeRow> {
    challenges::table
        .find(id)
        .select(challenges::all_columns)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("质疑 {id} 不存在")))
}

/// The challenges of a project, oldest first, optionally of one contractor.
pub fn challenges_of(
    conn: &mut AnyConnection,
    project_id: i64,
    contractor_id: Option<i64>,
) -> QueryResult<Vec<ChallengeRow>> {
    let mut query = challenges::table
        .filter(challenges::project_id.eq(project_id))
        .into_boxed();
    if let Some(c) = contractor_id {
        query = query.filter(challenges::contractor_id.eq(c));
    }
    query
        .order(challenges::id.asc())
        .select(challenges::all_columns)
        .load(conn)
}

/// Records the answer of a pending challenge (compare-and-set on `pending`); `Conflict`
/// when it was answered meanwhile.
pub fn answer_challenge(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    answer: &str,
    user_id: i64,
    now: NaiveDateTime,
) -> AppResult<()> {
    let changed = diesel::update(
        challenges::table
            .find(id)
            .filter(challenges::status.eq("pending")),
    )
    .set((
        challenges::status.eq(status),
        challenges::answer.eq(Some(answer)),
        challenges::answered_at.eq(Some(now)),
        challenges::answered_by.eq(Some(user_id)),
    ))
    .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "该质疑已被答复，请刷新后重试".to_owned(),
        ))
    }
}
