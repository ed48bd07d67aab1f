//! The `report_reminders` job (monthly): every active contract whose service period includes
//! last month (Asia/Shanghai, from the clock's today) and that has no submitted or accepted
//! report for that month gets one `report_missing` email per active contractor user. The
//! dedup key `report_missing:{contract_id}:{YYYY-MM}:{user_id}` makes a second run, or a run
//! on another instance, queue nothing more.

use chrono::{Months, NaiveDate, NaiveDateTime};
use serde_json::json;

use super::model::{self, REPORT_ACCEPTED, REPORT_SUBMITTED};
use super::service::{month_start, period_of};
use crate::app::AppState;
use crate::contracts::model::ContractRow;
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult};
use crate::notify::outbox::{self, NewEmail};

/// Queues a reminder to each contractor whose last month's report is missing; returns
/// `{"queued": n, "period": "YYYY-MM", "contracts": k}` (k contracts missing the report).
pub async fn run(state: &AppState) -> AppResult<serde_json::Value> {
    let now = state.clock.now();
    let today = state.clock.today();
    state.db.run(move |conn| remind(conn, now, today)).await
}

/// The first and last day of the month before `today`'s.
pub fn last_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let this_month = month_start(today);
    let start = this_month
        .checked_sub_months(Months::new(1))
        .unwrap_or(this_month);
    let end = this_month.pred_opt().unwrap_or(this_month);
    (start, end)
}

fn remind(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    today: NaiveDate,
) -> AppResult<serde_json::Value> {
    let (start, end) = last_month(today);
    let period = period_of(start);
    let mut queued = 0_i64;
    let mut missing = 0_i64;
    for contract in model::active_contracts_overlapping(conn, start, end)? {
        let reported = model::report_for_period(conn, contract.id, &period)?
            .is_some_and(|r| r.status == REPORT_SUBMITTED || r.status == REPORT_ACCEPTED);
        if reported {
            continue;
        }
        missing += 1;
        queued += write_tx(conn, |conn| mail_missing(conn, now, &contract, &period))?;
    }
    Ok(json!({ "queued": queued, "period": period, "contracts": missing }))
}

fn mail_missing(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    contract: &ContractRow,
    period: &str,
) -> Result<i64, AppError> {
    let subject = format!(
        "【服务报告提醒】合同 {} {} 月度服务报告尚未提交",
        contract.number, period
    );
    let mut queued = 0;
    for recipient in model::contractor_users(conn, contract.contractor_id)? {
        let body = format!(
            "{name}：\n\n您单位承接的“{subject}”（合同编号 {number}）{period} 月度服务报告尚未提交（或被退回后尚未重新提交）。\n\n请登录系统尽快填报该月的服务人数、服务人次、活动、个案和志愿者等汇总数据。月度服务报告只填报汇总数据，请勿填写服务对象的姓名或身份证号。\n\n本邮件由政府购买社会工作服务管理平台自动发送，请勿回复。\n",
            name = recipient.display_name,
            subject = contract.subject,
            number = contract.number,
        );
        let key = format!("report_missing:{}:{}:{}", contract.id, period, recipient.id);
        let id = outbox::enqueue(
            conn,
            now,
            &NewEmail {
                kind: "report_missing",
                dedup_key: Some(&key),
                to_address: &recipient.email,
                to_user_id: Some(recipient.id),
                subject: &subject,
                body_text: &body,
                body_html: None,
            },
        )?;
        if id.is_some() {
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn last_month_crosses_years_and_short_months() {
        assert_eq!(last_month(d(2026, 3, 31)), (d(2026, 2, 1), d(2026, 2, 28)));
        assert_eq!(last_month(d(2027, 1, 1)), (d(2026, 12, 1), d(2026, 12, 31)));
        assert_eq!(last_month(d(2028, 3, 15)), (d(2028, 2, 1), d(2028, 2, 29)));
    }
}
