//! Contract pages of both parties: drafting from an award, signing, payments, termination, monthly reports (filing and review), supervision and performance evaluations (`/app/contracts`).
//!
//! - `draft`: `GET/POST /app/projects/{id}/contract/new` (the purchaser's officer);
//! - `list`: `GET /app/contracts` (officer: its purchaser's; contractor: its own; auditor and
//!   admin: all, read only);
//! - `show`: `GET /app/contracts/{id}` and the forms posted from it (sign, pay, terminate,
//!   review a report, record a supervision, open an evaluation, assign evaluators);
//! - `reports`: `GET/POST /app/contracts/{id}/reports/new` (the contractor's monthly report).
//!
//! Every page calls the same service functions as the JSON API, with the same scoping.

pub mod draft;
pub mod list;
pub mod reports;
pub mod show;

use actix_web::web;

use super::flash::Flash;
use crate::error::FieldErrors;

/// After the officer drafts a contract.
pub const CONTRACT_DRAFTED: Flash =
    Flash::new("contract_drafted", "合同已起草，请双方核对条款后签订。");
/// After one party signs.
pub const CONTRACT_SIGNED: Flash = Flash::new("contract_signed", "本方已签订合同，等待对方签订。");
/// After the second signature: the contract is in force.
pub const CONTRACT_ACTIVATED: Flash = Flash::new(
    "contract_activated",
    "双方均已签订，合同已生效，合同公告已发布。",
);
/// After an installment is paid.
pub const PAYMENT_PAID: Flash = Flash::new("contract_payment_paid", "该期款项已登记支付。");
/// After termination.
pub const CONTRACT_TERMINATED: Flash =
    Flash::new("contract_terminated", "合同已终止，终止公告已发布。");
/// After a monthly report is filed.
pub const REPORT_FILED: Flash = Flash::new(
    "contract_report_filed",
    "月度服务报告已提交，等待采购人审核。",
);
/// After a returned report is filed again.
pub const REPORT_REFILED: Flash = Flash::new(
    "contract_report_refiled",
    "月度服务报告已重新提交，等待采购人审核。",
);
/// After the officer accepts a report.
pub const REPORT_ACCEPTED: Flash =
    Flash::new("contract_report_accepted", "月度服务报告已审核通过。");
/// After the officer returns a report.
pub const REPORT_RETURNED: Flash = Flash::new(
    "contract_report_returned",
    "月度服务报告已退回，承接方将收到退回意见。",
);
/// After a supervision session is recorded.
pub const SUPERVISION_RECORDED: Flash =
    Flash::new("contract_supervision_recorded", "督导记录已保存。");
/// After an evaluation is opened by hand.
pub const EVALUATION_OPENED: Flash = Flash::new(
    "contract_evaluation_opened",
    "绩效评价已开启，请指定评价人员。",
);
/// After evaluators are assigned.
pub const EVALUATORS_ASSIGNED: Flash =
    Flash::new("contract_evaluators_assigned", "评价人员已指定。");

/// The messages this module's redirects show.
pub const FLASHES: &[Flash] = &[
    CONTRACT_DRAFTED,
    CONTRACT_SIGNED,
    CONTRACT_ACTIVATED,
    PAYMENT_PAID,
    CONTRACT_TERMINATED,
    REPORT_FILED,
    REPORT_REFILED,
    REPORT_ACCEPTED,
    REPORT_RETURNED,
    SUPERVISION_RECORDED,
    EVALUATION_OPENED,
    EVALUATORS_ASSIGNED,
];

/// Registers this module's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(draft::draft_page)
        .service(draft::create_contract)
        .service(list::contracts_page)
        .service(reports::report_page)
        .service(reports::submit_report)
        .service(show::contract_page)
        .service(show::sign)
        .service(show::pay)
        .service(show::terminate)
        .service(show::review)
        .service(show::record_supervision)
        .service(show::open_evaluation)
        .service(show::assign_evaluators);
}

/// Chinese label of a contract status code.
pub fn contract_status_label(code: &str) -> &'static str {
    crate::domain::contract_status::ContractStatus::parse(code)
        .map_or("未知状态", |s| s.label())
}

/// Chinese label of an installment condition code.
pub fn condition_label(code: &str) -> &'static str {
    match code {
        "on_signing" => "签订后",
        "after_midterm_evaluation" => "中期评估后",
        "after_final_evaluation" => "终期评估后",
        _ => "其他",
    }
}

/// The installment conditions as `<select>` options.
pub fn condition_options() -> Vec<(String, String)> {
    crate::domain::installments::CONDITIONS
        .iter()
        .map(|c| ((*c).to_owned(), condition_label(c).to_owned()))
        .collect()
}

/// Chinese label of an installment status code.
pub fn payment_status_label(code: &str) -> &'static str {
    match code {
        "scheduled" => "未到支付条件",
        "due" => "应付",
        "paid" => "已支付",
        "withheld" => "不予支付",
        _ => "未知状态",
    }
}

/// Chinese label of a monthly report status code.
pub fn report_status_label(code: &str) -> &'static str {
    match code {
        "submitted" => "待审核",
        "accepted" => "已通过",
        "returned" => "已退回",
        _ => "未知状态",
    }
}

/// Chinese label of a dispute resolution code.
pub fn dispute_label(code: &str) -> &'static str {
    match code {
        "arbitration" => "仲裁",
        "litigation" => "诉讼",
        _ => "未约定",
    }
}

/// Renames the field errors of a repeated group (`{group}[k].x`) from the index of the
/// submitted (compacted) list to the row of the form it came from: `rows[k]`.
pub fn remap_rows(errors: FieldErrors, group: &str, rows: &[usize]) -> FieldErrors {
    let prefix = format!("{group}[");
    errors
        .into_iter()
        .map(|(field, messages)| {
            let renamed = field
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(index, tail)| {
                    let k: usize = index.parse().ok()?;
                    let row = rows.get(k)?;
                    Some(format!("{group}[{row}]{tail}"))
                });
            (renamed.unwrap_or(field), messages)
        })
        .collect()
}

/// An RFC 3339 time as Beijing `YYYY-MM-DD HH:MM` (the text itself when it does not parse).
pub fn beijing(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| crate::public::shanghai_minutes(t.naive_utc()))
        .unwrap_or_else(|_| rfc3339.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_follow_the_form_rows() {
        let mut errors = FieldErrors::new();
        errors.insert("payment_schedule[1].percent".into(), vec!["x".into()]);
        errors.insert("payment_schedule".into(), vec!["y".into()]);
        errors.insert("subject".into(), vec!["z".into()]);
        let remapped = remap_rows(errors, "payment_schedule", &[0, 3]);
        assert!(remapped.contains_key("payment_schedule[3].percent"));
        assert!(remapped.contains_key("payment_schedule"));
        assert!(remapped.contains_key("subject"));
    }

    #[test]
    fn labels_are_chinese() {
        assert_eq!(condition_label("after_midterm_evaluation"), "中期评估后");
        assert_eq!(contract_status_label("active"), "履行中");
        assert_eq!(payment_status_label("due"), "应付");
        assert_eq!(beijing("2026-03-23T02:00:00Z"), "2026-03-23 10:00");
    }
}
