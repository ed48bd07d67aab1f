//! Use cases of performance evaluation: opening (by the job or an officer, exactly once per
//! contract and kind), assigning evaluators with 回避, score sheets, and the grading that
//! follows the last sheet — total, grade, result notice and feedback in one transaction.
//!
//! Concurrency: evaluator changes and score sheets first "touch" the evaluation row with a
//! conditional no-op update on `status = 'open'` ([`model::lock_open`]). On PostgreSQL that
//! takes the row lock, so two last score sheets cannot both grade and a late evaluator change
//! cannot slip past a first score; on SQLite [`write_tx`] already serializes writers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::feedback;
use super::model::{self, ContractLite, EvaluationKind, EvaluationRow, OPEN};
use crate::audit::{self, Actor};
use crate::auth::{CurrentUser, Role};
use crate::calendar::Calendar;
use crate::clock::shanghai_date;
use crate::config::IndicatorSettings;
use crate::db::schema::{contractors, users};
use crate::db::{AnyConnection, is_unique_violation, write_tx};
use crate::disclosure::bodies;
use crate::disclosure::evaluation_bodies::{self, EvaluationBody, IndicatorLine};
use crate::disclosure::notices::{self, NewNotice, NoticeKind};
use crate::domain::grades::{self, Grade};
use crate::domain::money::from_fen;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::procurement::access::ensure_officer_of;
use crate::procurement::projects::model as projects_model;
use crate::procurement::projects::service::notice_header;
use crate::procurement::rules::ProcurementRules;
use crate::purchasers::service::push;

/// The most evaluators one evaluation takes (a sanity bound).
pub const MAX_EVALUATORS: usize = 49;

/// The longest comment in characters.
const MAX_COMMENT: usize = 5000;

/// Working days within which the result notice is due.
const NOTICE_DUE_WORKING_DAYS: u32 = 2;

/// What grading needs besides the database: the indicator system, the procurement rules
/// (for the notice header) and the calendar (for the notice's due date).
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The configured indicator system.
    pub indicators: &'a [IndicatorSettings],
    /// Procurement method rules.
    pub rules: &'a ProcurementRules,
    /// Working-day calendar.
    pub calendar: &'a Calendar,
}

// ------------------------------------------------------------------------------ inputs

/// `POST /api/v1/contracts/{id}/evaluations`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenInput {
    /// `midterm` or `final`.
    pub kind: String,
}

/// `PUT /api/v1/evaluations/{id}/evaluators`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluatorsInput {
    /// User ids of evaluators (role `evaluator`), at least one, none linked to the contractor.
    pub evaluator_ids: Vec<i64>,
}

/// `PUT /api/v1/evaluations/{id}/scores`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoresInput {
    /// Indicator code → points (a decimal string or number, 0 ≤ points ≤ the indicator's
    /// maximum, at most 2 decimals). Every indicator must be present.
    #[schema(value_type = Object)]
    pub scores: BTreeMap<String, Value>,
    /// The evaluator's comment.
    #[serde(default)]
    pub comment: Option<String>,
}

// ------------------------------------------------------------------------------- views

/// One indicator of the system.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorView {
    /// Code, e.g. `management`.
    pub code: String,
    /// Name, e.g. 服务管理.
    pub name: String,
    /// Maximum points.
    pub max_points: u32,
}

/// One assigned evaluator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluatorView {
    /// User id.
    pub id: i64,
    /// Name.
    pub display_name: String,
    /// Whether the evaluator has handed in a score sheet.
    pub scored: bool,
}

/// A performance evaluation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// `midterm | final`.
    pub kind: String,
    /// 中期评价 | 终期评价.
    pub kind_label: String,
    /// `open | graded`.
    pub status: String,
    /// Opened (RFC 3339).
    pub opened_at: String,
    /// The indicator system.
    pub indicators: Vec<IndicatorView>,
    /// Assigned evaluators.
    pub evaluators: Vec<EvaluatorView>,
    /// Mean of the evaluators' totals (2 decimals, half-up), once graded.
    pub total: Option<String>,
    /// `excellent | good | pass | fail`, once graded.
    pub grade: Option<String>,
    /// 优秀 | 良好 | 合格 | 不合格, once graded.
    pub grade_label: Option<String>,
    /// Graded (RFC 3339).
    pub graded_at: Option<String>,
}

/// The indicator system as shown.
fn indicator_views(indicators: &[IndicatorSettings]) -> Vec<IndicatorView> {
    indicators
        .iter()
        .map(|i| IndicatorView {
            code: i.code.clone(),
            name: i.name.clone(),
            max_points: i.max_points,
        })
        .collect()
}

/// Hundredths as `"80.00"`.
fn centi_text(centi: i64) -> String {
    format!("{:.2}", Decimal::new(centi, 2))
}

/// The view of an evaluation.
pub fn view(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    row: &EvaluationRow,
) -> AppResult<EvaluationView> {
    let kind = row.kind()?;
    let scored: HashSet<i64> = model::scores(conn, row.id)?
        .into_iter()
        .map(|(evaluator, _, _)| evaluator)
        .collect();
    let grade = row.grade.as_deref().and_then(Grade::parse);
    Ok(EvaluationView {
        id: row.id,
        contract_id: row.contract_id,
        kind: kind.as_str().to_owned(),
        kind_label: kind.label().to_owned(),
        status: row.status.clone(),
        opened_at: crate::clock::rfc3339(row.opened_at),
        indicators: indicator_views(indicators),
        evaluators: model::assignees(conn, row.id)?
            .into_iter()
            .map(|a| EvaluatorView {
                scored: scored.contains(&a.id),
                id: a.id,
                display_name: a.display_name,
            })
            .collect(),
        total: row.total_centi.map(centi_text),
        grade: grade.map(|g| g.as_str().to_owned()),
        grade_label: grade.map(|g| g.label().to_owned()),
        graded_at: row.graded_at.map(crate::clock::rfc3339),
    })
}

// ----------------------------------------------------------------------------- access

/// Whether the caller is a party of the contract: an officer of its purchaser or a user of
/// its contractor.
fn is_party(user: &CurrentUser, contract: &ContractLite) -> bool {
    match user.role {
        Role::Officer => user.purchaser_id == Some(contract.purchaser_id),
        Role::Contractor => user.contractor_id == Some(contract.contractor_id),
        _ => false,
    }
}

/// `403` unless the caller may read the contract's evaluations: parties, auditors, admins.
fn ensure_can_read_contract(user: &CurrentUser, contract: &ContractLite) -> AppResult<()> {
    if matches!(user.role, Role::Admin | Role::Auditor) || is_party(user, contract) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有合同双方和监督人员可以查看绩效评价".to_owned(),
        ))
    }
}

// -------------------------------------------------------------------------------- open

/// Opens the evaluation of `kind` unless it exists: checks, then inserts in a savepoint (a
/// nested [`write_tx`]) with its audit row, and treats a unique violation — another run won
/// the race — as "already there". Returns the new row, or `None` when it existed. Call inside
/// the caller's [`write_tx`].
pub fn open_if_absent(
    conn: &mut AnyConnection,
    actor: &Actor,
    contract: &ContractLite,
    kind: EvaluationKind,
) -> AppResult<Option<EvaluationRow>> {
    if model::exists(conn, contract.id, kind)? {
        return Ok(None);
    }
    let inserted = write_tx(conn, |conn| {
        let row = model::insert(conn, contract.id, kind, actor.user_id, actor.at)?;
        audit::record(
            conn,
            actor,
            "evaluation.open",
            "performance_evaluation",
            &row.id.to_string(),
            None,
            Some(&json!({
                "contract_id": contract.id,
                "kind": kind.as_str(),
                "status": OPEN,
            })),
        )?;
        Ok::<_, diesel::result::Error>(row)
    });
    match inserted {
        Ok(row) => Ok(Some(row)),
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Opens every evaluation that is due on `now`'s Shanghai date for every active contract
/// (mid-term from the midpoint of the service period, final from its last day), each exactly
/// once. [`crate::jobs::TX_BATCH`] contracts per transaction. Returns how many were opened.
pub fn open_due(conn: &mut AnyConnection, now: NaiveDateTime) -> AppResult<usize> {
    let today = shanghai_date(now);
    let actor = Actor::system("job:create_evaluations", now);
    let due: Vec<(model::ContractLite, Vec<EvaluationKind>)> = model::active_started(conn, today)?
        .into_iter()
        .filter_map(|contract| {
            let kinds: Vec<EvaluationKind> = EvaluationKind::ALL
                .into_iter()
                .filter(|k| today >= k.due_on(contract.service_start, contract.service_end))
                .collect();
            (!kinds.is_empty()).then_some((contract, kinds))
        })
        .collect();
    let mut opened = 0;
    for batch in due.chunks(crate::jobs::TX_BATCH) {
        opened += write_tx(conn, |conn| {
            let mut n = 0;
            for (contract, kinds) in batch {
                for kind in kinds {
                    if open_if_absent(conn, &actor, contract, *kind)?.is_some() {
                        n += 1;
                    }
                }
            }
            Ok::<_, AppError>(n)
        })?;
    }
    Ok(opened)
}

/// Opens an evaluation by hand (officer of the purchaser; contract `active`); `409` when it
/// exists.
pub fn open(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    user: &CurrentUser,
    now: NaiveDateTime,
    contract_id: i64,
    input: &OpenInput,
) -> AppResult<EvaluationView> {
    let contract = model::contract(conn, contract_id)?;
    ensure_officer_of(user, contract.purchaser_id)?;
    let Some(kind) = EvaluationKind::parse(input.kind.trim()) else {
        return Err(AppError::field("kind", "须为 midterm 或 final"));
    };
    if contract.status != model::ACTIVE {
        return Err(AppError::InvalidState {
            from: contract.status.clone(),
            action: "open_evaluation".to_owned(),
        });
    }
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        match open_if_absent(conn, &actor, &contract, kind)? {
            Some(row) => view(conn, indicators, &row),
            None => Err(AppError::Conflict(format!(
                "该合同的{}已开启",
                kind.label()
            ))),
        }
    })
}

/// The evaluations of a contract (parties, auditor, admin).
pub fn list(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    user: &CurrentUser,
    contract_id: i64,
) -> AppResult<Vec<EvaluationView>> {
    let contract = model::contract(conn, contract_id)?;
    ensure_can_read_contract(user, &contract)?;
    model::of_contract(conn, contract_id)?
        .iter()
        .map(|row| view(conn, indicators, row))
        .collect()
}

/// One evaluation (parties, assigned evaluators, auditor, admin).
pub fn show(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    user: &CurrentUser,
    id: i64,
) -> AppResult<EvaluationView> {
    let row = model::get(conn, id)?;
    let contract = model::contract(conn, row.contract_id)?;
    let allowed = matches!(user.role, Role::Admin | Role::Auditor)
        || is_party(user, &contract)
        || (user.role == Role::Evaluator && model::is_assigned(conn, id, user.id)?);
    if !allowed {
        return Err(AppError::Forbidden(
            "只有合同双方、评价人员和监督人员可以查看绩效评价".to_owned(),
        ));
    }
    view(conn, indicators, &row)
}

// -------------------------------------------------------------------------- evaluators

/// `409 invalid_state` unless the evaluation is open.
fn ensure_open(row: &EvaluationRow, action: &str) -> AppResult<()> {
    if row.status == OPEN {
        Ok(())
    } else {
        Err(AppError::InvalidState {
            from: row.status.clone(),
            action: action.to_owned(),
        })
    }
}

fn contractor_name(conn: &mut AnyConnection, id: i64) -> AppResult<String> {
    Ok(contractors::table
        .find(id)
        .select(contractors::name)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_default())
}

/// Assigns (or replaces) the evaluators (officer of the purchaser; evaluation open; before
/// any score, else `409`), audited.
///
/// - at least one, at most [`MAX_EVALUATORS`], no duplicates; each an active user with role
///   `evaluator` (field `evaluator_ids`);
/// - 回避 (rule `evaluator_conflict`): no evaluator linked to the contractor
///   (`users.contractor_id` = the contract's contractor).
pub fn set_evaluators(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    user: &CurrentUser,
    now: NaiveDateTime,
    id: i64,
    input: &EvaluatorsInput,
) -> AppResult<EvaluationView> {
    let row = model::get(conn, id)?;
    let contract = model::contract(conn, row.contract_id)?;
    ensure_officer_of(user, contract.purchaser_id)?;
    ensure_open(&row, "set_evaluators")?;
    let mut errors = FieldErrors::new();
    if input.evaluator_ids.is_empty() {
        push(&mut errors, "evaluator_ids", "至少指定一名评价人员");
    }
    if input.evaluator_ids.len() > MAX_EVALUATORS {
        push(
            &mut errors,
            "evaluator_ids",
            format!("最多 {MAX_EVALUATORS} 名评价人员"),
        );
    }
    let mut seen = HashSet::new();
    for evaluator in &input.evaluator_ids {
        if !seen.insert(*evaluator) {
            push(
                &mut errors,
                "evaluator_ids",
                format!("用户 {evaluator} 重复"),
            );
        }
    }
    let mut members: Vec<(i64, String, Option<i64>)> = Vec::new();
    if input.evaluator_ids.len() <= MAX_EVALUATORS {
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
        for evaluator in seen
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<i64>>()
        {
            match found.get(&evaluator) {
                None => push(
                    &mut errors,
                    "evaluator_ids",
                    format!("用户 {evaluator} 不存在"),
                ),
                Some((_, role, _, _, _)) if role != Role::Evaluator.as_str() => push(
                    &mut errors,
                    "evaluator_ids",
                    format!("用户 {evaluator} 不是评价人员（评审专家）"),
                ),
                Some((_, _, _, false, _)) => push(
                    &mut errors,
                    "evaluator_ids",
                    format!("用户 {evaluator} 已停用"),
                ),
                Some((_, _, name, true, employer)) => {
                    members.push((evaluator, name.clone(), *employer))
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let conflicts: Vec<String> = members
        .iter()
        .filter(|(_, _, employer)| *employer == Some(contract.contractor_id))
        .map(|(evaluator, name, _)| format!("{name}（用户 {evaluator}）"))
        .collect();
    if !conflicts.is_empty() {
        let org = contractor_name(conn, contract.contractor_id)?;
        return Err(AppError::rule(
            "evaluator_conflict",
            format!(
                "评价人员与承接主体{org}存在关联，应当回避：{}",
                conflicts.join("、")
            ),
        ));
    }
    let before: Vec<i64> = model::assignees(conn, id)?.iter().map(|a| a.id).collect();
    let after: Vec<i64> = members.iter().map(|m| m.0).collect();
    write_tx(conn, |conn| {
        if !model::lock_open(conn, id)? {
            return Err(AppError::Conflict(
                "绩效评价已完成，不能更换评价人员".to_owned(),
            ));
        }
        if model::any_score(conn, id)? {
            return Err(AppError::Conflict(
                "评价已开始（已有评分），不能更换评价人员".to_owned(),
            ));
        }
        model::replace_assignees(conn, id, &after)?;
        audit::record(
            conn,
            &user.actor(now),
            "evaluation.set_evaluators",
            "performance_evaluation",
            &id.to_string(),
            Some(&json!({ "evaluator_ids": before })),
            Some(&json!({ "evaluator_ids": after })),
        )?;
        crate::notify::events::evaluation_assigned(conn, now, id)?;
        let row = model::get(conn, id)?;
        view(conn, indicators, &row)
    })
}

// ------------------------------------------------------------------------------ scores

/// Parses one score: a decimal string or number with at most 2 decimals within
/// `0..=max`; returns hundredths.
fn parse_points(value: &Value, max: u32) -> Result<i64, String> {
    let parsed = match value {
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    };
    let Some(points) = parsed else {
        return Err("须为数字，如 \"18.5\"".to_owned());
    };
    if points.round_dp(2) != points {
        return Err("最多两位小数".to_owned());
    }
    if points < Decimal::ZERO || points > Decimal::from(max) {
        return Err(format!("须在 0 到 {max} 分之间"));
    }
    (points * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or_else(|| "分值超出范围".to_owned())
}

/// Checks a score sheet against the indicator system; every error is keyed
/// `scores.<code>` (and `comment`). Returns `(code, hundredths)` in indicator order.
fn check_scores(
    indicators: &[IndicatorSettings],
    input: &ScoresInput,
) -> AppResult<Vec<(String, i64)>> {
    let mut errors = FieldErrors::new();
    let mut points = Vec::with_capacity(indicators.len());
    for indicator in indicators {
        let field = format!("scores.{}", indicator.code);
        match input.scores.get(&indicator.code) {
            None => push(&mut errors, &field, format!("必填（{}）", indicator.name)),
            Some(value) => match parse_points(value, indicator.max_points) {
                Ok(centi) => points.push((indicator.code.clone(), centi)),
                Err(message) => push(&mut errors, &field, message),
            },
        }
    }
    for code in input.scores.keys() {
        if !indicators.iter().any(|i| &i.code == code) {
            push(
                &mut errors,
                &format!("scores.{code}"),
                "指标体系中没有该指标",
            );
        }
    }
    if let Some(comment) = &input.comment
        && comment.chars().count() > MAX_COMMENT
    {
        push(&mut errors, "comment", format!("最多 {MAX_COMMENT} 个字符"));
    }
    if errors.is_empty() {
        Ok(points)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Records (or replaces, while the evaluation is open) an assigned evaluator's score sheet,
/// audited. Every indicator must be scored (errors keyed `scores.<code>`). When every
/// assigned evaluator has a sheet, the evaluation is graded in the same transaction
/// ([`grade_in_tx`]).
pub fn score(
    conn: &mut AnyConnection,
    env: Env<'_>,
    user: &CurrentUser,
    now: NaiveDateTime,
    id: i64,
    input: &ScoresInput,
) -> AppResult<EvaluationView> {
    let row = model::get(conn, id)?;
    if user.role != Role::Evaluator || !model::is_assigned(conn, id, user.id)? {
        return Err(AppError::Forbidden(
            "只有被指定的评价人员可以评分".to_owned(),
        ));
    }
    ensure_open(&row, "score")?;
    let contract = model::contract(conn, row.contract_id)?;
    if user.contractor_id == Some(contract.contractor_id) {
        return Err(AppError::rule(
            "evaluator_conflict",
            format!(
                "评价人员{}与承接主体{}存在关联，应当回避",
                user.display_name,
                contractor_name(conn, contract.contractor_id)?
            ),
        ));
    }
    let points = check_scores(env.indicators, input)?;
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    write_tx(conn, |conn| {
        if !model::lock_open(conn, id)? {
            return Err(AppError::InvalidState {
                from: model::GRADED.to_owned(),
                action: "score".to_owned(),
            });
        }
        if !model::is_assigned(conn, id, user.id)? {
            return Err(AppError::Forbidden(
                "只有被指定的评价人员可以评分".to_owned(),
            ));
        }
        model::replace_scores(conn, id, user.id, &points, comment, now)?;
        let total: i64 = points.iter().map(|(_, c)| c).sum();
        audit::record(
            conn,
            &user.actor(now),
            "evaluation.score",
            "performance_evaluation",
            &id.to_string(),
            None,
            Some(&json!({
                "evaluator_id": user.id,
                "scores": points.iter().map(|(c, p)| (c.clone(), centi_text(*p))).collect::<BTreeMap<_, _>>(),
                "total": centi_text(total),
            })),
        )?;
        if all_scored(conn, env.indicators, id)? {
            grade_in_tx(conn, env, &user.actor(now), &contract, id)?;
        }
        let row = model::get(conn, id)?;
        view(conn, env.indicators, &row)
    })
}

/// Whether every assigned evaluator has scored every indicator.
fn all_scored(
    conn: &mut AnyConnection,
    indicators: &[IndicatorSettings],
    id: i64,
) -> AppResult<bool> {
    let assigned = model::assignees(conn, id)?;
    if assigned.is_empty() {
        return Ok(false);
    }
    let mut per: HashMap<i64, usize> = HashMap::new();
    for (evaluator, _, _) in model::scores(conn, id)? {
        *per.entry(evaluator).or_default() += 1;
    }
    Ok(assigned
        .iter()
        .all(|a| per.get(&a.id).copied().unwrap_or(0) >= indicators.len()))
}

/// Grades an open evaluation whose every evaluator has scored: total = the mean of the
/// evaluators' totals (half-up, 2 decimals), grade per DOMAIN §7, the result notice
/// (published at once, due two working days after grading) and the feedback
/// ([`feedback::apply`]), audited. Call inside [`write_tx`].
fn grade_in_tx(
    conn: &mut AnyConnection,
    env: Env<'_>,
    actor: &Actor,
    contract: &ContractLite,
    id: i64,
) -> AppResult<()> {
    let row = model::get(conn, id)?;
    let kind = row.kind()?;
    let now = actor.at;
    let assigned = model::assignees(conn, id)?;
    let lines = model::scores(conn, id)?;
    let mut per_evaluator: BTreeMap<i64, i64> = BTreeMap::new();
    let mut per_indicator: BTreeMap<String, Vec<Decimal>> = BTreeMap::new();
    for (evaluator, code, centi) in &lines {
        *per_evaluator.entry(*evaluator).or_default() += centi;
        per_indicator
            .entry(code.clone())
            .or_default()
            .push(Decimal::new(*centi, 2));
    }
    let totals: Vec<Decimal> = assigned
        .iter()
        .map(|a| Decimal::new(per_evaluator.get(&a.id).copied().unwrap_or(0), 2))
        .collect();
    let total = grades::mean_half_up(&totals)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("evaluation {id} has no totals")))?;
    let grade = grades::grade(total);
    let total_centi = (total * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("total {total} out of range")))?;
    if !model::set_graded(conn, id, total_centi, grade.as_str(), now)? {
        return Err(AppError::Conflict("绩效评价已完成".to_owned()));
    }
    let applied = feedback::apply(conn, contract, id, kind, grade, total, now)?;

    // The result notice.
    let project = projects_model::get(conn, contract.project_id)?;
    let today = shanghai_date(now);
    let body = evaluation_bodies::render_evaluation(&EvaluationBody {
        header: notice_header(conn, env.rules, &project)?,
        contract_number: contract.number.clone(),
        contractor_name: contractor_name(conn, contract.contractor_id)?,
        contract_amount: from_fen(contract.amount_fen),
        service_start: contract.service_start,
        service_end: contract.service_end,
        kind_label: kind.label().to_owned(),
        graded_on: today,
        evaluators: assigned.iter().map(|a| a.display_name.clone()).collect(),
        indicators: env
            .indicators
            .iter()
            .map(|i| IndicatorLine {
                name: i.name.clone(),
                max_points: Decimal::from(i.max_points),
                mean_points: per_indicator
                    .get(&i.code)
                    .and_then(|v| grades::mean_half_up(v))
                    .unwrap_or(Decimal::ZERO),
            })
            .collect(),
        total,
        grade_label: grade.label().to_owned(),
        consequences: applied.sentences.clone(),
    })
    .map_err(AppError::internal)?;
    let notice = notices::publish(
        conn,
        actor,
        &NewNotice {
            kind: NoticeKind::Evaluation,
            project_id: Some(project.id),
            purchaser_id: contract.purchaser_id,
            region_code: project.region_code.clone(),
            title: format!(
                "{}（{}）",
                bodies::title(NoticeKind::Evaluation, &project.title),
                kind.label()
            ),
            body_html: body,
            due_by: Some(
                env.calendar
                    .add_working_days(today, NOTICE_DUE_WORKING_DAYS),
            ),
            created_by: actor.user_id,
        },
    )?;
    audit::record(
        conn,
        actor,
        "evaluation.grade",
        "performance_evaluation",
        &id.to_string(),
        Some(&json!({ "status": OPEN })),
        Some(&json!({
            "status": model::GRADED,
            "total": format!("{total:.2}"),
            "grade": grade.as_str(),
            "notice_id": notice.id,
            "feedback": applied.summary,
        })),
    )?;
    crate::notify::events::evaluation_graded(conn, now, id, &applied.sentences)?;
    crate::notify::events::payments_due(conn, now, contract.id)?;
    // A graded final evaluation may complete the contract (and its project) when every
    // installment is already paid or withheld.
    if kind == EvaluationKind::Final {
        crate::contracts::service::complete_if_done(conn, contract.id, now)?;
    }
    Ok(())
}
