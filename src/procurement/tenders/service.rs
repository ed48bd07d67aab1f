//! Publishing the tender (采购公告): every rule of the method, the maximum price, the price
//! weight and criteria, requirements and invitations, then the tender notice.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{self, CriterionRow, TenderRow};
use crate::audit;
use crate::auth::CurrentUser;
use crate::calendar::Calendar;
use crate::clock::shanghai_date;
use crate::db::schema::{notices as notice_table, tender_criteria, tender_invitations, tenders};
use crate::db::{AnyConnection, write_tx};
use crate::disclosure::bodies::{self, CriterionLine, TenderBody};
use crate::disclosure::notices::{self, NewNotice, NoticeKind};
use crate::domain::money::{from_fen, to_fen};
use crate::domain::project_status::{ProjectAction, transition};
use crate::domain::qualification;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::procurement::access::ensure_officer_of;
use crate::procurement::projects::model as projects;
use crate::procurement::projects::service::notice_header;
use crate::procurement::rules::ProcurementRules;
use crate::purchasers::service::push;

/// One scoring criterion (技术评分项).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionInput {
    /// Code, e.g. `plan`.
    pub code: String,
    /// Name, e.g. 服务方案.
    pub name: String,
    /// Maximum points, e.g. `"40"`.
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub max_points: Decimal,
}

/// Qualification requirements beyond the base ones.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementsInput {
    /// Minimum full-time staff.
    #[serde(default)]
    pub min_full_time_staff: i32,
    /// Minimum certified social workers.
    #[serde(default)]
    pub min_certified_social_workers: i32,
    /// Minimum whole years since establishment.
    #[serde(default)]
    pub min_years_established: i32,
}

/// `POST /api/v1/projects/{id}/tender`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishTender {
    /// Bid deadline, RFC 3339 (e.g. `2026-04-20T09:00:00+08:00`).
    pub bid_deadline: String,
    /// Maximum price (元), at most the project budget.
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub max_price: Decimal,
    /// `comprehensive` (综合评分法, 低价优先) or `lowest_price` (最低评标价法).
    pub award_method: String,
    /// Price weight for `comprehensive`, e.g. `"0.30"`.
    #[serde(default, with = "crate::extract::money_opt")]
    #[schema(value_type = Option<String>)]
    pub price_weight: Option<Decimal>,
    /// Technical criteria; with the price weight they make 100 points.
    #[serde(default)]
    pub criteria: Vec<CriterionInput>,
    /// Qualification requirements.
    #[serde(default)]
    pub requirements: RequirementsInput,
    /// Invited contractors (methods that need invitation).
    #[serde(default)]
    pub invited_contractor_ids: Vec<i64>,
}

/// A criterion in a response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CriterionView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Maximum points.
    pub max_points: String,
}

/// The published tender (public once published).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TenderView {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Round (2 after a re-tender).
    pub round: i32,
    /// RFC 3339 deadline.
    pub bid_deadline: String,
    /// Maximum price (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub max_price: Decimal,
    /// Award method.
    pub award_method: String,
    /// Price weight (`0.30`).
    pub price_weight: String,
    /// Criteria.
    pub criteria: Vec<CriterionView>,
    /// Requirements.
    pub requirements: RequirementsInput,
    /// Invited contractors.
    pub invited_contractor_ids: Vec<i64>,
    /// Published (RFC 3339).
    pub published_at: String,
    /// Opened (RFC 3339).
    pub opened_at: Option<String>,
}

/// The view of a tender.
pub fn view(conn: &mut AnyConnection, tender: &TenderRow) -> AppResult<TenderView> {
    let criteria = model::criteria(conn, tender.id)?;
    Ok(TenderView {
        id: tender.id,
        project_id: tender.project_id,
        round: tender.round,
        bid_deadline: crate::clock::rfc3339(tender.bid_deadline),
        max_price: from_fen(tender.max_price_fen),
        award_method: tender.award_method.clone(),
        price_weight: format!("{:.2}", tender.price_weight()),
        criteria: criteria.iter().map(criterion_view).collect(),
        requirements: RequirementsInput {
            min_full_time_staff: tender.min_full_time_staff,
            min_certified_social_workers: tender.min_certified_social_workers,
            min_years_established: tender.min_years_established,
        },
        invited_contractor_ids: model::invited(conn, tender.id)?,
        published_at: crate::clock::rfc3339(tender.published_at),
        opened_at: tender.opened_at.map(crate::clock::rfc3339),
    })
}

fn criterion_view(c: &CriterionRow) -> CriterionView {
    CriterionView {
        code: c.code.clone(),
        name: c.name.clone(),
        max_points: format!("{:.2}", c.max_points()),
    }
}

/// `2026年3月23日 09:00` in Shanghai time.
pub fn zh_datetime(utc: NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    let local = utc.and_utc().with_timezone(&chrono_tz::Asia::Shanghai);
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// The field checks of a tender; returns (deadline UTC, max price 分, weight basis points).
fn check_fields(
    input: &PublishTender,
    errors: &mut FieldErrors,
) -> Option<(NaiveDateTime, i64, i32)> {
    let deadline = match DateTime::<FixedOffset>::parse_from_rfc3339(&input.bid_deadline) {
        Ok(t) => Some(crate::clock::truncate_micros(t.naive_utc())),
        Err(_) => {
            push(
                errors,
                "bid_deadline",
                "须为 RFC 3339 时间，如 2026-04-20T09:00:00+08:00",
            );
            None
        }
    };
    let max_fen = match to_fen(input.max_price) {
        Ok(fen) if fen > 0 => Some(fen),
        Ok(_) => {
            push(errors, "max_price", "须大于 0");
            None
        }
        Err(e) => {
            push(errors, "max_price", e.to_string());
            None
        }
    };
    let weight_bp = match (input.award_method.as_str(), input.price_weight) {
        ("comprehensive", Some(w)) => {
            use rust_decimal::prelude::ToPrimitive;
            let scaled = w * Decimal::from(10_000);
            match scaled.to_i32() {
                Some(bp) if scaled.fract().is_zero() && (0..=10_000).contains(&bp) => Some(bp),
                _ => {
                    push(errors, "price_weight", "权重须为 0 到 1 之间、最多四位小数");
                    None
                }
            }
        }
        ("comprehensive", None) => {
            push(errors, "price_weight", "综合评分法须填写价格权重");
            None
        }
        ("lowest_price", _) => Some(0),
        _ => {
            push(errors, "award_method", "须为 comprehensive 或 lowest_price");
            None
        }
    };
    let mut seen = std::collections::HashSet::new();
    for (i, c) in input.criteria.iter().enumerate() {
        let code_ok = !c.code.is_empty()
            && c.code.len() <= 32
            && c.code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !code_ok {
            push(
                errors,
                &format!("criteria[{i}].code"),
                "须为 1 到 32 个字母、数字或下划线",
            );
        } else if !seen.insert(c.code.clone()) {
            push(errors, &format!("criteria[{i}].code"), "评分项代码重复");
        }
        if c.name.trim().is_empty() || c.name.chars().count() > 100 {
            push(
                errors,
                &format!("criteria[{i}].name"),
                "必填，最多 100 个字符",
            );
        }
        if c.max_points <= Decimal::ZERO || to_fen(c.max_points).is_err() {
            push(
                errors,
                &format!("criteria[{i}].max_points"),
                "须为大于 0、最多两位小数的分值",
            );
        }
    }
    if input.award_method == "comprehensive" && input.criteria.is_empty() {
        push(errors, "criteria", "综合评分法须设置技术评分项");
    }
    let r = &input.requirements;
    for (field, value) in [
        ("requirements.min_full_time_staff", r.min_full_time_staff),
        (
            "requirements.min_certified_social_workers",
            r.min_certified_social_workers,
        ),
        (
            "requirements.min_years_established",
            r.min_years_established,
        ),
    ] {
        if !(0..=10_000).contains(&value) {
            push(errors, field, "须为 0 到 10000 之间的整数");
        }
    }
    match (deadline, max_fen, weight_bp) {
        (Some(d), Some(m), Some(w)) => Some((d, m, w)),
        _ => None,
    }
}

/// Publishes the tender of a project whose intention is out: checks every rule, stores the
/// tender, criteria and invitations, moves the project to `tendering` and publishes the
/// tender notice, in one transaction.
#[allow(clippy::too_many_arguments)]
pub fn publish(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    base: &crate::config::QualificationSettings,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    input: &PublishTender,
) -> AppResult<TenderRow> {
    let project = projects::get(conn, project_id)?;
    ensure_officer_of(user, project.purchaser_id)?;
    let mut errors = FieldErrors::new();
    let checked = check_fields(input, &mut errors);
    let method = rules
        .method(&project.method)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown method {}", project.method)))?
        .clone();
    if !method.invitation && !input.invited_contractor_ids.is_empty() {
        push(
            &mut errors,
            "invited_contractor_ids",
            format!("{}不邀请供应商", method.label),
        );
    }
    let (Some((deadline, max_fen, weight_bp)), true) = (checked, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let from = project.status()?;
    let action = if from == crate::domain::project_status::ProjectStatus::Failed {
        ProjectAction::Retender
    } else {
        ProjectAction::PublishTender
    };
    let to = transition(from, action)?;
    let today = shanghai_date(now);
    // The intention must have been public for the lead time.
    let intention_at: Option<NaiveDateTime> = notice_table::table
        .filter(notice_table::project_id.eq(project_id))
        .filter(notice_table::kind.eq("intention"))
        .select(notice_table::published_at)
        .first(conn)
        .optional()?;
    let intention_on = intention_at
        .map(shanghai_date)
        .ok_or_else(|| AppError::rule("intention_missing", "尚未公开采购意向，不得发布采购公告"))?;
    rules.check_intention_lead(intention_on, today)?;
    if deadline <= now {
        return Err(AppError::field("bid_deadline", "截止时间须晚于当前时间"));
    }
    rules.check_tender_period(calendar, &project.method, today, shanghai_date(deadline))?;
    if max_fen > project.budget_fen {
        return Err(AppError::rule(
            "max_price_exceeds_budget",
            format!(
                "最高限价 {} 超过项目预算 {}",
                crate::domain::money::format_yuan(from_fen(max_fen)),
                crate::domain::money::format_yuan(from_fen(project.budget_fen))
            ),
        ));
    }
    let weight = Decimal::new(i64::from(weight_bp), 4);
    if input.award_method == "comprehensive" {
        rules.check_price_weight(weight)?;
        let points: Decimal = input.criteria.iter().map(|c| c.max_points).sum();
        if points + weight * Decimal::from(100) != Decimal::from(100) {
            return Err(AppError::rule(
                "criteria_points_mismatch",
                format!(
                    "技术评分项合计 {} 分，加价格分 {} 分，应为 100 分",
                    points.normalize(),
                    (weight * Decimal::from(100)).normalize()
                ),
            ));
        }
    }
    let requirements = crate::domain::qualification::Requirements {
        min_full_time_staff: input
            .requirements
            .min_full_time_staff
            .max(base.min_full_time_staff),
        min_certified_social_workers: input
            .requirements
            .min_certified_social_workers
            .max(base.min_certified_social_workers),
        min_years_established: input.requirements.min_years_established,
        domain: Some(project.domain_code.clone()),
    };
    let mut invited_names = Vec::new();
    if method.invitation {
        let mut unique = input.invited_contractor_ids.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() < method.min_suppliers as usize {
            return Err(AppError::rule(
                "too_few_invited",
                format!(
                    "{}须邀请至少 {} 家供应商",
                    method.label, method.min_suppliers
                ),
            ));
        }
        let mut bad = FieldErrors::new();
        for id in &unique {
            match crate::contractors::model::find(conn, *id)? {
                None => push(
                    &mut bad,
                    "invited_contractor_ids",
                    format!("承接主体 {id} 不存在"),
                ),
                Some(row) => {
                    let facts = crate::contractors::model::facts(conn, &row)?;
                    let failing: Vec<String> =
                        qualification::evaluate(&facts, &requirements, today)
                            .into_iter()
                            .filter(|c| !c.passed)
                            .map(|c| c.message)
                            .collect();
                    if row.status != "qualified" || !failing.is_empty() {
                        push(
                            &mut bad,
                            "invited_contractor_ids",
                            format!(
                                "{}（{}）不符合资格条件：{}",
                                row.name,
                                id,
                                if failing.is_empty() {
                                    row.status().label().to_owned()
                                } else {
                                    failing.join("；")
                                }
                            ),
                        );
                    } else {
                        invited_names.push(row.name.clone());
                    }
                }
            }
        }
        if !bad.is_empty() {
            return Err(AppError::Validation(bad));
        }
    }
    let round = model::current(conn, project_id)?
        .map(|t| t.round + 1)
        .unwrap_or(1);
    let body = bodies::render_tender(&TenderBody {
        header: notice_header(conn, rules, &project)?,
        summary: project.summary.clone(),
        bid_deadline: zh_datetime(deadline),
        max_price: from_fen(max_fen),
        award_method_label: if input.award_method == "comprehensive" {
            "综合评分法（低价优先法计算价格分）".to_owned()
        } else {
            "最低评标价法".to_owned()
        },
        price_weight: weight,
        criteria: input
            .criteria
            .iter()
            .map(|c| CriterionLine {
                name: c.name.trim().to_owned(),
                max_points: c.max_points,
            })
            .collect(),
        min_full_time_staff: requirements.min_full_time_staff,
        min_certified_social_workers: requirements.min_certified_social_workers,
        min_years_established: requirements.min_years_established,
        invited: invited_names,
        documents: crate::procurement::documents::public_list(conn, "tender", project_id)?,
        service_start: project.service_start,
        service_end: project.service_end,
    })
    .map_err(AppError::internal)?;
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        projects::set_status(conn, project_id, from, to, None, now)?;
        let tender: TenderRow = diesel::insert_into(tenders::table)
            .values((
                tenders::project_id.eq(project_id),
                tenders::bid_deadline.eq(deadline),
                tenders::max_price_fen.eq(max_fen),
                tenders::award_method.eq(&input.award_method),
                tenders::price_weight_bp.eq(weight_bp),
                tenders::min_full_time_staff.eq(requirements.min_full_time_staff),
                tenders::min_certified_social_workers.eq(requirements.min_certified_social_workers),
                tenders::min_years_established.eq(requirements.min_years_established),
                tenders::published_at.eq(now),
                tenders::round.eq(round),
                tenders::created_by.eq(Some(user.id)),
            ))
            .returning(tenders::all_columns)
            .get_result(conn)?;
        for (i, c) in input.criteria.iter().enumerate() {
            diesel::insert_into(tender_criteria::table)
                .values((
                    tender_criteria::tender_id.eq(tender.id),
                    tender_criteria::code.eq(&c.code),
                    tender_criteria::name.eq(c.name.trim()),
                    tender_criteria::max_points_centi
                        .eq(to_fen(c.max_points).map_err(AppError::internal)?),
                    tender_criteria::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                ))
                .execute(conn)?;
        }
        let mut invited = input.invited_contractor_ids.clone();
        invited.sort_unstable();
        invited.dedup();
        for id in invited {
            diesel::insert_into(tender_invitations::table)
                .values((
                    tender_invitations::tender_id.eq(tender.id),
                    tender_invitations::contractor_id.eq(id),
                ))
                .execute(conn)?;
        }
        notices::publish(
            conn,
            &actor,
            &NewNotice {
                kind: NoticeKind::Tender,
                project_id: Some(project_id),
                purchaser_id: project.purchaser_id,
                region_code: project.region_code.clone(),
                title: bodies::title(NoticeKind::Tender, &project.title),
                body_html: body.clone(),
                due_by: Some(today),
                created_by: Some(user.id),
            },
        )?;
        crate::notify::events::tender_published(conn, now, tender.id)?;
        let after = json!({ "status": to.as_str(), "tender": view(conn, &tender)? });
        audit::record(
            conn,
            &actor,
            "project.publish_tender",
            "project",
            &project_id.to_string(),
            Some(&json!({ "status": from.as_str() })),
            Some(&after),
        )?;
        Ok(tender)
    })
}
