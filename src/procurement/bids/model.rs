//! Rows and queries of `bids`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::receipt::{self, BidContent};
use crate::db::AnyConnection;
use crate::db::schema::{bids, contractors, panel_members, tenders};
use crate::procurement::documents::{self, OWNER_BID};

/// A bid accepted before the deadline and not withdrawn (not yet opened).
pub const SUBMITTED: &str = "submitted";
/// Withdrawn by the bidder before the deadline; ignored at opening.
pub const WITHDRAWN: &str = "withdrawn";
/// Passed the qualification check at opening.
pub const QUALIFIED: &str = "qualified";
/// Failed the qualification check at opening (`reasons` says why).
pub const DISQUALIFIED: &str = "disqualified";

/// A `bids` row.
#[derive(Debug, Clone, Queryable)]
pub struct BidRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Tender (round).
    pub tender_id: i64,
    /// Bidder.
    pub contractor_id: i64,
    /// Price in 分.
    pub price_fen: i64,
    /// Proposal text.
    pub proposal: String,
    /// Team size.
    pub team_size: i32,
    /// SHA-256 receipt over the canonical bid ([`receipt`]).
    pub receipt_sha256: String,
    /// Last submission (UTC).
    pub submitted_at: NaiveDateTime,
    /// [`SUBMITTED`], [`WITHDRAWN`], [`QUALIFIED`] or [`DISQUALIFIED`].
    pub status: String,
    /// Why it was disqualified: a JSON array of Chinese strings (`[]` when qualified).
    pub reasons: Option<String>,
}

impl BidRow {
    /// The disqualification reasons: the stored JSON array, or — for a reason written as
    /// plain text — that text alone.
    pub fn reasons(&self) -> Vec<String> {
        match self.reasons.as_deref().map(str::trim) {
            None | Some("") => Vec::new(),
            Some(text) => serde_json::from_str(text).unwrap_or_else(|_| vec![text.to_owned()]),
        }
    }

    /// The receipt of this bid's content with the given document hashes.
    pub fn receipt_with(&self, documents: &[String]) -> String {
        receipt::receipt(&BidContent {
            project_id: self.project_id,
            tender_id: self.tender_id,
            contractor_id: self.contractor_id,
            price_fen: self.price_fen,
            proposal: &self.proposal,
            team_size: self.team_size,
            submitted_at: self.submitted_at,
            documents,
        })
    }
}

/// One bid.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<BidRow>> {
    bids::table
        .find(id)
        .select(bids::all_columns)
        .first(conn)
        .optional()
}

/// The bid of a contractor for a tender.
pub fn find_for(
    conn: &mut AnyConnection,
    tender_id: i64,
    contractor_id: i64,
) -> QueryResult<Option<BidRow>> {
    bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::contractor_id.eq(contractor_id))
        .select(bids::all_columns)
        .first(conn)
        .optional()
}

/// The bids of a tender that were not withdrawn, with their bidder's name, oldest first.
pub fn active_with_names(
    conn: &mut AnyConnection,
    tender_id: i64,
) -> QueryResult<Vec<(BidRow, String)>> {
    bids::table
        .inner_join(contractors::table)
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.ne(WITHDRAWN))
        .order(bids::id.asc())
        .select((bids::all_columns, contractors::name))
        .load(conn)
}

/// How many bids of a tender are not withdrawn.
pub fn count_active(conn: &mut AnyConnection, tender_id: i64) -> QueryResult<i64> {
    bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.ne(WITHDRAWN))
        .count()
        .get_result(conn)
}

/// The document hashes of a bid, for its receipt.
pub fn document_hashes(conn: &mut AnyConnection, bid_id: i64) -> QueryResult<Vec<String>> {
    documents::hashes_of(conn, OWNER_BID, bid_id)
}

/// Whether an evaluator sits on the project's panel.
pub fn on_panel(conn: &mut AnyConnection, project_id: i64, user_id: i64) -> QueryResult<bool> {
    let n: i64 = panel_members::table
        .filter(panel_members::project_id.eq(project_id))
        .filter(panel_members::evaluator_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Inside a write transaction: takes the tender row's lock and reports whether it is still
/// unopened. A bid change made while this holds cannot interleave with an opening (whose
/// compare-and-set on `opened_at` waits for the lock, then sees the change).
pub fn lock_unopened(conn: &mut AnyConnection, tender_id: i64) -> QueryResult<bool> {
    let touched = diesel::update(
        tenders::table
            .find(tender_id)
            .filter(tenders::opened_at.is_null()),
    )
    .set(tenders::opened_at.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(touched == 1)
}

/// Marks the tender opened at `now` unless it already is (compare-and-set); true when this
/// call opened it.
pub fn mark_opened(
    conn: &mut AnyConnection,
    tender_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        tenders::table
            .find(tender_id)
            .filter(tenders::opened_at.is_null()),
    )
    .set(tenders::opened_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed == 1)
}
