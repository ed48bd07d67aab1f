//! Rows and queries of `tenders`, `tender_criteria` and `tender_invitations`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::db::AnyConnection;
use crate::db::schema::{tender_criteria, tender_invitations, tenders};
use crate::domain::qualification::Requirements;

/// A `tenders` row.
#[derive(Debug, Clone, Queryable)]
pub struct TenderRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Bids are accepted until this instant (UTC), exclusive.
    pub bid_deadline: NaiveDateTime,
    /// Maximum price in 分.
    pub max_price_fen: i64,
    /// `comprehensive` or `lowest_price`.
    pub award_method: String,
    /// Price weight in basis points (3000 = 0.30).
    pub price_weight_bp: i32,
    /// Requirement: full-time staff.
    pub min_full_time_staff: i32,
    /// Requirement: certified social workers.
    pub min_certified_social_workers: i32,
    /// Requirement: whole years since establishment.
    pub min_years_established: i32,
    /// When the tender notice was published.
    pub published_at: NaiveDateTime,
    /// When the bids were opened.
    pub opened_at: Option<NaiveDateTime>,
    /// 1 for the first tender, 2 after a re-tender, …
    pub round: i32,
    /// Publishing officer.
    pub created_by: Option<i64>,
}

/// A `tender_criteria` row.
#[derive(Debug, Clone, Queryable)]
pub struct CriterionRow {
    /// Id.
    pub id: i64,
    /// Tender.
    pub tender_id: i64,
    /// Code, e.g. `plan`.
    pub code: String,
    /// Name, e.g. 服务方案.
    pub name: String,
    /// Maximum points in hundredths.
    pub max_points_centi: i64,
    /// Order.
    pub position: i32,
}

impl TenderRow {
    /// The price weight as a decimal (`0.30`).
    pub fn price_weight(&self) -> Decimal {
        Decimal::new(i64::from(self.price_weight_bp), 4)
    }

    /// The qualification requirements of this tender for a project of `domain`.
    pub fn requirements(&self, domain: &str) -> Requirements {
        Requirements {
            min_full_time_staff: self.min_full_time_staff,
            min_certified_social_workers: self.min_certified_social_workers,
            min_years_established: self.min_years_established,
            domain: Some(domain.to_owned()),
        }
    }
}

impl CriterionRow {
    /// Maximum points as a decimal.
    pub fn max_points(&self) -> Decimal {
        Decimal::new(self.max_points_centi, 2)
    }
}

/// The current (latest round) tender of a project.
pub fn current(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Option<TenderRow>> {
    tenders::table
        .filter(tenders::project_id.eq(project_id))
        .order(tenders::round.desc())
        .select(tenders::all_columns)
        .first(conn)
        .optional()
}

/// The criteria of a tender, in order.
pub fn criteria(conn: &mut AnyConnection, tender_id: i64) -> QueryResult<Vec<CriterionRow>> {
    tender_criteria::table
        .filter(tender_criteria::tender_id.eq(tender_id))
        .order(tender_criteria::position.asc())
        .select(tender_criteria::all_columns)
        .load(conn)
}

/// The invited contractors of a tender.
pub fn invited(conn: &mut AnyConnection, tender_id: i64) -> QueryResult<Vec<i64>> {
    tender_invitations::table
        .filter(tender_invitations::tender_id.eq(tender_id))
        .select(tender_invitations::contractor_id)
        .load(conn)
}
