//! Open Contracting Data Standard 1.1 output (issue 6 point 4, `docs/OCDS.md`).
//!
//! Every public project is one contracting process with `ocid` = the configured prefix and
//! the project number. Each step that happened becomes one release, dated at the step's time,
//! with a stable id (`{ocid}-{step}-{row id}`): planning, tender (and its opening, failure or
//! cancellation), award (and its cancellation after an upheld challenge), contract (drafted,
//! signed, terminated or completed) and one implementation release per paid installment.
//! [`compile`] merges a process's releases into its compiled release.
//!
//! Scale: a release's date is always the value of one column of one row (its *anchor*: the
//! intention notice, the tender's `published_at`, the award's `decided_at`, …). [`events`]
//! pages through those source columns in the database, in `(time, column, row id)` order over
//! one index per column, and [`load`] then reads only the projects those rows belong to; so
//! a page of the release list costs the same at 100 or 100,000 projects.
//!
//! Privacy (issue 6 point 5): parties carry only organization data; an individual
//! contractor's resident ID number appears only masked ([`mask_resident_id`]), contact
//! details never.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Timestamp};
use serde_json::{Map, Value, json};

use crate::config::OcdsSettings;
use crate::db::AnyConnection;
use crate::db::schema::{
    awards, bids, challenges, contractors, contracts, notices, payments, projects, purchasers,
    tenders,
};
use crate::domain::ids::mask_resident_id;
use crate::domain::money::from_fen;
use crate::error::AppResult;
use crate::procurement::rules::ProcurementRules;

/// The OCDS version every package declares.
pub const VERSION: &str = "1.1";

/// The identifier scheme of a 统一社会信用代码 (see `docs/OCDS.md`).
pub const USCC_SCHEME: &str = "CN-USCC";

/// The identifier scheme of an individual's masked resident ID number.
pub const MASKED_RID_SCHEME: &str = "X-CN-RID-MASKED";

/// How many ids one `IN (…)` query carries.
const CHUNK: usize = 500;

type ProjectRow = (
    i64,
    String,
    i64,
    String,
    String,
    i64,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
);
type TenderRow = (
    i64,
    i64,
    NaiveDateTime,
    i64,
    NaiveDateTime,
    Option<NaiveDateTime>,
    i32,
);
type BidRow = (i64, i64, i64, String);
type AwardRow = (i64, i64, i64, i64, i64, NaiveDateTime, bool);
type ChallengeRow = (i64, i64, String, Option<NaiveDateTime>);
type ContractRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    NaiveDate,
    NaiveDate,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
);
type PaymentRow = (i64, i64, String, i64, Option<i64>, Option<NaiveDateTime>);
type NoticeRef = (i64, Option<i64>, String, NaiveDateTime);

/// The source column of a release's date (see [`Anchor`]); the numbers order steps that
/// share a time.
pub mod column {
    /// `projects.created_at` of a public project without an intention notice (planning).
    pub const PROJECT_CREATED: i32 = 1;
    /// `notices.published_at` of an intention notice (planning).
    pub const INTENTION_NOTICE: i32 = 2;
    /// `tenders.published_at`.
    pub const TENDER_PUBLISHED: i32 = 3;
    /// `tenders.opened_at`.
    pub const TENDER_OPENED: i32 = 4;
    /// `notices.published_at` of a failure notice (a round failed).
    pub const FAILURE_NOTICE: i32 = 5;
    /// `projects.updated_at` of a cancelled project.
    pub const PROJECT_CANCELLED: i32 = 6;
    /// `awards.decided_at`.
    pub const AWARD_DECIDED: i32 = 7;
    /// `challenges.answered_at` of an upheld challenge.
    pub const CHALLENGE_UPHELD: i32 = 8;
    /// `contracts.created_at`.
    pub const CONTRACT_CREATED: i32 = 9;
    /// `contracts.activated_at`.
    pub const CONTRACT_ACTIVATED: i32 = 10;
    /// `payments.paid_at` of a paid installment.
    pub const PAYMENT_PAID: i32 = 11;
    /// `contracts.terminated_at`.
    pub const CONTRACT_TERMINATED: i32 = 12;
    /// `contracts.updated_at` of a terminated contract.
    pub const CONTRACT_TERMINATED_UPDATED: i32 = 13;
    /// `contracts.updated_at` of a completed contract.
    pub const CONTRACT_COMPLETED_UPDATED: i32 = 14;
}

/// Where a release's date comes from: `(column code, row id)` ([`column`]). The release's
/// date equals that column's value in that row, so paging the source rows by time pages
/// the releases by date.
pub type Anchor = (i32, i64);

/// One source row of release dates, as [`events`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Event {
    /// The column's value: the date of the releases anchored here.
    #[diesel(sql_type = Timestamp)]
    pub t: NaiveDateTime,
    /// The column ([`column`]).
    #[diesel(sql_type = Integer)]
    pub k: i32,
    /// The row id.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The project the row belongs to.
    #[diesel(sql_type = BigInt)]
    pub project_id: i64,
}

impl Event {
    /// The anchor this row is.
    pub fn anchor(&self) -> Anchor {
        (self.k, self.id)
    }
}

/// The `SELECT`s of every source column, each `{since}`-filtered, in one `UNION ALL`. Each
/// branch reads one index in `(column, id)` order (migration `…_ocds_indexes`) and is cut to
/// the rows the page can need (offset + limit) before the union is sorted, so a page costs
/// the same at any size of the database (PostgreSQL would otherwise sort every event).
///
/// The first branch dates the planning release of a project without an intention notice. A
/// project leaves `draft` only by publishing its intention or by being cancelled, so only a
/// cancelled one can lack it; saying so lets the branch read the `status` index instead of
/// probing every project.
const EVENT_BRANCHES: [&str; 14] = [
    "SELECT p.created_at AS t, 1 AS k, p.id AS id, p.id AS project_id FROM projects p \
     WHERE p.status = 'cancelled' AND NOT EXISTS (SELECT 1 FROM notices n \
     WHERE n.project_id = p.id AND n.kind = 'intention'){since:p.created_at}",
    "SELECT published_at, 2, id, project_id FROM notices \
     WHERE kind = 'intention' AND project_id IS NOT NULL{since:published_at}",
    "SELECT published_at, 3, id, project_id FROM tenders WHERE 1 = 1{since:published_at}",
    "SELECT opened_at, 4, id, project_id FROM tenders WHERE opened_at IS NOT NULL{since:opened_at}",
    "SELECT published_at, 5, id, project_id FROM notices \
     WHERE kind = 'failure' AND project_id IS NOT NULL{since:published_at}",
    "SELECT updated_at, 6, id, id FROM projects WHERE status = 'cancelled'{since:updated_at}",
    "SELECT decided_at, 7, id, project_id FROM awards WHERE 1 = 1{since:decided_at}",
    "SELECT answered_at, 8, id, project_id FROM challenges \
     WHERE status = 'upheld' AND answered_at IS NOT NULL{since:answered_at}",
    "SELECT created_at, 9, id, project_id FROM contracts WHERE 1 = 1{since:created_at}",
    "SELECT activated_at, 10, id, project_id FROM contracts \
     WHERE activated_at IS NOT NULL{since:activated_at}",
    "SELECT y.paid_at, 11, y.id, c.project_id FROM payments y \
     JOIN contracts c ON c.id = y.contract_id \
     WHERE y.status = 'paid' AND y.paid_at IS NOT NULL{since:y.paid_at}",
    "SELECT terminated_at, 12, id, project_id FROM contracts \
     WHERE terminated_at IS NOT NULL{since:terminated_at}",
    "SELECT updated_at, 13, id, project_id FROM contracts \
     WHERE status = 'terminated'{since:updated_at}",
    "SELECT updated_at, 14, id, project_id FROM contracts \
     WHERE status = 'completed'{since:updated_at}",
];

/// The SQL of [`events`] with the dialect's placeholder style (`?N` or `$N`).
fn events_sql(dollar: bool, since: bool) -> String {
    let mark = |n: u8| {
        if dollar {
            format!("${n}")
        } else {
            format!("?{n}")
        }
    };
    let first = if since { 2 } else { 1 };
    let (limit, offset) = (mark(first), mark(first + 1));
    let branches: Vec<String> = EVENT_BRANCHES
        .iter()
        .enumerate()
        .map(|(i, branch)| {
            let (select, filter) = match branch.find("{since:") {
                Some(open) if since => {
                    let column = branch[open + 7..].trim_end_matches('}');
                    (&branch[..open], format!(" AND {column} >= {}", mark(1)))
                }
                Some(open) => (&branch[..open], String::new()),
                None => (*branch, String::new()),
            };
            // Positions: 1 is the time, 3 the row id (the branches name them differently).
            format!(
                "SELECT * FROM ({select}{filter} ORDER BY 1, 3 LIMIT ({limit} + {offset})) AS b{i}"
            )
        })
        .collect();
    format!(
        "{} ORDER BY t, k, id LIMIT {limit} OFFSET {offset}",
        branches.join(" UNION ALL ")
    )
}

/// The source rows of release dates at or after `since`, in `(time, column, id)` order:
/// `limit` of them after skipping `offset`.
pub fn events(
    conn: &mut AnyConnection,
    since: Option<NaiveDateTime>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    match conn {
        AnyConnection::Postgresql(pg) => {
            let mut q =
                diesel::sql_query(events_sql(true, since.is_some())).into_boxed::<diesel::pg::Pg>();
            if let Some(s) = since {
                q = q.bind::<Timestamp, _>(s);
            }
            q.bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .load(pg)
        }
        AnyConnection::Sqlite(lite) => {
            let mut q = diesel::sql_query(events_sql(false, since.is_some()))
                .into_boxed::<diesel::sqlite::Sqlite>();
            if let Some(s) = since {
                q = q.bind::<Timestamp, _>(s);
            }
            q.bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .load(lite)
        }
    }
}

/// A party's public data: (name, uscc, masked resident ID number).
type PartyRow = (String, Option<String>, Option<String>);

/// Everything the releases of some projects are built from.
#[derive(Default)]
pub struct OcdsData {
    projects: Vec<ProjectRow>,
    tenders: Vec<TenderRow>,
    bids: Vec<BidRow>,
    awards: Vec<AwardRow>,
    challenges: Vec<ChallengeRow>,
    contracts: Vec<ContractRow>,
    payments: Vec<PaymentRow>,
    notices: Vec<NoticeRef>,
    purchasers: HashMap<i64, PartyRow>,
    contractors: HashMap<i64, PartyRow>,
}

/// Whether a project is public: past its draft, and not a draft cancelled before anything
/// about it was published.
fn is_public(status: &str, has_notice: bool) -> bool {
    status != "draft" && (status != "cancelled" || has_notice)
}

/// The id of the public project whose ocid is `ocid`, if any.
pub fn project_of_ocid(
    conn: &mut AnyConnection,
    settings: &OcdsSettings,
    ocid: &str,
) -> AppResult<Option<i64>> {
    let Some(number) = ocid.strip_prefix(&settings.ocid_prefix) else {
        return Ok(None);
    };
    let found: Option<(i64, String)> = projects::table
        .filter(projects::number.eq(number))
        .select((projects::id, projects::status))
        .first(conn)
        .optional()?;
    let Some((id, status)) = found else {
        return Ok(None);
    };
    let notices: i64 = notices::table
        .filter(notices::project_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(is_public(&status, notices > 0).then_some(id))
}

/// Loads the data of the given projects (those not public are left out), reading only
/// their rows (`IN` lists of at most [`CHUNK`] ids).
pub fn load(conn: &mut AnyConnection, project_ids: &[i64]) -> AppResult<OcdsData> {
    let mut data = OcdsData::default();
    let mut wanted: Vec<i64> = project_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut all: Vec<ProjectRow> = Vec::new();
    for chunk in wanted.chunks(CHUNK) {
        let rows: Vec<ProjectRow> = projects::table
            .filter(projects::id.eq_any(chunk))
            .select((
                projects::id,
                projects::number,
                projects::purchaser_id,
                projects::title,
                projects::summary,
                projects::budget_fen,
                projects::method,
                projects::status,
                projects::created_at,
                projects::updated_at,
            ))
            .order(projects::id)
            .load(conn)?;
        all.extend(rows);
        let rows: Vec<NoticeRef> = notices::table
            .filter(notices::project_id.eq_any(chunk))
            .select((
                notices::id,
                notices::project_id,
                notices::kind,
                notices::published_at,
            ))
            .order((notices::published_at, notices::id))
            .load(conn)?;
        data.notices.extend(rows);
    }
    let noticed: HashSet<i64> = data.notices.iter().filter_map(|n| n.1).collect();
    data.projects = all
        .into_iter()
        .filter(|p| is_public(&p.7, noticed.contains(&p.0)))
        .collect();
    let public: Vec<i64> = data.projects.iter().map(|p| p.0).collect();

    for chunk in public.chunks(CHUNK) {
        let rows: Vec<TenderRow> = tenders::table
            .filter(tenders::project_id.eq_any(chunk))
            .select((
                tenders::id,
                tenders::project_id,
                tenders::bid_deadline,
                tenders::max_price_fen,
                tenders::published_at,
                tenders::opened_at,
                tenders::round,
            ))
            .order(tenders::id)
            .load(conn)?;
        data.tenders.extend(rows);
        let rows: Vec<BidRow> = bids::table
            .filter(bids::project_id.eq_any(chunk))
            .select((bids::id, bids::tender_id, bids::contractor_id, bids::status))
            .order(bids::id)
            .load(conn)?;
        data.bids.extend(rows);
        let rows: Vec<AwardRow> = awards::table
            .filter(awards::project_id.eq_any(chunk))
            .select((
                awards::id,
                awards::project_id,
                awards::bid_id,
                awards::contractor_id,
                awards::price_fen,
                awards::decided_at,
                awards::active,
            ))
            .order(awards::id)
            .load(conn)?;
        data.awards.extend(rows);
        let rows: Vec<ChallengeRow> = challenges::table
            .filter(challenges::project_id.eq_any(chunk))
            .select((
                challenges::id,
                challenges::award_id,
                challenges::status,
                challenges::answered_at,
            ))
            .order(challenges::id)
            .load(conn)?;
        data.challenges.extend(rows);
        let rows: Vec<ContractRow> = contracts::table
            .filter(contracts::project_id.eq_any(chunk))
            .select((
                contracts::id,
                contracts::project_id,
                contracts::award_id,
                contracts::contractor_id,
                contracts::number,
                contracts::subject,
                contracts::amount_fen,
                contracts::service_start,
                contracts::service_end,
                contracts::status,
                contracts::created_at,
                contracts::activated_at,
                contracts::terminated_at,
                contracts::updated_at,
            ))
            .order(contracts::id)
            .load(conn)?;
        data.contracts.extend(rows);
    }
    // Rows of different chunks: back in id order, as one query would give them.
    data.tenders.sort_by_key(|t| t.0);
    data.bids.sort_by_key(|b| b.0);
    data.awards.sort_by_key(|a| a.0);
    data.challenges.sort_by_key(|c| c.0);
    data.contracts.sort_by_key(|k| k.0);
    data.notices.sort_by_key(|n| (n.3, n.0));
    let contract_ids: Vec<i64> = data.contracts.iter().map(|k| k.0).collect();
    for chunk in contract_ids.chunks(CHUNK) {
        let rows: Vec<PaymentRow> = payments::table
            .filter(payments::contract_id.eq_any(chunk))
            .filter(payments::status.eq("paid"))
            .select((
                payments::id,
                payments::contract_id,
                payments::name,
                payments::amount_fen,
                payments::payable_fen,
                payments::paid_at,
            ))
            .order(payments::id)
            .load(conn)?;
        data.payments.extend(rows);
    }
    data.payments.sort_by_key(|y| y.0);

    let purchaser_ids: BTreeSet<i64> = data.projects.iter().map(|p| p.2).collect();
    let purchaser_ids: Vec<i64> = purchaser_ids.into_iter().collect();
    for chunk in purchaser_ids.chunks(CHUNK) {
        let rows: Vec<(i64, String, String)> = purchasers::table
            .filter(purchasers::id.eq_any(chunk))
            .select((purchasers::id, purchasers::name, purchasers::uscc))
            .load(conn)?;
        for (id, name, uscc) in rows {
            data.purchasers.insert(id, (name, Some(uscc), None));
        }
    }
    let contractor_ids: BTreeSet<i64> = data
        .bids
        .iter()
        .map(|b| b.2)
        .chain(data.awards.iter().map(|a| a.3))
        .chain(data.contracts.iter().map(|k| k.3))
        .collect();
    let contractor_ids: Vec<i64> = contractor_ids.into_iter().collect();
    for chunk in contractor_ids.chunks(CHUNK) {
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = contractors::table
            .filter(contractors::id.eq_any(chunk))
            .select((
                contractors::id,
                contractors::name,
                contractors::uscc,
                contractors::id_number,
            ))
            .load(conn)?;
        for (id, name, uscc, id_number) in rows {
            // Only the masked form ever leaves this module.
            let masked = id_number.as_deref().map(mask_resident_id);
            data.contractors.insert(id, (name, uscc, masked));
        }
    }
    Ok(data)
}

/// One release, with its sort keys.
#[derive(Debug, Clone)]
pub struct Release {
    /// The process's ocid.
    pub ocid: String,
    /// The release id.
    pub id: String,
    /// The step's time (UTC).
    pub date: NaiveDateTime,
    /// The source row of `date`.
    pub anchor: Anchor,
    /// The release as JSON.
    pub json: Value,
}

/// Who a party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PartyKey {
    Purchaser(i64),
    Contractor(i64),
}

/// A release being built: its body and the party roles it reveals.
struct Draft {
    id: String,
    date: NaiveDateTime,
    anchor: Anchor,
    tag: &'static str,
    body: Map<String, Value>,
    roles: Vec<(PartyKey, &'static str)>,
}

/// An OCDS amount: `{"amount": <number>, "currency": "CNY"}` from 分.
pub fn money(fen: i64) -> Value {
    let number = serde_json::from_str::<Value>(&from_fen(fen).to_string()).unwrap_or(Value::Null);
    json!({"amount": number, "currency": "CNY"})
}

/// An RFC 3339 time.
fn time(t: NaiveDateTime) -> Value {
    Value::String(crate::clock::rfc3339(t))
}

/// The start (00:00) of a Shanghai calendar day, RFC 3339.
fn day_start(d: NaiveDate) -> Value {
    Value::String(format!("{d}T00:00:00+08:00"))
}

/// The end (23:59:59) of a Shanghai calendar day, RFC 3339.
fn day_end(d: NaiveDate) -> Value {
    Value::String(format!("{d}T23:59:59+08:00"))
}

/// The OCDS `procurementMethod` of one of our methods (`docs/OCDS.md`).
pub fn procurement_method(method: &str) -> &'static str {
    match method {
        "open_tender" => "open",
        "invited_tender" => "selective",
        "single_source" => "direct",
        // competitive_negotiation, competitive_consultation, inquiry: the purchaser picks
        // the suppliers it asks.
        _ => "limited",
    }
}

/// The OCDS `contractStatus` of one of our contract statuses (`docs/OCDS.md`).
pub fn contract_status(status: &str) -> &'static str {
    match status {
        "draft" => "pending",
        "active" => "active",
        // terminated early, or completed: either way no longer in force.
        _ => "terminated",
    }
}

impl OcdsData {
    fn party(&self, key: PartyKey) -> Option<(String, &PartyRow)> {
        match key {
            PartyKey::Purchaser(id) => self.purchasers.get(&id).map(|p| (party_id(key, p), p)),
            PartyKey::Contractor(id) => self.contractors.get(&id).map(|p| (party_id(key, p), p)),
        }
    }

    /// `{id, name}` of a party.
    fn reference(&self, key: PartyKey) -> Value {
        match self.party(key) {
            Some((id, p)) => json!({"id": id, "name": p.0}),
            None => json!({"id": party_id(key, &(String::new(), None, None))}),
        }
    }

    /// Every release of every loaded project, ordered by date, then anchor (column, row),
    /// then step: the order of [`events`], so pages of events give pages of releases.
    pub fn releases(&self, settings: &OcdsSettings, rules: &ProcurementRules) -> Vec<Release> {
        let mut out = Vec::new();
        for p in &self.projects {
            out.extend(self.project_releases(p, settings, rules));
        }
        // Stable: releases sharing an anchor keep their project's step order (a tender
        // before its own failure).
        out.sort_by_key(|r| (r.date, r.anchor));
        out
    }

    /// The releases anchored at `events` (one page of [`events`]), in the same order.
    pub fn releases_at(
        &self,
        settings: &OcdsSettings,
        rules: &ProcurementRules,
        events: &[Event],
    ) -> Vec<Release> {
        let wanted: HashSet<Anchor> = events.iter().map(Event::anchor).collect();
        let mut out = self.releases(settings, rules);
        out.retain(|r| wanted.contains(&r.anchor));
        out
    }

    fn project_releases(
        &self,
        p: &ProjectRow,
        settings: &OcdsSettings,
        rules: &ProcurementRules,
    ) -> Vec<Release> {
        let (project_id, number, purchaser_id, title, summary, budget_fen, method, status) =
            (p.0, &p.1, p.2, &p.3, &p.4, p.5, &p.6, &p.7);
        let ocid = format!("{}{}", settings.ocid_prefix, number);
        let buyer = PartyKey::Purchaser(purchaser_id);
        let notices: Vec<&NoticeRef> = self
            .notices
            .iter()
            .filter(|n| n.1 == Some(project_id))
            .collect();
        let mut drafts = Vec::new();

        // Planning.
        let (planned, planned_anchor) = notices
            .iter()
            .find(|n| n.2 == "intention")
            .map_or((p.8, (column::PROJECT_CREATED, project_id)), |n| {
                (n.3, (column::INTENTION_NOTICE, n.0))
            });
        let mut body = Map::new();
        body.insert(
            "planning".into(),
            json!({"budget": {"id": format!("{project_id}"), "description": summary,
                "amount": money(budget_fen), "projectID": number, "project": title}}),
        );
        drafts.push(Draft {
            id: format!("{ocid}-planning"),
            date: planned,
            anchor: planned_anchor,
            tag: "planning",
            body,
            roles: vec![(buyer, "buyer"), (buyer, "procuringEntity")],
        });

        // Tenders, one per round.
        let rounds: Vec<&TenderRow> = self.tenders.iter().filter(|t| t.1 == project_id).collect();
        let method_details = rules
            .method(method)
            .map_or_else(|| method.clone(), |m| m.label.clone());
        let last_round = rounds.last().map(|t| t.0);
        for t in &rounds {
            let (tender_id, deadline, max_fen, published, opened) = (t.0, t.2, t.3, t.4, t.5);
            let base = json!({
                "id": tender_id.to_string(),
                "title": title,
                "description": summary,
                "status": "active",
                "procurementMethod": procurement_method(method),
                "procurementMethodDetails": method_details,
                "mainProcurementCategory": "services",
                "value": money(max_fen),
                "tenderPeriod": {"startDate": time(published), "endDate": time(deadline)},
                "procuringEntity": self.reference(buyer),
            });
            drafts.push(one(
                format!("{ocid}-tender-{tender_id}"),
                (published, (column::TENDER_PUBLISHED, tender_id)),
                "tender",
                "tender",
                base,
                vec![],
            ));
            if let Some(opened) = opened {
                let bidders: Vec<i64> = self
                    .bids
                    .iter()
                    .filter(|b| b.1 == tender_id && b.3 != "withdrawn")
                    .map(|b| b.2)
                    .collect();
                let tenderers: Vec<Value> = bidders
                    .iter()
                    .map(|c| self.reference(PartyKey::Contractor(*c)))
                    .collect();
                drafts.push(one(
                    format!("{ocid}-tender-{tender_id}-opening"),
                    (opened, (column::TENDER_OPENED, tender_id)),
                    "tenderUpdate",
                    "tender",
                    json!({"id": tender_id.to_string(), "status": "active",
                        "numberOfTenderers": bidders.len(), "tenderers": tenderers}),
                    bidders
                        .iter()
                        .map(|c| (PartyKey::Contractor(*c), "tenderer"))
                        .collect(),
                ));
            }
            let is_last = last_round == Some(tender_id);
            if !is_last || status == "failed" {
                let failed = notices
                    .iter()
                    .find(|n| n.2 == "failure" && n.3 >= published)
                    .map_or(
                        opened.map_or((published, (column::TENDER_PUBLISHED, tender_id)), |o| {
                            (o, (column::TENDER_OPENED, tender_id))
                        }),
                        |n| (n.3, (column::FAILURE_NOTICE, n.0)),
                    );
                drafts.push(one(
                    format!("{ocid}-tender-{tender_id}-unsuccessful"),
                    failed,
                    "tenderUpdate",
                    "tender",
                    json!({"id": tender_id.to_string(), "status": "unsuccessful"}),
                    vec![],
                ));
            } else if status == "cancelled" {
                drafts.push(one(
                    format!("{ocid}-tender-{tender_id}-cancelled"),
                    later(
                        (p.9, (column::PROJECT_CANCELLED, project_id)),
                        (published, (column::TENDER_PUBLISHED, tender_id)),
                    ),
                    "tenderCancellation",
                    "tender",
                    json!({"id": tender_id.to_string(), "status": "cancelled"}),
                    vec![],
                ));
            }
        }

        // Awards.
        for a in self.awards.iter().filter(|a| a.1 == project_id) {
            let (award_id, bid_id, contractor_id, price_fen, decided, active) =
                (a.0, a.2, a.3, a.4, a.5, a.6);
            let supplier = PartyKey::Contractor(contractor_id);
            let tender_id = self
                .bids
                .iter()
                .find(|b| b.0 == bid_id)
                .map(|b| b.1.to_string());
            let mut body = Map::new();
            body.insert(
                "awards".into(),
                json!([{"id": award_id.to_string(), "title": title, "status": "active",
                    "date": time(decided), "value": money(price_fen),
                    "suppliers": [self.reference(supplier)]}]),
            );
            if let Some(tid) = &tender_id {
                body.insert("tender".into(), json!({"id": tid, "status": "complete"}));
            }
            drafts.push(Draft {
                id: format!("{ocid}-award-{award_id}"),
                date: decided,
                anchor: (column::AWARD_DECIDED, award_id),
                tag: "award",
                body,
                roles: vec![(supplier, "supplier")],
            });
            if !active {
                let decision = (decided, (column::AWARD_DECIDED, award_id));
                let (cancelled, cancelled_anchor) = self
                    .challenges
                    .iter()
                    .find(|c| c.1 == award_id && c.2 == "upheld")
                    .and_then(|c| c.3.map(|t| (t, (column::CHALLENGE_UPHELD, c.0))))
                    .map_or(decision, |answer| later(answer, decision));
                let mut body = Map::new();
                body.insert(
                    "awards".into(),
                    json!([{"id": award_id.to_string(), "status": "cancelled"}]),
                );
                if let Some(tid) = &tender_id {
                    body.insert("tender".into(), json!({"id": tid, "status": "active"}));
                }
                drafts.push(Draft {
                    id: format!("{ocid}-award-{award_id}-cancelled"),
                    date: cancelled,
                    anchor: cancelled_anchor,
                    tag: "awardCancellation",
                    body,
                    roles: vec![],
                });
            }
        }

        // Contracts and their implementation.
        for k in self.contracts.iter().filter(|k| k.1 == project_id) {
            let (contract_id, award_id, contractor_id, knumber, subject, amount_fen) =
                (k.0, k.2, k.3, &k.4, &k.5, k.6);
            let (start, end, kstatus, created, activated, terminated, updated) =
                (k.7, k.8, &k.9, k.10, k.11, k.12, k.13);
            let cid = contract_id.to_string();
            drafts.push(one(
                format!("{ocid}-contract-{contract_id}"),
                (created, (column::CONTRACT_CREATED, contract_id)),
                "contract",
                "contracts",
                json!([{"id": cid, "awardID": award_id.to_string(), "title": subject,
                    "description": format!("合同编号 {knumber}"), "status": "pending",
                    "value": money(amount_fen),
                    "period": {"startDate": day_start(start), "endDate": day_end(end)}}]),
                vec![],
            ));
            if let Some(signed) = activated {
                drafts.push(one(
                    format!("{ocid}-contract-{contract_id}-signed"),
                    (signed, (column::CONTRACT_ACTIVATED, contract_id)),
                    "contractUpdate",
                    "contracts",
                    json!([{"id": cid, "awardID": award_id.to_string(), "status": "active",
                        "dateSigned": time(signed)}]),
                    vec![],
                ));
            }
            if kstatus == "terminated" || kstatus == "completed" {
                let stopped = match terminated {
                    Some(t) => (t, (column::CONTRACT_TERMINATED, contract_id)),
                    None if kstatus == "terminated" => {
                        (updated, (column::CONTRACT_TERMINATED_UPDATED, contract_id))
                    }
                    None => (updated, (column::CONTRACT_COMPLETED_UPDATED, contract_id)),
                };
                let started = match activated {
                    Some(t) => (t, (column::CONTRACT_ACTIVATED, contract_id)),
                    None => (created, (column::CONTRACT_CREATED, contract_id)),
                };
                let ended = later(stopped, started);
                let kind = if kstatus == "terminated" {
                    "terminated"
                } else {
                    "completed"
                };
                drafts.push(one(
                    format!("{ocid}-contract-{contract_id}-{kind}"),
                    ended,
                    "contractTermination",
                    "contracts",
                    json!([{"id": cid, "awardID": award_id.to_string(),
                        "status": contract_status(kstatus)}]),
                    vec![],
                ));
            }
            let payee = PartyKey::Contractor(contractor_id);
            for pay in self.payments.iter().filter(|x| x.1 == contract_id) {
                let Some(paid) = pay.5 else { continue };
                drafts.push(one(
                    format!("{ocid}-implementation-{}", pay.0),
                    (paid, (column::PAYMENT_PAID, pay.0)),
                    "implementation",
                    "contracts",
                    json!([{"id": cid, "awardID": award_id.to_string(), "implementation": {
                        "transactions": [{"id": pay.0.to_string(), 
                            "date": time(paid), "value": money(pay.4.unwrap_or(pay.3)),
                            "payer": self.reference(buyer), "payee": self.reference(payee)}]}}]),
                    vec![(buyer, "payer"), (payee, "payee")],
                ));
            }
        }

        // In date order, each release carrying every party known so far with its roles.
        drafts.sort_by_key(|d| (d.date, d.anchor));
        let mut known: BTreeMap<PartyKey, BTreeSet<&'static str>> = BTreeMap::new();
        drafts
            .into_iter()
            .map(|d| {
                for (key, role) in &d.roles {
                    known.entry(*key).or_default().insert(role);
                }
                let parties: Vec<Value> = known
                    .iter()
                    .filter_map(|(key, roles)| self.party_json(*key, roles))
                    .collect();
                let mut release = Map::new();
                release.insert("ocid".into(), json!(ocid));
                release.insert("id".into(), json!(d.id));
                release.insert("date".into(), time(d.date));
                release.insert("tag".into(), json!([d.tag]));
                release.insert("initiationType".into(), json!("tender"));
                release.insert("language".into(), json!("zh"));
                release.insert("parties".into(), Value::Array(parties));
                release.insert("buyer".into(), self.reference(buyer));
                release.extend(d.body);
                Release {
                    ocid: ocid.clone(),
                    id: d.id,
                    date: d.date,
                    anchor: d.anchor,
                    json: Value::Object(release),
                }
            })
            .collect()
    }

    /// A full party entry.
    fn party_json(&self, key: PartyKey, roles: &BTreeSet<&'static str>) -> Option<Value> {
        let (id, (name, uscc, masked)) = self.party(key)?;
        let identifier = match (uscc, masked) {
            (Some(code), _) => json!({"scheme": USCC_SCHEME, "id": code, "legalName": name}),
            (None, Some(masked)) => json!({"scheme": MASKED_RID_SCHEME, "id": masked}),
            (None, None) => json!({"scheme": "X-SIXNORMS", "id": id}),
        };
        Some(json!({"id": id, "name": name, "identifier": identifier, "roles": roles}))
    }
}

/// The party id: `CN-USCC-<code>` for an organization, `X-SIXNORMS-contractor-<id>` for an
/// individual (whose ID number must not serve as an id).
fn party_id(key: PartyKey, party: &PartyRow) -> String {
    match (key, &party.1) {
        (_, Some(uscc)) => format!("{USCC_SCHEME}-{uscc}"),
        (PartyKey::Contractor(id), None) => format!("X-SIXNORMS-contractor-{id}"),
        (PartyKey::Purchaser(id), None) => format!("X-SIXNORMS-purchaser-{id}"),
    }
}

/// A draft whose body is one section.
fn one(
    id: String,
    (date, anchor): (NaiveDateTime, Anchor),
    tag: &'static str,
    section: &str,
    value: Value,
    roles: Vec<(PartyKey, &'static str)>,
) -> Draft {
    let mut body = Map::new();
    body.insert(section.to_owned(), value);
    Draft {
        id,
        date,
        anchor,
        tag,
        body,
        roles,
    }
}

/// The later of two dated anchors; on equal times the second (as `Ord::max`).
fn later(a: (NaiveDateTime, Anchor), b: (NaiveDateTime, Anchor)) -> (NaiveDateTime, Anchor) {
    if a.0 > b.0 { a } else { b }
}

/// Merges `later` into `target` (OCDS merge, simplified): objects field by field, a `null`
/// removes a field, arrays of objects that all carry an `id` are merged by id, any other
/// value replaces the earlier one.
pub fn merge(target: &mut Value, later: &Value) {
    match (target, later) {
        (Value::Object(t), Value::Object(l)) => {
            for (key, value) in l {
                if value.is_null() {
                    t.remove(key);
                } else if let Some(existing) = t.get_mut(key) {
                    merge(existing, value);
                } else {
                    t.insert(key.clone(), value.clone());
                }
            }
        }
        (Value::Array(t), Value::Array(l)) if identified(t) && identified(l) => {
            for item in l {
                let id = item.get("id");
                match t.iter_mut().find(|x| x.get("id") == id) {
                    Some(existing) => merge(existing, item),
                    None => t.push(item.clone()),
                }
            }
        }
        (t, l) => *t = l.clone(),
    }
}

/// Whether every element is an object with an `id`.
fn identified(items: &[Value]) -> bool {
    items
        .iter()
        .all(|x| x.as_object().is_some_and(|o| o.contains_key("id")))
}

/// The compiled release of one process's releases (in date order).
pub fn compile(ocid: &str, releases: &[Release]) -> Value {
    let mut compiled = Value::Object(Map::new());
    for r in releases {
        let mut body = r.json.clone();
        if let Some(o) = body.as_object_mut() {
            o.remove("tag");
            // Parties' roles are cumulative in every release, so the latest list wins.
            if let Some(parties) = o.get("parties").cloned()
                && let Some(c) = compiled.as_object_mut()
            {
                c.insert("parties".into(), parties);
            }
        }
        merge(&mut compiled, &body);
    }
    if let Some(c) = compiled.as_object_mut() {
        c.insert("id".into(), json!(format!("{ocid}-compiled")));
        c.insert("tag".into(), json!(["compiled"]));
    }
    compiled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_overrides_and_merges_arrays_by_id() {
        let mut a = json!({"tender": {"id": "1", "status": "active", "value": {"amount": 1}},
            "awards": [{"id": "1", "status": "active"}], "tag": ["x"]});
        merge(
            &mut a,
            &json!({"tender": {"status": "complete"}, "awards": [{"id": "1", "status": "cancelled"},
                {"id": "2", "status": "active"}], "tag": ["y"]}),
        );
        assert_eq!(
            a,
            json!({"tender": {"id": "1", "status": "complete", "value": {"amount": 1}},
                "awards": [{"id": "1", "status": "cancelled"}, {"id": "2", "status": "active"}],
                "tag": ["y"]})
        );
    }

    #[test]
    fn amounts_are_numbers_in_cny() {
        assert_eq!(
            money(98_000_000),
            json!({"amount": 980000.0, "currency": "CNY"})
        );
        assert_eq!(money(1), json!({"amount": 0.01, "currency": "CNY"}));
    }

    #[test]
    fn methods_and_contract_statuses_map_to_codelists() {
        assert_eq!(procurement_method("open_tender"), "open");
        assert_eq!(procurement_method("invited_tender"), "selective");
        assert_eq!(procurement_method("inquiry"), "limited");
        assert_eq!(procurement_method("single_source"), "direct");
        assert_eq!(contract_status("draft"), "pending");
        assert_eq!(contract_status("completed"), "terminated");
    }
}
