//! What a user is mailed: every [`Kind`] of notification, which of them the law or the
//! contract makes mandatory, and the optional ones each user has turned off
//! (`notification_opt_outs`, one row per user and kind).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::schema::notification_opt_outs;
use crate::db::{AnyConnection, write_tx};
use crate::error::{AppError, AppResult, FieldErrors};

/// A kind of notification, as a user sees it in the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A tender published in a service domain the contractor serves.
    TenderPublished,
    /// The receipt of a submitted bid.
    BidReceived,
    /// The bids of a project were opened (to its officers).
    BidsOpened,
    /// Whether a bid passed the qualification check at opening.
    QualificationResult,
    /// Awarded or not awarded, with the challenge deadline (mandatory).
    AwardResult,
    /// A challenge was filed (to the officers).
    ChallengeFiled,
    /// The answer to a challenge (mandatory).
    ChallengeAnswered,
    /// A contract is ready to be signed (mandatory).
    ContractToSign,
    /// A contract was signed by both parties.
    ContractSigned,
    /// A monthly report was returned.
    ReportReturned,
    /// A monthly report is missing (mandatory).
    ReportMissing,
    /// The user was assigned to a performance evaluation.
    EvaluationAssigned,
    /// A performance evaluation was graded.
    EvaluationGraded,
    /// An installment became due (to the officers).
    PaymentDue,
    /// An installment was paid (to the contractor).
    PaymentPaid,
    /// A notice is due tomorrow, today, or overdue (to the officers).
    NoticeReminder,
}

impl Kind {
    /// Every kind, in profile order.
    pub const ALL: [Kind; 16] = [
        Kind::TenderPublished,
        Kind::BidReceived,
        Kind::BidsOpened,
        Kind::QualificationResult,
        Kind::AwardResult,
        Kind::ChallengeFiled,
        Kind::ChallengeAnswered,
        Kind::ContractToSign,
        Kind::ContractSigned,
        Kind::ReportReturned,
        Kind::ReportMissing,
        Kind::EvaluationAssigned,
        Kind::EvaluationGraded,
        Kind::PaymentDue,
        Kind::PaymentPaid,
        Kind::NoticeReminder,
    ];

    /// The stable code, used in the API and in `notification_opt_outs.kind`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::TenderPublished => "tender_published",
            Kind::BidReceived => "bid_received",
            Kind::BidsOpened => "bids_opened",
            Kind::QualificationResult => "qualification_result",
            Kind::AwardResult => "award_result",
            Kind::ChallengeFiled => "challenge_filed",
            Kind::ChallengeAnswered => "challenge_answered",
            Kind::ContractToSign => "contract_to_sign",
            Kind::ContractSigned => "contract_signed",
            Kind::ReportReturned => "report_returned",
            Kind::ReportMissing => "report_missing",
            Kind::EvaluationAssigned => "evaluation_assigned",
            Kind::EvaluationGraded => "evaluation_graded",
            Kind::PaymentDue => "payment_due",
            Kind::PaymentPaid => "payment_paid",
            Kind::NoticeReminder => "notice_reminder",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// What it is, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Kind::TenderPublished => "本机构服务领域的采购公告",
            Kind::BidReceived => "投标回执",
            Kind::BidsOpened => "开标完成（采购人经办人）",
            Kind::QualificationResult => "开标资格审查结果",
            Kind::AwardResult => "中标、未中标结果",
            Kind::ChallengeFiled => "收到质疑（采购人经办人）",
            Kind::ChallengeAnswered => "质疑答复",
            Kind::ContractToSign => "合同待签订",
            Kind::ContractSigned => "合同已签订",
            Kind::ReportReturned => "月度服务报告被退回",
            Kind::ReportMissing => "月度服务报告未提交提醒",
            Kind::EvaluationAssigned => "绩效评价任务指派",
            Kind::EvaluationGraded => "绩效评价结果",
            Kind::PaymentDue => "合同款项待支付（采购人经办人）",
            Kind::PaymentPaid => "合同款项已支付",
            Kind::NoticeReminder => "公告明日到期或已逾期提醒（采购人经办人）",
        }
    }

    /// Whether the law or the contract depends on it, so that it cannot be turned off.
    pub fn mandatory(self) -> bool {
        matches!(
            self,
            Kind::AwardResult
                | Kind::ChallengeAnswered
                | Kind::ContractToSign
                | Kind::ReportMissing
        )
    }
}

/// One kind in a user's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KindPreference {
    /// The kind's code, e.g. `tender_published`.
    pub kind: String,
    /// What it is, in Chinese.
    pub label: String,
    /// Whether the user receives it.
    pub enabled: bool,
    /// Whether it can be turned off (`false`) or not (`true`).
    pub mandatory: bool,
}

/// A user's notification preferences, every kind in profile order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Preferences {
    /// Every kind with its state.
    pub kinds: Vec<KindPreference>,
}

/// `PUT /api/v1/me/notifications`: the kinds to change, by code; kinds left out keep their
/// state.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    /// `{"tender_published": false, "payment_paid": true}`.
    pub kinds: BTreeMap<String, bool>,
}

/// The kinds `user_id` has turned off.
fn opted_out(conn: &mut AnyConnection, user_id: i64) -> QueryResult<BTreeSet<String>> {
    Ok(notification_opt_outs::table
        .filter(notification_opt_outs::user_id.eq(user_id))
        .select(notification_opt_outs::kind)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Whether `user_id` receives `kind`: always for a mandatory kind, else unless turned off.
pub fn wants(conn: &mut AnyConnection, user_id: i64, kind: Kind) -> QueryResult<bool> {
    if kind.mandatory() {
        return Ok(true);
    }
    let off: i64 = notification_opt_outs::table
        .filter(notification_opt_outs::user_id.eq(user_id))
        .filter(notification_opt_outs::kind.eq(kind.code()))
        .count()
        .get_result(conn)?;
    Ok(off == 0)
}

/// The preferences of `user_id`.
pub fn get(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Preferences> {
    let off = opted_out(conn, user_id)?;
    Ok(Preferences {
        kinds: Kind::ALL
            .into_iter()
            .map(|k| KindPreference {
                kind: k.code().to_owned(),
                label: k.label().to_owned(),
                enabled: k.mandatory() || !off.contains(k.code()),
                mandatory: k.mandatory(),
            })
            .collect(),
    })
}

/// Checks every change first (an unknown kind, or turning off a mandatory one, is a field
/// error `kinds.<code>`, and nothing changes); then stores them in one transaction with an
/// audit row. Returns the new preferences.
pub fn set(
    conn: &mut AnyConnection,
    actor: &Actor,
    user_id: i64,
    now: NaiveDateTime,
    input: &PreferencesInput,
) -> AppResult<Preferences> {
    let mut errors = FieldErrors::new();
    let mut changes = Vec::with_capacity(input.kinds.len());
    for (code, &enabled) in &input.kinds {
        let field = format!("kinds.{code}");
        match Kind::parse(code) {
            None => {
                errors
                    .entry(field)
                    .or_default()
                    .push("没有这种通知".to_owned());
            }
            Some(kind) if kind.mandatory() && !enabled => {
                errors.entry(field).or_default().push(format!(
                    "「{}」是依法或依合同必须送达的通知，不能关闭",
                    kind.label()
                ));
            }
            Some(kind) => changes.push((kind, enabled)),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        let before = get(conn, user_id)?;
        for (kind, enabled) in &changes {
            if kind.mandatory() {
                continue;
            }
            diesel::delete(
                notification_opt_outs::table
                    .filter(notification_opt_outs::user_id.eq(user_id))
                    .filter(notification_opt_outs::kind.eq(kind.code())),
            )
            .execute(conn)?;
            if !enabled {
                diesel::insert_into(notification_opt_outs::table)
                    .values((
                        notification_opt_outs::user_id.eq(user_id),
                        notification_opt_outs::kind.eq(kind.code()),
                        notification_opt_outs::created_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        let after = get(conn, user_id)?;
        let disabled = |p: &Preferences| -> Vec<String> {
            p.kinds
                .iter()
                .filter(|k| !k.enabled)
                .map(|k| k.kind.clone())
                .collect()
        };
        audit::record(
            conn,
            actor,
            "user.notification_preferences",
            "user",
            &user_id.to_string(),
            Some(&json!({ "disabled": disabled(&before) })),
            Some(&json!({ "disabled": disabled(&after) })),
        )?;
        Ok(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_exactly_four_kinds_are_mandatory() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.code()), Some(kind));
            assert!(!kind.label().is_empty());
        }
        let mandatory: Vec<&str> = Kind::ALL
            .into_iter()
            .filter(|k| k.mandatory())
            .map(Kind::code)
            .collect();
        assert_eq!(
            mandatory,
            [
                "award_result",
                "challenge_answered",
                "contract_to_sign",
                "report_missing"
            ]
        );
        assert_eq!(Kind::parse("nope"), None);
    }
}
