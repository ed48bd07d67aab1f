//! Rows and queries of `performance_evaluations`, `evaluation_assignments` and
//! `evaluation_scores`, and the few columns of `contracts` evaluation reads (a private view
//! until the contracts model exists).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{
    contracts, evaluation_assignments, evaluation_scores, performance_evaluations, users,
};
use crate::error::{AppError, AppResult};

/// The status of an evaluation that takes evaluators and scores.
pub const OPEN: &str = "open";
/// The status of an evaluation with its total and grade.
pub const GRADED: &str = "graded";
/// The status of a contract in service.
pub const ACTIVE: &str = "active";

/// Which evaluation of a contract: 中期 at the midpoint of the service period, 终期 at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvaluationKind {
    /// 中期评价.
    Midterm,
    /// 终期评价.
    Final,
}

impl EvaluationKind {
    /// Both kinds, in the order they fall due.
    pub const ALL: [EvaluationKind; 2] = [EvaluationKind::Midterm, EvaluationKind::Final];

    /// Stored and API code (`midterm | final`).
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationKind::Midterm => "midterm",
            EvaluationKind::Final => "final",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            EvaluationKind::Midterm => "中期评价",
            EvaluationKind::Final => "终期评价",
        }
    }

    /// The first day (Asia/Shanghai) on which this evaluation of a service period is due: the
    /// midpoint `start + (end − start) / 2` days (rounded down) for the mid-term, the last day
    /// of service for the final one.
    pub fn due_on(self, service_start: NaiveDate, service_end: NaiveDate) -> NaiveDate {
        match self {
            EvaluationKind::Midterm => {
                let half = (service_end - service_start).num_days().div_euclid(2);
                service_start + chrono::Duration::days(half)
            }
            EvaluationKind::Final => service_end,
        }
    }
}

/// What evaluation needs of a `contracts` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ContractLite {
    /// Id.
    pub id: i64,
    /// The project it was awarded in.
    pub project_id: i64,
    /// The purchaser.
    pub purchaser_id: i64,
    /// The contractor (承接主体).
    pub contractor_id: i64,
    /// 合同编号.
    pub number: String,
    /// Amount in 分.
    pub amount_fen: i64,
    /// First day of service.
    pub service_start: NaiveDate,
    /// Last day of service.
    pub service_end: NaiveDate,
    /// `draft | active | terminated | completed`.
    pub status: String,
}

type ContractColumns = (
    contracts::id,
    contracts::project_id,
    contracts::purchaser_id,
    contracts::contractor_id,
    contracts::number,
    contracts::amount_fen,
    contracts::service_start,
    contracts::service_end,
    contracts::status,
);

const CONTRACT_COLUMNS: ContractColumns = (
    contracts::id,
    contracts::project_id,
    contracts::purchaser_id,
    contracts::contractor_id,
    contracts::number,
    contracts::amount_fen,
    contracts::service_start,
    contracts::service_end,
    contracts::status,
);

/// A contract, or `404`.
pub fn contract(conn: &mut AnyConnection, id: i64) -> AppResult<ContractLite> {
    contracts::table
        .find(id)
        .select(CONTRACT_COLUMNS)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("合同 {id} 不存在")))
}

/// Active contracts whose service has begun by `today`, by id.
pub fn active_started(
    conn: &mut AnyConnection,
    today: NaiveDate,
) -> QueryResult<Vec<ContractLite>> {
    contracts::table
        .filter(contracts::status.eq(ACTIVE))
        .filter(contracts::service_start.le(today))
        .order(contracts::id.asc())
        .select(CONTRACT_COLUMNS)
        .load(conn)
}

/// A `performance_evaluations` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct EvaluationRow {
    /// Id.
    pub id: i64,
    /// Contract.
    pub contract_id: i64,
    /// `midterm | final`.
    pub kind: String,
    /// `open | graded`.
    pub status: String,
    /// Opened (UTC).
    pub opened_at: NaiveDateTime,
    /// The officer who opened it by hand (None for the job).
    pub opened_by: Option<i64>,
    /// Total in hundredths, once graded.
    pub total_centi: Option<i64>,
    /// `excellent | good | pass | fail`, once graded.
    pub grade: Option<String>,
    /// Graded (UTC).
    pub graded_at: Option<NaiveDateTime>,
}

impl EvaluationRow {
    /// The kind (always known, given the table's CHECK).
    pub fn kind(&self) -> AppResult<EvaluationKind> {
        EvaluationKind::parse(&self.kind).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "evaluation {} has kind {}",
                self.id,
                self.kind
            ))
        })
    }
}

/// An evaluation, or `404`.
pub fn get(conn: &mut AnyConnection, id: i64) -> AppResult<EvaluationRow> {
    performance_evaluations::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("绩效评价 {id} 不存在")))
}

/// The evaluations of a contract, mid-term first.
pub fn of_contract(conn: &mut AnyConnection, contract_id: i64) -> QueryResult<Vec<EvaluationRow>> {
    performance_evaluations::table
        .filter(performance_evaluations::contract_id.eq(contract_id))
        .order(performance_evaluations::id.asc())
        .load(conn)
}

/// Whether the contract already has an evaluation of this kind.
pub fn exists(
    conn: &mut AnyConnection,
    contract_id: i64,
    kind: EvaluationKind,
) -> QueryResult<bool> {
    let n: i64 = performance_evaluations::table
        .filter(performance_evaluations::contract_id.eq(contract_id))
        .filter(performance_evaluations::kind.eq(kind.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Inserts an open evaluation (the caller handles the unique violation).
pub fn insert(
    conn: &mut AnyConnection,
    contract_id: i64,
    kind: EvaluationKind,
    opened_by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<EvaluationRow> {
    diesel::insert_into(performance_evaluations::table)
        .values((
            performance_evaluations::contract_id.eq(contract_id),
            performance_evaluations::kind.eq(kind.as_str()),
            performance_evaluations::status.eq(OPEN),
            performance_evaluations::opened_at.eq(now),
            performance_evaluations::opened_by.eq(opened_by),
        ))
        .returning(performance_evaluations::all_columns)
        .get_result(conn)
}

/// A conditional no-op update proving the evaluation is still open; on PostgreSQL it takes
/// the row lock, so that evaluator changes and the last score sheet cannot interleave.
/// `false` when it is no longer open.
pub fn lock_open(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        performance_evaluations::table
            .find(id)
            .filter(performance_evaluations::status.eq(OPEN)),
    )
    .set(performance_evaluations::status.eq(OPEN))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records the total and grade of an open evaluation; `false` when it was not open.
pub fn set_graded(
    conn: &mut AnyConnection,
    id: i64,
    total_centi: i64,
    grade: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        performance_evaluations::table
            .find(id)
            .filter(performance_evaluations::status.eq(OPEN)),
    )
    .set((
        performance_evaluations::status.eq(GRADED),
        performance_evaluations::total_centi.eq(Some(total_centi)),
        performance_evaluations::grade.eq(Some(grade)),
        performance_evaluations::graded_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// An assigned evaluator.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AssigneeRow {
    /// User id.
    pub id: i64,
    /// Display name.
    pub display_name: String,
    /// The organization the evaluator is linked to, if any.
    pub contractor_id: Option<i64>,
}

/// The evaluators assigned to an evaluation, by user id.
pub fn assignees(conn: &mut AnyConnection, evaluation_id: i64) -> QueryResult<Vec<AssigneeRow>> {
    evaluation_assignments::table
        .inner_join(users::table.on(users::id.eq(evaluation_assignments::evaluator_id)))
        .filter(evaluation_assignments::evaluation_id.eq(evaluation_id))
        .order(users::id.asc())
        .select((users::id, users::display_name, users::contractor_id))
        .load(conn)
}

/// Whether `user_id` is assigned to the evaluation.
pub fn is_assigned(
    conn: &mut AnyConnection,
    evaluation_id: i64,
    user_id: i64,
) -> QueryResult<bool> {
    let n: i64 = evaluation_assignments::table
        .filter(evaluation_assignments::evaluation_id.eq(evaluation_id))
        .filter(evaluation_assignments::evaluator_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The evaluations `user_id` is assigned to, newest first.
pub fn assigned_to(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Vec<EvaluationRow>> {
    performance_evaluations::table
        .inner_join(
            evaluation_assignments::table
                .on(evaluation_assignments::evaluation_id.eq(performance_evaluations::id)),
        )
        .filter(evaluation_assignments::evaluator_id.eq(user_id))
        .order(performance_evaluations::id.desc())
        .select(performance_evaluations::all_columns)
        .load(conn)
}

/// Replaces the assigned evaluators.
pub fn replace_assignees(
    conn: &mut AnyConnection,
    evaluation_id: i64,
    evaluator_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(
        evaluation_assignments::table
            .filter(evaluation_assignments::evaluation_id.eq(evaluation_id)),
    )
    .execute(conn)?;
    for id in evaluator_ids {
        diesel::insert_into(evaluation_assignments::table)
            .values((
                evaluation_assignments::evaluation_id.eq(evaluation_id),
                evaluation_assignments::evaluator_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether any score exists for the evaluation.
pub fn any_score(conn: &mut AnyConnection, evaluation_id: i64) -> QueryResult<bool> {
    let n: i64 = evaluation_scores::table
        .filter(evaluation_scores::evaluation_id.eq(evaluation_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A score: (evaluator, indicator code, hundredths).
pub type ScoreLine = (i64, String, i64);

/// Every score of an evaluation.
pub fn scores(conn: &mut AnyConnection, evaluation_id: i64) -> QueryResult<Vec<ScoreLine>> {
    evaluation_scores::table
        .filter(evaluation_scores::evaluation_id.eq(evaluation_id))
        .order(evaluation_scores::id.asc())
        .select((
            evaluation_scores::evaluator_id,
            evaluation_scores::indicator_code,
            evaluation_scores::points_centi,
        ))
        .load(conn)
}

/// Replaces one evaluator's score sheet.
pub fn replace_scores(
    conn: &mut AnyConnection,
    evaluation_id: i64,
    evaluator_id: i64,
    points: &[(String, i64)],
    comment: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        evaluation_scores::table
            .filter(evaluation_scores::evaluation_id.eq(evaluation_id))
            .filter(evaluation_scores::evaluator_id.eq(evaluator_id)),
    )
    .execute(conn)?;
    for (code, centi) in points {
        diesel::insert_into(evaluation_scores::table)
            .values((
                evaluation_scores::evaluation_id.eq(evaluation_id),
                evaluation_scores::evaluator_id.eq(evaluator_id),
                evaluation_scores::indicator_code.eq(code),
                evaluation_scores::points_centi.eq(centi),
                evaluation_scores::comment.eq(comment),
                evaluation_scores::scored_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn midpoint_rounds_down() {
        // 364 days: the midpoint is 182 days after the start.
        assert_eq!(
            EvaluationKind::Midterm.due_on(d(2026, 7, 1), d(2027, 6, 30)),
            d(2026, 12, 30)
        );
        // 3 days: floor(1.5) = 1.
        assert_eq!(
            EvaluationKind::Midterm.due_on(d(2026, 1, 1), d(2026, 1, 4)),
            d(2026, 1, 2)
        );
        assert_eq!(
            EvaluationKind::Final.due_on(d(2026, 7, 1), d(2027, 6, 30)),
            d(2027, 6, 30)
        );
    }

    #[test]
    fn kinds_parse() {
        for k in EvaluationKind::ALL {
            assert_eq!(EvaluationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EvaluationKind::parse("annual"), None);
    }
}
