//! Rows and queries of `projects` and `project_targets`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{project_targets, projects};
use crate::domain::project_status::ProjectStatus;
use crate::error::{AppError, AppResult};

/// A `projects` row.
#[derive(Debug, Clone, Queryable)]
pub struct ProjectRow {
    /// Id.
    pub id: i64,
    /// 项目编号, e.g. `SN-640104-2026-0001`.
    pub number: String,
    /// The purchaser.
    pub purchaser_id: i64,
    /// The budget it commits against.
    pub budget_id: i64,
    /// Budget year.
    pub year: i32,
    /// Catalog item code of that year.
    pub catalog_item_code: String,
    /// The item's domain.
    pub domain_code: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Beneficiary region (township or county).
    pub region_code: String,
    /// Beneficiary station.
    pub station_id: Option<i64>,
    /// Target-group codes, comma-separated.
    pub target_groups: String,
    /// Budget in 分.
    pub budget_fen: i64,
    /// Service start.
    pub service_start: NaiveDate,
    /// Service end (inclusive).
    pub service_end: NaiveDate,
    /// Why the term exceeds 12 months.
    pub term_justification: Option<String>,
    /// Method code.
    pub method: String,
    /// Planned tender date.
    pub expected_tender_date: NaiveDate,
    /// Status code.
    pub status: String,
    /// Why it failed, was cancelled or terminated.
    pub status_reason: Option<String>,
    /// Creating officer.
    pub created_by: Option<i64>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
}

/// A `project_targets` row.
#[derive(Debug, Clone, Queryable)]
pub struct TargetRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// `quantity`, `scale`, `quality`, `outcome`.
    pub kind: String,
    /// What is measured, e.g. 服务人次.
    pub name: String,
    /// The target value (decimal text).
    pub value: String,
    /// Unit, e.g. 人次.
    pub unit: String,
    /// Order.
    pub position: i32,
}

impl ProjectRow {
    /// Status as the enum.
    pub fn status(&self) -> AppResult<ProjectStatus> {
        ProjectStatus::parse(&self.status).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "project {} has bad status {}",
                self.id,
                self.status
            ))
        })
    }

    /// Target-group codes.
    pub fn target_group_codes(&self) -> Vec<String> {
        self.target_groups
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// One project.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .find(id)
        .select(projects::all_columns)
        .first(conn)
        .optional()
}

/// One project or 404.
pub fn get(conn: &mut AnyConnection, id: i64) -> AppResult<ProjectRow> {
    find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("项目 {id} 不存在")))
}

/// The targets of a project, in order.
pub fn targets(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Vec<TargetRow>> {
    project_targets::table
        .filter(project_targets::project_id.eq(project_id))
        .order(project_targets::position.asc())
        .select(project_targets::all_columns)
        .load(conn)
}

/// Moves a project from `from` to `to` (compare-and-set on the status, so two racing
/// requests cannot both move it); `Conflict` when the status changed meanwhile.
pub fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    from: ProjectStatus,
    to: ProjectStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let changed = diesel::update(
        projects::table
            .find(id)
            .filter(projects::status.eq(from.as_str())),
    )
    .set((
        projects::status.eq(to.as_str()),
        projects::status_reason.eq(reason),
        projects::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "项目状态已被他人修改，请刷新后重试".to_owned(),
        ))
    }
}

/// A page of projects, newest first, optionally of one purchaser and status.
pub fn list(
    conn: &mut AnyConnection,
    purchaser_id: Option<i64>,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ProjectRow>, i64)> {
    let filtered = || {
        let mut q = projects::table.into_boxed();
        if let Some(p) = purchaser_id {
            q = q.filter(projects::purchaser_id.eq(p));
        }
        if let Some(s) = status {
            q = q.filter(projects::status.eq(s.to_owned()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(projects::id.desc())
        .offset(offset)
        .limit(limit)
        .select(projects::all_columns)
        .load(conn)?;
    Ok((rows, total))
}
