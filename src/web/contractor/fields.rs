//! The organization's fields as a form: the same names as the JSON API
//! (`certified_social_workers.assistant`, `account.username`, …), parsed into the API's
//! [`ContractorFields`] and [`AccountFields`], and pre-filled from a stored record.

use crate::contractors::input::{AccountFields, CertifiedCounts, ContractorFields};
use crate::contractors::model::ContractorRow;
use crate::domain::eligibility::CONTRACTOR_KINDS;
use crate::web::form::{FormData, FormState, Options};

/// The yes/no facts, as check boxes: (field, label).
pub const FLAGS: [(&str, &str); 4] = [
    ("has_financial_system", "具有健全的财务会计制度"),
    (
        "has_tax_social_security_record",
        "具有依法缴纳税收和社会保障资金的良好记录",
    ),
    (
        "declares_no_major_violation",
        "声明参加政府采购活动前三年内无重大违法记录",
    ),
    ("is_small_micro", "属于小微企业（享受价格扣除等政策）"),
];

/// The certified social worker levels: (field, label).
pub const LEVELS: [(&str, &str); 3] = [
    ("certified_social_workers.assistant", "助理社会工作师（人）"),
    ("certified_social_workers.intermediate", "社会工作师（人）"),
    ("certified_social_workers.senior", "高级社会工作师（人）"),
];

/// Every field of the organization shown by the forms (others' errors are listed apart).
pub const SHOWN: [&str; 19] = [
    "name",
    "kind",
    "uscc",
    "id_number",
    "established_on",
    "region_code",
    "business_scope",
    "service_domains",
    "full_time_staff",
    "certified_social_workers.assistant",
    "certified_social_workers.intermediate",
    "certified_social_workers.senior",
    "has_financial_system",
    "has_tax_social_security_record",
    "declares_no_major_violation",
    "is_small_micro",
    "contact_name",
    "contact_phone",
    "email",
];

/// The fields of the first account (registration only).
pub const ACCOUNT: [&str; 3] = ["account.username", "account.password", "account.email"];

/// One yes/no check box as the template shows it.
#[derive(Debug, Clone)]
pub struct Flag {
    /// Field name.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// Ticked.
    pub checked: bool,
}

/// The yes/no boxes of `form`.
pub fn flags(form: &FormState) -> Vec<Flag> {
    FLAGS
        .iter()
        .map(|(name, label)| Flag {
            name,
            label,
            checked: form.has(name, "true"),
        })
        .collect()
}

/// The kinds of contractor, for the select.
pub fn kind_options() -> Options {
    CONTRACTOR_KINDS
        .iter()
        .map(|(code, label)| ((*code).to_owned(), (*label).to_owned()))
        .collect()
}

/// The service domains, for the check boxes.
pub fn domain_options() -> Options {
    crate::catalog::DOMAINS
        .iter()
        .map(|(code, label)| ((*code).to_owned(), (*label).to_owned()))
        .collect()
}

/// An optional identity number: `None` when blank.
fn identity(data: &FormData, name: &str) -> Option<String> {
    let text = data.text(name);
    (!text.is_empty()).then(|| text.to_owned())
}

/// A count (`0` when blank would hide a mistake, so blank is an error).
fn count(form: &mut FormState, data: &FormData, name: &str, label: &str) -> Option<i32> {
    form.integer(data, name, label)
        .map(|n| i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }))
}

/// Parses the organization's fields; records type errors in `form` (the service checks the
/// content: codes, lengths, ranges, the region and the domains).
pub fn parse(form: &mut FormState, data: &FormData) -> Option<ContractorFields> {
    let kind = data.text("kind").to_owned();
    if kind.is_empty() {
        form.error("kind", "请选择承接主体类型");
    }
    let established_on = form.date(data, "established_on", "成立（登记）日期");
    let region_code = form.required(data, "region_code", "行政区划代码");
    let full_time_staff = count(form, data, "full_time_staff", "专职工作人员人数");
    let assistant = count(form, data, LEVELS[0].0, "助理社会工作师人数");
    let intermediate = count(form, data, LEVELS[1].0, "社会工作师人数");
    let senior = count(form, data, LEVELS[2].0, "高级社会工作师人数");
    let flag = |name: &str| data.text(name) == "true";
    match (
        established_on,
        region_code,
        full_time_staff,
        assistant,
        intermediate,
        senior,
    ) {
        (
            Some(established_on),
            Some(region_code),
            Some(full_time_staff),
            Some(assistant),
            Some(intermediate),
            Some(senior),
        ) if form.is_ok() => Some(ContractorFields {
            name: data.text("name").to_owned(),
            kind,
            uscc: identity(data, "uscc"),
            id_number: identity(data, "id_number"),
            established_on,
            region_code,
            business_scope: data.text("business_scope").to_owned(),
            service_domains: data.all("service_domains"),
            full_time_staff,
            certified_social_workers: CertifiedCounts {
                assistant,
                intermediate,
                senior,
            },
            has_financial_system: flag("has_financial_system"),
            has_tax_social_security_record: flag("has_tax_social_security_record"),
            declares_no_major_violation: flag("declares_no_major_violation"),
            is_small_micro: flag("is_small_micro"),
            contact_name: data.text("contact_name").to_owned(),
            contact_phone: data.text("contact_phone").to_owned(),
            email: data.text("email").to_owned(),
        }),
        _ => None,
    }
}

/// The first account of a registration (`account.username`, `account.password`,
/// `account.email`); the service checks them.
pub fn account(data: &FormData) -> AccountFields {
    AccountFields {
        username: data.text("account.username").to_owned(),
        // A password is taken exactly as typed.
        password: data
            .pairs()
            .iter()
            .find(|(n, _)| n == "account.password")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        email: data.text("account.email").to_owned(),
    }
}

/// The form of a stored record (the edit form's first display).
pub fn form_of(row: &ContractorRow) -> FormState {
    let mut values: Vec<(String, String)> = vec![
        ("name".into(), row.name.clone()),
        ("kind".into(), row.kind.clone()),
        ("uscc".into(), row.uscc.clone().unwrap_or_default()),
        (
            "id_number".into(),
            row.id_number.clone().unwrap_or_default(),
        ),
        ("established_on".into(), row.established_on.to_string()),
        ("region_code".into(), row.region_code.clone()),
        ("business_scope".into(), row.business_scope.clone()),
        ("full_time_staff".into(), row.full_time_staff.to_string()),
        (LEVELS[0].0.into(), row.sw_assistant.to_string()),
        (LEVELS[1].0.into(), row.sw_intermediate.to_string()),
        (LEVELS[2].0.into(), row.sw_senior.to_string()),
        ("contact_name".into(), row.contact_name.clone()),
        ("contact_phone".into(), row.contact_phone.clone()),
        ("email".into(), row.email.clone()),
    ];
    values.extend(
        row.domains()
            .into_iter()
            .map(|d| ("service_domains".to_owned(), d)),
    );
    for (name, on) in [
        ("has_financial_system", row.has_financial_system),
        (
            "has_tax_social_security_record",
            row.has_tax_social_security_record,
        ),
        (
            "declares_no_major_violation",
            row.declares_no_major_violation,
        ),
        ("is_small_micro", row.is_small_micro),
    ] {
        if on {
            values.push((name.to_owned(), "true".to_owned()));
        }
    }
    FormState::with_values(values)
}
