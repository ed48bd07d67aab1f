//! `/app/organization`: the organization's record (kind, USCC, region, review status with its
//! reason, maturity group, dishonest flag), the ten qualification checks as of today, its
//! violations, and the form with which the owner changes its data (the same
//! `service::update` as `PATCH /api/v1/contractors/{id}`; a change to a key field sends the
//! record back to review).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::fields::{self, Flag};
use super::{CheckLine, contractor_of, respond_with};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::contractors::input::{ContractorFields, ContractorPatch};
use crate::contractors::model::{self, ContractorRow};
use crate::contractors::service;
use crate::contractors::views::ViolationView;
use crate::domain::contractor_status::ContractorStatus;
use crate::domain::eligibility::{CONTRACTOR_KINDS, contractor_kind_label};
use crate::error::AppResult;
use crate::web::csrf::CsrfForm;
use crate::web::flash::Flash;
use crate::web::form::{FormData, FormState, Options, see_other};
use crate::web::layout::{PageUser, Shell};

/// Shown after a change that keeps the review status.
pub const ORGANIZATION_UPDATED: Flash = Flash::new("organization_updated", "机构资料已保存。");
/// Shown after a change to a key field.
pub const ORGANIZATION_RESUBMITTED: Flash = Flash::new(
    "organization_resubmitted",
    "机构资料已保存。由于修改了资格审查所依据的信息，本机构已回到“待审核”状态，须经民政部门重新审核认定后方可投标。",
);

/// The record as the page shows it.
#[derive(Debug, Clone)]
pub struct Record {
    /// Name.
    pub name: String,
    /// Kind label.
    pub kind_label: String,
    /// USCC or resident ID.
    pub identity: String,
    /// Registered region, full name with code.
    pub region: String,
    /// Established on.
    pub established_on: String,
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_label: &'static str,
    /// The reason of the last review.
    pub status_reason: Option<String>,
    /// Maturity group.
    pub group: String,
    /// On the dishonest list.
    pub on_dishonest_list: bool,
    /// Service domains, in Chinese.
    pub domains: String,
    /// Staff summary.
    pub staff: String,
    /// Contact.
    pub contact: String,
}

#[derive(Template)]
#[template(path = "workspace/contractor/organization.html")]
struct OrganizationPage {
    shell: Shell,
    record: Record,
    checks: Vec<CheckLine>,
    all_passed: bool,
    eligible_to_bid: bool,
    as_of: String,
    violations: Vec<ViolationView>,
    form: FormState,
    kinds: Options,
    domains: Options,
    flags: Vec<Flag>,
    other_errors: Vec<String>,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    contractor_id: i64,
    form: Option<FormState>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let today = state.clock.today();
    let requirements = service::base_requirements(&state.settings.qualification, None);
    let (row, report, violations, region) = state
        .db
        .run(move |conn| {
            let row = service::get(conn, contractor_id)?;
            let report = service::qualification(conn, &row, &requirements, today)?;
            let violations = model::violations(conn, contractor_id)?;
            let region = crate::regions::full_name(conn, &row.region_code)?;
            Ok((row, report, violations, region))
        })
        .await?;
    let form = form.unwrap_or_else(|| fields::form_of(&row));
    let shell = Shell::new(req, user)?;
    let page = OrganizationPage {
        shell: shell.clone(),
        record: record(&row, &region, &report.group),
        checks: report.checks.iter().map(CheckLine::from).collect(),
        all_passed: report.all_passed,
        eligible_to_bid: report.eligible_to_bid,
        as_of: report.as_of.clone(),
        violations: violations.iter().map(|v| v.view()).collect(),
        other_errors: form.errors_except(&fields::SHOWN),
        kinds: fields::kind_options(),
        domains: fields::domain_options(),
        flags: fields::flags(&form),
        form,
    };
    respond_with(&shell, &page, status)
}

fn record(row: &ContractorRow, region: &str, group: &str) -> Record {
    let domains = row
        .domains()
        .iter()
        .map(|d| {
            crate::catalog::domain_label(d)
                .unwrap_or(d.as_str())
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("、");
    Record {
        name: row.name.clone(),
        kind_label: contractor_kind_label(&row.kind)
            .unwrap_or(row.kind.as_str())
            .to_owned(),
        identity: match (&row.uscc, &row.id_number) {
            (Some(code), _) => format!("统一社会信用代码 {code}"),
            (None, Some(id)) => format!("居民身份号码 {id}"),
            (None, None) => "未登记".to_owned(),
        },
        region: if region.is_empty() {
            row.region_code.clone()
        } else {
            format!("{region}（{}）", row.region_code)
        },
        established_on: row.established_on.to_string(),
        status: row.status.clone(),
        status_label: row.status().label(),
        status_reason: row.status_reason.clone(),
        group: group.to_owned(),
        on_dishonest_list: row.on_dishonest_list,
        domains,
        staff: format!(
            "专职 {} 人；持证社工：助理 {} 人、中级 {} 人、高级 {} 人",
            row.full_time_staff, row.sw_assistant, row.sw_intermediate, row.sw_senior
        ),
        contact: format!("{} {} {}", row.contact_name, row.contact_phone, row.email),
    }
}

/// `GET /app/organization`.
#[get("/app/organization")]
pub async fn organization_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> AppResult<HttpResponse> {
    let contractor_id = contractor_of(&user.0)?;
    render(&req, &state, &user.0, contractor_id, None, StatusCode::OK).await
}

/// The PATCH that turns `base` into `wanted`: only the fields that differ, so that a change
/// of contact details alone keeps the review status.
pub fn patch_between(base: &ContractorFields, wanted: &ContractorFields) -> ContractorPatch {
    fn changed<T: PartialEq + Clone>(old: &T, new: &T) -> Option<T> {
        (old != new).then(|| new.clone())
    }
    let counts =
        |c: &crate::contractors::input::CertifiedCounts| (c.assistant, c.intermediate, c.senior);
    let identity_changed = base.uscc != wanted.uscc || base.id_number != wanted.id_number;
    ContractorPatch {
        name: changed(&base.name, &wanted.name),
        kind: changed(&base.kind, &wanted.kind),
        uscc: if identity_changed {
            wanted.uscc.clone()
        } else {
            None
        },
        id_number: if identity_changed {
            wanted.id_number.clone()
        } else {
            None
        },
        established_on: changed(&base.established_on, &wanted.established_on),
        region_code: changed(&base.region_code, &wanted.region_code),
        business_scope: changed(&base.business_scope, &wanted.business_scope),
        service_domains: changed(&base.service_domains, &wanted.service_domains),
        full_time_staff: changed(&base.full_time_staff, &wanted.full_time_staff),
        certified_social_workers: (counts(&base.certified_social_workers)
            != counts(&wanted.certified_social_workers))
        .then_some(wanted.certified_social_workers),
        has_financial_system: changed(&base.has_financial_system, &wanted.has_financial_system),
        has_tax_social_security_record: changed(
            &base.has_tax_social_security_record,
            &wanted.has_tax_social_security_record,
        ),
        declares_no_major_violation: changed(
            &base.declares_no_major_violation,
            &wanted.declares_no_major_violation,
        ),
        is_small_micro: changed(&base.is_small_micro, &wanted.is_small_micro),
        contact_name: changed(&base.contact_name, &wanted.contact_name),
        contact_phone: changed(&base.contact_phone, &wanted.contact_phone),
        email: changed(&base.email, &wanted.email),
        on_dishonest_list: None,
    }
}

/// The identity numbers a PATCH cannot express (none, or both): refused with the service's
/// words before calling it.
fn check_identity(form: &mut FormState, wanted: &ContractorFields) {
    let individual = wanted.kind == "individual";
    let known_kind = CONTRACTOR_KINDS.iter().any(|(k, _)| *k == wanted.kind);
    match (&wanted.uscc, &wanted.id_number) {
        (None, None) if individual => form.error("id_number", "个人须填写居民身份号码"),
        (None, None) if known_kind => form.error("uscc", "组织须填写统一社会信用代码"),
        (Some(_), Some(_)) if individual => form.error("uscc", "个人不填写统一社会信用代码"),
        (Some(_), Some(_)) => form.error("id_number", "只有个人填写居民身份号码"),
        _ => {}
    }
}

/// `POST /app/organization`: saves the owner's changes.
#[post("/app/organization")]
pub async fn update_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    data: CsrfForm<FormData>,
) -> AppResult<HttpResponse> {
    let user = user.0;
    let contractor_id = contractor_of(&user)?;
    let data = data.into_inner();
    let mut form = FormState::from_data(&data);
    if let Some(wanted) = fields::parse(&mut form, &data) {
        check_identity(&mut form, &wanted);
        if form.is_ok() {
            let now = state.clock.now();
            let today = state.clock.today();
            let actor = user.clone();
            let result = state
                .db
                .run(move |conn| {
                    let row = service::get(conn, contractor_id)?;
                    let patch = patch_between(&row.fields(), &wanted);
                    let before = row.status();
                    let updated = service::update(conn, &actor, now, today, contractor_id, &patch)?;
                    Ok(before != updated.status() && updated.status() == ContractorStatus::Pending)
                })
                .await;
            match result {
                Ok(true) => return Ok(see_other("/app/organization", ORGANIZATION_RESUBMITTED)),
                Ok(false) => return Ok(see_other("/app/organization", ORGANIZATION_UPDATED)),
                Err(error) => form.absorb(error)?,
            }
        }
    }
    render(
        &req,
        &state,
        &user,
        contractor_id,
        Some(form),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
