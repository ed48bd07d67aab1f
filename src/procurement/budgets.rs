//! Annual budgets (年度项目预算) per purchaser, year and funding source. Projects commit
//! against a budget and can never exceed what is available: the commitment is one
//! conditional UPDATE, so two projects racing for the last yuan cannot both win.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::schema::budgets;
use crate::db::{AnyConnection, write_tx};
use crate::domain::money::{from_fen, to_fen};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::purchasers::service::push;

/// A `budgets` row.
#[derive(Debug, Clone, Queryable)]
pub struct BudgetRow {
    /// Id.
    pub id: i64,
    /// Purchaser.
    pub purchaser_id: i64,
    /// Budget year.
    pub year: i32,
    /// Funding source, e.g. 本级财政, 福彩公益金.
    pub source: String,
    /// Amount in 分.
    pub amount_fen: i64,
    /// Committed by projects, in 分.
    pub committed_fen: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
}

/// A budget as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetView {
    /// Id.
    pub id: i64,
    /// Purchaser.
    pub purchaser_id: i64,
    /// Year.
    pub year: i32,
    /// Funding source.
    pub source: String,
    /// Amount (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Committed by projects (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub committed: Decimal,
    /// Still available (元).
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub available: Decimal,
}

impl BudgetRow {
    /// The view.
    pub fn view(&self) -> BudgetView {
        BudgetView {
            id: self.id,
            purchaser_id: self.purchaser_id,
            year: self.year,
            source: self.source.clone(),
            amount: from_fen(self.amount_fen),
            committed: from_fen(self.committed_fen),
            available: from_fen(self.amount_fen - self.committed_fen),
        }
    }
}

/// `POST /api/v1/budgets`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBudget {
    /// Purchaser (the officer's own).
    pub purchaser_id: i64,
    /// Year, 2000–2100.
    pub year: i32,
    /// Funding source (本级财政, 社会救助专项经费, 福彩公益金 …).
    pub source: String,
    /// Amount in 元, e.g. `"3000000.00"`.
    #[serde(with = "crate::extract::money")]
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// One budget.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<BudgetRow>> {
    budgets::table
        .find(id)
        .select(budgets::all_columns)
        .first(conn)
        .optional()
}

/// Budgets, optionally of one purchaser and year.
pub fn list(
    conn: &mut AnyConnection,
    purchaser_id: Option<i64>,
    year: Option<i32>,
) -> QueryResult<Vec<BudgetRow>> {
    let mut query = budgets::table.into_boxed();
    if let Some(p) = purchaser_id {
        query = query.filter(budgets::purchaser_id.eq(p));
    }
    if let Some(y) = year {
        query = query.filter(budgets::year.eq(y));
    }
    query
        .order((budgets::year.desc(), budgets::id.asc()))
        .select(budgets::all_columns)
        .load(conn)
}

/// Creates a budget, audited; the same purchaser, year and source twice is a conflict.
pub fn create(conn: &mut AnyConnection, actor: &Actor, input: &NewBudget) -> AppResult<BudgetRow> {
    let mut errors = FieldErrors::new();
    if !(2000..=2100).contains(&input.year) {
        push(&mut errors, "year", "须在 2000 到 2100 之间");
    }
    let source = input.source.trim();
    if source.is_empty() || source.chars().count() > 50 {
        push(&mut errors, "source", "必填，最多 50 个字符");
    }
    let amount_fen = match to_fen(input.amount) {
        Ok(fen) if fen > 0 => Some(fen),
        Ok(_) => {
            push(&mut errors, "amount", "须大于 0");
            None
        }
        Err(e) => {
            push(&mut errors, "amount", e.to_string());
            None
        }
    };
    let (Some(amount_fen), true) = (amount_fen, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    write_tx(conn, |conn| {
        let taken: i64 = budgets::table
            .filter(budgets::purchaser_id.eq(input.purchaser_id))
            .filter(budgets::year.eq(input.year))
            .filter(budgets::source.eq(source))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(AppError::Conflict(format!(
                "{} 年度“{source}”预算已登记",
                input.year
            )));
        }
        let row: BudgetRow = diesel::insert_into(budgets::table)
            .values((
                budgets::purchaser_id.eq(input.purchaser_id),
                budgets::year.eq(input.year),
                budgets::source.eq(source),
                budgets::amount_fen.eq(amount_fen),
                budgets::committed_fen.eq(0_i64),
                budgets::created_at.eq(actor.at),
                budgets::updated_at.eq(actor.at),
            ))
            .returning(budgets::all_columns)
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            "budget.create",
            "budget",
            &row.id.to_string(),
            None,
            Some(&json!(row.view())),
        )?;
        Ok(row)
    })
}

/// Commits `fen` against a budget if that much is still available; one conditional UPDATE,
/// so concurrent commitments can never overdraw. `rule_violation budget_exceeded` otherwise.
pub fn commit(
    conn: &mut AnyConnection,
    budget_id: i64,
    fen: i64,
    now: NaiveDateTime,
) -> AppResult<()> {
    let changed = diesel::update(
        budgets::table
            .find(budget_id)
            .filter((budgets::amount_fen - budgets::committed_fen).ge(fen)),
    )
    .set((
        budgets::committed_fen.eq(budgets::committed_fen + fen),
        budgets::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        return Ok(());
    }
    let available = find(conn, budget_id)?
        .map(|b| from_fen(b.amount_fen - b.committed_fen))
        .unwrap_or_default();
    Err(AppError::rule(
        "budget_exceeded",
        format!(
            "项目预算 {} 超过该项预算的可用额度 {}",
            crate::domain::money::format_yuan(from_fen(fen)),
            crate::domain::money::format_yuan(available)
        ),
    ))
}

/// Releases a commitment (a cancelled project, a smaller budget).
pub fn release(
    conn: &mut AnyConnection,
    budget_id: i64,
    fen: i64,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        budgets::table
            .find(budget_id)
            .filter(budgets::committed_fen.ge(fen)),
    )
    .set((
        budgets::committed_fen.eq(budgets::committed_fen - fen),
        budgets::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}
