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
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult};
use crate::notify::events::{MissingReport, ReportReminders};

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
    let reported = model::contracts_reported(conn, &period, &[REPORT_SUBMITTED, REPORT_ACCEPTED])?;
    let missing: Vec<crate::contracts::model::ContractRow> =
        model::active_contracts_overlapping(conn, start, end)?
            .into_iter()
            .filter(|contract| !reported.contains(&contract.id))
            .collect();
    let mut reminders = ReportReminders::new(now, &period);
    let mut queued = 0_i64;
    for batch in missing.chunks(crate::jobs::TX_BATCH) {
        queued += write_tx(conn, |conn| {
            let mut queued = 0;
            for contract in batch {
                queued += reminders.remind(
                    conn,
                    &MissingReport {
                        contract_id: contract.id,
                        number: &contract.number,
                        subject: &contract.subject,
                        contractor_id: contract.contractor_id,
                    },
                )?;
            }
            Ok::<_, AppError>(queued)
        })?;
    }
    Ok(json!({ "queued": queued, "period": period, "contracts": missing.len() }))
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
