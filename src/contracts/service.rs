//! Use cases of contracts (DOMAIN §6): drafting from an awarded project, signing by both
//! parties (activation publishes the contract notice and makes the `on_signing` installments
//! due), the `start_services` job, reading contracts and their payment schedule, paying a due
//! installment, termination, and completion. Every change runs in one [`write_tx`] with its
//! audit row (and notice).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::{self, ContractRow, PaymentRow, ensure_party, ensure_purchaser_officer};
use crate::app::AppState;
use crate::audit::{self, Actor};
use crate::auth::{CurrentUser, Role};
use crate::calendar::Calendar;
use crate::clock::{rfc3339, shanghai_date};
use crate::db::schema::{contracts, payments, performance_evaluations, projects};
use crate::db::{AnyConnection, write_tx};
use crate::disclosure::bodies;
use crate::disclosure::contract_bodies::{self, ContractBody, InstallmentLine, TerminationBody};
use crate::disclosure::notices::{self, NewNotice, NoticeKind};
use crate::domain::contract_status::{self, ContractAction, ContractStatus};
use crate::domain::installments::{self, CONDITIONS};
use crate::domain::money::from_fen;
use crate::domain::project_status::{self, ProjectAction, ProjectStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::extract::Page;
use crate::procurement::access::ensure_officer_of;
use crate::procurement::evaluation::model as award_model;
use crate::procurement::projects::model::{self as projects_model, ProjectRow};
use crate::procurement::projects::service::notice_header;
use crate::procurement::rules::ProcurementRules;
use crate::purchasers::service::push;

/// The longest free-text term in characters.
const MAX_TEXT: usize = 20_000;

/// The most installments a schedule may have.
const MAX_INSTALLMENTS: usize = 24;

// ------------------------------------------------------------------------------ inputs

/// One installment of the payment schedule.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallmentInput {
    /// Name, e.g. 首期款.
    #[serde(default)]
    pub name: Option<String>,
    /// Percent as a decimal string (`"30"`, `"33.33"`; at most 2 decimals) or number.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub percent: Option<Value>,
    /// `on_signing | after_midterm_evaluation | after_final_evaluation`.
    #[serde(default)]
    pub condition: Option<String>,
}

/// Dispute resolution (争议解决方式).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeInput {
    /// `arbitration` (仲裁) or `litigation` (诉讼).
    #[serde(default)]
    pub kind: Option<String>,
    /// The arbitration commission or the court.
    #[serde(default)]
    pub body: Option<String>,
}

/// `POST /api/v1/projects/{id}/contract`: every term of DOMAIN §6 is required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    /// 标的.
    #[serde(default)]
    pub subject: Option<String>,
    /// 数量.
    #[serde(default)]
    pub quantity_terms: Option<String>,
    /// 质量.
    #[serde(default)]
    pub quality_terms: Option<String>,
    /// Service start (`YYYY-MM-DD`), inside the project's period.
    #[serde(default)]
    pub service_start: Option<String>,
    /// Service end (`YYYY-MM-DD`, inclusive), inside the project's period.
    #[serde(default)]
    pub service_end: Option<String>,
    /// Installments whose percents sum to 100 (资金结算方式).
    #[serde(default)]
    pub payment_schedule: Option<Vec<InstallmentInput>>,
    /// 权利义务.
    #[serde(default)]
    pub rights_obligations: Option<String>,
    /// 违约责任.
    #[serde(default)]
    pub breach_liability: Option<String>,
    /// 争议解决方式.
    #[serde(default)]
    pub dispute_resolution: Option<DisputeInput>,
}

/// `POST /api/v1/contracts/{id}/terminate`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminateInput {
    /// Why the contract ends early.
    #[serde(default)]
    pub reason: Option<String>,
    /// Pay the unpaid installments anyway (they become `due`); by default they are withheld.
    #[serde(default)]
    pub pay_unpaid: Option<bool>,
}

/// `GET /api/v1/contracts` filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ContractFilter {
    /// Only this contractor's contracts.
    pub contractor_id: Option<i64>,
    /// Only this purchaser's contracts.
    pub purchaser_id: Option<i64>,
    /// Page number from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100.
    pub per_page: Option<i64>,
}

// ------------------------------------------------------------------------------- views

/// One installment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// Name.
    pub name: String,
    /// Percent with two decimals, `"30.00"`.
    pub percent: String,
    /// Amount (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Condition code.
    pub condition: String,
    /// `scheduled | due | paid | withheld`.
    pub status: String,
    /// What is (or was) payable: the partial amount after a 合格 final grade, else the
    /// amount; `0.00` when withheld.
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub payable_amount: Decimal,
    /// When it became due (RFC 3339).
    pub due_at: Option<String>,
    /// When it was paid (RFC 3339).
    pub paid_at: Option<String>,
    /// The paying officer.
    pub paid_by: Option<i64>,
    /// A note.
    pub note: Option<String>,
}

/// Dispute resolution as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisputeView {
    /// `arbitration | litigation`.
    pub kind: String,
    /// The commission or court.
    pub body: String,
}

/// A contract.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContractView {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Award.
    pub award_id: i64,
    /// 甲方.
    pub purchaser_id: i64,
    /// 乙方.
    pub contractor_id: i64,
    /// 合同编号.
    pub number: String,
    /// 标的.
    pub subject: String,
    /// 数量.
    pub quantity_terms: String,
    /// 质量.
    pub quality_terms: String,
    /// 价款 (元), the awarded price.
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Service start.
    pub service_start: NaiveDate,
    /// Service end.
    pub service_end: NaiveDate,
    /// The payment schedule.
    pub payment_schedule: Vec<PaymentView>,
    /// 权利义务.
    pub rights_obligations: String,
    /// 违约责任.
    pub breach_liability: String,
    /// 争议解决方式.
    pub dispute_resolution: DisputeView,
    /// `draft | active | terminated | completed`.
    pub status: String,
    /// Purchaser signature time (RFC 3339).
    pub purchaser_signed_at: Option<String>,
    /// Contractor signature time (RFC 3339).
    pub contractor_signed_at: Option<String>,
    /// Activation time (RFC 3339).
    pub activated_at: Option<String>,
    /// Termination time (RFC 3339).
    pub terminated_at: Option<String>,
    /// Why terminated.
    pub termination_reason: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
}

/// The view of an installment.
pub fn payment_view(p: &PaymentRow) -> PaymentView {
    let payable = if p.status == "withheld" {
        0
    } else {
        p.payable_fen.unwrap_or(p.amount_fen)
    };
    PaymentView {
        id: p.id,
        contract_id: p.contract_id,
        name: p.name.clone(),
        percent: installments::percent_text(p.percent_centi),
        amount: from_fen(p.amount_fen),
        condition: p.condition.clone(),
        status: p.status.clone(),
        payable_amount: from_fen(payable),
        due_at: p.due_at.map(rfc3339),
        paid_at: p.paid_at.map(rfc3339),
        paid_by: p.paid_by,
        note: p.note.clone(),
    }
}

/// The view of a contract with its schedule.
pub fn contract_view(conn: &mut AnyConnection, c: &ContractRow) -> AppResult<ContractView> {
    let schedule = model::payments_of(conn, c.id)?;
    Ok(ContractView {
        id: c.id,
        project_id: c.project_id,
        award_id: c.award_id,
        purchaser_id: c.purchaser_id,
        contractor_id: c.contractor_id,
        number: c.number.clone(),
        subject: c.subject.clone(),
        quantity_terms: c.quantity_terms.clone(),
        quality_terms: c.quality_terms.clone(),
        amount: from_fen(c.amount_fen),
        service_start: c.service_start,
        service_end: c.service_end,
        payment_schedule: schedule.iter().map(payment_view).collect(),
        rights_obligations: c.rights_obligations.clone(),
        breach_liability: c.breach_liability.clone(),
        dispute_resolution: DisputeView {
            kind: c.dispute_kind.clone(),
            body: c.dispute_body.clone(),
        },
        status: c.status.clone(),
        purchaser_signed_at: c.purchaser_signed_at.map(rfc3339),
        contractor_signed_at: c.contractor_signed_at.map(rfc3339),
        activated_at: c.activated_at.map(rfc3339),
        terminated_at: c.terminated_at.map(rfc3339),
        termination_reason: c.termination_reason.clone(),
        created_at: rfc3339(c.created_at),
    })
}

// ----------------------------------------------------------------------------- helpers

/// A trimmed required text of at most [`MAX_TEXT`] characters.
fn required_text(errors: &mut FieldErrors, field: &str, text: Option<&String>) -> String {
    let trimmed = text.map(|t| t.trim()).unwrap_or("");
    if trimmed.is_empty() {
        push(errors, field, "必填");
    } else if trimmed.chars().count() > MAX_TEXT {
        push(errors, field, format!("最多 {MAX_TEXT} 个字符"));
    }
    trimmed.to_owned()
}

/// A required `YYYY-MM-DD` date.
fn required_date(
    errors: &mut FieldErrors,
    field: &str,
    text: Option<&String>,
) -> Option<NaiveDate> {
    match text.map(|t| t.trim()) {
        None | Some("") => {
            push(errors, field, "必填");
            None
        }
        Some(t) => match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                push(errors, field, "日期格式应为 YYYY-MM-DD");
                None
            }
        },
    }
}

/// A percent given as a string or a number, in hundredths.
fn percent_of(value: &Value) -> Result<i64, String> {
    match value {
        Value::String(s) => installments::parse_percent(s),
        Value::Number(n) => installments::parse_percent(&n.to_string()),
        _ => Err("百分比应为数字字符串，如 \"30\"".to_owned()),
    }
}

/// A checked installment.
struct Installment {
    name: String,
    percent_centi: i64,
    condition: String,
}

/// The checked terms of a new contract.
struct Terms {
    subject: String,
    quantity_terms: String,
    quality_terms: String,
    service_start: NaiveDate,
    service_end: NaiveDate,
    schedule: Vec<Installment>,
    rights_obligations: String,
    breach_liability: String,
    dispute_kind: String,
    dispute_body: String,
}

/// Checks every term, naming each missing or invalid field; then the percents' sum (rule
/// `payment_schedule_not_100`).
fn check_terms(input: &ContractInput, project: &ProjectRow) -> AppResult<Terms> {
    let mut errors = FieldErrors::new();
    let subject = required_text(&mut errors, "subject", input.subject.as_ref());
    let quantity_terms =
        required_text(&mut errors, "quantity_terms", input.quantity_terms.as_ref());
    let quality_terms = required_text(&mut errors, "quality_terms", input.quality_terms.as_ref());
    let rights_obligations = required_text(
        &mut errors,
        "rights_obligations",
        input.rights_obligations.as_ref(),
    );
    let breach_liability = required_text(
        &mut errors,
        "breach_liability",
        input.breach_liability.as_ref(),
    );
    let start = required_date(&mut errors, "service_start", input.service_start.as_ref());
    let end = required_date(&mut errors, "service_end", input.service_end.as_ref());
    if let (Some(start), Some(end)) = (start, end) {
        if end < start {
            push(&mut errors, "service_end", "服务结束日期不能早于开始日期");
        }
        let period = format!(
            "须在项目服务期限（{} 至 {}）之内",
            project.service_start, project.service_end
        );
        if start < project.service_start || start > project.service_end {
            push(&mut errors, "service_start", period.clone());
        }
        if end < project.service_start || end > project.service_end {
            push(&mut errors, "service_end", period);
        }
    }
    let (dispute_kind, dispute_body) = match &input.dispute_resolution {
        None => {
            push(&mut errors, "dispute_resolution", "必填");
            (String::new(), String::new())
        }
        Some(d) => {
            let kind = d.kind.as_deref().map(str::trim).unwrap_or("");
            match kind {
                "arbitration" | "litigation" => {}
                "" => push(&mut errors, "dispute_resolution.kind", "必填"),
                _ => push(
                    &mut errors,
                    "dispute_resolution.kind",
                    "须为 arbitration（仲裁）或 litigation（诉讼）",
                ),
            }
            let body = required_text(&mut errors, "dispute_resolution.body", d.body.as_ref());
            (kind.to_owned(), body)
        }
    };
    let mut schedule = Vec::new();
    match &input.payment_schedule {
        None => push(&mut errors, "payment_schedule", "必填"),
        Some(items) if items.is_empty() => push(&mut errors, "payment_schedule", "至少一期付款"),
        Some(items) if items.len() > MAX_INSTALLMENTS => push(
            &mut errors,
            "payment_schedule",
            format!("最多 {MAX_INSTALLMENTS} 期"),
        ),
        Some(items) => {
            for (i, item) in items.iter().enumerate() {
                let name = required_text(
                    &mut errors,
                    &format!("payment_schedule[{i}].name"),
                    item.name.as_ref(),
                );
                let percent_field = format!("payment_schedule[{i}].percent");
                let percent_centi = match &item.percent {
                    None | Some(Value::Null) => {
                        push(&mut errors, &percent_field, "必填");
                        0
                    }
                    Some(v) => percent_of(v).unwrap_or_else(|message| {
                        push(&mut errors, &percent_field, message);
                        0
                    }),
                };
                let condition_field = format!("payment_schedule[{i}].condition");
                let condition = item.condition.as_deref().map(str::trim).unwrap_or("");
                if condition.is_empty() {
                    push(&mut errors, &condition_field, "必填");
                } else if !CONDITIONS.contains(&condition) {
                    push(
                        &mut errors,
                        &condition_field,
                        "须为 on_signing、after_midterm_evaluation 或 after_final_evaluation",
                    );
                }
                schedule.push(Installment {
                    name,
                    percent_centi,
                    condition: condition.to_owned(),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let percents: Vec<i64> = schedule.iter().map(|i| i.percent_centi).collect();
    if !installments::sums_to_100(&percents) {
        let sum: i64 = percents.iter().sum();
        return Err(AppError::rule(
            "payment_schedule_not_100",
            format!(
                "各期付款比例之和须恰好为 100%，现为 {}%",
                installments::percent_text(sum)
            ),
        ));
    }
    // Both dates are present when there are no field errors.
    let (Some(service_start), Some(service_end)) = (start, end) else {
        return Err(AppError::internal(anyhow::anyhow!("dates checked above")));
    };
    Ok(Terms {
        subject,
        quantity_terms,
        quality_terms,
        service_start,
        service_end,
        schedule,
        rights_obligations,
        breach_liability,
        dispute_kind,
        dispute_body,
    })
}

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

/// Moves a contract `from → to` with a compare-and-set on its status; `Conflict` when it
/// changed meanwhile.
fn set_contract_status(
    conn: &mut AnyConnection,
    id: i64,
    from: ContractStatus,
    to: ContractStatus,
    now: NaiveDateTime,
) -> AppResult<()> {
    let changed = diesel::update(
        contracts::table
            .find(id)
            .filter(contracts::status.eq(from.as_str())),
    )
    .set((
        contracts::status.eq(to.as_str()),
        contracts::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "合同状态已被他人修改，请刷新后重试".to_owned(),
        ))
    }
}

fn contractor_name_region(conn: &mut AnyConnection, id: i64) -> AppResult<(String, String)> {
    let row = crate::contractors::model::find(conn, id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("contractor {id} missing")))?;
    let region = crate::regions::full_name(conn, &row.region_code)?;
    Ok((row.name, region))
}

// ------------------------------------------------------------------------------ create

/// Drafts the contract of an awarded project (officer of the purchaser), audited.
///
/// - the project `awarded` (`409 invalid_state`), no contract yet (`409 conflict`), an active
///   award whose challenge window has closed (rule `challenge_window_open`) and no pending
///   challenge (rule `challenge_pending`);
/// - every term required (field errors name each), the service period inside the project's,
///   percents summing to 100 (rule `payment_schedule_not_100`);
/// - amount = the awarded price; installments split by [`installments::split`]; number
///   `{project number}-HT`; status `draft`.
pub fn create(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    project_id: i64,
    input: &ContractInput,
) -> AppResult<ContractView> {
    let project = projects_model::get(conn, project_id)?;
    ensure_officer_of(user, project.purchaser_id)?;
    if model::of_project(conn, project_id)?.is_some() {
        return Err(AppError::Conflict("该项目已有合同".to_owned()));
    }
    let status = project.status()?;
    if status != ProjectStatus::Awarded {
        return Err(AppError::InvalidState {
            from: status.as_str().to_owned(),
            action: "create_contract".to_owned(),
        });
    }
    let award =
        award_model::active_award(conn, project_id)?.ok_or_else(|| AppError::InvalidState {
            from: status.as_str().to_owned(),
            action: "create_contract".to_owned(),
        })?;
    let today = shanghai_date(now);
    if today <= award.challenge_deadline {
        return Err(AppError::rule(
            "challenge_window_open",
            format!(
                "质疑期至{}届满，届满后方可签订合同",
                bodies::date_text(award.challenge_deadline)
            ),
        ));
    }
    if award_model::pending_challenge(conn, project_id)? {
        return Err(AppError::rule(
            "challenge_pending",
            "尚有未答复的质疑，答复后方可签订合同",
        ));
    }
    let terms = check_terms(input, &project)?;
    let percents: Vec<i64> = terms.schedule.iter().map(|i| i.percent_centi).collect();
    let amounts = installments::split(award.price_fen, &percents);
    let number = format!("{}-HT", project.number);
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        lock_project(conn, project_id, ProjectStatus::Awarded)?;
        if award_model::active_award(conn, project_id)?.map(|a| a.id) != Some(award.id) {
            return Err(AppError::Conflict(
                "中标结果已变更，请刷新后重试".to_owned(),
            ));
        }
        let row: ContractRow = diesel::insert_into(contracts::table)
            .values((
                contracts::project_id.eq(project_id),
                contracts::award_id.eq(award.id),
                contracts::purchaser_id.eq(project.purchaser_id),
                contracts::contractor_id.eq(award.contractor_id),
                contracts::number.eq(&number),
                contracts::subject.eq(&terms.subject),
                contracts::quantity_terms.eq(&terms.quantity_terms),
                contracts::quality_terms.eq(&terms.quality_terms),
                contracts::amount_fen.eq(award.price_fen),
                contracts::service_start.eq(terms.service_start),
                contracts::service_end.eq(terms.service_end),
                contracts::rights_obligations.eq(&terms.rights_obligations),
                contracts::breach_liability.eq(&terms.breach_liability),
                contracts::dispute_kind.eq(&terms.dispute_kind),
                contracts::dispute_body.eq(&terms.dispute_body),
                contracts::status.eq(ContractStatus::Draft.as_str()),
                contracts::created_by.eq(Some(user.id)),
                contracts::created_at.eq(now),
                contracts::updated_at.eq(now),
            ))
            .returning(contracts::all_columns)
            .get_result(conn)?;
        for (position, (item, amount_fen)) in terms.schedule.iter().zip(&amounts).enumerate() {
            diesel::insert_into(payments::table)
                .values((
                    payments::contract_id.eq(row.id),
                    payments::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                    payments::name.eq(&item.name),
                    payments::percent_centi.eq(item.percent_centi),
                    payments::condition.eq(&item.condition),
                    payments::amount_fen.eq(*amount_fen),
                    payments::status.eq("scheduled"),
                ))
                .execute(conn)?;
        }
        let view = contract_view(conn, &row)?;
        audit::record(
            conn,
            &actor,
            "contract.create",
            "contract",
            &row.id.to_string(),
            None,
            Some(&json!(view)),
        )?;
        crate::notify::events::contract_to_sign(conn, now, row.id)?;
        Ok(view)
    })
}

// -------------------------------------------------------------------------------- sign

/// Which party signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Purchaser,
    Contractor,
}

/// Signs a draft contract for the caller's party (the purchaser's officer or the contractor's
/// user), in either order; a party signing twice is `409 conflict`; after the award's signing
/// deadline (30 days from the award notice) rule `signing_deadline_passed`. When both have
/// signed: the contract `active`, the `on_signing` installments `due`, the project
/// `awarded → contracted`, and the contract notice published (due 2 working days after
/// signing). One transaction, audited.
pub fn sign(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    user: &CurrentUser,
    now: NaiveDateTime,
    contract_id: i64,
) -> AppResult<ContractView> {
    let contract = model::get(conn, contract_id)?;
    let side = match user.role {
        Role::Officer if user.purchaser_id == Some(contract.purchaser_id) => Side::Purchaser,
        Role::Contractor if user.contractor_id == Some(contract.contractor_id) => Side::Contractor,
        _ => {
            return Err(AppError::Forbidden(
                "只有合同双方（采购人经办人、承接方）可以签订合同".to_owned(),
            ));
        }
    };
    let status = contract.status()?;
    if status != ContractStatus::Draft {
        return Err(AppError::InvalidState {
            from: status.as_str().to_owned(),
            action: "sign".to_owned(),
        });
    }
    let already = match side {
        Side::Purchaser => contract.purchaser_signed_at.is_some(),
        Side::Contractor => contract.contractor_signed_at.is_some(),
    };
    if already {
        return Err(AppError::Conflict("本方已签订该合同".to_owned()));
    }
    let award = award_model::award(conn, contract.award_id)?.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("award {} missing", contract.award_id))
    })?;
    let today = shanghai_date(now);
    if today > award.signing_deadline {
        return Err(AppError::rule(
            "signing_deadline_passed",
            format!(
                "合同应当自中标通知书发出之日起{}日内签订，签订期限已于{}届满",
                rules.contract_signing_days,
                bodies::date_text(award.signing_deadline)
            ),
        ));
    }
    let project = projects_model::get(conn, contract.project_id)?;
    let project_from = project.status()?;
    let contract_to = contract_status::transition(status, ContractAction::Activate)?;
    let header = notice_header(conn, rules, &project)?;
    let (contractor_name, contractor_region) =
        contractor_name_region(conn, contract.contractor_id)?;
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        let changed = match side {
            Side::Purchaser => diesel::update(
                contracts::table
                    .find(contract_id)
                    .filter(contracts::status.eq(ContractStatus::Draft.as_str()))
                    .filter(contracts::purchaser_signed_at.is_null()),
            )
            .set((
                contracts::purchaser_signed_at.eq(Some(now)),
                contracts::purchaser_signed_by.eq(Some(user.id)),
                contracts::updated_at.eq(now),
            ))
            .execute(conn)?,
            Side::Contractor => diesel::update(
                contracts::table
                    .find(contract_id)
                    .filter(contracts::status.eq(ContractStatus::Draft.as_str()))
                    .filter(contracts::contractor_signed_at.is_null()),
            )
            .set((
                contracts::contractor_signed_at.eq(Some(now)),
                contracts::contractor_signed_by.eq(Some(user.id)),
                contracts::updated_at.eq(now),
            ))
            .execute(conn)?,
        };
        if changed != 1 {
            return Err(AppError::Conflict(
                "合同已被他人修改，请刷新后重试".to_owned(),
            ));
        }
        let signed = model::get(conn, contract_id)?;
        let both = signed.purchaser_signed_at.is_some() && signed.contractor_signed_at.is_some();
        let side_code = match side {
            Side::Purchaser => "purchaser",
            Side::Contractor => "contractor",
        };
        audit::record(
            conn,
            &actor,
            "contract.sign",
            "contract",
            &contract_id.to_string(),
            Some(&json!({ "status": status.as_str() })),
            Some(&json!({ "side": side_code, "both_signed": both })),
        )?;
        if both {
            activate(
                conn,
                rules,
                calendar,
                &actor,
                &signed,
                &project,
                project_from,
                contract_to,
                header.clone(),
                (contractor_name.clone(), contractor_region.clone()),
            )?;
        }
        let row = model::get(conn, contract_id)?;
        contract_view(conn, &row)
    })
}

/// Activation inside the signing transaction (see [`sign`]).
#[allow(clippy::too_many_arguments)]
fn activate(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    actor: &Actor,
    contract: &ContractRow,
    project: &ProjectRow,
    project_from: ProjectStatus,
    contract_to: ContractStatus,
    header: bodies::Header,
    (contractor_name, contractor_region): (String, String),
) -> AppResult<()> {
    let now = actor.at;
    let project_to = project_status::transition(project_from, ProjectAction::SignContract)?;
    set_contract_status(conn, contract.id, ContractStatus::Draft, contract_to, now)?;
    diesel::update(contracts::table.find(contract.id))
        .set(contracts::activated_at.eq(Some(now)))
        .execute(conn)?;
    diesel::update(
        payments::table
            .filter(payments::contract_id.eq(contract.id))
            .filter(payments::condition.eq("on_signing"))
            .filter(payments::status.eq("scheduled")),
    )
    .set((payments::status.eq("due"), payments::due_at.eq(Some(now))))
    .execute(conn)?;
    projects_model::set_status(conn, project.id, project_from, project_to, None, now)?;
    let schedule = model::payments_of(conn, contract.id)?;
    let signed_on = shanghai_date(now);
    let body = contract_bodies::render_contract(&ContractBody {
        header,
        contract_number: contract.number.clone(),
        contractor_name,
        contractor_region,
        subject: contract.subject.clone(),
        quantity_terms: contract.quantity_terms.clone(),
        quality_terms: contract.quality_terms.clone(),
        amount: from_fen(contract.amount_fen),
        service_start: contract.service_start,
        service_end: contract.service_end,
        installments: schedule
            .iter()
            .map(|p| InstallmentLine {
                name: p.name.clone(),
                percent: installments::percent_text(p.percent_centi),
                amount: from_fen(p.amount_fen),
                condition: p.condition.clone(),
            })
            .collect(),
        dispute_kind: contract.dispute_kind.clone(),
        dispute_body: contract.dispute_body.clone(),
        signed_on,
    })
    .map_err(AppError::internal)?;
    notices::publish(
        conn,
        actor,
        &NewNotice {
            kind: NoticeKind::Contract,
            project_id: Some(project.id),
            purchaser_id: project.purchaser_id,
            region_code: project.region_code.clone(),
            title: bodies::title(NoticeKind::Contract, &project.title),
            body_html: body,
            due_by: Some(rules.contract_notice_due(calendar, signed_on)),
            created_by: actor.user_id,
        },
    )?;
    audit::record(
        conn,
        actor,
        "contract.activate",
        "contract",
        &contract.id.to_string(),
        Some(&json!({ "status": "draft", "project_status": project_from.as_str() })),
        Some(&json!({ "status": contract_to.as_str(), "project_status": project_to.as_str() })),
    )?;
    crate::notify::events::contract_signed(conn, now, contract.id)?;
    crate::notify::events::payments_due(conn, now, contract.id)?;
    Ok(())
}

// --------------------------------------------------------------------------------- job

/// The `start_services` job: every `contracted` project whose contract is active and whose
/// service start is today or earlier (Asia/Shanghai) moves to `in_service`. Idempotent: each
/// move is a compare-and-set on the project's status, so a second run (or another instance)
/// starts nothing twice. Returns `{"started": n}`.
pub async fn start_due_services(state: &AppState) -> AppResult<serde_json::Value> {
    let now = state.clock.now();
    let started = state.db.run(move |conn| start_due(conn, now)).await?;
    Ok(json!({ "started": started }))
}

/// The body of [`start_due_services`] on one connection.
pub fn start_due(conn: &mut AnyConnection, now: NaiveDateTime) -> AppResult<usize> {
    let today = shanghai_date(now);
    let due: Vec<(i64, i64)> = contracts::table
        .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
        .filter(contracts::status.eq(ContractStatus::Active.as_str()))
        .filter(contracts::service_start.le(today))
        .filter(projects::status.eq(ProjectStatus::Contracted.as_str()))
        .select((contracts::id, projects::id))
        .order(contracts::id.asc())
        .load(conn)?;
    let actor = Actor::system("job:start_services", now);
    let mut started = 0;
    for (contract_id, project_id) in due {
        let from = ProjectStatus::Contracted;
        let to = project_status::transition(from, ProjectAction::StartService)?;
        let moved = write_tx(conn, |conn| {
            let changed = diesel::update(
                projects::table
                    .find(project_id)
                    .filter(projects::status.eq(from.as_str())),
            )
            .set((
                projects::status.eq(to.as_str()),
                projects::updated_at.eq(now),
            ))
            .execute(conn)?;
            if changed == 1 {
                audit::record(
                    conn,
                    &actor,
                    "project.start_service",
                    "project",
                    &project_id.to_string(),
                    Some(&json!({ "status": from.as_str() })),
                    Some(&json!({ "status": to.as_str(), "contract_id": contract_id })),
                )?;
            }
            Ok::<_, AppError>(changed == 1)
        })?;
        if moved {
            started += 1;
        }
    }
    Ok(started)
}

// ------------------------------------------------------------------------------- reads

/// One contract (the parties, auditors, admins).
pub fn show(conn: &mut AnyConnection, user: &CurrentUser, id: i64) -> AppResult<ContractView> {
    let row = model::get(conn, id)?;
    ensure_party(user, &row)?;
    contract_view(conn, &row)
}

/// The installments of a contract (the parties, auditors, admins).
pub fn payments(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Vec<PaymentView>> {
    let row = model::get(conn, id)?;
    ensure_party(user, &row)?;
    Ok(model::payments_of(conn, id)?
        .iter()
        .map(payment_view)
        .collect())
}

/// Contracts the caller may read: an officer its purchaser's, a contractor user its own,
/// auditors and admins all; filtered by `purchaser_id` / `contractor_id`. Evaluators `403`.
pub fn list(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    filter: &ContractFilter,
) -> AppResult<Page<ContractView>> {
    let (page, per_page) = crate::extract::PageQuery {
        page: filter.page,
        per_page: filter.per_page,
    }
    .resolve()?;
    let forbidden = || AppError::Forbidden("无权查看这些合同".to_owned());
    let (purchaser_id, contractor_id) = match user.role {
        Role::Admin | Role::Auditor => (filter.purchaser_id, filter.contractor_id),
        Role::Officer => {
            let own = user.purchaser_id.ok_or_else(forbidden)?;
            if filter.purchaser_id.is_some_and(|p| p != own) {
                return Err(forbidden());
            }
            (Some(own), filter.contractor_id)
        }
        Role::Contractor => {
            let own = user.contractor_id.ok_or_else(forbidden)?;
            if filter.contractor_id.is_some_and(|c| c != own) {
                return Err(forbidden());
            }
            (filter.purchaser_id, Some(own))
        }
        Role::Evaluator => return Err(forbidden()),
    };
    let (rows, total) = model::list(
        conn,
        purchaser_id,
        contractor_id,
        (page - 1) * per_page,
        per_page,
    )?;
    let items = rows
        .iter()
        .map(|r| contract_view(conn, r))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page {
        items,
        page,
        per_page,
        total,
    })
}

// --------------------------------------------------------------------------------- pay

/// Pays a `due` installment (officer of the purchaser): `paid` with the time and officer,
/// paying `payable_fen` when set (partial after a 合格 final grade), else the amount; any
/// other status is `409 invalid_state` (so paying twice is refused). Then
/// [`complete_if_done`]. Audited.
pub fn pay(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    payment_id: i64,
) -> AppResult<PaymentView> {
    let payment = model::payment(conn, payment_id)?;
    let contract = model::get(conn, payment.contract_id)?;
    ensure_purchaser_officer(user, &contract)?;
    if payment.status != "due" {
        return Err(AppError::InvalidState {
            from: payment.status.clone(),
            action: "pay".to_owned(),
        });
    }
    let paid_fen = payment.payable_fen.unwrap_or(payment.amount_fen);
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        let changed = diesel::update(
            payments::table
                .find(payment_id)
                .filter(payments::status.eq("due")),
        )
        .set((
            payments::status.eq("paid"),
            payments::paid_at.eq(Some(now)),
            payments::paid_by.eq(Some(user.id)),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(AppError::InvalidState {
                from: "paid".to_owned(),
                action: "pay".to_owned(),
            });
        }
        let row = model::payment(conn, payment_id)?;
        audit::record(
            conn,
            &actor,
            "payment.pay",
            "payment",
            &payment_id.to_string(),
            Some(&json!({ "status": "due" })),
            Some(&json!({
                "status": "paid",
                "contract_id": contract.id,
                "paid_amount": format!("{:.2}", from_fen(paid_fen)),
            })),
        )?;
        crate::notify::events::payment_paid(conn, now, payment_id)?;
        complete_if_done(conn, contract.id, now)?;
        Ok(payment_view(&row))
    })
}

// ---------------------------------------------------------------------------- complete

/// Completes an active contract when its final evaluation is graded and every installment is
/// paid or withheld: the contract `completed` and the project `in_service → completed`
/// (a project still `contracted` is first started). Returns whether it completed. Call inside
/// the caller's transaction after a payment or a final grade; audited as the system.
pub fn complete_if_done(
    conn: &mut AnyConnection,
    contract_id: i64,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let contract = model::get(conn, contract_id)?;
    if contract.status()? != ContractStatus::Active {
        return Ok(false);
    }
    let final_graded: i64 = performance_evaluations::table
        .filter(performance_evaluations::contract_id.eq(contract_id))
        .filter(performance_evaluations::kind.eq("final"))
        .filter(performance_evaluations::status.eq("graded"))
        .count()
        .get_result(conn)?;
    if final_graded == 0 {
        return Ok(false);
    }
    let open: i64 = payments::table
        .filter(payments::contract_id.eq(contract_id))
        .filter(payments::status.ne_all(["paid", "withheld"]))
        .count()
        .get_result(conn)?;
    if open > 0 {
        return Ok(false);
    }
    let to = contract_status::transition(ContractStatus::Active, ContractAction::Complete)?;
    let project = projects_model::get(conn, contract.project_id)?;
    let mut project_from = project.status()?;
    let actor = Actor::system("contracts", now);
    write_tx(conn, |conn| {
        set_contract_status(conn, contract_id, ContractStatus::Active, to, now)?;
        if project_from == ProjectStatus::Contracted {
            let started = project_status::transition(project_from, ProjectAction::StartService)?;
            projects_model::set_status(conn, project.id, project_from, started, None, now)?;
            project_from = started;
        }
        let project_to = project_status::transition(project_from, ProjectAction::Complete)?;
        projects_model::set_status(conn, project.id, project_from, project_to, None, now)?;
        audit::record(
            conn,
            &actor,
            "contract.complete",
            "contract",
            &contract_id.to_string(),
            Some(&json!({ "status": "active", "project_status": project.status })),
            Some(&json!({ "status": to.as_str(), "project_status": project_to.as_str() })),
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(true)
}

// --------------------------------------------------------------------------- terminate

/// Terminates an active contract early (officer of the purchaser) with a reason: the contract
/// `terminated`, the project `terminated` (from `contracted` or `in_service`), the unpaid
/// installments (`scheduled`, `due`) `withheld` — or `due` when `pay_unpaid` — and the
/// termination notice published. Audited.
pub fn terminate(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    calendar: &Calendar,
    user: &CurrentUser,
    now: NaiveDateTime,
    contract_id: i64,
    input: &TerminateInput,
) -> AppResult<ContractView> {
    let contract = model::get(conn, contract_id)?;
    ensure_purchaser_officer(user, &contract)?;
    let from = contract.status()?;
    let to = contract_status::transition(from, ContractAction::Terminate)?;
    let project = projects_model::get(conn, contract.project_id)?;
    let project_from = project.status()?;
    let project_to = project_status::transition(project_from, ProjectAction::Terminate)?;
    let mut errors = FieldErrors::new();
    let reason = required_text(&mut errors, "reason", input.reason.as_ref());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let pay_unpaid = input.pay_unpaid.unwrap_or(false);
    let today = shanghai_date(now);
    let header = notice_header(conn, rules, &project)?;
    let (contractor_name, _) = contractor_name_region(conn, contract.contractor_id)?;
    let body = contract_bodies::render_termination(&TerminationBody {
        header,
        contract_number: contract.number.clone(),
        contractor_name,
        amount: from_fen(contract.amount_fen),
        service_start: contract.service_start,
        service_end: contract.service_end,
        terminated_on: today,
        reason: reason.clone(),
        pay_unpaid,
    })
    .map_err(AppError::internal)?;
    let actor = user.actor(now);
    write_tx(conn, |conn| {
        set_contract_status(conn, contract_id, from, to, now)?;
        diesel::update(contracts::table.find(contract_id))
            .set((
                contracts::terminated_at.eq(Some(now)),
                contracts::termination_reason.eq(Some(&reason)),
            ))
            .execute(conn)?;
        projects_model::set_status(
            conn,
            project.id,
            project_from,
            project_to,
            Some(&reason),
            now,
        )?;
        let unpaid = payments::table
            .filter(payments::contract_id.eq(contract_id))
            .filter(payments::status.eq_any(["scheduled", "due"]));
        if pay_unpaid {
            diesel::update(
                payments::table
                    .filter(payments::contract_id.eq(contract_id))
                    .filter(payments::status.eq("scheduled")),
            )
            .set((
                payments::status.eq("due"),
                payments::due_at.eq(Some(now)),
                payments::note.eq(Some("合同终止，按采购人决定支付")),
            ))
            .execute(conn)?;
        } else {
            diesel::update(unpaid)
                .set((
                    payments::status.eq("withheld"),
                    payments::note.eq(Some("合同终止，不再支付")),
                ))
                .execute(conn)?;
        }
        notices::publish(
            conn,
            &actor,
            &NewNotice {
                kind: NoticeKind::Termination,
                project_id: Some(project.id),
                purchaser_id: project.purchaser_id,
                region_code: project.region_code.clone(),
                title: bodies::title(NoticeKind::Termination, &project.title),
                body_html: body.clone(),
                due_by: Some(rules.contract_notice_due(calendar, today)),
                created_by: Some(user.id),
            },
        )?;
        let row = model::get(conn, contract_id)?;
        let view = contract_view(conn, &row)?;
        audit::record(
            conn,
            &actor,
            "contract.terminate",
            "contract",
            &contract_id.to_string(),
            Some(&json!({ "status": from.as_str(), "project_status": project_from.as_str() })),
            Some(&json!({
                "status": to.as_str(),
                "project_status": project_to.as_str(),
                "reason": reason,
                "pay_unpaid": pay_unpaid,
            })),
        )?;
        crate::notify::events::payments_due(conn, now, contract_id)?;
        Ok(view)
    })
}
