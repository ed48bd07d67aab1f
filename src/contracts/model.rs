//! Rows and queries of `contracts` and `payments`, and who may read or act on a contract.
//! Other areas (delivery, performance evaluation) use [`get`], [`ContractRow`] and the
//! access helpers.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::{CurrentUser, Role};
use crate::db::AnyConnection;
use crate::db::schema::{contracts, payments};
use crate::domain::contract_status::ContractStatus;
use crate::error::{AppError, AppResult};

/// A `contracts` row (every column, in table order).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ContractRow {
    /// Id.
    pub id: i64,
    /// The project (one contract per project).
    pub project_id: i64,
    /// The award it follows.
    pub award_id: i64,
    /// 甲方.
    pub purchaser_id: i64,
    /// 乙方.
    pub contractor_id: i64,
    /// 合同编号, `{project number}-HT`.
    pub number: String,
    /// 标的.
    pub subject: String,
    /// 数量.
    pub quantity_terms: String,
    /// 质量.
    pub quality_terms: String,
    /// 价款 in 分 (the awarded price).
    pub amount_fen: i64,
    /// Service start.
    pub service_start: NaiveDate,
    /// Service end (inclusive).
    pub service_end: NaiveDate,
    /// 权利义务.
    pub rights_obligations: String,
    /// 违约责任.
    pub breach_liability: String,
    /// `arbitration` or `litigation`.
    pub dispute_kind: String,
    /// The arbitration commission or court.
    pub dispute_body: String,
    /// `draft | active | terminated | completed`.
    pub status: String,
    /// When the purchaser signed.
    pub purchaser_signed_at: Option<NaiveDateTime>,
    /// The purchaser's signing officer.
    pub purchaser_signed_by: Option<i64>,
    /// When the contractor signed.
    pub contractor_signed_at: Option<NaiveDateTime>,
    /// The contractor's signing user.
    pub contractor_signed_by: Option<i64>,
    /// When it became active (both signed).
    pub activated_at: Option<NaiveDateTime>,
    /// When it was terminated.
    pub terminated_at: Option<NaiveDateTime>,
    /// Why it was terminated.
    pub termination_reason: Option<String>,
    /// The drafting officer.
    pub created_by: Option<i64>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
}

/// A `payments` row: one installment of a contract's payment schedule.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PaymentRow {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// Order in the schedule, from 0.
    pub position: i32,
    /// Name, e.g. 首期款.
    pub name: String,
    /// Percent in hundredths.
    pub percent_centi: i64,
    /// `on_signing | after_midterm_evaluation | after_final_evaluation`.
    pub condition: String,
    /// Amount in 分.
    pub amount_fen: i64,
    /// What may be paid when less than the amount (a 合格 final grade), in 分.
    pub payable_fen: Option<i64>,
    /// `scheduled | due | paid | withheld`.
    pub status: String,
    /// When it became due.
    pub due_at: Option<NaiveDateTime>,
    /// When it was paid.
    pub paid_at: Option<NaiveDateTime>,
    /// The paying officer.
    pub paid_by: Option<i64>,
    /// A note (why withheld, why partial).
    pub note: Option<String>,
}

impl ContractRow {
    /// Status as the enum.
    pub fn status(&self) -> AppResult<ContractStatus> {
        ContractStatus::parse(&self.status).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "contract {} has bad status {}",
                self.id,
                self.status
            ))
        })
    }
}

/// One contract.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ContractRow>> {
    contracts::table
        .find(id)
        .select(contracts::all_columns)
        .first(conn)
        .optional()
}

/// One contract or `404`.
pub fn get(conn: &mut AnyConnection, id: i64) -> AppResult<ContractRow> {
    find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("合同 {id} 不存在")))
}

/// The contract of a project, if any.
pub fn of_project(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Option<ContractRow>> {
    contracts::table
        .filter(contracts::project_id.eq(project_id))
        .select(contracts::all_columns)
        .first(conn)
        .optional()
}

/// The installments of a contract, in order.
pub fn payments_of(conn: &mut AnyConnection, contract_id: i64) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::contract_id.eq(contract_id))
        .order(payments::position.asc())
        .select(payments::all_columns)
        .load(conn)
}

/// One installment or `404`.
pub fn payment(conn: &mut AnyConnection, id: i64) -> AppResult<PaymentRow> {
    payments::table
        .find(id)
        .select(payments::all_columns)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("付款 {id} 不存在")))
}

/// A page of contracts, newest first, filtered by purchaser and contractor.
pub fn list(
    conn: &mut AnyConnection,
    purchaser_id: Option<i64>,
    contractor_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ContractRow>, i64)> {
    let filtered = || {
        let mut q = contracts::table.into_boxed();
        if let Some(p) = purchaser_id {
            q = q.filter(contracts::purchaser_id.eq(p));
        }
        if let Some(c) = contractor_id {
            q = q.filter(contracts::contractor_id.eq(c));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(contracts::id.desc())
        .offset(offset)
        .limit(limit)
        .select(contracts::all_columns)
        .load(conn)?;
    Ok((rows, total))
}

/// `403` unless the user may read the contract: the purchaser's officers, the contractor's
/// users, auditors and admins.
pub fn ensure_party(user: &CurrentUser, contract: &ContractRow) -> AppResult<()> {
    let allowed = match user.role {
        Role::Admin | Role::Auditor => true,
        Role::Officer => user.purchaser_id == Some(contract.purchaser_id),
        Role::Contractor => user.contractor_id == Some(contract.contractor_id),
        Role::Evaluator => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有合同双方和监督人员可以查看该合同".to_owned(),
        ))
    }
}

/// `403` unless the user is an officer of the contract's purchaser (甲方).
pub fn ensure_purchaser_officer(user: &CurrentUser, contract: &ContractRow) -> AppResult<()> {
    if user.role == Role::Officer && user.purchaser_id == Some(contract.purchaser_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有本合同采购人的经办人可以执行此操作".to_owned(),
        ))
    }
}

/// `403` unless the user belongs to the contract's contractor (乙方).
pub fn ensure_contractor_user(user: &CurrentUser, contract: &ContractRow) -> AppResult<()> {
    if user.role == Role::Contractor && user.contractor_id == Some(contract.contractor_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有本合同的承接方可以执行此操作".to_owned(),
        ))
    }
}
