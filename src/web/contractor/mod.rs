//! The social-work organization's pages before the contract: self-registration
//! (`/register`), its record and qualification (`/app/organization`), the tenders it may bid
//! on (`/app/tenders`), a tender's bid page with the bid form, documents, receipt and
//! withdrawal (`/app/tenders/{project_id}/bid`), and its bids with the award results and
//! challenges (`/app/bids`). Every form calls the same service function as the JSON API.

pub mod bid;
pub mod bids;
pub mod fields;
pub mod organization;
pub mod register;
pub mod tenders;

use actix_web::web;

use super::flash::Flash;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};

/// The messages this module's redirects show.
pub const FLASHES: &[Flash] = &[
    register::REGISTERED,
    organization::ORGANIZATION_UPDATED,
    organization::ORGANIZATION_RESUBMITTED,
    bid::BID_SUBMITTED,
    bid::BID_DOCUMENT_UPLOADED,
    bid::BID_WITHDRAWN,
    bids::CHALLENGE_FILED,
];

/// Registers this module's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register::register_form)
        .service(register::register_submit)
        .service(organization::organization_page)
        .service(organization::update_organization)
        .service(tenders::tenders_page)
        .service(bid::bid_page)
        .service(bid::submit_bid)
        .service(bid::upload_document)
        .service(bid::withdraw_bid)
        .service(bid::download_document)
        .service(bids::bids_page)
        .service(bids::file_challenge);
}

/// The organization a contractor user acts for; `403` for every other role (and for a
/// contractor account not linked to an organization).
pub fn contractor_of(user: &CurrentUser) -> AppResult<i64> {
    user.require_any(&[Role::Contractor])?;
    user.contractor_id
        .ok_or_else(|| AppError::Forbidden("该账号未关联承接主体".to_owned()))
}

/// The Chinese name of a qualification check (`legal_entity` → 依法设立的法人或组织).
pub fn check_label(code: &str) -> &'static str {
    match code {
        "legal_entity" => "依法设立，证照有效",
        "eligible_kind" => "属于可承接的主体类型",
        "business_scope" => "业务范围涵盖所购服务",
        "full_time_staff" => "专职工作人员人数",
        "certified_social_workers" => "持证社会工作者人数",
        "financial_system" => "健全的财务会计制度",
        "tax_social_security" => "依法缴纳税收和社会保障资金",
        "no_major_violation_3y" => "近三年无重大违法记录",
        "not_dishonest" => "未列入失信名单",
        "not_barred" => "未被限制承接",
        _ => "其他条件",
    }
}

/// One qualification check as a page shows it.
#[derive(Debug, Clone)]
pub struct CheckLine {
    /// Code (`legal_entity`, …).
    pub code: String,
    /// Chinese name.
    pub label: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was found.
    pub message: String,
}

impl From<&crate::domain::qualification::Check> for CheckLine {
    fn from(check: &crate::domain::qualification::Check) -> Self {
        CheckLine {
            code: check.code.clone(),
            label: check_label(&check.code),
            passed: check.passed,
            message: check.message.clone(),
        }
    }
}

/// Renders `page` through `shell` with `status` (`422` for a refused form).
pub fn respond_with(
    shell: &super::layout::Shell,
    page: &impl askama::Template,
    status: actix_web::http::StatusCode,
) -> AppResult<actix_web::HttpResponse> {
    let mut response = shell.respond(page)?;
    *response.status_mut() = status;
    Ok(response)
}
