//! Use cases of evaluation: the panel (评审委员会) with 回避, the evaluators' score sheets,
//! the ranking, the award with its result notice, and challenges (质疑) with their answers.
//! Every change runs in one transaction with its audit row (and notices).
//!
//! Concurrency: each change first "touches" the project row with a conditional no-op update
//! on the status it expects ([`lock_project`]). On PostgreSQL that takes the row lock, so a
//! panel replacement and a first score, an award and a re-score, or a challenge and an upheld
//! answer cannot interleave; on SQLite [`write_tx`] already serializes writers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::{self, AwardRow, BidLite, ChallengeRow, MemberRow, QUALIFIED};
use crate::audit;
use crate::auth::{CurrentUser, Role};
use crate::calendar::Calendar;
use crate::clock::shanghai_date;
use crate::db::schema::{awards, challenges, projects, users};
use crate::db::{AnyConnection, write_tx};
use crate::disclosure::bodies::{self, AwardBody, FailureBody};
use crate::disclosure::notices::{self, NewNotice, NoticeKind};
use crate::domain::money::from_fen;
use crate::domain::project_status::{ProjectAction, ProjectStatus, transition};
use crate::domain::scoring::{self, AwardMethod, BidForScoring, RankedBid};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::procurement::access::ensure_officer_of;
use crate::procurement::projects::model::{self as projects_model, ProjectRow};
use crate::procurement::projects::service::notice_header;
use crate::procurement::rules::ProcurementRules;
use crate::procurement::tenders::model::{self as tenders_model, CriterionRow, TenderRow};
use crate::purchasers::service::push;

/// The largest panel accepted (a sanity bound; the law asks for an odd number ≥ 3).
pub const MAX_PANEL_SIZE: usize = 49;

/// The longest free text (reason, grounds, facts, answer) in characters.
const MAX_TEXT: usize = 5000;

// ------------------------------------------------------------------------------ inputs

/// `PUT /api/v1/projects/{id}/panel`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelInput {
    /// User ids of evaluators (role `evaluator`): an odd number, at least 3, no duplicates.
    pub evaluator_ids: Vec<i64>,
}

/// `PUT /api/v1/projects/{id}/bids/{bid_id}/scores`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoresInput {
    /// Criterion code → points (a decimal string or number, 0 ≤ points ≤ the criterion's
    /// maximum, at most 2 decimals). Every criterion of the tender must be present.
    #[schema(value_type = Object)]
    pub scores: BTreeMap<String, Value>,
}

/// `POST /api/v1/projects/{id}/award`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardInput {
    /// The bid to award; the first-ranked bid when absent.
    #[serde(default)]
    pub bid_id: Option<i64>,
    /// Required when the bid is not the first-ranked one.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/projects/{id}/challenges`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeInput {
    /// 质疑事项 and the claims (具体的质疑事项及事实依据).
    pub grounds: String,
    /// Facts and evidence.
    pub facts: String,
}

/// `POST /api/v1/challenges/{id}/answer`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// `upheld` (质疑成立) or `rejected` (质疑不成立).
    pub decision: String,
    /// The written answer (答复).
    pub answer: String,
}

// ------------------------------------------------------------------------------- views

/// One panel member.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PanelMemberView {
    /// User id.
    pub id: i64,
    /// Name (as listed in the award notice).
    pub display_name: String,
}

/// The panel of a project.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PanelView {
    /// Project.
    pub project_id: i64,
    /// Members by user id.
    pub members: Vec<PanelMemberView>,
    /// Whether any score exists (then the panel can no longer be replaced).
    pub scoring_started: bool,
}

/// One evaluator's score sheet of one bid.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreSheetView {
    /// Bid.
    pub bid_id: i64,
    /// Evaluator.
    pub evaluator_id: i64,
    /// Criterion code → points (2 decimals).
    pub scores: BTreeMap<String, String>,
    /// Sum of the points (2 decimals).
    pub total: String,
}

/// One row of the ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankingRowView {
    /// Bid.
    pub bid_id: i64,
    /// Bidder.
    pub contractor_id: i64,
    /// Bidder's name.
    pub contractor_name: String,
    /// Bid price (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub price: Decimal,
    /// Price score (2 decimals).
    pub price_score: String,
    /// Mean of the panel members' totals (2 decimals, half-up).
    pub technical_score: String,
    /// Total (2 decimals).
    pub total: String,
    /// 1 for the best bid.
    pub rank: u32,
    /// Panel members who have scored every criterion of this bid.
    pub evaluators_scored: usize,
}

/// `GET /api/v1/projects/{id}/ranking`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankingView {
    /// Whether every panel member scored every criterion of every qualified bid.
    pub complete: bool,
    /// `comprehensive` or `lowest_price`.
    pub award_method: String,
    /// Price weight (`0.30`).
    pub price_weight: String,
    /// Panel members.
    pub panel_size: usize,
    /// Qualified bids, best first.
    pub rows: Vec<RankingRowView>,
}

/// An award (中标(成交)结果).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AwardView {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Winning bid.
    pub bid_id: i64,
    /// Winner.
    pub contractor_id: i64,
    /// Winner's name.
    pub contractor_name: String,
    /// Award price (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub price: Decimal,
    /// The officer's reason (required when not the first-ranked bid).
    pub reason: Option<String>,
    /// Decided (RFC 3339).
    pub decided_at: String,
    /// The date the award notice was published.
    pub notice_on: NaiveDate,
    /// Last day of the notice period (公告期限).
    pub notice_period_end: NaiveDate,
    /// Last day a bidder may challenge.
    pub challenge_deadline: NaiveDate,
    /// Last day to sign the contract.
    pub signing_deadline: NaiveDate,
    /// False once voided by an upheld challenge.
    pub active: bool,
}

/// A challenge (质疑).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChallengeView {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// The award challenged.
    pub award_id: i64,
    /// The challenging bidder.
    pub contractor_id: i64,
    /// Grounds.
    pub grounds: String,
    /// Facts.
    pub facts: String,
    /// Filed (RFC 3339).
    pub filed_at: String,
    /// Last day to answer.
    pub answer_due: NaiveDate,
    /// `pending | upheld | rejected`.
    pub status: String,
    /// The answer.
    pub answer: Option<String>,
    /// Answered (RFC 3339).
    pub answered_at: Option<String>,
}

/// The result of answering a challenge.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    /// The challenge after the answer.
    pub challenge: ChallengeView,
    /// The project's status afterwards (`awarded`, `evaluating` or `failed`).
    pub project_status: String,
}

impl ChallengeRow {
    /// The view of a challenge.
    pub fn view(&self) -> ChallengeView {
        ChallengeView {
            id: self.id,
            project_id: self.project_id,
            award_id: self.award_id,
            contractor_id: self.contractor_id,
            grounds: self.grounds.clone(),
            facts: self.facts.clone(),
            filed_at: crate::clock::rfc3339(self.filed_at),
            answer_due: self.answer_due,
            status: self.status.clone(),
            answer: self.answer.clone(),
            answered_at: self.answered_at.map(crate::clock::rfc3339),
        }
    }
}

/// The view of an award.
pub fn award_view(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    award: &AwardRow,
) -> AppResult<AwardView> {
    let name = contractor_name(conn, award.contractor_id)?;
    Ok(AwardView {
        id: award.id,
        project_id: award.project_id,
        bid_id: award.bid_id,
        contractor_id: award.contractor_id,
        contractor_name: name,
        price: from_fen(award.price_fen),
        reason: award.reason.clone(),
        decided_at: crate::clock::rfc3339(award.decided_at),
        notice_on: award.notice_on,
        notice_period_end: rules.notice_period_end(calendar, award.notice_on),
        challenge_deadline: award.challenge_deadline,
        signing_deadline: award.signing_deadline,
        active: award.active,
    })
}

// ----------------------------------------------------------------------------- helpers

/// A conditional no-op update of the project's status: takes the row lock on PostgreSQL and
/// proves the status is still `status`; `Conflict` otherwise. Call inside [`write_tx`].
fn lock_project(conn: &mut AnyConnection, id: i64, status: ProjectStatus) -> AppResult<()> {
    let changed = diesel::update(
        projects::table
            .find(id)
            .filter(projects::status.eq(status.as_str())),
    )
    .set(projects::status.eq(status.as_str()))
    .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "项目状态已被他人修改，请刷新后重试".to_owned(),
        ))
    }
}

/// `409 invalid_state` unless the project is in `expected`.
fn ensure_status(row: &ProjectRow, expected: ProjectStatus, action: &str) -> AppResult<()> {
    let status = row.status()?;
    if status == expected {
        Ok(())
    } else {
        Err(AppError::InvalidState {
            from: status.as_str().to_owned(),
            action: action.to_owned(),
        })
    }
}

/// The current tender of a project whose bids are open; `403 bids_sealed` before opening.
fn opened_tender(conn: &mut AnyConnection, project_id: i64) -> AppResult<TenderRow> {
    match tenders_model::current(conn, project_id)? {
        Some(t) if t.opened_at.is_some() => Ok(t),
        _ => Err(AppError::BidsSealed),
    }
}

fn contractor_name(conn: &mut AnyConnection, id: i64) -> AppResult<String> {
    Ok(model::contractor_names(conn, &[id])?
        .into_iter()
        .next()
        .map(|(_, name)| name)
        .unwrap_or_default())
}

/// Points in hundredths as `"12.50"`.
fn points_text(centi: i64) -> String {
    format!("{:.2}", Decimal::new(centi, 2))
}

/// A score as `"12.50"` (scores arrive rounded; half-up keeps it so if one does not).
fn score_text(d: Decimal) -> String {
    format!("{:.2}", crate::domain::money::round_half_up(d, 2))
}

/// A trimmed, required free text of at most [`MAX_TEXT`] characters.
fn required_text(errors: &mut FieldErrors, field: &str, text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        push(errors, field, "必填");
    } else if trimmed.chars().count() > MAX_TEXT {
        push(errors, field, format!("最多 {MAX_TEXT} 个字符"));
    }
    trimmed.to_owned()
}

/// Whether the caller may read the ranking and the panel: the purchaser's officers, the
/// project's panel members, auditors and admins.
fn ensure_can_read_evaluation(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    project: &ProjectRow,
) -> AppResult<()> {
    let allowed = match user.role {
        Role::Admin | Role::Auditor => true,
        Role::Officer => user.purchaser_id == Some(project.purchaser_id),
        Role::Evaluator => model::is_panel_member(conn, project.id, user.id)?,
        Role::Contractor => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有采购人经办人、评审委员会成员和监督人员可以查看评审情况".to_owned(),
        ))
    }
}

// ------------------------------------------------------------------------------- panel

/// The panel of a project (officer of the purchaser, panel members, auditor, admin).
pub fn panel_view(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    project_id: i64,
) -> AppResult<PanelView> {
    let project = projects_model::get(conn, project_id)?;
    ensure_can_read_evaluation(conn, user, &project)?;
    build_panel_view(conn, project_id)
}

fn build_panel_view(conn: &mut AnyConnection, project_id: i64) -> AppResult<PanelView> {
    let members = model::panel(conn, project_id)?;
    let scoring_started = match tenders_model::current(conn, project_id)? {
        Some(tender) => {
            let ids: Vec<i64> = model::tender_bids(conn, tender.id)?
                .iter()
                .map(|b| b.id)
                .collect();
            model::any_score(conn, &ids)?
        }
        None => false,
    };
    Ok(PanelView {
        project_id,
        members: members
            .into_iter()
            .map(|m| PanelMemberView {
                id: m.id,
                display_name: m.display_name,
            })
            .collect(),
        scoring_started,
    })
}

/// Forms (or replaces) the panel of a project in `evaluating`, audited.
///
/// - an odd number of evaluators, at least 3 (rule `panel_size`);
/// - each an active user with role `evaluator` (field `evaluator_ids`, naming the id), no
///   duplicates;
/// - 回避 (rule `evaluator_conflict`): an evaluator is *linked* to a bidder when the
///   evaluator's `users.contractor_id` (the employer an evaluator may carry) is the
///   contractor of a bid of the current tender (any bid not withdrawn, qualified or not);
/// - once any score exists for the current tender's bids, the panel stays (`409 conflict`).
pub fn set_panel(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    input: &PanelInput,
) -> AppResult<PanelView> {
    let project = projects_model::get(conn, project_id)?;
    ensure_officer_of(user, project.purchaser_id)?;
    ensure_status(&project, ProjectStatus::Evaluating, "set_panel")?;
    let tender = opened_tender(conn, project_id)?;
    let mut errors = FieldErrors::new();
    let mut seen = HashSet::new();
    let mut duplicates = Vec::new();
    for id in &input.evaluator_ids {
        if !seen.insert(*id) && !duplicates.contains(id) {
            duplicates.push(*id);
        }
    }
    for id in &duplicates {
        push(&mut errors, "evaluator_ids", format!("用户 {id} 重复"));
    }
    if input.evaluator_ids.len() > MAX_PANEL_SIZE {
        push(
            &mut errors,
            "evaluator_ids",
            format!("评审委员会最多 {MAX_PANEL_SIZE} 人"),
        );
    }
    let mut members: Vec<(i64, String, Option<i64>)> = Vec::new();
    if input.evaluator_ids.len() <= MAX_PANEL_SIZE {
        type UserBits = (i64, String, String, bool, Option<i64>);
        let found: Vec<UserBits> = users::table
            .filter(users::id.eq_any(&input.evaluator_ids))
            .select((
                users::id,
                users::role,
                users::display_name,
                users::active,
                users::contractor_id,
            ))
            .load(conn)?;
        let found: HashMap<i64, UserBits> = found.into_iter().map(|u| (u.0, u)).collect();
        let mut checked = HashSet::new();
        for id in &input.evaluator_ids {
            if !checked.insert(*id) {
                continue;
            }
            match found.get(id) {
                None => push(&mut errors, "evaluator_ids", format!("用户 {id} 不存在")),
                Some((_, role, _, _, _)) if role != Role::Evaluator.as_str() => push(
                    &mut errors,
                    "evaluator_ids",
                    format!("用户 {id} 不是评审专家"),
                ),
                Some((_, _, _, false, _)) => {
                    push(&mut errors, "evaluator_ids", format!("用户 {id} 已停用"))
                }
                Some((_, _, name, true, employer)) => members.push((*id, name.clone(), *employer)),
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let size = input.evaluator_ids.len();
    if size < 3 || size.is_multiple_of(2) {
        return Err(AppError::rule(
            "panel_size",
            format!("评审委员会成员应为 3 人以上单数，现为 {size} 人"),
        ));
    }
    let bids = model::tender_bids(conn, tender.id)?;
    let bidders: HashSet<i64> = bids.iter().map(|b| b.contractor_id).collect();
    let mut conflicts = Vec::new();
    for (id, name, employer) in &members {
        if let Some(c) = employer.filter(|c| bidders.contains(c)) {
            let org = contractor_name(conn, c)?;
            conflicts.push(format!("{name}（用户 {id}）与投标人{org}（{c}）存在关联"));
        }
    }
    if !conflicts.is_empty() {
        return Err(AppError::rule(
            "evaluator_conflict",
            format!("评审专家应当回避：{}", conflicts.join("；")),
        ));
    }
    let bid_ids: Vec<i64> = bids.iter().map(|b| b.id).collect();
    let before: Vec<i64> = model::panel(conn, project_id)?
        .iter()
        .map(|m| m.id)
        .collect();
    let mut after: Vec<i64> = members.iter().map(|m| m.0).collect();
    after.sort_unstable();
    write_tx(conn, |conn| {
        lock_project(conn, project_id, ProjectStatus::Evaluating)?;
        if model::any_score(conn, &bid_ids)? {
            return Err(AppError::Conflict(
                "评审已开始（已有评分），不能更换评审委员会".to_owned(),
            ));
        }
        model::replace_panel(conn, project_id, &after)?;
        audit::record(
            conn,
            &user.actor(now),
            "project.set_panel",
            "project",
            &project_id.to_string(),
            Some(&json!({ "evaluator_ids": before })),
            Some(&json!({ "evaluator_ids": after })),
        )?;
        build_panel_view(conn, project_id)
    })
}

// ------------------------------------------------------------------------------ scores

/// Parses one score: a decimal string or number with at most 2 decimals within
/// `0..=max`; returns hundredths.
fn parse_points(value: &Value, max: Decimal) -> Result<i64, String> {
    let parsed = match value {
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    };
    let Some(points) = parsed else {
        return Err("须为数字，如 \"35.5\"".to_owned());
    };
    if points.round_dp(2) != points {
        return Err("最多两位小数".to_owned());
    }
    if points < Decimal::ZERO || points > max {
        return Err(format!("须在 0 到 {max:.2} 分之间"));
    }
    use rust_decimal::prelude::ToPrimitive;
    (points * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or_else(|| "分值超出范围".to_owned())
}

/// Checks a score sheet against the tender's criteria; every error is keyed
/// `scores.<code>`. Returns `(code, hundredths)` in criterion order.
fn check_scores(
    criteria: &[CriterionRow],
    scores: &BTreeMap<String, Value>,
) -> Result<Vec<(String, i64)>, AppError> {
    let mut errors = FieldErrors::new();
    let mut points = Vec::with_capacity(criteria.len());
    for c in criteria {
        let field = format!("scores.{}", c.code);
        match scores.get(&c.code) {
            None => push(&mut errors, &field, format!("必填（{}）", c.name)),
            Some(value) => match parse_points(value, c.max_points()) {
                Ok(centi) => points.push((c.code.clone(), centi)),
                Err(message) => push(&mut errors, &field, message),
            },
        }
    }
    for code in scores.keys() {
        if !criteria.iter().any(|c| &c.code == code) {
            push(
                &mut errors,
                &format!("scores.{code}"),
                "招标文件中没有该评分项",
            );
        }
    }
    if errors.is_empty() {
        Ok(points)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Records (or replaces, before the award) a panel member's score sheet of a qualified
/// bid, audited. Every criterion of the tender must be scored (errors keyed
/// `scores.<code>`). A member linked to a bidder (see [`set_panel`]) is refused with
/// `evaluator_conflict` here too, since a panel may outlive a round.
pub fn score_bid(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    bid_id: i64,
    input: &ScoresInput,
) -> AppResult<ScoreSheetView> {
    let project = projects_model::get(conn, project_id)?;
    if user.role != Role::Evaluator || !model::is_panel_member(conn, project_id, user.id)? {
        return Err(AppError::Forbidden(
            "只有本项目评审委员会的成员可以评分".to_owned(),
        ));
    }
    ensure_status(&project, ProjectStatus::Evaluating, "score")?;
    let tender = opened_tender(conn, project_id)?;
    let bid = model::bid(conn, project_id, bid_id)?;
    if bid.tender_id != tender.id {
        return Err(AppError::NotFound(format!("投标 {bid_id} 不属于本轮采购")));
    }
    if bid.status != QUALIFIED {
        return Err(AppError::InvalidState {
            from: bid.status.clone(),
            action: "score".to_owned(),
        });
    }
    // 回避 holds for every round: a panel kept from an earlier round meets new bidders.
    if let Some(employer) = user.contractor_id
        && model::tender_bids(conn, tender.id)?
            .iter()
            .any(|b| b.contractor_id == employer)
    {
        return Err(AppError::rule(
            "evaluator_conflict",
            format!(
                "评审专家{}与投标人{}存在关联，应当回避",
                user.display_name,
                contractor_name(conn, employer)?
            ),
        ));
    }
    let criteria = tenders_model::criteria(conn, tender.id)?;
    let points = check_scores(&criteria, &input.scores)?;
    write_tx(conn, |conn| {
        lock_project(conn, project_id, ProjectStatus::Evaluating)?;
        if !model::is_panel_member(conn, project_id, user.id)? {
            return Err(AppError::Forbidden(
                "只有本项目评审委员会的成员可以评分".to_owned(),
            ));
        }
        let previous: BTreeMap<String, String> = model::scores_of(conn, &[bid_id])?
            .into_iter()
            .filter(|s| s.evaluator_id == user.id)
            .map(|s| (s.criterion_code, points_text(s.points_centi)))
            .collect();
        model::replace_scores(conn, bid_id, user.id, &points, now)?;
        let sheet = sheet_view(bid_id, user.id, &points);
        audit::record(
            conn,
            &user.actor(now),
            "bid.score",
            "bid",
            &bid_id.to_string(),
            (!previous.is_empty())
                .then(|| json!({ "evaluator_id": user.id, "scores": previous }))
                .as_ref(),
            Some(&json!({ "evaluator_id": user.id, "scores": sheet.scores, "total": sheet.total })),
        )?;
        Ok(sheet)
    })
}

fn sheet_view(bid_id: i64, evaluator_id: i64, points: &[(String, i64)]) -> ScoreSheetView {
    let total: i64 = points.iter().map(|(_, c)| c).sum();
    ScoreSheetView {
        bid_id,
        evaluator_id,
        scores: points
            .iter()
            .map(|(code, c)| (code.clone(), points_text(*c)))
            .collect(),
        total: points_text(total),
    }
}

/// The caller's own score sheet of a bid (a panel member), if scored.
pub fn my_scores(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    project_id: i64,
    bid_id: i64,
) -> AppResult<ScoreSheetView> {
    projects_model::get(conn, project_id)?;
    if user.role != Role::Evaluator || !model::is_panel_member(conn, project_id, user.id)? {
        return Err(AppError::Forbidden(
            "只有本项目评审委员会的成员可以查看自己的评分".to_owned(),
        ));
    }
    model::bid(conn, project_id, bid_id)?;
    let points: Vec<(String, i64)> = model::scores_of(conn, &[bid_id])?
        .into_iter()
        .filter(|s| s.evaluator_id == user.id)
        .map(|s| (s.criterion_code, s.points_centi))
        .collect();
    if points.is_empty() {
        return Err(AppError::NotFound("尚未对该投标评分".to_owned()));
    }
    Ok(sheet_view(bid_id, user.id, &points))
}

// ----------------------------------------------------------------------------- ranking

/// The computed ranking of a project's qualified bids.
pub struct Ranking {
    /// Whether every panel member scored every criterion of every qualified bid.
    pub complete: bool,
    /// The tender ranked.
    pub tender: TenderRow,
    /// The panel.
    pub panel: Vec<MemberRow>,
    /// Rows, best first.
    pub rows: Vec<RankedBid>,
    /// Panel members who completed each bid's score sheet, by bid id.
    pub scored_by: HashMap<i64, usize>,
    /// Contractor names by id.
    pub names: HashMap<i64, String>,
}

/// Ranks the qualified bids of the current (opened) tender with [`scoring::rank`]: per bid,
/// each panel member's total is the sum of their criterion points; only members who scored
/// every criterion count, and the technical score is the mean of their totals.
pub fn compute_ranking(conn: &mut AnyConnection, project_id: i64) -> AppResult<Ranking> {
    let tender = opened_tender(conn, project_id)?;
    let method =
        AwardMethod::from_parts(&tender.award_method, tender.price_weight()).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "tender {} has unknown award method {}",
                tender.id,
                tender.award_method
            ))
        })?;
    let criteria = tenders_model::criteria(conn, tender.id)?;
    let codes: HashSet<&str> = criteria.iter().map(|c| c.code.as_str()).collect();
    let panel = model::panel(conn, project_id)?;
    let bids = model::qualified_bids(conn, tender.id)?;
    let bid_ids: Vec<i64> = bids.iter().map(|b| b.id).collect();
    // (bid, evaluator) → (criteria scored, total hundredths)
    let mut sheets: HashMap<(i64, i64), (usize, i64)> = HashMap::new();
    for s in model::scores_of(conn, &bid_ids)? {
        if codes.contains(s.criterion_code.as_str()) {
            let entry = sheets.entry((s.bid_id, s.evaluator_id)).or_default();
            entry.0 += 1;
            entry.1 += s.points_centi;
        }
    }
    let mut scored_by = HashMap::new();
    let mut for_scoring = Vec::with_capacity(bids.len());
    for bid in &bids {
        let totals: Vec<Decimal> = panel
            .iter()
            .filter_map(|m| match sheets.get(&(bid.id, m.id)) {
                Some((n, total)) if *n == criteria.len() => Some(Decimal::new(*total, 2)),
                None if criteria.is_empty() => Some(Decimal::ZERO),
                _ => None,
            })
            .collect();
        scored_by.insert(bid.id, totals.len());
        for_scoring.push(BidForScoring {
            bid_id: bid.id,
            contractor_id: bid.contractor_id,
            price: from_fen(bid.price_fen),
            technical_scores: if criteria.is_empty() {
                Vec::new()
            } else {
                totals
            },
        });
    }
    let complete = !bids.is_empty()
        && bids.iter().all(|b| {
            scoring::technical_complete(scored_by.get(&b.id).copied().unwrap_or(0), panel.len())
        });
    let rows = scoring::rank(&for_scoring, &method);
    let ids: Vec<i64> = bids.iter().map(|b| b.contractor_id).collect();
    let names = model::contractor_names(conn, &ids)?.into_iter().collect();
    Ok(Ranking {
        complete,
        tender,
        panel,
        rows,
        scored_by,
        names,
    })
}

/// The ranking as the API shows it.
pub fn ranking_view(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    project_id: i64,
) -> AppResult<RankingView> {
    let project = projects_model::get(conn, project_id)?;
    ensure_can_read_evaluation(conn, user, &project)?;
    let r = compute_ranking(conn, project_id)?;
    Ok(RankingView {
        complete: r.complete,
        award_method: r.tender.award_method.clone(),
        price_weight: format!("{:.2}", r.tender.price_weight()),
        panel_size: r.panel.len(),
        rows: r
            .rows
            .iter()
            .map(|row| RankingRowView {
                bid_id: row.bid_id,
                contractor_id: row.contractor_id,
                contractor_name: r.names.get(&row.contractor_id).cloned().unwrap_or_default(),
                price: row.price,
                price_score: score_text(row.price_score),
                technical_score: score_text(row.technical_score),
                total: score_text(row.total),
                rank: row.rank,
                evaluators_scored: r.scored_by.get(&row.bid_id).copied().unwrap_or(0),
            })
            .collect(),
    })
}

// ------------------------------------------------------------------------------- award

/// What the award notice shows of the winner: its USCC, or an individual's resident ID
/// masked (`640104********123X`), and the full name of its region (its address line).
fn winner_identity(conn: &mut AnyConnection, contractor_id: i64) -> AppResult<(String, String)> {
    let row = crate::contractors::model::find(conn, contractor_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("contractor {contractor_id} missing")))?;
    let code = match (&row.uscc, &row.id_number) {
        (Some(uscc), _) => uscc.clone(),
        (None, Some(id)) => crate::domain::ids::mask_resident_id(id),
        (None, None) => String::new(),
    };
    let region = crate::regions::full_name(conn, &row.region_code)?;
    Ok((code, region))
}

/// Awards the project (officer of the purchaser; `evaluating`; ranking complete, rule
/// `scoring_incomplete`): by default to the first-ranked bid; another qualified bid needs a
/// `reason`. In one transaction: the `awards` row (notice today, challenge deadline and
/// signing deadline from the rules), `evaluating → awarded`, the award notice (due 2 working
/// days after the decision, so on time) and the audit row.
pub fn award(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    input: &AwardInput,
) -> AppResult<AwardView> {
    let project = projects_model::get(conn, project_id)?;
    ensure_officer_of(user, project.purchaser_id)?;
    let from = project.status()?;
    let to = transition(from, ProjectAction::Award)?;
    let ranking = compute_ranking(conn, project_id)?;
    if !ranking.complete {
        return Err(AppError::rule(
            "scoring_incomplete",
            "评审委员会尚未完成全部合格投标的评分，不能确定中标人",
        ));
    }
    let first = ranking
        .rows
        .first()
        .ok_or_else(|| AppError::rule("scoring_incomplete", "没有可评审的合格投标"))?;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let chosen = match input.bid_id {
        None => first,
        Some(id) => ranking
            .rows
            .iter()
            .find(|r| r.bid_id == id)
            .ok_or_else(|| AppError::field("bid_id", format!("投标 {id} 不是本项目的合格投标")))?,
    };
    let mut errors = FieldErrors::new();
    if chosen.rank != 1 && reason.is_none() {
        push(
            &mut errors,
            "reason",
            format!(
                "未选择排名第一的投标（所选排名第 {} 名），须说明理由",
                chosen.rank
            ),
        );
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_TEXT)
    {
        push(&mut errors, "reason", format!("最多 {MAX_TEXT} 个字符"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let today = shanghai_date(now);
    let notice_on = today;
    let period_end = rules.notice_period_end(calendar, notice_on);
    let challenge_deadline = rules.challenge_deadline(calendar, notice_on);
    let signing_deadline = rules.signing_deadline(notice_on);
    let due_by = rules.award_notice_due(calendar, today);
    let winner_name = ranking
        .names
        .get(&chosen.contractor_id)
        .cloned()
        .unwrap_or_default();
    let (winner_code, winner_region) = winner_identity(conn, chosen.contractor_id)?;
    let body = bodies::render_award(&AwardBody {
        header: notice_header(conn, rules, &project)?,
        winner_name,
        winner_code,
        winner_region,
        price: chosen.price,
        service_start: project.service_start,
        service_end: project.service_end,
        evaluators: ranking
            .panel
            .iter()
            .map(|m| m.display_name.clone())
            .collect(),
        ranking: ranking
            .rows
            .iter()
            .map(|r| {
                let name = ranking
                    .names
                    .get(&r.contractor_id)
                    .cloned()
                    .unwrap_or_default();
                (r.rank, name, r.price, r.total)
            })
            .collect(),
        notice_period_end: period_end,
        challenge_deadline,
        reason: reason.clone(),
    })
    .map_err(AppError::internal)?;
    let bid_id = chosen.bid_id;
    let contractor_id = chosen.contractor_id;
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        projects_model::set_status(conn, project_id, from, to, None, now)?;
        // Holding the project row now, make sure no score changed since the ranking was read
        // (the notice shows that ranking) and the bid is still qualified.
        if compute_ranking(conn, project_id)?.rows != ranking.rows {
            return Err(AppError::Conflict(
                "评分在确定中标人期间发生变化，请刷新排名后重试".to_owned(),
            ));
        }
        let bid = model::bid(conn, project_id, bid_id)?;
        if bid.status != QUALIFIED {
            return Err(AppError::Conflict(
                "所选投标已不再合格，请刷新后重试".to_owned(),
            ));
        }
        let row: AwardRow = diesel::insert_into(awards::table)
            .values((
                awards::project_id.eq(project_id),
                awards::bid_id.eq(bid_id),
                awards::contractor_id.eq(contractor_id),
                awards::price_fen.eq(bid.price_fen),
                awards::reason.eq(reason.as_deref()),
                awards::decided_at.eq(now),
                awards::notice_on.eq(notice_on),
                awards::challenge_deadline.eq(challenge_deadline),
                awards::signing_deadline.eq(signing_deadline),
                awards::active.eq(true),
                awards::decided_by.eq(Some(user.id)),
            ))
            .returning(awards::all_columns)
            .get_result(conn)?;
        notices::publish(
            conn,
            &actor,
            &NewNotice {
                kind: NoticeKind::Award,
                project_id: Some(project_id),
                purchaser_id: project.purchaser_id,
                region_code: project.region_code.clone(),
                title: bodies::title(NoticeKind::Award, &project.title),
                body_html: body.clone(),
                due_by: Some(due_by),
                created_by: Some(user.id),
            },
        )?;
        let view = award_view(conn, rules, calendar, &row)?;
        audit::record(
            conn,
            &actor,
            "project.award",
            "project",
            &project_id.to_string(),
            Some(&json!({ "status": from.as_str() })),
            Some(&json!({ "status": to.as_str(), "award": view })),
        )?;
        crate::notify::events::award_decided(conn, now, row.id)?;
        Ok(view)
    })
}

/// The active award of a project (public once awarded); `404` when there is none.
pub fn show_award(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    project_id: i64,
) -> AppResult<AwardView> {
    projects_model::get(conn, project_id)?;
    let award = model::active_award(conn, project_id)?
        .ok_or_else(|| AppError::NotFound("该项目尚未确定中标人".to_owned()))?;
    award_view(conn, rules, calendar, &award)
}

// -------------------------------------------------------------------------- challenges

/// Files a challenge (质疑) against the active award: a contractor user whose organization
/// bid in the current tender (else `403`); the project `awarded`; today no later than the
/// award's challenge deadline (rule `challenge_window_closed`). The answer is due
/// `challenge_answer_working_days` working days after today. Audited.
pub fn file_challenge(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    input: &ChallengeInput,
) -> AppResult<ChallengeView> {
    let project = projects_model::get(conn, project_id)?;
    let not_bidder = || AppError::Forbidden("只有参加本项目投标的供应商可以提出质疑".to_owned());
    let contractor_id = match (user.role, user.contractor_id) {
        (Role::Contractor, Some(c)) => c,
        _ => return Err(not_bidder()),
    };
    let tender = tenders_model::current(conn, project_id)?.ok_or_else(not_bidder)?;
    let bid_in_tender = model::tender_bids(conn, tender.id)?
        .iter()
        .any(|b: &BidLite| b.contractor_id == contractor_id);
    if !bid_in_tender {
        return Err(not_bidder());
    }
    ensure_status(&project, ProjectStatus::Awarded, "challenge")?;
    let mut errors = FieldErrors::new();
    let grounds = required_text(&mut errors, "grounds", &input.grounds);
    let facts = required_text(&mut errors, "facts", &input.facts);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let award = model::active_award(conn, project_id)?.ok_or_else(|| AppError::InvalidState {
        from: project.status.clone(),
        action: "challenge".to_owned(),
    })?;
    let today = shanghai_date(now);
    if today > award.challenge_deadline {
        return Err(AppError::rule(
            "challenge_window_closed",
            format!(
                "质疑期已于{}届满（中标结果公告期满后{}个工作日内），不能再提出质疑",
                zh_date(award.challenge_deadline),
                rules.challenge_working_days
            ),
        ));
    }
    let answer_due = rules.challenge_answer_due(calendar, today);
    write_tx(conn, |conn| {
        lock_project(conn, project_id, ProjectStatus::Awarded)?;
        if model::active_award(conn, project_id)?.map(|a| a.id) != Some(award.id) {
            return Err(AppError::Conflict(
                "中标结果已变更，请刷新后重试".to_owned(),
            ));
        }
        let row: ChallengeRow = diesel::insert_into(challenges::table)
            .values((
                challenges::project_id.eq(project_id),
                challenges::award_id.eq(award.id),
                challenges::contractor_id.eq(contractor_id),
                challenges::grounds.eq(&grounds),
                challenges::facts.eq(&facts),
                challenges::filed_at.eq(now),
                challenges::answer_due.eq(answer_due),
                challenges::status.eq("pending"),
            ))
            .returning(challenges::all_columns)
            .get_result(conn)?;
        let view = row.view();
        audit::record(
            conn,
            &user.actor(now),
            "challenge.file",
            "challenge",
            &row.id.to_string(),
            None,
            Some(&json!(view)),
        )?;
        crate::notify::events::challenge_filed(conn, now, row.id)?;
        Ok(view)
    })
}

/// The challenges of a project: all of them for the purchaser's officers, auditors and
/// admins; a bidder sees its own.
pub fn list_challenges(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    project_id: i64,
) -> AppResult<Vec<ChallengeView>> {
    let project = projects_model::get(conn, project_id)?;
    let only = match user.role {
        Role::Admin | Role::Auditor => None,
        Role::Officer if user.purchaser_id == Some(project.purchaser_id) => None,
        Role::Contractor if user.contractor_id.is_some() => user.contractor_id,
        _ => {
            return Err(AppError::Forbidden("无权查看该项目的质疑".to_owned()));
        }
    };
    Ok(model::challenges_of(conn, project_id, only)?
        .iter()
        .map(ChallengeRow::view)
        .collect())
}

/// Answers a pending challenge (officer of the purchaser), audited.
///
/// - `rejected`: the answer is recorded; the award stands.
/// - `upheld`: the challenged award becomes inactive and its bid `disqualified` with the
///   answer as reason; the project goes `awarded → evaluating` (`uphold_challenge`). When no
///   qualified bid remains it then fails (`fail`) with a failure notice. When the award was
///   already voided by another upheld challenge, the answer is only recorded.
pub fn answer_challenge(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    user: &CurrentUser,
    now: NaiveDateTime,
    challenge_id: i64,
    input: &AnswerInput,
) -> AppResult<AnswerView> {
    let challenge = model::challenge(conn, challenge_id)?;
    let project = projects_model::get(conn, challenge.project_id)?;
    ensure_officer_of(user, project.purchaser_id)?;
    if challenge.status != "pending" {
        return Err(AppError::InvalidState {
            from: challenge.status.clone(),
            action: "answer".to_owned(),
        });
    }
    let mut errors = FieldErrors::new();
    let upheld = match input.decision.as_str() {
        "upheld" => true,
        "rejected" => false,
        _ => {
            push(&mut errors, "decision", "须为 upheld 或 rejected");
            false
        }
    };
    let answer = required_text(&mut errors, "answer", &input.answer);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let award = model::award(conn, challenge.award_id)?.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("award {} missing", challenge.award_id))
    })?;
    let voids_award = upheld && award.active;
    let from = project.status()?;
    // Check the moves before writing anything.
    let (reopened, failed_to) = if voids_award {
        let reopened = transition(from, ProjectAction::UpholdChallenge)?;
        (
            Some(reopened),
            Some(transition(reopened, ProjectAction::Fail)?),
        )
    } else {
        (None, None)
    };
    let failure_body = if voids_award {
        let tender = opened_tender(conn, project.id)?;
        let remaining = model::qualified_bids(conn, tender.id)?
            .iter()
            .filter(|b| b.id != award.bid_id)
            .count();
        if remaining == 0 {
            Some(
                bodies::render_failure(&FailureBody {
                    header: notice_header(conn, rules, &project)?,
                    reason: failure_reason(&answer),
                    shortfall: Some((
                        0,
                        rules.method(&project.method).map_or(1, |m| m.min_suppliers),
                    )),
                })
                .map_err(AppError::internal)?,
            )
        } else {
            None
        }
    } else {
        None
    };
    let status = if upheld { "upheld" } else { "rejected" };
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        model::answer_challenge(conn, challenge_id, status, &answer, user.id, now)?;
        let mut project_status = from;
        if let (Some(reopened), Some(failed)) = (reopened, failed_to) {
            model::deactivate_award(conn, award.id)?;
            model::disqualify_bid(conn, award.bid_id, &format!("质疑成立：{answer}"))?;
            projects_model::set_status(conn, project.id, from, reopened, None, now)?;
            project_status = reopened;
            if let Some(body) = &failure_body {
                let reason = failure_reason(&answer);
                projects_model::set_status(conn, project.id, reopened, failed, Some(&reason), now)?;
                project_status = failed;
                notices::publish(
                    conn,
                    &actor,
                    &NewNotice {
                        kind: NoticeKind::Failure,
                        project_id: Some(project.id),
                        purchaser_id: project.purchaser_id,
                        region_code: project.region_code.clone(),
                        title: bodies::title(NoticeKind::Failure, &project.title),
                        body_html: body.clone(),
                        // A result of the procurement like the award notice: due within
                        // the same working days; published at once, so on time.
                        due_by: Some(rules.award_notice_due(calendar, shanghai_date(now))),
                        created_by: Some(user.id),
                    },
                )?;
            }
        }
        let row = model::challenge(conn, challenge_id)?;
        let view = row.view();
        audit::record(
            conn,
            &actor,
            "challenge.answer",
            "challenge",
            &challenge_id.to_string(),
            Some(&json!({ "status": "pending", "project_status": from.as_str() })),
            Some(&json!({
                "status": status,
                "answer": answer,
                "award_voided": voids_award,
                "project_status": project_status.as_str(),
            })),
        )?;
        crate::notify::events::challenge_answered(conn, now, challenge_id)?;
        Ok(AnswerView {
            challenge: view,
            project_status: project_status.as_str().to_owned(),
        })
    })
}

fn failure_reason(answer: &str) -> String {
    format!("质疑成立，中标结果无效，且无其他合格投标：{answer}")
}

/// `2026年5月6日`.
fn zh_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn criterion(code: &str, max_centi: i64) -> CriterionRow {
        CriterionRow {
            id: 1,
            tender_id: 1,
            code: code.to_owned(),
            name: code.to_owned(),
            max_points_centi: max_centi,
            position: 0,
        }
    }

    #[test]
    fn points_accept_strings_and_numbers_up_to_two_decimals() {
        let max = dec!(40);
        assert_eq!(parse_points(&json!("35.5"), max), Ok(3550));
        assert_eq!(parse_points(&json!(" 12 "), max), Ok(1200));
        assert_eq!(parse_points(&json!(9.75), max), Ok(975));
        assert_eq!(parse_points(&json!(0), max), Ok(0));
        assert_eq!(parse_points(&json!("40.00"), max), Ok(4000));
        assert_eq!(parse_points(&json!("8.500"), max), Ok(850));
        for bad in [
            json!("40.01"),
            json!(-0.01),
            json!("8.555"),
            json!("八"),
            json!(null),
            json!(true),
            json!([1]),
            json!("1e2"),
        ] {
            assert!(parse_points(&bad, max).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_problem_of_a_sheet_is_named_by_its_code() {
        let criteria = [criterion("plan", 4000), criterion("team", 2000)];
        let sheet: BTreeMap<String, Value> =
            serde_json::from_value(json!({"plan": 41, "extra": 1})).expect("map");
        match check_scores(&criteria, &sheet) {
            Err(AppError::Validation(fields)) => {
                let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
                assert_eq!(keys, ["scores.extra", "scores.plan", "scores.team"]);
            }
            other => panic!("expected field errors, got {other:?}"),
        }
        let sheet: BTreeMap<String, Value> =
            serde_json::from_value(json!({"team": "20", "plan": 0.5})).expect("map");
        assert_eq!(
            check_scores(&criteria, &sheet).expect("valid"),
            [("plan".to_owned(), 50), ("team".to_owned(), 2000)]
        );
    }
}
