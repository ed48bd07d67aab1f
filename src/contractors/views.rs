//! What the API shows of a contractor: the full record (owner, officers, admins, auditors)
//! and the public record, where an individual's ID number is masked.

use chrono::NaiveDate;
use serde::Serialize;

use super::input::{CertifiedCounts, ContractorFields};
use super::model::{ContractorRow, ViolationRow};
use crate::domain::eligibility::contractor_kind_label;
use crate::domain::ids::mask_resident_id;
use crate::domain::qualification::{self, Check, VIOLATION_KINDS};

/// Certified counts in a response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertifiedView {
    /// 助理社会工作师.
    pub assistant: i32,
    /// 社会工作师.
    pub intermediate: i32,
    /// 高级社会工作师.
    pub senior: i32,
}

/// The full record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContractorView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Kind label.
    pub kind_label: String,
    /// 统一社会信用代码.
    pub uscc: Option<String>,
    /// 居民身份号码 (unmasked: only parties and oversight see this view).
    pub id_number: Option<String>,
    /// Established on.
    pub established_on: String,
    /// Region code.
    pub region_code: String,
    /// Business scope.
    pub business_scope: String,
    /// Domains.
    pub service_domains: Vec<String>,
    /// Full-time staff.
    pub full_time_staff: i32,
    /// Certified social workers.
    pub certified_social_workers: CertifiedView,
    /// Financial system.
    pub has_financial_system: bool,
    /// Tax record.
    pub has_tax_social_security_record: bool,
    /// Declaration.
    pub declares_no_major_violation: bool,
    /// Small or micro.
    pub is_small_micro: bool,
    /// On the dishonest list.
    pub on_dishonest_list: bool,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Contact email.
    pub email: String,
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// The last review's reason.
    pub status_reason: Option<String>,
    /// Maturity group.
    pub group: String,
}

/// The public record (no contact details; an individual's ID number masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicContractorView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind label.
    pub kind_label: String,
    /// 统一社会信用代码 (organizations: public registration data).
    pub uscc: Option<String>,
    /// Masked 居民身份号码 (`110105********002X`).
    pub id_number_masked: Option<String>,
    /// Region code.
    pub region_code: String,
    /// Domains.
    pub service_domains: Vec<String>,
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Maturity group.
    pub group: String,
    /// Marked for priority after a final evaluation graded 优秀 or 良好.
    pub priority: bool,
    /// Calendar years it is barred in after a 不合格 final evaluation.
    pub barred_years: Vec<i32>,
}

/// A violation in a response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ViolationView {
    /// Id.
    pub id: i64,
    /// Decision date.
    pub occurred_on: String,
    /// Kind code.
    pub kind: String,
    /// Kind label.
    pub kind_label: String,
    /// What happened.
    pub description: String,
    /// Fine (元, two decimals), if any.
    pub fine_amount: Option<String>,
    /// Whether it is a major violation.
    pub major: bool,
    /// The last day it disqualifies (major only).
    pub disqualifies_until: Option<String>,
}

/// `GET /api/v1/contractors/{id}/qualification`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualificationView {
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Maturity group.
    pub group: String,
    /// The date the checks were computed for.
    pub as_of: String,
    /// Whether every check passed.
    pub all_passed: bool,
    /// Qualified and every check passed: may bid.
    pub eligible_to_bid: bool,
    /// The ten named checks.
    pub checks: Vec<Check>,
}

impl ContractorRow {
    /// The full view.
    pub fn view(&self, today: NaiveDate) -> ContractorView {
        ContractorView {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind.clone(),
            kind_label: contractor_kind_label(&self.kind).unwrap_or("").to_owned(),
            uscc: self.uscc.clone(),
            id_number: self.id_number.clone(),
            established_on: self.established_on.to_string(),
            region_code: self.region_code.clone(),
            business_scope: self.business_scope.clone(),
            service_domains: self.domains(),
            full_time_staff: self.full_time_staff,
            certified_social_workers: CertifiedView {
                assistant: self.sw_assistant,
                intermediate: self.sw_intermediate,
                senior: self.sw_senior,
            },
            has_financial_system: self.has_financial_system,
            has_tax_social_security_record: self.has_tax_social_security_record,
            declares_no_major_violation: self.declares_no_major_violation,
            is_small_micro: self.is_small_micro,
            on_dishonest_list: self.on_dishonest_list,
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            email: self.email.clone(),
            status: self.status.clone(),
            status_label: self.status().label().to_owned(),
            status_reason: self.status_reason.clone(),
            group: qualification::maturity_group(self.established_on, today).to_owned(),
        }
    }

    /// The public view.
    pub fn public_view(&self, today: NaiveDate) -> PublicContractorView {
        PublicContractorView {
            id: self.id,
            name: self.name.clone(),
            kind_label: contractor_kind_label(&self.kind).unwrap_or("").to_owned(),
            uscc: self.uscc.clone(),
            id_number_masked: self.id_number.as_deref().map(mask_resident_id),
            region_code: self.region_code.clone(),
            service_domains: self.domains(),
            status: self.status.clone(),
            status_label: self.status().label().to_owned(),
            group: qualification::maturity_group(self.established_on, today).to_owned(),
            priority: false,
            barred_years: Vec::new(),
        }
    }

    /// The record as editable fields (the base a PATCH applies to).
    pub fn fields(&self) -> ContractorFields {
        ContractorFields {
            name: self.name.clone(),
            kind: self.kind.clone(),
            uscc: self.uscc.clone(),
            id_number: self.id_number.clone(),
            established_on: self.established_on,
            region_code: self.region_code.clone(),
            business_scope: self.business_scope.clone(),
            service_domains: self.domains(),
            full_time_staff: self.full_time_staff,
            certified_social_workers: CertifiedCounts {
                assistant: self.sw_assistant,
                intermediate: self.sw_intermediate,
                senior: self.sw_senior,
            },
            has_financial_system: self.has_financial_system,
            has_tax_social_security_record: self.has_tax_social_security_record,
            declares_no_major_violation: self.declares_no_major_violation,
            is_small_micro: self.is_small_micro,
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            email: self.email.clone(),
        }
    }
}

impl ViolationRow {
    /// The view.
    pub fn view(&self) -> ViolationView {
        let major = qualification::is_major(&self.kind, self.fine_fen);
        ViolationView {
            id: self.id,
            occurred_on: self.occurred_on.to_string(),
            kind: self.kind.clone(),
            kind_label: VIOLATION_KINDS
                .iter()
                .find(|(k, _)| *k == self.kind)
                .map(|(_, l)| (*l).to_owned())
                .unwrap_or_default(),
            description: self.description.clone(),
            fine_amount: self
                .fine_fen
                .map(|fen| crate::domain::money::from_fen(fen).to_string()),
            major,
            disqualifies_until: major
                .then(|| {
                    self.occurred_on
                        .checked_add_months(chrono::Months::new(
                            12 * qualification::MAJOR_VIOLATION_YEARS,
                        ))
                        .and_then(|d| d.pred_opt())
                        .map(|d| d.to_string())
                })
                .flatten(),
        }
    }
}
