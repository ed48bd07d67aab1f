//! Rows and queries of delivery: the few contract columns delivery needs, service reports with
//! their counts and supervisions (who is mailed is `notify::events`' business).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::contracts::model::ContractRow;
use crate::db::AnyConnection;
use crate::db::schema::{contracts, report_counts, service_reports, supervisions};
use crate::error::{AppError, AppResult};

/// Report status: waiting for the officer's review.
pub const REPORT_SUBMITTED: &str = "submitted";
/// Report status: accepted by the officer; counts towards progress.
pub const REPORT_ACCEPTED: &str = "accepted";
/// Report status: returned by the officer; the contractor may resubmit it.
pub const REPORT_RETURNED: &str = "returned";

/// Contract status in which delivery happens.
pub const CONTRACT_ACTIVE: &str = "active";

/// Active contracts whose service period overlaps `[from, to]`.
pub fn active_contracts_overlapping(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ContractRow>> {
    contracts::table
        .filter(contracts::status.eq(CONTRACT_ACTIVE))
        .filter(contracts::service_start.le(to))
        .filter(contracts::service_end.ge(from))
        .order(contracts::id.asc())
        .select(contracts::all_columns)
        .load(conn)
}

/// Takes the contract's row lock while it is `active` (a no-op update, so a concurrent
/// termination waits or is waited for); `false` when the contract is not active.
pub fn lock_active(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        contracts::table
            .filter(contracts::id.eq(id))
            .filter(contracts::status.eq(CONTRACT_ACTIVE)),
    )
    .set(contracts::status.eq(CONTRACT_ACTIVE))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A `service_reports` row.
#[derive(Debug, Clone, Queryable)]
pub struct ReportRow {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// Month, `YYYY-MM`.
    pub period: String,
    /// Activities held (活动场次).
    pub activities: i32,
    /// Cases opened (新开个案).
    pub cases_opened: i32,
    /// Cases closed (结案).
    pub cases_closed: i32,
    /// Volunteers engaged (参与志愿者人数).
    pub volunteers_engaged: i32,
    /// Narrative.
    pub narrative: String,
    /// `submitted`, `accepted`, `returned`.
    pub status: String,
    /// Last (re)submission.
    pub submitted_at: NaiveDateTime,
    /// Who submitted.
    pub submitted_by: Option<i64>,
    /// Last review.
    pub reviewed_at: Option<NaiveDateTime>,
    /// Who reviewed.
    pub reviewed_by: Option<i64>,
    /// The reviewer's comment.
    pub review_comment: Option<String>,
}

/// A `report_counts` row.
#[derive(Debug, Clone, Queryable)]
pub struct CountRow {
    /// Id.
    pub id: i64,
    /// Report.
    pub report_id: i64,
    /// Target group code (table `target_groups`).
    pub target_group: String,
    /// Persons served (服务人数).
    pub persons: i32,
    /// Person-times served (服务人次).
    pub person_times: i32,
}

/// One report or 404.
pub fn report(conn: &mut AnyConnection, id: i64) -> AppResult<ReportRow> {
    service_reports::table
        .find(id)
        .select(service_reports::all_columns)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("服务报告 {id} 不存在")))
}

/// The report of a contract for one month, if any.
pub fn report_for_period(
    conn: &mut AnyConnection,
    contract_id: i64,
    period: &str,
) -> QueryResult<Option<ReportRow>> {
    service_reports::table
        .filter(service_reports::contract_id.eq(contract_id))
        .filter(service_reports::period.eq(period))
        .select(service_reports::all_columns)
        .first(conn)
        .optional()
}

/// The contracts that have a report of `period` (`YYYY-MM`) in one of `statuses`.
pub fn contracts_reported(
    conn: &mut AnyConnection,
    period: &str,
    statuses: &[&str],
) -> QueryResult<std::collections::HashSet<i64>> {
    Ok(service_reports::table
        .filter(service_reports::period.eq(period))
        .filter(service_reports::status.eq_any(statuses))
        .select(service_reports::contract_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// The reports of a contract, by month; only those with `status` when given.
pub fn reports(
    conn: &mut AnyConnection,
    contract_id: i64,
    status: Option<&str>,
) -> QueryResult<Vec<ReportRow>> {
    let mut query = service_reports::table
        .filter(service_reports::contract_id.eq(contract_id))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(service_reports::status.eq(status.to_owned()));
    }
    query
        .order(service_reports::period.asc())
        .select(service_reports::all_columns)
        .load(conn)
}

/// The counts of the given reports, in report then target-group order.
pub fn counts(conn: &mut AnyConnection, report_ids: &[i64]) -> QueryResult<Vec<CountRow>> {
    if report_ids.is_empty() {
        return Ok(Vec::new());
    }
    report_counts::table
        .filter(report_counts::report_id.eq_any(report_ids.to_vec()))
        .order((report_counts::report_id.asc(), report_counts::id.asc()))
        .select(report_counts::all_columns)
        .load(conn)
}

/// A `supervisions` row.
#[derive(Debug, Clone, Queryable)]
pub struct SupervisionRow {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// Date of the supervision session.
    pub held_on: NaiveDate,
    /// Supervisor (督导) name and affiliation.
    pub supervisor: String,
    /// Notes.
    pub notes: String,
    /// Who recorded it.
    pub recorded_by: Option<i64>,
    /// When it was recorded.
    pub created_at: NaiveDateTime,
}

/// The supervisions of a contract, oldest session first.
pub fn supervisions(
    conn: &mut AnyConnection,
    contract_id: i64,
) -> QueryResult<Vec<SupervisionRow>> {
    supervisions::table
        .filter(supervisions::contract_id.eq(contract_id))
        .order((supervisions::held_on.asc(), supervisions::id.asc()))
        .select(supervisions::all_columns)
        .load(conn)
}
