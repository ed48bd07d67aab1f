//! Use cases of contractors; each runs in one transaction with its audit row.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use super::input::{self, AccountFields, ContractorFields, ContractorPatch};
use super::model::{self, ContractorRow, ViolationRow};
use super::views::QualificationView;
use crate::audit::{self, Actor};
use crate::auth::service::{CreateUserRequest, create_user};
use crate::auth::{CurrentUser, Role};
use crate::config::QualificationSettings;
use crate::db::schema::{contractor_violations, contractors};
use crate::db::{AnyConnection, write_tx};
use crate::domain::contractor_status::{ContractorAction, ContractorStatus, transition};
use crate::domain::qualification::{self, Requirements, VIOLATION_KINDS};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::purchasers::service::push;

/// The base requirements from config, optionally for one service domain.
pub fn base_requirements(settings: &QualificationSettings, domain: Option<String>) -> Requirements {
    Requirements {
        min_full_time_staff: settings.min_full_time_staff,
        min_certified_social_workers: settings.min_certified_social_workers,
        min_years_established: 0,
        domain,
    }
}

/// Loads a contractor or 404.
pub fn get(conn: &mut AnyConnection, id: i64) -> AppResult<ContractorRow> {
    model::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("承接主体 {id} 不存在")))
}

/// Who may read the full record: the owner, officers, admins and auditors.
pub fn ensure_can_read(user: &CurrentUser, contractor_id: i64) -> AppResult<()> {
    match user.role {
        Role::Admin | Role::Auditor | Role::Officer => Ok(()),
        Role::Contractor if user.contractor_id == Some(contractor_id) => Ok(()),
        _ => Err(AppError::Forbidden("只能查看本机构的资料".to_owned())),
    }
}

/// Who may review, record violations and flag: admins, and officers whose purchaser's region
/// contains the contractor's registered region (the module doc states the rule).
pub fn ensure_can_manage(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    contractor: &ContractorRow,
) -> AppResult<()> {
    match user.role {
        Role::Admin => Ok(()),
        Role::Officer => {
            let region = match user.purchaser_id {
                Some(purchaser) => crate::purchasers::model::region_of(conn, purchaser)?,
                None => None,
            }
            .ok_or_else(|| AppError::Forbidden("经办人未关联采购人".to_owned()))?;
            if crate::regions::is_within(conn, &contractor.region_code, &region)? {
                Ok(())
            } else {
                Err(AppError::Forbidden(
                    "只能审核本采购人所辖区域内登记的承接主体".to_owned(),
                ))
            }
        }
        _ => Err(AppError::Forbidden("无权审核承接主体".to_owned())),
    }
}

fn domains_text(domains: &[String]) -> String {
    domains.join(",")
}

fn unique_identity(
    conn: &mut AnyConnection,
    fields: &ContractorFields,
    except: Option<i64>,
) -> AppResult<()> {
    let mut query = contractors::table.into_boxed();
    query = match (&fields.uscc, &fields.id_number) {
        (Some(code), _) => query.filter(contractors::uscc.eq(code.clone())),
        (None, Some(id)) => query.filter(contractors::id_number.eq(id.clone())),
        (None, None) => return Ok(()),
    };
    if let Some(id) = except {
        query = query.filter(contractors::id.ne(id));
    }
    let taken: i64 = query.count().get_result(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict("该证照号码已登记".to_owned()));
    }
    Ok(())
}

/// Self-registration: creates the contractor (`pending`) and its first user, audited.
pub fn register(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    today: NaiveDate,
    min_password_length: &crate::config::AuthSettings,
    fields: &ContractorFields,
    account: &AccountFields,
) -> AppResult<(ContractorRow, i64)> {
    let fields = &fields.clone().normalized();
    let mut errors = input::validate(conn, fields, today)?;
    let user_request = CreateUserRequest {
        username: account.username.clone(),
        password: account.password.clone(),
        role: Role::Contractor,
        display_name: fields.name.clone(),
        email: account.email.clone(),
        purchaser_id: None,
        contractor_id: Some(0),
    };
    if let Err(AppError::Validation(account_errors)) = user_request.check(min_password_length) {
        for (field, messages) in account_errors {
            if field != "display_name" {
                errors
                    .entry(format!("account.{field}"))
                    .or_default()
                    .extend(messages);
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        unique_identity(conn, fields, None)?;
        let row: ContractorRow = diesel::insert_into(contractors::table)
            .values((
                contractors::name.eq(fields.name.trim()),
                contractors::kind.eq(&fields.kind),
                contractors::uscc.eq(fields.uscc.as_deref()),
                contractors::id_number.eq(fields.id_number.as_deref()),
                contractors::established_on.eq(fields.established_on),
                contractors::region_code.eq(&fields.region_code),
                contractors::business_scope.eq(&fields.business_scope),
                contractors::service_domains.eq(domains_text(&fields.service_domains)),
                contractors::full_time_staff.eq(fields.full_time_staff),
                contractors::sw_assistant.eq(fields.certified_social_workers.assistant),
                contractors::sw_intermediate.eq(fields.certified_social_workers.intermediate),
                contractors::sw_senior.eq(fields.certified_social_workers.senior),
                contractors::has_financial_system.eq(fields.has_financial_system),
                contractors::has_tax_social_security_record
                    .eq(fields.has_tax_social_security_record),
                contractors::declares_no_major_violation.eq(fields.declares_no_major_violation),
                contractors::is_small_micro.eq(fields.is_small_micro),
                contractors::on_dishonest_list.eq(false),
                contractors::contact_name.eq(&fields.contact_name),
                contractors::contact_phone.eq(&fields.contact_phone),
                contractors::email.eq(&fields.email),
                contractors::status.eq(ContractorStatus::Pending.as_str()),
                contractors::created_at.eq(now),
                contractors::updated_at.eq(now),
            ))
            .returning(contractors::all_columns)
            .get_result(conn)?;
        let registrar = Actor::system("public:registration", now);
        let user = create_user(
            conn,
            &registrar,
            &CreateUserRequest {
                contractor_id: Some(row.id),
                ..user_request.clone()
            },
        )?;
        let actor = Actor::user(user.id, &user.username, now);
        audit::record(
            conn,
            &actor,
            "contractor.register",
            "contractor",
            &row.id.to_string(),
            None,
            Some(&json!(row.view(today))),
        )?;
        Ok((row, user.id))
    })
}

/// Applies a PATCH. The owner edits its data; a key change sends a qualified or rejected
/// record back to `pending` (a suspended one cannot change key data). Officers in scope and
/// admins may set only `on_dishonest_list`.
pub fn update(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    today: NaiveDate,
    id: i64,
    patch: &ContractorPatch,
) -> AppResult<ContractorRow> {
    let row = get(conn, id)?;
    let is_owner = user.role == Role::Contractor && user.contractor_id == Some(id);
    if is_owner {
        if patch.on_dishonest_list.is_some() {
            return Err(AppError::field(
                "on_dishonest_list",
                "失信名单状态只能由民政部门修改",
            ));
        }
    } else {
        ensure_can_read(user, id)?;
        ensure_can_manage(conn, user, &row)?;
        if patch.touches_org_fields() {
            return Err(AppError::Forbidden(
                "机构资料只能由承接主体本身修改；民政部门只能修改失信名单状态".to_owned(),
            ));
        }
    }
    let fields = patch.apply(&row.fields()).normalized();
    let errors: FieldErrors = input::validate(conn, &fields, today)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let status = if is_owner && patch.touches_key_field() {
        transition(row.status(), ContractorAction::Resubmit)?
    } else {
        row.status()
    };
    write_tx(conn, |conn| {
        unique_identity(conn, &fields, Some(id))?;
        let updated: ContractorRow = diesel::update(contractors::table.find(id))
            .set((
                contractors::name.eq(fields.name.trim()),
                contractors::kind.eq(&fields.kind),
                contractors::uscc.eq(fields.uscc.as_deref()),
                contractors::id_number.eq(fields.id_number.as_deref()),
                contractors::established_on.eq(fields.established_on),
                contractors::region_code.eq(&fields.region_code),
                contractors::business_scope.eq(&fields.business_scope),
                contractors::service_domains.eq(domains_text(&fields.service_domains)),
                contractors::full_time_staff.eq(fields.full_time_staff),
                contractors::sw_assistant.eq(fields.certified_social_workers.assistant),
                contractors::sw_intermediate.eq(fields.certified_social_workers.intermediate),
                contractors::sw_senior.eq(fields.certified_social_workers.senior),
                contractors::has_financial_system.eq(fields.has_financial_system),
                contractors::has_tax_social_security_record
                    .eq(fields.has_tax_social_security_record),
                contractors::declares_no_major_violation.eq(fields.declares_no_major_violation),
                contractors::is_small_micro.eq(fields.is_small_micro),
                contractors::on_dishonest_list
                    .eq(patch.on_dishonest_list.unwrap_or(row.on_dishonest_list)),
                contractors::contact_name.eq(&fields.contact_name),
                contractors::contact_phone.eq(&fields.contact_phone),
                contractors::email.eq(&fields.email),
                contractors::status.eq(status.as_str()),
                contractors::updated_at.eq(now),
            ))
            .returning(contractors::all_columns)
            .get_result(conn)?;
        audit::record(
            conn,
            &user.actor(now),
            "contractor.update",
            "contractor",
            &id.to_string(),
            Some(&json!(row.view(today))),
            Some(&json!(updated.view(today))),
        )?;
        Ok(updated)
    })
}

/// `POST /api/v1/contractors/{id}/review`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `approve`, `reject` or `suspend`.
    pub decision: String,
    /// The reason, required for every decision.
    pub reason: String,
}

/// Reviews a contractor. Approval also requires every base qualification check to pass
/// (`rule_violation qualification_checks_failed` otherwise).
pub fn review(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    today: NaiveDate,
    settings: &QualificationSettings,
    id: i64,
    request: &ReviewRequest,
) -> AppResult<ContractorRow> {
    let action = match request.decision.as_str() {
        "approve" => ContractorAction::Approve,
        "reject" => ContractorAction::Reject,
        "suspend" => ContractorAction::Suspend,
        _ => {
            return Err(AppError::field(
                "decision",
                "须为 approve、reject 或 suspend 之一",
            ));
        }
    };
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::field(
            "reason",
            "必须填写理由（最多 1000 个字符）",
        ));
    }
    let row = get(conn, id)?;
    ensure_can_manage(conn, user, &row)?;
    let to = transition(row.status(), action)?;
    if action == ContractorAction::Approve {
        let facts = model::facts(conn, &row)?;
        let failing: Vec<String> =
            qualification::evaluate(&facts, &base_requirements(settings, None), today)
                .into_iter()
                .filter(|c| !c.passed)
                .map(|c| format!("{}（{}）", c.code, c.message))
                .collect();
        if !failing.is_empty() {
            return Err(AppError::rule(
                "qualification_checks_failed",
                format!("资格条件未全部满足，不能认定：{}", failing.join("；")),
            ));
        }
    }
    write_tx(conn, |conn| {
        let updated: ContractorRow = diesel::update(contractors::table.find(id))
            .set((
                contractors::status.eq(to.as_str()),
                contractors::status_reason.eq(Some(reason)),
                contractors::reviewed_at.eq(Some(now)),
                contractors::reviewed_by.eq(Some(user.id)),
                contractors::updated_at.eq(now),
            ))
            .returning(contractors::all_columns)
            .get_result(conn)?;
        audit::record(
            conn,
            &user.actor(now),
            &format!("contractor.{}", action.as_str()),
            "contractor",
            &id.to_string(),
            Some(&json!({ "status": row.status })),
            Some(&json!({ "status": updated.status, "reason": reason })),
        )?;
        Ok(updated)
    })
}

/// `POST /api/v1/contractors/{id}/violations`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViolationRequest {
    /// Date of the penalty decision.
    pub occurred_on: NaiveDate,
    /// `criminal_penalty`, `suspension`, `licence_revoked`, `fine`, `warning`, `other`.
    pub kind: String,
    /// What happened.
    pub description: String,
    /// The fine in 元 (required for `fine`), e.g. `"2000000.00"`.
    #[serde(default, with = "crate::extract::money_opt")]
    #[schema(value_type = Option<String>)]
    pub fine_amount: Option<Decimal>,
}

/// Records a violation, audited.
pub fn add_violation(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: NaiveDateTime,
    today: NaiveDate,
    id: i64,
    request: &ViolationRequest,
) -> AppResult<ViolationRow> {
    let row = get(conn, id)?;
    ensure_can_manage(conn, user, &row)?;
    let mut errors = FieldErrors::new();
    if request.occurred_on > today {
        push(&mut errors, "occurred_on", "不能晚于今天");
    }
    if !VIOLATION_KINDS.iter().any(|(k, _)| *k == request.kind) {
        push(
            &mut errors,
            "kind",
            format!(
                "须为 {} 之一",
                VIOLATION_KINDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        );
    }
    if request.description.trim().is_empty() || request.description.chars().count() > 2000 {
        push(&mut errors, "description", "必填，最多 2000 个字符");
    }
    let fine_fen = match request.fine_amount {
        Some(amount) if amount.is_sign_negative() => {
            push(&mut errors, "fine_amount", "不能为负数");
            None
        }
        Some(amount) => match crate::domain::money::to_fen(amount) {
            Ok(fen) => Some(fen),
            Err(e) => {
                push(&mut errors, "fine_amount", e.to_string());
                None
            }
        },
        None if request.kind == "fine" => {
            push(&mut errors, "fine_amount", "罚款须填写金额");
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        let violation: ViolationRow = diesel::insert_into(contractor_violations::table)
            .values((
                contractor_violations::contractor_id.eq(id),
                contractor_violations::occurred_on.eq(request.occurred_on),
                contractor_violations::kind.eq(&request.kind),
                contractor_violations::description.eq(request.description.trim()),
                contractor_violations::fine_fen.eq(fine_fen),
                contractor_violations::recorded_by.eq(Some(user.id)),
                contractor_violations::created_at.eq(now),
            ))
            .returning(contractor_violations::all_columns)
            .get_result(conn)?;
        audit::record(
            conn,
            &user.actor(now),
            "contractor.violation",
            "contractor",
            &id.to_string(),
            None,
            Some(&json!(violation.view())),
        )?;
        Ok(violation)
    })
}

/// The qualification report on `today`.
pub fn qualification(
    conn: &mut AnyConnection,
    row: &ContractorRow,
    requirements: &Requirements,
    today: NaiveDate,
) -> AppResult<QualificationView> {
    let facts = model::facts(conn, row)?;
    let checks = qualification::evaluate(&facts, requirements, today);
    let all_passed = checks.iter().all(|c| c.passed);
    Ok(QualificationView {
        status: row.status.clone(),
        status_label: row.status().label().to_owned(),
        group: qualification::maturity_group(row.established_on, today).to_owned(),
        as_of: today.to_string(),
        all_passed,
        eligible_to_bid: all_passed && row.status() == ContractorStatus::Qualified,
        checks,
    })
}
