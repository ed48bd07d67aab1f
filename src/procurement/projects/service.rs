//! Use cases of projects: create (committing the budget), edit in draft, publish the
//! intention, cancel. Each in one transaction with its audit row and notices.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{self, ProjectRow, TargetRow};
use crate::audit;
use crate::auth::CurrentUser;
use crate::calendar::Calendar;
use crate::clock::shanghai_date;
use crate::db::schema::{project_targets, projects, stations, target_groups};
use crate::db::{AnyConnection, write_tx};
use crate::disclosure::bodies::{self, FailureBody, Header, IntentionBody, TargetLine};
use crate::disclosure::notices::{self, NewNotice, NoticeKind};
use crate::domain::eligibility::purchaser_eligibility;
use crate::domain::money::{from_fen, to_fen};
use crate::domain::project_status::{ProjectAction, ProjectStatus, transition};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::procurement::access::ensure_officer_of;
use crate::procurement::budgets;
use crate::procurement::rules::ProcurementRules;
use crate::purchasers::service::push;

/// One target of a project.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    /// `quantity` (数量), `scale` (规模), `quality` (质量) or `outcome` (效果).
    pub kind: String,
    /// What is measured, e.g. 入户探访.
    pub name: String,
    /// Target value, a decimal string or number, e.g. `"1200"`.
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Unit, e.g. 人次.
    pub unit: String,
}

/// `POST /api/v1/projects`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// The officer's purchaser.
    pub purchaser_id: i64,
    /// A budget of that purchaser; its year is the project's year.
    pub budget_id: i64,
    /// Catalog item code of the budget year.
    pub catalog_item_code: String,
    /// Title, e.g. 兴庆区2026年困难群众社会工作服务项目.
    pub title: String,
    /// What will be done.
    pub summary: String,
    /// Beneficiary region (township or county).
    pub region_code: String,
    /// Beneficiary station.
    pub station_id: Option<i64>,
    /// Target-group codes.
    pub target_groups: Vec<String>,
    /// Quantity, scale, quality and outcome targets.
    pub targets: Vec<TargetInput>,
    /// Project budget (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub budget_amount: Decimal,
    /// First day of service.
    pub service_start: NaiveDate,
    /// Last day of service.
    pub service_end: NaiveDate,
    /// Required when the term exceeds 12 months.
    pub term_justification: Option<String>,
    /// Method code (`open_tender`, `inquiry`, …).
    pub method: String,
    /// Planned tender date.
    pub expected_tender_date: NaiveDate,
}

/// `PATCH /api/v1/projects/{id}` (draft only): any subset of the design.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    /// Title.
    pub title: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Catalog item.
    pub catalog_item_code: Option<String>,
    /// Region.
    pub region_code: Option<String>,
    /// Station (null clears).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub station_id: Option<Option<i64>>,
    /// Target groups.
    pub target_groups: Option<Vec<String>>,
    /// Targets (replace all).
    pub targets: Option<Vec<TargetInput>>,
    /// Budget (元); the commitment follows.
    #[serde(default, with = "crate::extract::money_opt")]
    #[schema(value_type = Option<String>)]
    pub budget_amount: Option<Decimal>,
    /// Service start.
    pub service_start: Option<NaiveDate>,
    /// Service end.
    pub service_end: Option<NaiveDate>,
    /// Term justification.
    pub term_justification: Option<String>,
    /// Method.
    pub method: Option<String>,
    /// Planned tender date.
    pub expected_tender_date: Option<NaiveDate>,
}

/// Distinguishes an absent field from an explicit null.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// A target in a response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Value (decimal string).
    pub value: String,
    /// Unit.
    pub unit: String,
}

/// A project as officers and auditors see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    /// Id.
    pub id: i64,
    /// 项目编号.
    pub number: String,
    /// Purchaser.
    pub purchaser_id: i64,
    /// Budget.
    pub budget_id: i64,
    /// Year.
    pub year: i32,
    /// Catalog item.
    pub catalog_item_code: String,
    /// Domain of the item.
    pub domain_code: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Region.
    pub region_code: String,
    /// Station.
    pub station_id: Option<i64>,
    /// Target groups.
    pub target_groups: Vec<String>,
    /// Targets.
    pub targets: Vec<TargetView>,
    /// Budget (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub budget_amount: Decimal,
    /// Service start.
    pub service_start: NaiveDate,
    /// Service end.
    pub service_end: NaiveDate,
    /// Term justification.
    pub term_justification: Option<String>,
    /// Method.
    pub method: String,
    /// Method label.
    pub method_label: String,
    /// Planned tender date.
    pub expected_tender_date: NaiveDate,
    /// Status.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Reason of failure, cancellation or termination.
    pub status_reason: Option<String>,
}

/// The view of a project with its targets.
pub fn view(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    row: &ProjectRow,
) -> AppResult<ProjectView> {
    let targets = model::targets(conn, row.id)?;
    let status = row.status()?;
    Ok(ProjectView {
        id: row.id,
        number: row.number.clone(),
        purchaser_id: row.purchaser_id,
        budget_id: row.budget_id,
        year: row.year,
        catalog_item_code: row.catalog_item_code.clone(),
        domain_code: row.domain_code.clone(),
        title: row.title.clone(),
        summary: row.summary.clone(),
        region_code: row.region_code.clone(),
        station_id: row.station_id,
        target_groups: row.target_group_codes(),
        targets: targets.iter().map(target_view).collect(),
        budget_amount: from_fen(row.budget_fen),
        service_start: row.service_start,
        service_end: row.service_end,
        term_justification: row.term_justification.clone(),
        method: row.method.clone(),
        method_label: rules
            .method(&row.method)
            .map(|m| m.label.clone())
            .unwrap_or_default(),
        expected_tender_date: row.expected_tender_date,
        status: status.as_str().to_owned(),
        status_label: status.label().to_owned(),
        status_reason: row.status_reason.clone(),
    })
}

fn target_view(t: &TargetRow) -> TargetView {
    TargetView {
        kind: t.kind.clone(),
        name: t.name.clone(),
        value: t.value.clone(),
        unit: t.unit.clone(),
    }
}

/// The design fields every create or edit must satisfy.
struct Design<'a> {
    title: &'a str,
    summary: &'a str,
    region_code: &'a str,
    station_id: Option<i64>,
    target_groups: &'a [String],
    targets: &'a [TargetInput],
    budget_amount: Decimal,
    method: &'a str,
}

/// Field checks of a design; returns the budget in 分 when it is valid.
fn check_design(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    d: &Design<'_>,
    errors: &mut FieldErrors,
) -> AppResult<Option<i64>> {
    let title_len = d.title.trim().chars().count();
    if !(4..=200).contains(&title_len) {
        push(errors, "title", "长度须在 4 到 200 个字符之间");
    }
    if d.summary.trim().is_empty() || d.summary.chars().count() > 5000 {
        push(errors, "summary", "必填，最多 5000 个字符");
    }
    if crate::regions::find(conn, d.region_code)?.is_none() {
        push(errors, "region_code", "行政区划代码不存在");
    }
    if let Some(station) = d.station_id {
        let region: Option<String> = stations::table
            .find(station)
            .select(stations::region_code)
            .first(conn)
            .optional()?;
        match region {
            None => push(errors, "station_id", format!("社工站 {station} 不存在")),
            Some(region) => {
                if !crate::regions::is_within(conn, &region, d.region_code)? {
                    push(errors, "station_id", "社工站不在项目受益区域内");
                }
            }
        }
    }
    if d.target_groups.is_empty() {
        push(errors, "target_groups", "至少选择一个服务对象");
    } else {
        let known: Vec<String> = target_groups::table
            .select(target_groups::code)
            .load(conn)?;
        let unknown: Vec<&str> = d
            .target_groups
            .iter()
            .filter(|g| !known.contains(g))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            push(
                errors,
                "target_groups",
                format!("未知的服务对象：{}", unknown.join("、")),
            );
        }
    }
    if d.targets.is_empty() {
        push(errors, "targets", "至少填写一项绩效目标");
    }
    for (i, t) in d.targets.iter().enumerate() {
        if !matches!(
            t.kind.as_str(),
            "quantity" | "scale" | "quality" | "outcome"
        ) {
            push(
                errors,
                &format!("targets[{i}].kind"),
                "须为 quantity、scale、quality、outcome 之一",
            );
        }
        if t.name.trim().is_empty() || t.name.chars().count() > 100 {
            push(
                errors,
                &format!("targets[{i}].name"),
                "必填，最多 100 个字符",
            );
        }
        if t.value.is_sign_negative() {
            push(errors, &format!("targets[{i}].value"), "不能为负数");
        }
        if t.unit.trim().is_empty() || t.unit.chars().count() > 20 {
            push(
                errors,
                &format!("targets[{i}].unit"),
                "必填，最多 20 个字符",
            );
        }
    }
    if rules.method(d.method).is_none() {
        push(
            errors,
            "method",
            format!(
                "未知的采购方式，可选：{}",
                rules.methods.keys().cloned().collect::<Vec<_>>().join("、")
            ),
        );
    }
    let fen = match to_fen(d.budget_amount) {
        Ok(fen) if fen > 0 => Some(fen),
        Ok(_) => {
            push(errors, "budget_amount", "须大于 0");
            None
        }
        Err(e) => {
            push(errors, "budget_amount", e.to_string());
            None
        }
    };
    Ok(fen)
}

/// The rules of purchase content and term (named `rule_violation`s).
fn check_content_rules(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    year: i32,
    item_code: &str,
    start: NaiveDate,
    end: NaiveDate,
    justification: Option<&str>,
) -> AppResult<String> {
    if let Some(entry) = crate::catalog::find_negative(conn, year, item_code)? {
        return Err(AppError::rule(
            "negative_list",
            format!("“{}”属于政府购买服务负面清单：{}", entry.name, entry.reason),
        ));
    }
    let item = crate::catalog::find_item(conn, year, item_code)?.ok_or_else(|| {
        AppError::rule(
            "catalog_item_missing",
            format!("{year} 年度指导性目录中没有事项 {item_code}，不得列入购买内容"),
        )
    })?;
    rules.check_term(start, end, justification)?;
    Ok(item.domain_code)
}

fn insert_targets(
    conn: &mut AnyConnection,
    project_id: i64,
    targets: &[TargetInput],
) -> QueryResult<()> {
    for (i, t) in targets.iter().enumerate() {
        diesel::insert_into(project_targets::table)
            .values((
                project_targets::project_id.eq(project_id),
                project_targets::kind.eq(&t.kind),
                project_targets::name.eq(t.name.trim()),
                project_targets::value.eq(t.value.normalize().to_string()),
                project_targets::unit.eq(t.unit.trim()),
                project_targets::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a draft project, committing its budget, audited. Refused with a named rule when
/// the purchaser is ineligible, the item is missing or on the negative list, the budget is
/// exceeded, or the term breaks the limits.
pub fn create(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    user: &CurrentUser,
    now: NaiveDateTime,
    input: &NewProject,
) -> AppResult<ProjectRow> {
    ensure_officer_of(user, input.purchaser_id)?;
    let purchaser = crate::purchasers::model::find(conn, input.purchaser_id)?
        .ok_or_else(|| AppError::field("purchaser_id", "采购人不存在"))?;
    let mut errors = FieldErrors::new();
    let budget = budgets::find(conn, input.budget_id)?;
    let budget = match budget {
        Some(b) if b.purchaser_id == input.purchaser_id => Some(b),
        _ => {
            push(&mut errors, "budget_id", "预算不存在或不属于该采购人");
            None
        }
    };
    let fen = check_design(
        conn,
        rules,
        &Design {
            title: &input.title,
            summary: &input.summary,
            region_code: &input.region_code,
            station_id: input.station_id,
            target_groups: &input.target_groups,
            targets: &input.targets,
            budget_amount: input.budget_amount,
            method: &input.method,
        },
        &mut errors,
    )?;
    let (Some(budget), Some(fen), true) = (budget, fen, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let eligibility = purchaser_eligibility(&purchaser.kind);
    if !eligibility.eligible {
        return Err(AppError::rule(
            "purchaser_ineligible",
            eligibility.reasons.join("；"),
        ));
    }
    let domain = check_content_rules(
        conn,
        rules,
        budget.year,
        &input.catalog_item_code,
        input.service_start,
        input.service_end,
        input.term_justification.as_deref(),
    )?;
    write_tx(conn, |conn| {
        budgets::commit(conn, budget.id, fen, now)?;
        let placeholder = format!("pending-{}", hex::encode(rand::random::<[u8; 8]>()));
        let row: ProjectRow = diesel::insert_into(projects::table)
            .values((
                projects::number.eq(&placeholder),
                projects::purchaser_id.eq(input.purchaser_id),
                projects::budget_id.eq(budget.id),
                projects::year.eq(budget.year),
                projects::catalog_item_code.eq(&input.catalog_item_code),
                projects::domain_code.eq(&domain),
                projects::title.eq(input.title.trim()),
                projects::summary.eq(input.summary.trim()),
                projects::region_code.eq(&input.region_code),
                projects::station_id.eq(input.station_id),
                projects::target_groups.eq(input.target_groups.join(",")),
                projects::budget_fen.eq(fen),
                projects::service_start.eq(input.service_start),
                projects::service_end.eq(input.service_end),
                projects::term_justification.eq(input
                    .term_justification
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())),
                projects::method.eq(&input.method),
                projects::expected_tender_date.eq(input.expected_tender_date),
                projects::status.eq(ProjectStatus::Draft.as_str()),
                projects::created_by.eq(Some(user.id)),
                projects::created_at.eq(now),
                projects::updated_at.eq(now),
            ))
            .returning(projects::all_columns)
            .get_result(conn)?;
        let number = format!("{}-{}-{:05}", purchaser.region_code, budget.year, row.id);
        diesel::update(projects::table.find(row.id))
            .set(projects::number.eq(&number))
            .execute(conn)?;
        insert_targets(conn, row.id, &input.targets)?;
        let row = model::get(conn, row.id)?;
        let after = json!(view(conn, rules, &row)?);
        audit::record(
            conn,
            &user.actor(now),
            "project.create",
            "project",
            &row.id.to_string(),
            None,
            Some(&after),
        )?;
        Ok(row)
    })
}

/// Edits a draft project; the budget commitment follows a changed amount.
pub fn update(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    user: &CurrentUser,
    now: NaiveDateTime,
    id: i64,
    patch: &ProjectPatch,
) -> AppResult<ProjectRow> {
    let row = model::get(conn, id)?;
    ensure_officer_of(user, row.purchaser_id)?;
    transition(row.status()?, ProjectAction::Edit)?;
    let targets: Vec<TargetInput> = match &patch.targets {
        Some(t) => t.clone(),
        None => model::targets(conn, id)?
            .into_iter()
            .map(|t| TargetInput {
                kind: t.kind,
                name: t.name,
                value: t.value.parse().unwrap_or_default(),
                unit: t.unit,
            })
            .collect(),
    };
    let title = patch.title.clone().unwrap_or_else(|| row.title.clone());
    let summary = patch.summary.clone().unwrap_or_else(|| row.summary.clone());
    let region_code = patch
        .region_code
        .clone()
        .unwrap_or_else(|| row.region_code.clone());
    let station_id = patch.station_id.unwrap_or(row.station_id);
    let groups = patch
        .target_groups
        .clone()
        .unwrap_or_else(|| row.target_group_codes());
    let method = patch.method.clone().unwrap_or_else(|| row.method.clone());
    let item = patch
        .catalog_item_code
        .clone()
        .unwrap_or_else(|| row.catalog_item_code.clone());
    let start = patch.service_start.unwrap_or(row.service_start);
    let end = patch.service_end.unwrap_or(row.service_end);
    // A blank justification clears it (as on create, where blank is none).
    let justification = match &patch.term_justification {
        Some(text) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
        None => row.term_justification.clone(),
    };
    let expected = patch
        .expected_tender_date
        .unwrap_or(row.expected_tender_date);
    let mut errors = FieldErrors::new();
    let fen = check_design(
        conn,
        rules,
        &Design {
            title: &title,
            summary: &summary,
            region_code: &region_code,
            station_id,
            target_groups: &groups,
            targets: &targets,
            budget_amount: patch
                .budget_amount
                .unwrap_or_else(|| from_fen(row.budget_fen)),
            method: &method,
        },
        &mut errors,
    )?;
    let (Some(fen), true) = (fen, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let domain = check_content_rules(
        conn,
        rules,
        row.year,
        &item,
        start,
        end,
        justification.as_deref(),
    )?;
    write_tx(conn, |conn| {
        if fen > row.budget_fen {
            budgets::commit(conn, row.budget_id, fen - row.budget_fen, now)?;
        } else if fen < row.budget_fen {
            budgets::release(conn, row.budget_id, row.budget_fen - fen, now)?;
        }
        let before = view(conn, rules, &row)?;
        diesel::update(projects::table.find(id))
            .set((
                projects::title.eq(title.trim()),
                projects::summary.eq(summary.trim()),
                projects::region_code.eq(&region_code),
                projects::station_id.eq(station_id),
                projects::target_groups.eq(groups.join(",")),
                projects::budget_fen.eq(fen),
                projects::catalog_item_code.eq(&item),
                projects::domain_code.eq(&domain),
                projects::service_start.eq(start),
                projects::service_end.eq(end),
                projects::term_justification.eq(justification.as_deref()),
                projects::method.eq(&method),
                projects::expected_tender_date.eq(expected),
                projects::updated_at.eq(now),
            ))
            .execute(conn)?;
        if patch.targets.is_some() {
            diesel::delete(project_targets::table.filter(project_targets::project_id.eq(id)))
                .execute(conn)?;
            insert_targets(conn, id, &targets)?;
        }
        let updated = model::get(conn, id)?;
        let after = json!(view(conn, rules, &updated)?);
        audit::record(
            conn,
            &user.actor(now),
            "project.update",
            "project",
            &id.to_string(),
            Some(&json!(before)),
            Some(&after),
        )?;
        Ok(updated)
    })
}

/// The notice header of a project.
pub fn notice_header(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    row: &ProjectRow,
) -> AppResult<Header> {
    let purchaser = crate::purchasers::model::find(conn, row.purchaser_id)?.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("purchaser of project {} missing", row.id))
    })?;
    Ok(Header {
        project_number: row.number.clone(),
        project_title: row.title.clone(),
        purchaser_name: purchaser.name.clone(),
        purchaser_region: crate::regions::full_name(conn, &purchaser.region_code)?,
        contact_name: purchaser.contact_name.clone(),
        contact_phone: purchaser.contact_phone.clone(),
        method_label: rules
            .method(&row.method)
            .map(|m| m.label.clone())
            .unwrap_or_default(),
        budget: from_fen(row.budget_fen),
    })
}

/// Publishes the procurement intention (采购意向); due at least the lead time before the
/// planned tender date.
pub fn publish_intention(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    user: &CurrentUser,
    now: NaiveDateTime,
    id: i64,
) -> AppResult<ProjectRow> {
    let row = model::get(conn, id)?;
    ensure_officer_of(user, row.purchaser_id)?;
    let from = row.status()?;
    let to = transition(from, ProjectAction::PublishIntention)?;
    let item = crate::catalog::find_item(conn, row.year, &row.catalog_item_code)?
        .map(|i| i.name)
        .unwrap_or_default();
    let group_names: Vec<String> = target_groups::table
        .filter(target_groups::code.eq_any(row.target_group_codes()))
        .select(target_groups::name)
        .load(conn)?;
    let body = bodies::render_intention(&IntentionBody {
        header: notice_header(conn, rules, &row)?,
        summary: row.summary.clone(),
        catalog_item: item,
        target_groups: group_names,
        service_start: row.service_start,
        service_end: row.service_end,
        expected_tender_date: row.expected_tender_date,
        targets: model::targets(conn, id)?
            .into_iter()
            .map(|t| TargetLine {
                name: t.name,
                value: t.value,
                unit: t.unit,
            })
            .collect(),
    })
    .map_err(AppError::internal)?;
    let due_by =
        row.expected_tender_date - chrono::Duration::days(i64::from(rules.intention_lead_days));
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        model::set_status(conn, id, from, to, None, now)?;
        notices::publish(
            conn,
            &actor,
            &NewNotice {
                kind: NoticeKind::Intention,
                project_id: Some(id),
                purchaser_id: row.purchaser_id,
                region_code: row.region_code.clone(),
                title: bodies::title(NoticeKind::Intention, &row.title),
                body_html: body.clone(),
                due_by: Some(due_by),
                created_by: Some(user.id),
            },
        )?;
        audit::record(
            conn,
            &actor,
            "project.publish_intention",
            "project",
            &id.to_string(),
            Some(&json!({ "status": from.as_str() })),
            Some(&json!({ "status": to.as_str() })),
        )?;
        model::get(conn, id)
    })
}

/// Cancels a project before opening; its budget commitment is released. Once its tender was
/// published, the bidders and the public learn of it from a 终止公告 (a failure notice
/// stating the reason), due like a result notice.
pub fn cancel(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    user: &CurrentUser,
    now: NaiveDateTime,
    id: i64,
    reason: &str,
) -> AppResult<ProjectRow> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::field(
            "reason",
            "必须填写取消理由（最多 1000 个字符）",
        ));
    }
    let row = model::get(conn, id)?;
    ensure_officer_of(user, row.purchaser_id)?;
    let from = row.status()?;
    let to = transition(from, ProjectAction::Cancel)?;
    write_tx(conn, |conn| {
        model::set_status(conn, id, from, to, Some(reason), now)?;
        budgets::release(conn, row.budget_id, row.budget_fen, now)?;
        if from == ProjectStatus::Tendering {
            let body_html = bodies::render_failure(&FailureBody {
                header: notice_header(conn, rules, &row)?,
                reason: format!("采购人终止本次采购：{reason}"),
                shortfall: None,
            })
            .map_err(AppError::internal)?;
            notices::publish(
                conn,
                &user.actor(now),
                &NewNotice {
                    kind: NoticeKind::Failure,
                    project_id: Some(id),
                    purchaser_id: row.purchaser_id,
                    region_code: row.region_code.clone(),
                    title: bodies::title(NoticeKind::Failure, &row.title),
                    body_html,
                    due_by: Some(rules.award_notice_due(calendar, shanghai_date(now))),
                    created_by: Some(user.id),
                },
            )?;
        }
        audit::record(
            conn,
            &user.actor(now),
            "project.cancel",
            "project",
            &id.to_string(),
            Some(&json!({ "status": from.as_str() })),
            Some(&json!({ "status": to.as_str(), "reason": reason })),
        )?;
        model::get(conn, id)
    })
}
