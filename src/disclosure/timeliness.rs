//! Disclosure timeliness (信息公开及时性): per purchaser and year, how many notices fell due,
//! how many were published on time or late, and how many are missing; and the
//! `disclosure_watch` job that reminds officers of notices due tomorrow or overdue.
//!
//! Every step publishes its notice in the step's own transaction, so a notice that exists
//! has `on_time` fixed at publication. What can be *missing* is a notice whose step has not
//! happened although its legal date has passed: the procurement intention, due
//! `intention_lead_days` before the planned tender date, of a project still in draft.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db::schema::{notices, projects, purchasers};
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult, ErrorBody};

/// One purchaser's figures.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ComplianceRow {
    /// Purchaser.
    pub purchaser_id: i64,
    /// Purchaser name.
    pub purchaser_name: String,
    /// Notices that fell due in the year (published or missing).
    pub due: i64,
    /// Published by their due date.
    pub on_time: i64,
    /// Published after it.
    pub late: i64,
    /// Past due and not published.
    pub missing: i64,
    /// `on_time ÷ due` as a percentage with two decimals (`"100.00"` when nothing was due).
    pub on_time_rate: String,
}

/// `GET /api/v1/stats/compliance?year=`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    /// The year (Shanghai) of the due dates counted.
    pub year: i32,
    /// The date missing notices are counted up to.
    pub as_of: NaiveDate,
    /// One row per purchaser, by id.
    pub purchasers: Vec<ComplianceRow>,
}

/// A notice that is due and not published: the intention of a draft project.
#[derive(Debug, Clone)]
pub struct Outstanding {
    /// Project.
    pub project_id: i64,
    /// Its purchaser.
    pub purchaser_id: i64,
    /// Its title.
    pub title: String,
    /// Notice kind (`intention`).
    pub kind: &'static str,
    /// The legal due date.
    pub due_by: NaiveDate,
}

/// Intentions of draft projects due by `until` (inclusive).
pub fn outstanding(
    conn: &mut AnyConnection,
    lead_days: u32,
    until: NaiveDate,
) -> QueryResult<Vec<Outstanding>> {
    // Due = planned tender date − lead ≤ until  ⇔  planned tender date ≤ until + lead.
    let latest_planned = until + Duration::days(i64::from(lead_days));
    let rows: Vec<(i64, i64, String, NaiveDate)> = projects::table
        .filter(projects::status.eq("draft"))
        .filter(projects::expected_tender_date.le(latest_planned))
        .order(projects::id.asc())
        .select((
            projects::id,
            projects::purchaser_id,
            projects::title,
            projects::expected_tender_date,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(project_id, purchaser_id, title, planned)| Outstanding {
            project_id,
            purchaser_id,
            title,
            kind: "intention",
            due_by: planned - Duration::days(i64::from(lead_days)),
        })
        .collect())
}

fn rate(on_time: i64, due: i64) -> String {
    if due == 0 {
        return "100.00".to_owned();
    }
    let value = rust_decimal::Decimal::from(on_time * 100) / rust_decimal::Decimal::from(due);
    format!("{:.2}", crate::domain::money::round_half_up(value, 2))
}

/// The figures of `year` as of `today`.
pub fn compliance(
    conn: &mut AnyConnection,
    lead_days: u32,
    year: i32,
    today: NaiveDate,
) -> AppResult<Compliance> {
    let first =
        NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::field("year", "年份无效"))?;
    let last =
        NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| AppError::field("year", "年份无效"))?;
    let mut rows: BTreeMap<i64, ComplianceRow> = purchasers::table
        .select((purchasers::id, purchasers::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, name)| {
            (
                id,
                ComplianceRow {
                    purchaser_id: id,
                    purchaser_name: name,
                    ..ComplianceRow::default()
                },
            )
        })
        .collect();
    let published: Vec<(i64, bool)> = notices::table
        .filter(notices::due_by.ge(first))
        .filter(notices::due_by.le(last))
        .select((notices::purchaser_id, notices::on_time))
        .load(conn)?;
    for (purchaser, on_time) in published {
        if let Some(row) = rows.get_mut(&purchaser) {
            row.due += 1;
            if on_time {
                row.on_time += 1;
            } else {
                row.late += 1;
            }
        }
    }
    let until = today.min(last);
    if until >= first {
        for missing in outstanding(conn, lead_days, until - Duration::days(1))? {
            if missing.due_by.year() == year
                && let Some(row) = rows.get_mut(&missing.purchaser_id)
            {
                row.due += 1;
                row.missing += 1;
            }
        }
    }
    let purchasers = rows
        .into_values()
        .map(|mut row| {
            row.on_time_rate = rate(row.on_time, row.due);
            row
        })
        .collect();
    Ok(Compliance {
        year,
        as_of: today,
        purchasers,
    })
}

/// The `disclosure_watch` job: for each notice due tomorrow or overdue, one email per day to
/// each active officer of the purchaser (the dedup key carries the date, so a second run the
/// same day adds nothing).
pub async fn watch(state: &AppState) -> AppResult<serde_json::Value> {
    let today = state.clock.today();
    let now = state.clock.now();
    let lead = state.rules.intention_lead_days;
    let base_url = state.settings.server.public_base_url.clone();
    state
        .db
        .run(move |conn| {
            let due = outstanding(conn, lead, today + Duration::days(1))?;
            let mut queued = 0_usize;
            for notice in &due {
                let due_notice = crate::notify::events::NoticeDue {
                    purchaser_id: notice.purchaser_id,
                    notice_kind: notice.kind,
                    project_id: notice.project_id,
                    title: &notice.title,
                    due_by: notice.due_by,
                };
                queued += write_tx(conn, |conn| {
                    crate::notify::events::notice_reminder(conn, now, &due_notice, &base_url)
                })?;
            }
            Ok(serde_json::json!({ "notices": due.len(), "queued": queued }))
        })
        .await
}

/// Query of the compliance figures.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ComplianceQuery {
    /// Year (defaults to the current year in Shanghai).
    pub year: Option<i32>,
}

/// Disclosure timeliness per purchaser (public).
#[utoipa::path(get, path = "/api/v1/stats/compliance", tag = "disclosure", params(ComplianceQuery),
    responses((status = 200, body = Compliance), (status = 422, body = ErrorBody)))]
#[get("/api/v1/stats/compliance")]
pub async fn compliance_route(
    state: web::Data<AppState>,
    query: web::Query<ComplianceQuery>,
) -> AppResult<HttpResponse> {
    let today = state.clock.today();
    let year = query.into_inner().year.unwrap_or(today.year());
    if !(2000..=2100).contains(&year) {
        return Err(AppError::field("year", "须在 2000 到 2100 之间"));
    }
    let lead = state.rules.intention_lead_days;
    let report = state
        .db
        .run(move |conn| compliance(conn, lead, year, today))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(report))
}

/// OpenAPI of this part.
#[derive(utoipa::OpenApi)]
#[openapi(paths(compliance_route))]
pub struct TimelinessApi;

/// Registers the handler.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(compliance_route);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_and_nothing_due_is_full() {
        assert_eq!(rate(0, 0), "100.00");
        assert_eq!(rate(2, 3), "66.67");
        assert_eq!(rate(1, 8), "12.50");
        assert_eq!(rate(3, 3), "100.00");
    }
}
