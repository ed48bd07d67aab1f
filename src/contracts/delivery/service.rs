//! Use cases of delivery: monthly service reports (aggregate figures only — there is no field
//! for a service user's name or ID), their review, progress against the project's quantity
//! targets, and supervision records. Every change runs in one `write_tx` with its audit row
//! and any mail.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{
    self, CountRow, REPORT_ACCEPTED, REPORT_RETURNED, REPORT_SUBMITTED, ReportRow, SupervisionRow,
};
use super::progress::{self, Measure, Totals};
use crate::audit;
use crate::auth::{CurrentUser, Role};
use crate::clock::{rfc3339, shanghai_date};
use crate::contracts::model::{
    self as contracts, ContractRow, ensure_contractor_user, ensure_party, ensure_purchaser_officer,
};
use crate::db::schema::{report_counts, service_reports, supervisions, target_groups};
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::procurement::projects::model as projects_model;

/// Longest narrative, in characters.
pub const MAX_NARRATIVE: usize = 5000;
/// Longest review comment and supervision notes, in characters.
pub const MAX_NOTES: usize = 5000;
/// Longest supervisor name, in characters.
pub const MAX_SUPERVISOR: usize = 200;
/// Largest count a report may state (the column is a 32-bit integer).
pub const MAX_COUNT: i64 = i32::MAX as i64;

// ------------------------------------------------------------------------------ inputs

/// `POST /api/v1/contracts/{id}/reports`: one month's aggregate figures. Unknown fields are
/// refused, so no service user's name or ID can ever be sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// The month, `YYYY-MM`, inside the service period and not after the current month.
    pub period: String,
    /// Persons and person-times per target group (each group at most once).
    pub service_counts: Vec<CountInput>,
    /// Activities held (活动场次), ≥ 0.
    pub activities: i64,
    /// Cases opened (新开个案), ≥ 0.
    pub cases_opened: i64,
    /// Cases closed (结案), ≥ 0.
    pub cases_closed: i64,
    /// Volunteers engaged (参与志愿者), ≥ 0.
    pub volunteers_engaged: i64,
    /// What was done this month, 1–5000 characters.
    pub narrative: String,
}

/// One target group's figures in a report.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    /// A code of the catalog's target groups, e.g. `low_income`.
    pub target_group: String,
    /// Persons served (服务人数), ≥ 0 and ≤ `person_times`.
    pub persons: i64,
    /// Person-times served (服务人次), ≥ 0.
    pub person_times: i64,
}

/// `POST /api/v1/reports/{id}/review`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `accepted` or `returned`.
    pub decision: String,
    /// The reviewer's comment; required when returned.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/v1/contracts/{id}/supervisions`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionInput {
    /// Date of the session, `YYYY-MM-DD`, from the service start to today.
    pub held_on: String,
    /// Supervisor (督导) name and affiliation.
    pub supervisor: String,
    /// Notes of the session.
    pub notes: String,
}

// ------------------------------------------------------------------------------- views

/// One target group's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountView {
    /// Target group code.
    pub target_group: String,
    /// Persons served.
    pub persons: i64,
    /// Person-times served.
    pub person_times: i64,
}

/// A monthly service report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// Month, `YYYY-MM`.
    pub period: String,
    /// `submitted`, `accepted`, `returned`.
    pub status: String,
    /// Figures by target group.
    pub service_counts: Vec<CountView>,
    /// Activities held.
    pub activities: i64,
    /// Cases opened.
    pub cases_opened: i64,
    /// Cases closed.
    pub cases_closed: i64,
    /// Volunteers engaged.
    pub volunteers_engaged: i64,
    /// Narrative.
    pub narrative: String,
    /// Last (re)submission (RFC 3339).
    pub submitted_at: String,
    /// Who submitted.
    pub submitted_by: Option<i64>,
    /// Last review (RFC 3339); cleared by a resubmission.
    pub reviewed_at: Option<String>,
    /// Who reviewed.
    pub reviewed_by: Option<i64>,
    /// The reviewer's comment.
    pub review_comment: Option<String>,
}

/// A supervision record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisionView {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// Date of the session.
    #[schema(value_type = String)]
    pub held_on: NaiveDate,
    /// Supervisor.
    pub supervisor: String,
    /// Notes.
    pub notes: String,
    /// Who recorded it.
    pub recorded_by: Option<i64>,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
}

/// One quantity target against the accepted reports.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetProgress {
    /// Always `quantity`.
    pub kind: String,
    /// Target name, e.g. 入户探访.
    pub name: String,
    /// Unit, e.g. 人次.
    pub unit: String,
    /// The target value (decimal text, as set on the project).
    pub target: String,
    /// Which report figure measures it; null when not measurable from reports.
    pub measure: Option<Measure>,
    /// The sum of that figure over accepted reports; null when not measurable.
    pub actual: Option<i64>,
    /// `actual / target × 100`, two decimals (text); null when not measurable.
    pub percent: Option<String>,
}

/// `GET /api/v1/contracts/{id}/progress`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    /// Contract.
    pub contract_id: i64,
    /// How many reports are accepted.
    pub accepted_reports: i64,
    /// The accepted months, `YYYY-MM`.
    pub accepted_periods: Vec<String>,
    /// Sums over accepted reports.
    pub totals: Totals,
    /// Every quantity target of the project, in the project's order.
    pub targets: Vec<TargetProgress>,
}

impl ReportRow {
    fn view(&self, counts: &[CountRow]) -> ReportView {
        ReportView {
            id: self.id,
            contract_id: self.contract_id,
            period: self.period.clone(),
            status: self.status.clone(),
            service_counts: counts
                .iter()
                .filter(|c| c.report_id == self.id)
                .map(|c| CountView {
                    target_group: c.target_group.clone(),
                    persons: i64::from(c.persons),
                    person_times: i64::from(c.person_times),
                })
                .collect(),
            activities: i64::from(self.activities),
            cases_opened: i64::from(self.cases_opened),
            cases_closed: i64::from(self.cases_closed),
            volunteers_engaged: i64::from(self.volunteers_engaged),
            narrative: self.narrative.clone(),
            submitted_at: rfc3339(self.submitted_at),
            submitted_by: self.submitted_by,
            reviewed_at: self.reviewed_at.map(rfc3339),
            reviewed_by: self.reviewed_by,
            review_comment: self.review_comment.clone(),
        }
    }
}

impl SupervisionRow {
    fn view(&self) -> SupervisionView {
        SupervisionView {
            id: self.id,
            contract_id: self.contract_id,
            held_on: self.held_on,
            supervisor: self.supervisor.clone(),
            notes: self.notes.clone(),
            recorded_by: self.recorded_by,
            created_at: rfc3339(self.created_at),
        }
    }
}

// ------------------------------------------------------------------------------ access

/// `409 invalid_state` unless the contract is active.
fn ensure_active(contract: &ContractRow, action: &str) -> AppResult<()> {
    if contract.status == model::CONTRACT_ACTIVE {
        Ok(())
    } else {
        Err(not_active(&contract.status, action))
    }
}

fn not_active(from: &str, action: &str) -> AppError {
    AppError::InvalidState {
        from: from.to_owned(),
        action: action.to_owned(),
    }
}

// ----------------------------------------------------------------------------- periods

/// The first day of the month named `YYYY-MM` (exactly seven characters).
pub fn parse_period(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 7 || bytes[4] != b'-' {
        return None;
    }
    if !bytes
        .iter()
        .enumerate()
        .all(|(i, b)| i == 4 || b.is_ascii_digit())
    {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let month: u32 = text[5..].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// `YYYY-MM` of a date.
pub fn period_of(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// The first day of the month of `date`.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

// ------------------------------------------------------------------------- validation

fn push(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

fn count(errors: &mut FieldErrors, field: &str, value: i64) -> i32 {
    if value < 0 {
        push(errors, field, "不能为负数");
    } else if value > MAX_COUNT {
        push(errors, field, "数值过大");
    }
    i32::try_from(value.clamp(0, MAX_COUNT)).unwrap_or(0)
}

fn text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        push(errors, field, "必填");
    } else if trimmed.chars().count() > max {
        push(errors, field, format!("最多 {max} 个字符"));
    }
    trimmed.to_owned()
}

/// A checked report.
struct CheckedReport {
    period: String,
    counts: Vec<(String, i32, i32)>,
    activities: i32,
    cases_opened: i32,
    cases_closed: i32,
    volunteers_engaged: i32,
    narrative: String,
}

fn check_report(
    conn: &mut AnyConnection,
    contract: &ContractRow,
    today: NaiveDate,
    input: &ReportInput,
) -> AppResult<CheckedReport> {
    let mut errors = FieldErrors::new();
    let period = input.period.trim();
    match parse_period(period) {
        None => push(&mut errors, "period", "格式应为 YYYY-MM，例如 2026-03"),
        Some(month) => {
            if month < month_start(contract.service_start) || month > contract.service_end {
                push(
                    &mut errors,
                    "period",
                    format!(
                        "必须在服务期内（{} 至 {}）",
                        period_of(contract.service_start),
                        period_of(contract.service_end)
                    ),
                );
            } else if month > month_start(today) {
                push(
                    &mut errors,
                    "period",
                    format!("不能晚于本月（{}），月报在当月或之后提交", period_of(today)),
                );
            }
        }
    }
    let known: BTreeSet<String> = target_groups::table
        .select(target_groups::code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut seen = BTreeSet::new();
    let mut counts = Vec::with_capacity(input.service_counts.len());
    for (i, c) in input.service_counts.iter().enumerate() {
        let prefix = format!("service_counts[{i}]");
        let group = c.target_group.trim().to_owned();
        let group_field = format!("{prefix}.target_group");
        if !known.contains(&group) {
            push(&mut errors, &group_field, "未知的服务对象类别");
        } else if !seen.insert(group.clone()) {
            push(&mut errors, &group_field, "同一服务对象类别只能填报一次");
        }
        let persons_field = format!("{prefix}.persons");
        let persons = count(&mut errors, &persons_field, c.persons);
        let person_times = count(
            &mut errors,
            &format!("{prefix}.person_times"),
            c.person_times,
        );
        if c.persons >= 0 && c.person_times >= 0 && c.persons > c.person_times {
            push(&mut errors, &persons_field, "服务人数不能大于服务人次");
        }
        counts.push((group, persons, person_times));
    }
    let activities = count(&mut errors, "activities", input.activities);
    let cases_opened = count(&mut errors, "cases_opened", input.cases_opened);
    let cases_closed = count(&mut errors, "cases_closed", input.cases_closed);
    let volunteers_engaged = count(&mut errors, "volunteers_engaged", input.volunteers_engaged);
    let narrative = text(&mut errors, "narrative", &input.narrative, MAX_NARRATIVE);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(CheckedReport {
        period: period.to_owned(),
        counts,
        activities,
        cases_opened,
        cases_closed,
        volunteers_engaged,
        narrative,
    })
}

// ----------------------------------------------------------------------------- reports

/// The outcome of a submission: the report and whether it replaced a returned one.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The report as stored.
    pub report: ReportView,
    /// True when a returned report of the month was replaced.
    pub resubmitted: bool,
}

fn report_view(conn: &mut AnyConnection, row: &ReportRow) -> AppResult<ReportView> {
    let counts = model::counts(conn, &[row.id])?;
    Ok(row.view(&counts))
}

/// Submits a month's report (a user of the contract's contractor; contract `active`). A
/// month already reported is `409 conflict`, unless its report was returned: then this one
/// replaces it and goes back to `submitted`.
pub fn submit_report(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    contract_id: i64,
    input: &ReportInput,
) -> AppResult<Submitted> {
    let contract = contracts::get(conn, contract_id)?;
    ensure_contractor_user(user, &contract)?;
    ensure_active(&contract, "submit_report")?;
    let checked = check_report(conn, &contract, shanghai_date(now), input)?;
    write_tx(conn, |conn| {
        if !model::lock_active(conn, contract_id)? {
            let current = contracts::get(conn, contract_id)?;
            return Err(not_active(&current.status, "submit_report"));
        }
        let existing = model::report_for_period(conn, contract_id, &checked.period)?;
        let (report_id, before) = match &existing {
            Some(old) if old.status == REPORT_RETURNED => {
                let before = report_view(conn, old)?;
                let changed = diesel::update(
                    service_reports::table
                        .filter(service_reports::id.eq(old.id))
                        .filter(service_reports::status.eq(REPORT_RETURNED)),
                )
                .set((
                    service_reports::activities.eq(checked.activities),
                    service_reports::cases_opened.eq(checked.cases_opened),
                    service_reports::cases_closed.eq(checked.cases_closed),
                    service_reports::volunteers_engaged.eq(checked.volunteers_engaged),
                    service_reports::narrative.eq(&checked.narrative),
                    service_reports::status.eq(REPORT_SUBMITTED),
                    service_reports::submitted_at.eq(now),
                    service_reports::submitted_by.eq(Some(user.id)),
                    service_reports::reviewed_at.eq(None::<NaiveDateTime>),
                    service_reports::reviewed_by.eq(None::<i64>),
                    service_reports::review_comment.eq(None::<String>),
                ))
                .execute(conn)?;
                if changed != 1 {
                    return Err(AppError::Conflict(
                        "该月服务报告已被修改，请刷新后重试".to_owned(),
                    ));
                }
                diesel::delete(report_counts::table.filter(report_counts::report_id.eq(old.id)))
                    .execute(conn)?;
                (old.id, Some(before))
            }
            Some(old) => {
                return Err(AppError::Conflict(format!(
                    "{} 的服务报告已提交（{}），每月只能提交一份；被退回的报告才可重新提交",
                    old.period,
                    status_label(&old.status)
                )));
            }
            None => {
                let id = diesel::insert_into(service_reports::table)
                    .values((
                        service_reports::contract_id.eq(contract_id),
                        service_reports::period.eq(&checked.period),
                        service_reports::activities.eq(checked.activities),
                        service_reports::cases_opened.eq(checked.cases_opened),
                        service_reports::cases_closed.eq(checked.cases_closed),
                        service_reports::volunteers_engaged.eq(checked.volunteers_engaged),
                        service_reports::narrative.eq(&checked.narrative),
                        service_reports::status.eq(REPORT_SUBMITTED),
                        service_reports::submitted_at.eq(now),
                        service_reports::submitted_by.eq(Some(user.id)),
                    ))
                    .returning(service_reports::id)
                    .get_result::<i64>(conn)
                    .map_err(|e| match AppError::from(e) {
                        AppError::Conflict(_) => AppError::Conflict(format!(
                            "{} 的服务报告已提交，每月只能提交一份",
                            checked.period
                        )),
                        other => other,
                    })?;
                (id, None)
            }
        };
        for (group, persons, person_times) in &checked.counts {
            diesel::insert_into(report_counts::table)
                .values((
                    report_counts::report_id.eq(report_id),
                    report_counts::target_group.eq(group),
                    report_counts::persons.eq(*persons),
                    report_counts::person_times.eq(*person_times),
                ))
                .execute(conn)?;
        }
        let row = model::report(conn, report_id)?;
        let view = report_view(conn, &row)?;
        let resubmitted = before.is_some();
        audit::record(
            conn,
            &user.actor(now),
            if resubmitted {
                "report.resubmit"
            } else {
                "report.submit"
            },
            "service_report",
            &report_id.to_string(),
            before.as_ref().map(|b| json!(b)).as_ref(),
            Some(&json!(view)),
        )?;
        Ok(Submitted {
            report: view,
            resubmitted,
        })
    })
}

fn status_label(status: &str) -> &'static str {
    match status {
        REPORT_SUBMITTED => "待审核",
        REPORT_ACCEPTED => "已通过",
        REPORT_RETURNED => "已退回",
        _ => "未知状态",
    }
}

/// The reports of a contract by month (parties, auditors, admins).
pub fn list_reports(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    contract_id: i64,
) -> AppResult<Vec<ReportView>> {
    let contract = contracts::get(conn, contract_id)?;
    ensure_party(user, &contract)?;
    let rows = model::reports(conn, contract_id, None)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts = model::counts(conn, &ids)?;
    Ok(rows.iter().map(|r| r.view(&counts)).collect())
}

/// One report (parties of its contract, auditors, admins).
pub fn show_report(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    report_id: i64,
) -> AppResult<ReportView> {
    let row = model::report(conn, report_id)?;
    let contract = contracts::get(conn, row.contract_id)?;
    ensure_party(user, &contract)?;
    report_view(conn, &row)
}

/// Reviews a submitted report (an officer of the contract's purchaser): `accepted` or
/// `returned` (comment required). A returned report mails the contractor's users, in the
/// same transaction.
pub fn review_report(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    report_id: i64,
    input: &ReviewInput,
) -> AppResult<ReportView> {
    let row = model::report(conn, report_id)?;
    let contract = contracts::get(conn, row.contract_id)?;
    ensure_purchaser_officer(user, &contract)?;
    if row.status != REPORT_SUBMITTED {
        return Err(AppError::InvalidState {
            from: row.status.clone(),
            action: "review".to_owned(),
        });
    }
    let mut errors = FieldErrors::new();
    let decision = input.decision.trim();
    if decision != REPORT_ACCEPTED && decision != REPORT_RETURNED {
        push(&mut errors, "decision", "只能是 accepted 或 returned");
    }
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    match &comment {
        None if decision == REPORT_RETURNED => push(&mut errors, "comment", "退回时必须说明理由"),
        Some(c) if c.chars().count() > MAX_NOTES => {
            push(&mut errors, "comment", format!("最多 {MAX_NOTES} 个字符"))
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        let before = report_view(conn, &row)?;
        let changed = diesel::update(
            service_reports::table
                .filter(service_reports::id.eq(report_id))
                .filter(service_reports::status.eq(REPORT_SUBMITTED)),
        )
        .set((
            service_reports::status.eq(decision),
            service_reports::reviewed_at.eq(Some(now)),
            service_reports::reviewed_by.eq(Some(user.id)),
            service_reports::review_comment.eq(comment.as_deref()),
        ))
        .execute(conn)?;
        if changed != 1 {
            let current = model::report(conn, report_id)?;
            return Err(AppError::InvalidState {
                from: current.status,
                action: "review".to_owned(),
            });
        }
        let updated = model::report(conn, report_id)?;
        let view = report_view(conn, &updated)?;
        audit::record(
            conn,
            &user.actor(now),
            if decision == REPORT_ACCEPTED {
                "report.accept"
            } else {
                "report.return"
            },
            "service_report",
            &report_id.to_string(),
            Some(&json!(before)),
            Some(&json!(view)),
        )?;
        if decision == REPORT_RETURNED {
            crate::notify::events::report_returned(conn, now, report_id)?;
        }
        Ok(view)
    })
}

// ---------------------------------------------------------------------------- progress

/// Every quantity target of the contract's project against the sums of accepted reports
/// (parties, auditors, admins). The mapping of targets to figures is documented in
/// [`super::progress`].
pub fn progress(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    contract_id: i64,
) -> AppResult<ProgressView> {
    let contract = contracts::get(conn, contract_id)?;
    ensure_party(user, &contract)?;
    let accepted = model::reports(conn, contract_id, Some(REPORT_ACCEPTED))?;
    let ids: Vec<i64> = accepted.iter().map(|r| r.id).collect();
    let counts = model::counts(conn, &ids)?;
    let mut totals = Totals::default();
    for r in &accepted {
        totals.activities += i64::from(r.activities);
        totals.cases_opened += i64::from(r.cases_opened);
        totals.cases_closed += i64::from(r.cases_closed);
        totals.volunteers_engaged += i64::from(r.volunteers_engaged);
    }
    for c in &counts {
        totals.persons += i64::from(c.persons);
        totals.person_times += i64::from(c.person_times);
    }
    let targets = projects_model::targets(conn, contract.project_id)?
        .into_iter()
        .filter(|t| t.kind == "quantity")
        .map(|t| {
            let measure = progress::measure(&t.name, &t.unit);
            let actual = measure.map(|m| m.of(&totals));
            let percent = match (actual, Decimal::from_str(t.value.trim())) {
                (Some(actual), Ok(target)) => {
                    progress::percent(actual, target).map(|p| format!("{p:.2}"))
                }
                _ => None,
            };
            TargetProgress {
                kind: t.kind,
                name: t.name,
                unit: t.unit,
                target: t.value,
                measure,
                actual,
                percent,
            }
        })
        .collect();
    Ok(ProgressView {
        contract_id,
        accepted_reports: i64::try_from(accepted.len()).unwrap_or(i64::MAX),
        accepted_periods: accepted.iter().map(|r| r.period.clone()).collect(),
        totals,
        targets,
    })
}

// ------------------------------------------------------------------------- supervision

/// Records a supervision session (an officer of the purchaser, or an evaluator; contract
/// `active`). `held_on` lies between the service start and today.
pub fn record_supervision(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    contract_id: i64,
    input: &SupervisionInput,
) -> AppResult<SupervisionView> {
    let contract = contracts::get(conn, contract_id)?;
    if user.role != Role::Evaluator {
        ensure_purchaser_officer(user, &contract).map_err(|_| {
            AppError::Forbidden("只有本合同采购人的经办人或评估专家可以记录督导".to_owned())
        })?;
    }
    ensure_active(&contract, "record_supervision")?;
    let today = shanghai_date(now);
    let mut errors = FieldErrors::new();
    let held_on = match NaiveDate::parse_from_str(input.held_on.trim(), "%Y-%m-%d") {
        Err(_) => {
            push(&mut errors, "held_on", "日期格式应为 YYYY-MM-DD");
            None
        }
        Ok(d) if d > today => {
            push(&mut errors, "held_on", "不能晚于今天");
            None
        }
        Ok(d) if d < contract.service_start || d > contract.service_end => {
            push(
                &mut errors,
                "held_on",
                format!(
                    "必须在服务期内（{} 至 {}）",
                    contract.service_start, contract.service_end
                ),
            );
            None
        }
        Ok(d) => Some(d),
    };
    let supervisor = text(&mut errors, "supervisor", &input.supervisor, MAX_SUPERVISOR);
    let notes = text(&mut errors, "notes", &input.notes, MAX_NOTES);
    let held_on = match held_on {
        Some(d) if errors.is_empty() => d,
        _ => return Err(AppError::Validation(errors)),
    };
    write_tx(conn, |conn| {
        if !model::lock_active(conn, contract_id)? {
            let current = contracts::get(conn, contract_id)?;
            return Err(not_active(&current.status, "record_supervision"));
        }
        let row: SupervisionRow = diesel::insert_into(supervisions::table)
            .values((
                supervisions::contract_id.eq(contract_id),
                supervisions::held_on.eq(held_on),
                supervisions::supervisor.eq(&supervisor),
                supervisions::notes.eq(&notes),
                supervisions::recorded_by.eq(Some(user.id)),
                supervisions::created_at.eq(now),
            ))
            .returning(supervisions::all_columns)
            .get_result(conn)?;
        let view = row.view();
        audit::record(
            conn,
            &user.actor(now),
            "supervision.record",
            "supervision",
            &row.id.to_string(),
            None,
            Some(&json!(view)),
        )?;
        Ok(view)
    })
}

/// The supervisions of a contract (parties, auditors, admins).
pub fn list_supervisions(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    contract_id: i64,
) -> AppResult<Vec<SupervisionView>> {
    let contract = contracts::get(conn, contract_id)?;
    ensure_party(user, &contract)?;
    Ok(model::supervisions(conn, contract_id)?
        .iter()
        .map(SupervisionRow::view)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_strictly() {
        assert_eq!(parse_period("2026-03"), NaiveDate::from_ymd_opt(2026, 3, 1));
        for bad in [
            "2026-3",
            "2026-13",
            "2026-00",
            "26-03",
            "2026/03",
            "2026-03-01",
            "２０２６-03",
        ] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
        let d = NaiveDate::from_ymd_opt(2027, 1, 31).expect("date");
        assert_eq!(period_of(d), "2027-01");
        assert_eq!(
            month_start(d),
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("date")
        );
    }
}
