//! Request bodies of contractors and their validation; every problem names its field.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::AnyConnection;
use crate::db::schema::catalog_domains;
use crate::domain::eligibility::CONTRACTOR_KINDS;
use crate::domain::ids::{validate_resident_id, validate_uscc};
use crate::error::FieldErrors;
use crate::purchasers::service::{push, validate_phone};

/// Certified social workers by level.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertifiedCounts {
    /// 助理社会工作师.
    pub assistant: i32,
    /// 社会工作师.
    pub intermediate: i32,
    /// 高级社会工作师.
    pub senior: i32,
}

/// The organization's data (registration, and the whole record in a PATCH).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractorFields {
    /// Name (an individual's own name).
    pub name: String,
    /// Kind (DOMAIN §2).
    pub kind: String,
    /// 统一社会信用代码, for organizations.
    pub uscc: Option<String>,
    /// 居民身份号码, for `individual`.
    pub id_number: Option<String>,
    /// Established (or registered) on.
    pub established_on: NaiveDate,
    /// Registered region (GB/T 2260).
    pub region_code: String,
    /// Business scope.
    pub business_scope: String,
    /// Catalog domains served.
    pub service_domains: Vec<String>,
    /// Full-time staff.
    pub full_time_staff: i32,
    /// Certified social workers.
    pub certified_social_workers: CertifiedCounts,
    /// Sound financial and accounting system.
    pub has_financial_system: bool,
    /// Tax and social-security record.
    pub has_tax_social_security_record: bool,
    /// Declares no major violation in the last three years.
    pub declares_no_major_violation: bool,
    /// Small or micro enterprise (for price preferences).
    pub is_small_micro: bool,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Contact email.
    pub email: String,
}

/// The first account of a registering contractor.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountFields {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Email for notifications.
    pub email: String,
}

/// `PATCH /api/v1/contractors/{id}`: any subset. The owner may change its data (a change to
/// a key field sends the record back to review); officers in scope and admins may change only
/// `on_dishonest_list`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractorPatch {
    /// Name.
    pub name: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// 统一社会信用代码.
    pub uscc: Option<String>,
    /// 居民身份号码.
    pub id_number: Option<String>,
    /// Established on.
    pub established_on: Option<NaiveDate>,
    /// Region.
    pub region_code: Option<String>,
    /// Business scope.
    pub business_scope: Option<String>,
    /// Domains.
    pub service_domains: Option<Vec<String>>,
    /// Full-time staff.
    pub full_time_staff: Option<i32>,
    /// Certified social workers.
    pub certified_social_workers: Option<CertifiedCounts>,
    /// Financial system.
    pub has_financial_system: Option<bool>,
    /// Tax record.
    pub has_tax_social_security_record: Option<bool>,
    /// Declaration.
    pub declares_no_major_violation: Option<bool>,
    /// Small or micro.
    pub is_small_micro: Option<bool>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// On the dishonest-entity list (officer or admin only).
    pub on_dishonest_list: Option<bool>,
}

impl ContractorPatch {
    /// Whether the patch touches a field the qualification checks read.
    pub fn touches_key_field(&self) -> bool {
        self.name.is_some()
            || self.kind.is_some()
            || self.uscc.is_some()
            || self.id_number.is_some()
            || self.established_on.is_some()
            || self.region_code.is_some()
            || self.business_scope.is_some()
            || self.service_domains.is_some()
            || self.full_time_staff.is_some()
            || self.certified_social_workers.is_some()
            || self.has_financial_system.is_some()
            || self.has_tax_social_security_record.is_some()
            || self.declares_no_major_violation.is_some()
    }

    /// Whether the patch touches any organization field (anything but the dishonest flag).
    pub fn touches_org_fields(&self) -> bool {
        self.touches_key_field()
            || self.is_small_micro.is_some()
            || self.contact_name.is_some()
            || self.contact_phone.is_some()
            || self.email.is_some()
    }

    /// Applies the patch to a full record.
    pub fn apply(&self, base: &ContractorFields) -> ContractorFields {
        let mut out = base.clone();
        macro_rules! take {
            ($($field:ident),*) => { $( if let Some(v) = &self.$field { out.$field = v.clone(); } )* };
        }
        take!(
            name,
            kind,
            established_on,
            region_code,
            business_scope,
            service_domains,
            full_time_staff,
            certified_social_workers,
            has_financial_system,
            has_tax_social_security_record,
            declares_no_major_violation,
            is_small_micro,
            contact_name,
            contact_phone,
            email
        );
        // An identity change replaces the other kind of number.
        if let Some(uscc) = &self.uscc {
            out.uscc = Some(uscc.clone());
            out.id_number = None;
        }
        if let Some(id) = &self.id_number {
            out.id_number = Some(id.clone());
            out.uscc = None;
        }
        out
    }
}

impl ContractorFields {
    /// Canonical forms of the identity codes: trimmed, and a resident ID's `x` as `X`.
    pub fn normalized(mut self) -> Self {
        self.uscc = self.uscc.map(|c| c.trim().to_owned());
        self.id_number = self.id_number.map(|c| c.trim().replace('x', "X"));
        self.name = self.name.trim().to_owned();
        self
    }
}

/// Checks a full record; returns every field problem (empty when valid).
pub fn validate(
    conn: &mut AnyConnection,
    f: &ContractorFields,
    today: NaiveDate,
) -> QueryResult<FieldErrors> {
    let mut errors = FieldErrors::new();
    let name_len = f.name.trim().chars().count();
    if !(2..=100).contains(&name_len) {
        push(&mut errors, "name", "长度须在 2 到 100 个字符之间");
    }
    if !CONTRACTOR_KINDS.iter().any(|(k, _)| *k == f.kind) {
        push(
            &mut errors,
            "kind",
            format!(
                "未知的承接主体类型，可选：{}",
                CONTRACTOR_KINDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        );
    }
    if f.kind == "individual" {
        match &f.id_number {
            None => push(&mut errors, "id_number", "个人须填写居民身份号码"),
            Some(id) => {
                if let Err(e) = validate_resident_id(id) {
                    push(&mut errors, "id_number", e.message());
                }
            }
        }
        if f.uscc.is_some() {
            push(&mut errors, "uscc", "个人不填写统一社会信用代码");
        }
    } else {
        match &f.uscc {
            None => push(&mut errors, "uscc", "组织须填写统一社会信用代码"),
            Some(code) => {
                if let Err(e) = validate_uscc(code) {
                    push(&mut errors, "uscc", e.message());
                }
            }
        }
        if f.id_number.is_some() {
            push(&mut errors, "id_number", "只有个人填写居民身份号码");
        }
    }
    if f.established_on > today {
        push(&mut errors, "established_on", "成立日期不能晚于今天");
    }
    if crate::regions::find(conn, &f.region_code)?.is_none() {
        push(&mut errors, "region_code", "行政区划代码不存在");
    }
    if f.business_scope.trim().is_empty() || f.business_scope.chars().count() > 2000 {
        push(&mut errors, "business_scope", "必填，最多 2000 个字符");
    }
    if f.service_domains.is_empty() {
        push(&mut errors, "service_domains", "至少选择一个服务领域");
    } else {
        let known: Vec<String> = catalog_domains::table
            .select(catalog_domains::code)
            .load(conn)?;
        let unknown: Vec<&str> = f
            .service_domains
            .iter()
            .filter(|d| !known.contains(d))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            push(
                &mut errors,
                "service_domains",
                format!("未知的服务领域：{}", unknown.join("、")),
            );
        }
    }
    if !(0..=100_000).contains(&f.full_time_staff) {
        push(
            &mut errors,
            "full_time_staff",
            "须为 0 到 100000 之间的整数",
        );
    }
    let counts = f.certified_social_workers;
    for (field, value) in [
        ("assistant", counts.assistant),
        ("intermediate", counts.intermediate),
        ("senior", counts.senior),
    ] {
        if !(0..=100_000).contains(&value) {
            push(
                &mut errors,
                &format!("certified_social_workers.{field}"),
                "须为 0 到 100000 之间的整数",
            );
        }
    }
    if f.contact_name.trim().is_empty() || f.contact_name.chars().count() > 50 {
        push(&mut errors, "contact_name", "必填，最多 50 个字符");
    }
    if let Err(e) = validate_phone(&f.contact_phone) {
        push(
            &mut errors,
            "contact_phone",
            e.message.map(|m| m.to_string()).unwrap_or_default(),
        );
    }
    if !validator::ValidateEmail::validate_email(&f.email) {
        push(&mut errors, "email", "邮箱格式不正确");
    }
    Ok(errors)
}
