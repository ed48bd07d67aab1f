//! Who is mailed what, for each event. Every function here runs inside the event's own
//! transaction (the caller's `write_tx`), reads what it needs, renders the email of
//! [`super::templates`] for each recipient and queues it with [`super::outbox::enqueue`]
//! under a dedup key derived from the event and the recipient, so a retried request or job
//! never queues a message twice. Optional kinds a recipient has turned off
//! ([`super::preferences`]) are not queued.
//!
//! Recipients are active users with an email address: "the contractor" is every active
//! `contractor` user of the organization, "the officers" every active `officer` of the
//! purchaser.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::outbox::{NewEmail, enqueue, is_queued};
use super::preferences::{Kind, wants};
use super::templates::{self as t, Email};
use crate::clock::shanghai_date;
use crate::db::AnyConnection;
use crate::db::schema::{
    audit_log, awards, bids, contractors, contracts, payments, projects, purchasers, tenders, users,
};
use crate::disclosure::bodies::date_text;
use crate::domain::money::{format_yuan, from_fen};
use crate::error::{AppError, AppResult};
use crate::procurement::tenders::service::zh_datetime;

/// A user to mail.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Recipient {
    /// User id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// Every active user of the contractor organization.
pub fn contractor_users(conn: &mut AnyConnection, contractor_id: i64) -> AppResult<Vec<Recipient>> {
    Ok(users::table
        .filter(users::contractor_id.eq(contractor_id))
        .filter(users::role.eq("contractor"))
        .filter(users::active.eq(true))
        .filter(users::email.ne(""))
        .order(users::id.asc())
        .select((users::id, users::display_name, users::email))
        .load(conn)?)
}

/// Every active officer of the purchaser.
pub fn officers(conn: &mut AnyConnection, purchaser_id: i64) -> AppResult<Vec<Recipient>> {
    Ok(users::table
        .filter(users::purchaser_id.eq(purchaser_id))
        .filter(users::role.eq("officer"))
        .filter(users::active.eq(true))
        .filter(users::email.ne(""))
        .order(users::id.asc())
        .select((users::id, users::display_name, users::email))
        .load(conn)?)
}

/// Active users among `ids`.
fn active_users(conn: &mut AnyConnection, ids: &[i64]) -> AppResult<Vec<Recipient>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .filter(users::active.eq(true))
        .filter(users::email.ne(""))
        .order(users::id.asc())
        .select((users::id, users::display_name, users::email))
        .load(conn)?)
}

/// Renders `email` and queues it to `to` under `key`, unless `to` turned `kind` off or the
/// key was queued before. Returns whether a row was queued.
fn send<E: Email>(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    kind: Kind,
    outbox_kind: &str,
    key: &str,
    to: &Recipient,
    email: &E,
) -> AppResult<bool> {
    if !wants(conn, to.id, kind)? {
        return Ok(false);
    }
    queue(conn, now, outbox_kind, key, to, email)
}

/// [`send`] to a recipient known to want the email: renders and queues it unless the key was
/// queued before. A job that runs again finds most keys queued already, so the key is looked
/// up before the email is rendered.
fn queue<E: Email>(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    outbox_kind: &str,
    key: &str,
    to: &Recipient,
    email: &E,
) -> AppResult<bool> {
    if is_queued(conn, key)? {
        return Ok(false);
    }
    let rendered = email.render().map_err(AppError::internal)?;
    let id = enqueue(
        conn,
        now,
        &NewEmail {
            kind: outbox_kind,
            dedup_key: Some(key),
            to_address: &to.email,
            to_user_id: Some(to.id),
            subject: &rendered.subject,
            body_text: &rendered.body,
            body_html: None,
        },
    )?;
    Ok(id.is_some())
}

/// An amount in 分 as `¥1,234.50` (`format_yuan` writes the sign).
fn yuan(fen: i64) -> String {
    format_yuan(from_fen(fen))
}

/// (title, number, purchaser id, domain) of a project.
fn project_bits(conn: &mut AnyConnection, id: i64) -> AppResult<(String, String, i64, String)> {
    Ok(projects::table
        .find(id)
        .select((
            projects::title,
            projects::number,
            projects::purchaser_id,
            projects::domain_code,
        ))
        .first(conn)?)
}

fn contractor_name(conn: &mut AnyConnection, id: i64) -> AppResult<String> {
    Ok(contractors::table
        .find(id)
        .select(contractors::name)
        .first(conn)?)
}

fn purchaser_name(conn: &mut AnyConnection, id: i64) -> AppResult<String> {
    Ok(purchasers::table
        .find(id)
        .select(purchasers::name)
        .first(conn)?)
}

// ------------------------------------------------------------------------- procurement

/// A tender was published: every qualified contractor serving the project's domain (for an
/// invitation tender, the invited ones only) is told. Key `tender_published:{tender}:{user}`.
pub fn tender_published(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    tender_id: i64,
) -> AppResult<()> {
    let tender = tenders::table
        .find(tender_id)
        .select(tenders::all_columns)
        .first::<crate::procurement::tenders::model::TenderRow>(conn)?;
    let (title, number, purchaser_id, domain) = project_bits(conn, tender.project_id)?;
    let invited = crate::procurement::tenders::model::invited(conn, tender_id)?;
    let candidates: Vec<(i64, String, bool)> = contractors::table
        .filter(contractors::status.eq("qualified"))
        .order(contractors::id.asc())
        .select((
            contractors::id,
            contractors::service_domains,
            contractors::on_dishonest_list,
        ))
        .load(conn)?;
    let purchaser = purchaser_name(conn, purchaser_id)?;
    for (contractor_id, domains, dishonest) in candidates {
        let serves = domains.split(',').any(|d| d.trim() == domain);
        let addressed = if invited.is_empty() {
            serves && !dishonest
        } else {
            invited.contains(&contractor_id)
        };
        if !addressed {
            continue;
        }
        for to in contractor_users(conn, contractor_id)? {
            let email = t::TenderPublished {
                name: to.name.clone(),
                project_title: title.clone(),
                project_number: number.clone(),
                purchaser_name: purchaser.clone(),
                bid_deadline: zh_datetime(tender.bid_deadline),
                max_price: yuan(tender.max_price_fen),
                invited: !invited.is_empty(),
            };
            let key = format!("tender_published:{tender_id}:{}", to.id);
            send(
                conn,
                now,
                Kind::TenderPublished,
                t::TenderPublished::NAME,
                &key,
                &to,
                &email,
            )?;
        }
    }
    Ok(())
}

/// A bid was submitted or replaced: its receipt to the bidder. Key
/// `bid_received:{bid}:{receipt}:{user}` (a replaced bid has a new receipt).
pub fn bid_received(conn: &mut AnyConnection, now: NaiveDateTime, bid_id: i64) -> AppResult<()> {
    let (project_id, tender_id, contractor_id, receipt, submitted_at): (
        i64,
        i64,
        i64,
        String,
        NaiveDateTime,
    ) = bids::table
        .find(bid_id)
        .select((
            bids::project_id,
            bids::tender_id,
            bids::contractor_id,
            bids::receipt_sha256,
            bids::submitted_at,
        ))
        .first(conn)?;
    let (title, number, _, _) = project_bits(conn, project_id)?;
    let deadline: NaiveDateTime = tenders::table
        .find(tender_id)
        .select(tenders::bid_deadline)
        .first(conn)?;
    for to in contractor_users(conn, contractor_id)? {
        let email = t::BidReceived {
            name: to.name.clone(),
            project_title: title.clone(),
            project_number: number.clone(),
            receipt_sha256: receipt.clone(),
            submitted_at: zh_datetime(submitted_at),
            bid_deadline: zh_datetime(deadline),
        };
        let key = format!("bid_received:{bid_id}:{receipt}:{}", to.id);
        send(
            conn,
            now,
            Kind::BidReceived,
            t::BidReceived::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

/// The bids of a tender were opened: the officers learn the outcome (key
/// `bids_opened:{tender}:{user}`), each bidder its qualification result (key
/// `bid_qualification:{bid}:{user}`).
pub fn bids_opened(conn: &mut AnyConnection, now: NaiveDateTime, tender_id: i64) -> AppResult<()> {
    let (project_id, opened_at): (i64, Option<NaiveDateTime>) = tenders::table
        .find(tender_id)
        .select((tenders::project_id, tenders::opened_at))
        .first(conn)?;
    let (title, number, purchaser_id, _) = project_bits(conn, project_id)?;
    let (status, reason): (String, Option<String>) = projects::table
        .find(project_id)
        .select((projects::status, projects::status_reason))
        .first(conn)?;
    let opened: Vec<(i64, i64, String, Option<String>)> = bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.ne("withdrawn"))
        .order(bids::id.asc())
        .select((bids::id, bids::contractor_id, bids::status, bids::reasons))
        .load(conn)?;
    let qualified = opened.iter().filter(|b| b.2 == "qualified").count();
    let failed_reason = (status == "failed").then(|| reason.unwrap_or_default());
    for to in officers(conn, purchaser_id)? {
        let email = t::BidsOpened {
            name: to.name.clone(),
            project_title: title.clone(),
            project_number: number.clone(),
            opened_at: opened_at.map(zh_datetime).unwrap_or_default(),
            bids: opened.len(),
            qualified,
            failed_reason: failed_reason.clone(),
        };
        let key = format!("bids_opened:{tender_id}:{}", to.id);
        send(
            conn,
            now,
            Kind::BidsOpened,
            t::BidsOpened::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    for (bid_id, contractor_id, bid_status, reasons) in &opened {
        let reasons: Vec<String> = reasons
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        for to in contractor_users(conn, *contractor_id)? {
            let email = t::BidQualification {
                name: to.name.clone(),
                project_title: title.clone(),
                project_number: number.clone(),
                qualified: bid_status == "qualified",
                reasons: reasons.clone(),
            };
            let key = format!("bid_qualification:{bid_id}:{}", to.id);
            send(
                conn,
                now,
                Kind::QualificationResult,
                t::BidQualification::NAME,
                &key,
                &to,
                &email,
            )?;
        }
    }
    Ok(())
}

/// The contractors of every bid (not withdrawn) in the tender of `bid_id`.
fn bidders_of_tender_of(conn: &mut AnyConnection, bid_id: i64) -> AppResult<Vec<i64>> {
    let tender_id: i64 = bids::table
        .find(bid_id)
        .select(bids::tender_id)
        .first(conn)?;
    let mut ids: Vec<i64> = bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.ne("withdrawn"))
        .order(bids::id.asc())
        .select(bids::contractor_id)
        .load(conn)?;
    ids.dedup();
    Ok(ids)
}

/// An award was decided: the winner is told it won, every other bidder that it did not,
/// with the challenge deadline. Key `award_result:{award}:{user}`.
pub fn award_decided(conn: &mut AnyConnection, now: NaiveDateTime, award_id: i64) -> AppResult<()> {
    let award = crate::procurement::evaluation::model::award(conn, award_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("award {award_id} missing")))?;
    let (title, number, _, _) = project_bits(conn, award.project_id)?;
    let winner = contractor_name(conn, award.contractor_id)?;
    for contractor_id in bidders_of_tender_of(conn, award.bid_id)? {
        for to in contractor_users(conn, contractor_id)? {
            let key = format!("award_result:{award_id}:{}", to.id);
            if contractor_id == award.contractor_id {
                let email = t::AwardWon {
                    name: to.name.clone(),
                    project_title: title.clone(),
                    project_number: number.clone(),
                    price: yuan(award.price_fen),
                    challenge_deadline: date_text(award.challenge_deadline),
                    signing_deadline: date_text(award.signing_deadline),
                };
                send(
                    conn,
                    now,
                    Kind::AwardResult,
                    t::AwardWon::NAME,
                    &key,
                    &to,
                    &email,
                )?;
            } else {
                let email = t::AwardLost {
                    name: to.name.clone(),
                    project_title: title.clone(),
                    project_number: number.clone(),
                    winner_name: winner.clone(),
                    winner_price: yuan(award.price_fen),
                    challenge_deadline: date_text(award.challenge_deadline),
                };
                send(
                    conn,
                    now,
                    Kind::AwardResult,
                    t::AwardLost::NAME,
                    &key,
                    &to,
                    &email,
                )?;
            }
        }
    }
    Ok(())
}

/// A challenge was filed: the purchaser's officers. Key `challenge_filed:{challenge}:{user}`.
pub fn challenge_filed(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    challenge_id: i64,
) -> AppResult<()> {
    let challenge = crate::procurement::evaluation::model::challenge(conn, challenge_id)?;
    let (title, number, purchaser_id, _) = project_bits(conn, challenge.project_id)?;
    let challenger = contractor_name(conn, challenge.contractor_id)?;
    for to in officers(conn, purchaser_id)? {
        let email = t::ChallengeFiled {
            name: to.name.clone(),
            project_title: title.clone(),
            project_number: number.clone(),
            challenger_name: challenger.clone(),
            grounds: challenge.grounds.clone(),
            answer_due: date_text(challenge.answer_due),
        };
        let key = format!("challenge_filed:{challenge_id}:{}", to.id);
        send(
            conn,
            now,
            Kind::ChallengeFiled,
            t::ChallengeFiled::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

/// A challenge was answered: the challenger and every other bidder of the tender. Key
/// `challenge_answered:{challenge}:{user}`.
pub fn challenge_answered(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    challenge_id: i64,
) -> AppResult<()> {
    let challenge = crate::procurement::evaluation::model::challenge(conn, challenge_id)?;
    let (title, number, _, _) = project_bits(conn, challenge.project_id)?;
    let challenger = contractor_name(conn, challenge.contractor_id)?;
    let bid_id: i64 = awards::table
        .find(challenge.award_id)
        .select(awards::bid_id)
        .first(conn)?;
    let project_status: String = projects::table
        .find(challenge.project_id)
        .select(projects::status)
        .first(conn)?;
    let upheld = challenge.status == "upheld";
    let consequence = match (upheld, project_status.as_str()) {
        (false, _) => "原中标结果维持不变。",
        (true, "failed") => {
            "原中标结果无效，且没有其他合格投标，本次采购失败（废标），废标公告已发布。"
        }
        (true, "evaluating") => "原中标结果无效，采购人将依法从其余合格投标中重新确定中标人。",
        (true, _) => "质疑成立，采购人将依法处理。",
    };
    let mut bidders = bidders_of_tender_of(conn, bid_id)?;
    if !bidders.contains(&challenge.contractor_id) {
        bidders.push(challenge.contractor_id);
    }
    for contractor_id in bidders {
        for to in contractor_users(conn, contractor_id)? {
            let email = t::ChallengeAnswered {
                name: to.name.clone(),
                project_title: title.clone(),
                project_number: number.clone(),
                challenger_name: challenger.clone(),
                is_challenger: contractor_id == challenge.contractor_id,
                upheld,
                answer: challenge.answer.clone().unwrap_or_default(),
                consequence: consequence.to_owned(),
            };
            let key = format!("challenge_answered:{challenge_id}:{}", to.id);
            send(
                conn,
                now,
                Kind::ChallengeAnswered,
                t::ChallengeAnswered::NAME,
                &key,
                &to,
                &email,
            )?;
        }
    }
    Ok(())
}

// --------------------------------------------------------------------------- contracts

/// (number, subject, purchaser, contractor, amount 分, start, end, award) of a contract.
type ContractBits = (String, String, i64, i64, i64, NaiveDate, NaiveDate, i64);

fn contract_bits(conn: &mut AnyConnection, id: i64) -> AppResult<ContractBits> {
    Ok(contracts::table
        .find(id)
        .select((
            contracts::number,
            contracts::subject,
            contracts::purchaser_id,
            contracts::contractor_id,
            contracts::amount_fen,
            contracts::service_start,
            contracts::service_end,
            contracts::award_id,
        ))
        .first(conn)?)
}

/// A contract was drafted: the contractor is asked to sign. Key
/// `contract_to_sign:{contract}:{user}`.
pub fn contract_to_sign(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    contract_id: i64,
) -> AppResult<()> {
    let (number, subject, purchaser_id, contractor_id, amount_fen, _, _, award_id) =
        contract_bits(conn, contract_id)?;
    let deadline: NaiveDate = awards::table
        .find(award_id)
        .select(awards::signing_deadline)
        .first(conn)?;
    let purchaser = purchaser_name(conn, purchaser_id)?;
    for to in contractor_users(conn, contractor_id)? {
        let email = t::ContractToSign {
            name: to.name.clone(),
            contract_number: number.clone(),
            subject: subject.clone(),
            purchaser_name: purchaser.clone(),
            amount: yuan(amount_fen),
            signing_deadline: date_text(deadline),
        };
        let key = format!("contract_to_sign:{contract_id}:{}", to.id);
        send(
            conn,
            now,
            Kind::ContractToSign,
            t::ContractToSign::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

/// Both parties signed: the contractor and the officers. Key
/// `contract_signed:{contract}:{user}`.
pub fn contract_signed(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    contract_id: i64,
) -> AppResult<()> {
    let (number, subject, purchaser_id, contractor_id, amount_fen, start, end, _) =
        contract_bits(conn, contract_id)?;
    let mut recipients = contractor_users(conn, contractor_id)?;
    recipients.extend(officers(conn, purchaser_id)?);
    for to in recipients {
        let email = t::ContractSigned {
            name: to.name.clone(),
            contract_number: number.clone(),
            subject: subject.clone(),
            amount: yuan(amount_fen),
            service_period: format!("{}至{}", date_text(start), date_text(end)),
        };
        let key = format!("contract_signed:{contract_id}:{}", to.id);
        send(
            conn,
            now,
            Kind::ContractSigned,
            t::ContractSigned::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

/// Every `due` installment of the contract: the officers are asked to pay it. Key
/// `payment_due:{payment}:{user}`, so calling this after each change mails each installment
/// once.
pub fn payments_due(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    contract_id: i64,
) -> AppResult<()> {
    let (number, subject, purchaser_id, contractor_id, _, _, _, _) =
        contract_bits(conn, contract_id)?;
    let due: Vec<(i64, String, i64, Option<i64>)> = payments::table
        .filter(payments::contract_id.eq(contract_id))
        .filter(payments::status.eq("due"))
        .order(payments::position.asc())
        .select((
            payments::id,
            payments::name,
            payments::amount_fen,
            payments::payable_fen,
        ))
        .load(conn)?;
    if due.is_empty() {
        return Ok(());
    }
    let contractor = contractor_name(conn, contractor_id)?;
    let recipients = officers(conn, purchaser_id)?;
    for (payment_id, installment, amount_fen, payable_fen) in due {
        for to in &recipients {
            let email = t::PaymentDue {
                name: to.name.clone(),
                contract_number: number.clone(),
                subject: subject.clone(),
                contractor_name: contractor.clone(),
                installment_name: installment.clone(),
                amount: yuan(payable_fen.unwrap_or(amount_fen)),
            };
            let key = format!("payment_due:{payment_id}:{}", to.id);
            send(
                conn,
                now,
                Kind::PaymentDue,
                t::PaymentDue::NAME,
                &key,
                to,
                &email,
            )?;
        }
    }
    Ok(())
}

/// An installment was paid: the contractor. Key `payment_paid:{payment}:{user}`.
pub fn payment_paid(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    payment_id: i64,
) -> AppResult<()> {
    let payment = crate::contracts::model::payment(conn, payment_id)?;
    let (number, subject, _, contractor_id, _, _, _, _) = contract_bits(conn, payment.contract_id)?;
    for to in contractor_users(conn, contractor_id)? {
        let email = t::PaymentPaid {
            name: to.name.clone(),
            contract_number: number.clone(),
            subject: subject.clone(),
            installment_name: payment.name.clone(),
            amount: yuan(payment.payable_fen.unwrap_or(payment.amount_fen)),
            paid_on: date_text(shanghai_date(payment.paid_at.unwrap_or(now))),
        };
        let key = format!("payment_paid:{payment_id}:{}", to.id);
        send(
            conn,
            now,
            Kind::PaymentPaid,
            t::PaymentPaid::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

/// A monthly report was returned: the contractor. The key
/// `report_returned:{report}:{n}:{user}` carries how many times the report has been
/// returned (counted from the audit trail, this return included), so each return mails once
/// and a later return mails again. Call after the return's audit row.
pub fn report_returned(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    report_id: i64,
) -> AppResult<()> {
    let report = crate::contracts::delivery::model::report(conn, report_id)?;
    let (number, subject, _, contractor_id, _, _, _, _) = contract_bits(conn, report.contract_id)?;
    let returns: i64 = audit_log::table
        .filter(audit_log::entity_type.eq("service_report"))
        .filter(audit_log::entity_id.eq(report_id.to_string()))
        .filter(audit_log::action.eq("report.return"))
        .count()
        .get_result(conn)?;
    for to in contractor_users(conn, contractor_id)? {
        let email = t::ReportReturned {
            name: to.name.clone(),
            contract_number: number.clone(),
            subject: subject.clone(),
            period: report.period.clone(),
            comment: report.review_comment.clone().unwrap_or_default(),
        };
        let key = format!("report_returned:{report_id}:{returns}:{}", to.id);
        send(
            conn,
            now,
            Kind::ReportReturned,
            t::ReportReturned::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

/// A contract whose service report of a month is missing, as its reminder names it.
#[derive(Debug, Clone, Copy)]
pub struct MissingReport<'a> {
    /// The contract.
    pub contract_id: i64,
    /// Its number.
    pub number: &'a str,
    /// Its subject.
    pub subject: &'a str,
    /// Its contractor.
    pub contractor_id: i64,
}

/// The reports of `period` (`YYYY-MM`) are missing: each contract's contractor, in one job
/// run. Key `report_missing:{contract}:{period}:{user}`. The run reaches thousands of
/// contracts of far fewer contractors, so each contractor's users (those who want the
/// reminder) are looked up once for the run.
#[derive(Debug)]
pub struct ReportReminders<'p> {
    now: NaiveDateTime,
    period: &'p str,
    recipients: HashMap<i64, Vec<Recipient>>,
}

impl<'p> ReportReminders<'p> {
    /// Reminders of `period`, queued at `now`.
    pub fn new(now: NaiveDateTime, period: &'p str) -> ReportReminders<'p> {
        ReportReminders {
            now,
            period,
            recipients: HashMap::new(),
        }
    }

    /// Queues `missing`'s reminder to each user of its contractor who wants it; returns how
    /// many were queued (none for a user reminded of this contract and month before).
    pub fn remind(
        &mut self,
        conn: &mut AnyConnection,
        missing: &MissingReport<'_>,
    ) -> AppResult<i64> {
        let recipients = match self.recipients.entry(missing.contractor_id) {
            Entry::Occupied(found) => found.into_mut(),
            Entry::Vacant(slot) => {
                let mut users = contractor_users(conn, missing.contractor_id)?;
                let mut willing = Vec::with_capacity(users.len());
                for to in users.drain(..) {
                    if wants(conn, to.id, Kind::ReportMissing)? {
                        willing.push(to);
                    }
                }
                slot.insert(willing)
            }
        };
        let mut queued = 0;
        for to in recipients.iter() {
            let email = t::ReportMissing {
                name: to.name.clone(),
                contract_number: missing.number.to_owned(),
                subject: missing.subject.to_owned(),
                period: self.period.to_owned(),
            };
            let key = format!(
                "report_missing:{}:{}:{}",
                missing.contract_id, self.period, to.id
            );
            if queue(conn, self.now, t::ReportMissing::NAME, &key, to, &email)? {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

// ------------------------------------------------------------------------- evaluations

fn evaluation_bits(
    conn: &mut AnyConnection,
    evaluation_id: i64,
) -> AppResult<(
    crate::evaluations::model::EvaluationRow,
    ContractBits,
    String,
)> {
    let row = crate::evaluations::model::get(conn, evaluation_id)?;
    let contract = contract_bits(conn, row.contract_id)?;
    let label = row.kind()?.label().to_owned();
    Ok((row, contract, label))
}

/// Evaluators were assigned: each of them. Key `evaluation_assigned:{evaluation}:{user}`
/// (an evaluator assigned again after a change is not mailed twice).
pub fn evaluation_assigned(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    evaluation_id: i64,
) -> AppResult<()> {
    let (_, (number, subject, _, contractor_id, ..), kind_label) =
        evaluation_bits(conn, evaluation_id)?;
    let contractor = contractor_name(conn, contractor_id)?;
    let ids: Vec<i64> = crate::evaluations::model::assignees(conn, evaluation_id)?
        .into_iter()
        .map(|a| a.id)
        .collect();
    for to in active_users(conn, &ids)? {
        let email = t::EvaluationAssigned {
            name: to.name.clone(),
            contract_number: number.clone(),
            subject: subject.clone(),
            contractor_name: contractor.clone(),
            kind_label: kind_label.clone(),
        };
        let key = format!("evaluation_assigned:{evaluation_id}:{}", to.id);
        send(
            conn,
            now,
            Kind::EvaluationAssigned,
            t::EvaluationAssigned::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

/// An evaluation was graded: the contractor and the officers, with its consequences. Key
/// `evaluation_graded:{evaluation}:{user}`.
pub fn evaluation_graded(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    evaluation_id: i64,
    consequences: &[String],
) -> AppResult<()> {
    let (row, (number, subject, purchaser_id, contractor_id, ..), kind_label) =
        evaluation_bits(conn, evaluation_id)?;
    let grade_label = row
        .grade
        .as_deref()
        .and_then(crate::domain::grades::Grade::parse)
        .map(|g| g.label().to_owned())
        .unwrap_or_default();
    let total = row
        .total_centi
        .map(|c| format!("{:.2}", from_fen(c)))
        .unwrap_or_default();
    let mut recipients = contractor_users(conn, contractor_id)?;
    recipients.extend(officers(conn, purchaser_id)?);
    for to in recipients {
        let email = t::EvaluationGraded {
            name: to.name.clone(),
            contract_number: number.clone(),
            subject: subject.clone(),
            kind_label: kind_label.clone(),
            total: total.clone(),
            grade_label: grade_label.clone(),
            consequences: consequences.to_vec(),
        };
        let key = format!("evaluation_graded:{evaluation_id}:{}", to.id);
        send(
            conn,
            now,
            Kind::EvaluationGraded,
            t::EvaluationGraded::NAME,
            &key,
            &to,
            &email,
        )?;
    }
    Ok(())
}

// -------------------------------------------------------------------------- disclosure

/// A notice to publish that is due tomorrow, today or overdue.
#[derive(Debug, Clone, Copy)]
pub struct NoticeDue<'a> {
    /// The purchaser that must publish it.
    pub purchaser_id: i64,
    /// Its kind, e.g. `intention`.
    pub notice_kind: &'a str,
    /// Its project.
    pub project_id: i64,
    /// The project's title.
    pub title: &'a str,
    /// The legal due date.
    pub due_by: NaiveDate,
}

/// A daily reminder to the officers about a notice not yet published; the outbox kind is
/// `notice_due_tomorrow`, `notice_due_today` or `notice_overdue`. Key
/// `{outbox kind}:{notice kind}:{project}:{today}:{user}`, so one a day. Returns how many
/// were queued.
pub fn notice_reminder(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    notice: &NoticeDue<'_>,
    base_url: &str,
) -> AppResult<usize> {
    let today = shanghai_date(now);
    let (outbox_kind, state_word) = match notice.due_by.cmp(&today) {
        std::cmp::Ordering::Less => ("notice_overdue", "已逾期"),
        std::cmp::Ordering::Equal => ("notice_due_today", "今日到期"),
        std::cmp::Ordering::Greater => ("notice_due_tomorrow", "明日到期"),
    };
    let mut queued = 0;
    for to in officers(conn, notice.purchaser_id)? {
        let email = t::NoticeReminder {
            name: to.name.clone(),
            title: notice.title.to_owned(),
            due_by: notice.due_by.to_string(),
            state_word: state_word.to_owned(),
            base_url: base_url.to_owned(),
        };
        let key = format!(
            "{outbox_kind}:{}:{}:{today}:{}",
            notice.notice_kind, notice.project_id, to.id
        );
        if send(
            conn,
            now,
            Kind::NoticeReminder,
            outbox_kind,
            &key,
            &to,
            &email,
        )? {
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_carry_one_yuan_sign() {
        assert_eq!(yuan(90_000_000), "¥900,000.00");
        assert_eq!(yuan(1), "¥0.01");
    }
}
