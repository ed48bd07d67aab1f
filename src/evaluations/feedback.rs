//! Feedback of a graded evaluation (绩效评价结果应用, DOMAIN §7), applied in the grading
//! transaction:
//!
//! - mid-term ≥ 合格: every `after_midterm_evaluation` installment still `scheduled` becomes
//!   `due` in full; below 合格 it is `withheld`;
//! - final 优秀/良好: every `after_final_evaluation` installment `due` in full; 合格: `due`
//!   with `payable_fen = amount_fen × total %` (half-up to the 分), the rest withheld and
//!   stated in `note`; 不合格: `withheld`, and the contractor barred for the next calendar
//!   year (`contractor_bars`, which the `not_barred` qualification check reads);
//! - final 优秀/良好: a `priority` mark on the contractor.
//!
//! Installments already `due`, `paid` or `withheld` are left alone, so a feedback is applied
//! once.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use super::model::{ContractLite, EvaluationKind};
use crate::clock::shanghai_date;
use crate::db::schema::{contractor_bars, contractor_marks, payments};
use crate::db::{AnyConnection, is_unique_violation, write_tx};
use crate::disclosure::bodies::amount_text;
use crate::domain::grades::Grade;
use crate::domain::money::{from_fen, round_half_up};
use crate::error::{AppError, AppResult};

/// The payment condition a mid-term evaluation releases.
pub const AFTER_MIDTERM: &str = "after_midterm_evaluation";
/// The payment condition a final evaluation releases.
pub const AFTER_FINAL: &str = "after_final_evaluation";
/// The mark kind of a contractor graded 优秀 or 良好 in a final evaluation.
pub const PRIORITY: &str = "priority";

/// What a feedback did: sentences for the notice and a summary for the audit row.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// One Chinese sentence per consequence (结果应用).
    pub sentences: Vec<String>,
    /// `{payments: [{id, status, payable_fen}], barred_year, priority}`.
    pub summary: Value,
}

/// The part of an installment payable after a final 合格: `amount × total / 100`, rounded
/// half-up to the 分 (total 75.50 pays 75.50 %). `None` on overflow.
pub fn partial_payable_fen(amount_fen: i64, total: Decimal) -> Option<i64> {
    let amount = Decimal::from(amount_fen);
    let share = amount
        .checked_mul(total)?
        .checked_div(Decimal::ONE_HUNDRED)?;
    round_half_up(share, 0).to_i64()
}

/// One installment the feedback moves.
#[derive(Debug, Clone, Queryable)]
struct Installment {
    id: i64,
    name: String,
    amount_fen: i64,
}

/// Applies the feedback of a graded evaluation; call inside the grading [`write_tx`].
pub fn apply(
    conn: &mut AnyConnection,
    contract: &ContractLite,
    evaluation_id: i64,
    kind: EvaluationKind,
    grade: Grade,
    total: Decimal,
    now: NaiveDateTime,
) -> AppResult<Applied> {
    let condition = match kind {
        EvaluationKind::Midterm => AFTER_MIDTERM,
        EvaluationKind::Final => AFTER_FINAL,
    };
    let installments: Vec<Installment> = payments::table
        .filter(payments::contract_id.eq(contract.id))
        .filter(payments::condition.eq(condition))
        .filter(payments::status.eq("scheduled"))
        .order(payments::position.asc())
        .select((payments::id, payments::name, payments::amount_fen))
        .load(conn)?;
    let mut sentences = Vec::new();
    let mut moved = Vec::new();
    let total_text = format!("{total:.2}");
    for inst in &installments {
        let (status, payable, note, sentence) = match (kind, grade) {
            (EvaluationKind::Midterm, Grade::Fail) => (
                "withheld",
                0,
                Some(format!("中期绩效评价不合格（{total_text}分），暂缓支付")),
                format!(
                    "中期评价不合格，{}{}暂缓支付。",
                    inst.name,
                    amount_text(from_fen(inst.amount_fen))
                ),
            ),
            (EvaluationKind::Midterm, _)
            | (EvaluationKind::Final, Grade::Excellent | Grade::Good) => (
                "due",
                inst.amount_fen,
                None,
                format!(
                    "{}{}全额支付。",
                    inst.name,
                    amount_text(from_fen(inst.amount_fen))
                ),
            ),
            (EvaluationKind::Final, Grade::Pass) => {
                let payable = partial_payable_fen(inst.amount_fen, total).ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("payable of payment {} overflows", inst.id))
                })?;
                let rest = inst.amount_fen - payable;
                (
                    "due",
                    payable,
                    Some(format!(
                        "终期绩效评价合格（{total_text}分），按{total_text}%支付{}，其余{}不予支付",
                        amount_text(from_fen(payable)),
                        amount_text(from_fen(rest))
                    )),
                    format!(
                        "终期评价合格，{}按总分比例（{total_text}%）支付{}，其余{}不予支付。",
                        inst.name,
                        amount_text(from_fen(payable)),
                        amount_text(from_fen(rest))
                    ),
                )
            }
            (EvaluationKind::Final, Grade::Fail) => (
                "withheld",
                0,
                Some(format!("终期绩效评价不合格（{total_text}分），不予支付")),
                format!(
                    "终期评价不合格，{}{}不予支付。",
                    inst.name,
                    amount_text(from_fen(inst.amount_fen))
                ),
            ),
        };
        let due_at = (status == "due").then_some(now);
        diesel::update(
            payments::table
                .find(inst.id)
                .filter(payments::status.eq("scheduled")),
        )
        .set((
            payments::status.eq(status),
            payments::payable_fen.eq(Some(payable)),
            payments::due_at.eq(due_at),
            payments::note.eq(note),
        ))
        .execute(conn)?;
        sentences.push(sentence);
        moved.push(json!({ "id": inst.id, "status": status, "payable_fen": payable }));
    }
    let mut barred_year = None;
    let mut priority = false;
    if kind == EvaluationKind::Final {
        match grade {
            Grade::Fail => {
                let year = shanghai_date(now).year() + 1;
                bar(conn, contract.contractor_id, year, &total_text, now)?;
                sentences.push(format!(
                    "承接主体{year}年度不得承接政府购买社会工作服务项目。"
                ));
                barred_year = Some(year);
            }
            Grade::Excellent | Grade::Good => {
                diesel::insert_into(contractor_marks::table)
                    .values((
                        contractor_marks::contractor_id.eq(contract.contractor_id),
                        contractor_marks::kind.eq(PRIORITY),
                        contractor_marks::evaluation_id.eq(Some(evaluation_id)),
                        contractor_marks::reason.eq(format!(
                            "合同{}终期绩效评价{}（{total_text}分）",
                            contract.number,
                            grade.label()
                        )),
                        contractor_marks::created_at.eq(now),
                    ))
                    .execute(conn)?;
                sentences.push("承接主体在同等条件下优先承接政府购买社会工作服务项目。".to_owned());
                priority = true;
            }
            Grade::Pass => {}
        }
    }
    if sentences.is_empty() {
        sentences.push("无。".to_owned());
    }
    Ok(Applied {
        sentences,
        summary: json!({ "payments": moved, "barred_year": barred_year, "priority": priority }),
    })
}

/// Bars a contractor for `year`, once: a bar already recorded for that year (by another
/// failed contract) stays as it is. The insert runs in a savepoint so that a unique violation
/// leaves the caller's PostgreSQL transaction usable.
fn bar(
    conn: &mut AnyConnection,
    contractor_id: i64,
    year: i32,
    total_text: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let existing: i64 = contractor_bars::table
        .filter(contractor_bars::contractor_id.eq(contractor_id))
        .filter(contractor_bars::year.eq(year))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Ok(());
    }
    let inserted = write_tx(conn, |conn| {
        diesel::insert_into(contractor_bars::table)
            .values((
                contractor_bars::contractor_id.eq(contractor_id),
                contractor_bars::year.eq(year),
                contractor_bars::reason.eq(format!(
                    "终期绩效评价不合格（{total_text}分），{year}年度不得承接"
                )),
                contractor_bars::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn partial_payment_is_the_score_percent_rounded_half_up() {
        assert_eq!(
            partial_payable_fen(40_000_000, dec!(75.50)),
            Some(30_200_000)
        );
        assert_eq!(
            partial_payable_fen(40_000_000, dec!(60.00)),
            Some(24_000_000)
        );
        // 40,000,001 × 79.99 % = 31,996,000.7999 → 31,996,001.
        assert_eq!(
            partial_payable_fen(40_000_001, dec!(79.99)),
            Some(31_996_001)
        );
        // 150 × 61.00 % = 91.5 → 92 (half-up).
        assert_eq!(partial_payable_fen(150, dec!(61.00)), Some(92));
    }
}
