//! The official text of the contract notice (合同公告) and the termination notice (合同终止公告),
//! rendered like [`super::bodies`] from `templates/notices/contract.html` and
//! `templates/notices/termination.html` (HTML fragments, auto-escaped). Amounts are written in
//! figures and in capitals.

use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::bodies::{Header, amount_text, date_text};

/// One installment of the payment schedule as the notice lists it.
#[derive(Debug, Clone)]
pub struct InstallmentLine {
    /// Its name, e.g. 首期款.
    pub name: String,
    /// Percent with two decimals, e.g. `30.00`.
    pub percent: String,
    /// Amount (yuan).
    pub amount: Decimal,
    /// Condition code (`on_signing`, `after_midterm_evaluation`, `after_final_evaluation`).
    pub condition: String,
}

/// The contract notice (合同公告).
#[derive(Debug, Clone)]
pub struct ContractBody {
    /// Project and purchaser.
    pub header: Header,
    /// 合同编号.
    pub contract_number: String,
    /// The contractor (乙方).
    pub contractor_name: String,
    /// The contractor's region, full name.
    pub contractor_region: String,
    /// 主要标的.
    pub subject: String,
    /// 服务数量.
    pub quantity_terms: String,
    /// 服务质量.
    pub quality_terms: String,
    /// 合同金额 (yuan).
    pub amount: Decimal,
    /// First day of the service period.
    pub service_start: NaiveDate,
    /// Last day of the service period.
    pub service_end: NaiveDate,
    /// The payment schedule.
    pub installments: Vec<InstallmentLine>,
    /// `arbitration` or `litigation`.
    pub dispute_kind: String,
    /// The arbitration commission or the court.
    pub dispute_body: String,
    /// The day the second party signed.
    pub signed_on: NaiveDate,
}

/// The termination notice (合同终止公告).
#[derive(Debug, Clone)]
pub struct TerminationBody {
    /// Project and purchaser.
    pub header: Header,
    /// 合同编号.
    pub contract_number: String,
    /// The contractor (乙方).
    pub contractor_name: String,
    /// 合同金额 (yuan).
    pub amount: Decimal,
    /// First day of the service period.
    pub service_start: NaiveDate,
    /// Last day of the service period.
    pub service_end: NaiveDate,
    /// The day of termination.
    pub terminated_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// Whether the unpaid installments are still paid (else withheld).
    pub pay_unpaid: bool,
}

/// The Chinese wording of an installment condition code.
pub fn condition_label(code: &str) -> &'static str {
    match code {
        "on_signing" => "合同签订后支付",
        "after_midterm_evaluation" => "中期绩效评价合格后支付",
        "after_final_evaluation" => "末期绩效评价后按评价结果支付",
        _ => "",
    }
}

fn period_text(start: NaiveDate, end: NaiveDate) -> String {
    format!("{}至{}", date_text(start), date_text(end))
}

struct InstallmentView<'a> {
    name: &'a str,
    percent: &'a str,
    amount: String,
    condition: &'static str,
}

#[derive(Template)]
#[template(path = "notices/contract.html")]
struct ContractPage<'a> {
    contract_number: &'a str,
    project_number: &'a str,
    project_title: &'a str,
    purchaser_name: &'a str,
    purchaser_region: &'a str,
    contact_name: &'a str,
    contact_phone: &'a str,
    method_label: &'a str,
    contractor_name: &'a str,
    contractor_region: &'a str,
    subject: &'a str,
    quantity_terms: &'a str,
    quality_terms: &'a str,
    amount: String,
    service_period: String,
    installments: Vec<InstallmentView<'a>>,
    dispute: String,
    signed_on: String,
}

/// Renders the 合同公告.
pub fn render_contract(b: &ContractBody) -> Result<String, askama::Error> {
    let dispute = match b.dispute_kind.as_str() {
        "arbitration" => format!("提交{}仲裁", b.dispute_body),
        _ => format!("向{}提起诉讼", b.dispute_body),
    };
    ContractPage {
        contract_number: &b.contract_number,
        project_number: &b.header.project_number,
        project_title: &b.header.project_title,
        purchaser_name: &b.header.purchaser_name,
        purchaser_region: &b.header.purchaser_region,
        contact_name: &b.header.contact_name,
        contact_phone: &b.header.contact_phone,
        method_label: &b.header.method_label,
        contractor_name: &b.contractor_name,
        contractor_region: &b.contractor_region,
        subject: &b.subject,
        quantity_terms: &b.quantity_terms,
        quality_terms: &b.quality_terms,
        amount: amount_text(b.amount),
        service_period: period_text(b.service_start, b.service_end),
        installments: b
            .installments
            .iter()
            .map(|i| InstallmentView {
                name: &i.name,
                percent: &i.percent,
                amount: amount_text(i.amount),
                condition: condition_label(&i.condition),
            })
            .collect(),
        dispute,
        signed_on: date_text(b.signed_on),
    }
    .render()
}

#[derive(Template)]
#[template(path = "notices/termination.html")]
struct TerminationPage<'a> {
    project_number: &'a str,
    project_title: &'a str,
    contract_number: &'a str,
    purchaser_name: &'a str,
    purchaser_region: &'a str,
    contact_name: &'a str,
    contact_phone: &'a str,
    contractor_name: &'a str,
    amount: String,
    service_period: String,
    terminated_on: String,
    reason: &'a str,
    unpaid_handling: &'static str,
}

/// Renders the 合同终止公告.
pub fn render_termination(b: &TerminationBody) -> Result<String, askama::Error> {
    TerminationPage {
        project_number: &b.header.project_number,
        project_title: &b.header.project_title,
        contract_number: &b.contract_number,
        purchaser_name: &b.header.purchaser_name,
        purchaser_region: &b.header.purchaser_region,
        contact_name: &b.header.contact_name,
        contact_phone: &b.header.contact_phone,
        contractor_name: &b.contractor_name,
        amount: amount_text(b.amount),
        service_period: period_text(b.service_start, b.service_end),
        terminated_on: date_text(b.terminated_on),
        reason: b.reason.trim(),
        unpaid_handling: if b.pay_unpaid {
            "未支付款项按合同约定继续支付"
        } else {
            "未支付款项不再支付"
        },
    }
    .render()
}
