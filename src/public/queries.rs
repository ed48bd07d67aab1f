//! Read-only queries of the public site that no other module offers. Each one is indexed and
//! limited, or aggregates in SQL (`GROUP BY`), so a page costs a handful of small queries
//! even over 100,000 projects. They run unchanged on SQLite and PostgreSQL.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, max, min, sql, sum};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use crate::db::AnyConnection;
use crate::db::schema::{
    awards, bids, contractors, contracts, notices, performance_evaluations, projects, purchasers,
    regions, service_reports, stations, supervisions, tenders,
};
use crate::disclosure::notices::shanghai_year_bounds;
use crate::regions::Region;
use crate::stations::coverage::{self, CoverageRow, TOWNSHIP_LEVEL};

/// The list columns of a notice (everything but its body).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NoticeLine {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// The project, when it belongs to one.
    pub project_id: Option<i64>,
    /// The publishing purchaser.
    pub purchaser_id: i64,
    /// Title.
    pub title: String,
    /// Legal due date, if any.
    pub due_by: Option<NaiveDate>,
    /// Published (UTC).
    pub published_at: NaiveDateTime,
    /// Published by its due date.
    pub on_time: bool,
}

type NoticeLineColumns = (
    notices::id,
    notices::kind,
    notices::project_id,
    notices::purchaser_id,
    notices::title,
    notices::due_by,
    notices::published_at,
    notices::on_time,
);

const NOTICE_LINE: NoticeLineColumns = (
    notices::id,
    notices::kind,
    notices::project_id,
    notices::purchaser_id,
    notices::title,
    notices::due_by,
    notices::published_at,
    notices::on_time,
);

/// The newest `limit` notices, newest first (the `notices_published` index).
pub fn newest_notices(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<NoticeLine>> {
    notices::table
        .order((notices::published_at.desc(), notices::id.desc()))
        .limit(limit)
        .select(NOTICE_LINE)
        .load(conn)
}

/// Every notice of a project, oldest first (the `notices_project` index).
pub fn project_notices(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Vec<NoticeLine>> {
    notices::table
        .filter(notices::project_id.eq(project_id))
        .order((notices::published_at.asc(), notices::id.asc()))
        .select(NOTICE_LINE)
        .load(conn)
}

/// Everything the public page of one notice shows, read in one query.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NoticePage {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// Title.
    pub title: String,
    /// The notice's body (HTML the service built, escaped on the way in); the largest text
    /// of the page, so read with the SIMD UTF-8 check.
    #[diesel(deserialize_as = crate::db::simd_text::SimdText)]
    pub body_html: String,
    /// Legal due date, if any.
    pub due_by: Option<NaiveDate>,
    /// Published (UTC).
    pub published_at: NaiveDateTime,
    /// Published by its due date.
    pub on_time: bool,
    /// SHA-256 of the stored PDF, once rendered.
    pub pdf_sha256: Option<String>,
    /// The publishing purchaser's name.
    pub purchaser: String,
    /// The project it belongs to, if any.
    pub project_id: Option<i64>,
    /// That project's title.
    pub project_title: Option<String>,
}

/// The page of notice `id`: the notice joined to its purchaser. The project's title comes
/// from the notice row itself (`notices.project_title`), so a request reads one notice row.
///
/// Run on the backend's own connection ([`crate::on_backend`]): the notice page is the most
/// requested page of the site.
pub fn notice_page(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<NoticePage>> {
    let query = notices::table
        .inner_join(purchasers::table.on(purchasers::id.eq(notices::purchaser_id)))
        .filter(notices::id.eq(id))
        .select((
            notices::id,
            notices::kind,
            notices::title,
            notices::body_html,
            notices::due_by,
            notices::published_at,
            notices::on_time,
            notices::pdf_sha256,
            purchasers::name,
            notices::project_id,
            notices::project_title,
        ));
    crate::on_backend!(conn, |c| query.get_result(c).optional())
}

/// The names of the given purchasers.
pub fn purchaser_names(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(purchasers::table
        .filter(purchasers::id.eq_any(ids))
        .select((purchasers::id, purchasers::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The names of the given contractors.
pub fn contractor_names(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(contractors::table
        .filter(contractors::id.eq_any(ids))
        .select((contractors::id, contractors::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Every purchaser as (id, name), by name, for the filter form.
pub fn purchaser_options(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, String)>> {
    purchasers::table
        .order((purchasers::name.asc(), purchasers::id.asc()))
        .select((purchasers::id, purchasers::name))
        .load(conn)
}

/// The first and last publication times of all notices (two index lookups).
pub fn notice_span(
    conn: &mut AnyConnection,
) -> QueryResult<(Option<NaiveDateTime>, Option<NaiveDateTime>)> {
    let first = notices::table
        .select(min(notices::published_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    let last = notices::table
        .select(max(notices::published_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    Ok((first, last))
}

/// The headline figures of the home page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headline {
    /// Projects (every status).
    pub projects: i64,
    /// Signed contracts (every status but draft).
    pub contracts: i64,
    /// Their total amount in 分.
    pub contracted_fen: i64,
    /// Registered contractors.
    pub contractors: i64,
    /// Of which qualified (已认定).
    pub qualified_contractors: i64,
    /// Notices published in the year (Asia/Shanghai).
    pub notices_in_year: i64,
    /// Of those, notices with a legal due date.
    pub due_in_year: i64,
    /// Of those, published on time.
    pub on_time_in_year: i64,
}

/// `CAST(SUM(col) AS BIGINT)`: PostgreSQL sums a `BIGINT` as `NUMERIC`; the cast keeps one
/// result type on both databases.
fn sum_bigint(column: &'static str) -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>(&format!("CAST(SUM({column}) AS BIGINT)"))
}

/// The headline figures, with the notices of `year`.
pub fn headline(conn: &mut AnyConnection, year: i32) -> QueryResult<Headline> {
    let projects = projects::table.count().get_result(conn)?;
    let (contracts, contracted_fen) = contracts::table
        .filter(contracts::status.ne("draft"))
        .select((count_star(), sum_bigint("contracts.amount_fen")))
        .first::<(i64, Option<i64>)>(conn)?;
    let contractors = contractors::table.count().get_result(conn)?;
    let qualified_contractors = contractors::table
        .filter(contractors::status.eq("qualified"))
        .count()
        .get_result(conn)?;
    let mut headline = Headline {
        projects,
        contracts,
        contracted_fen: contracted_fen.unwrap_or(0),
        contractors,
        qualified_contractors,
        ..Headline::default()
    };
    if let Some((start, end)) = shanghai_year_bounds(year) {
        let in_year = || {
            notices::table
                .filter(notices::published_at.ge(start))
                .filter(notices::published_at.lt(end))
        };
        headline.notices_in_year = in_year().count().get_result(conn)?;
        let by_on_time: Vec<(bool, i64)> = in_year()
            .filter(notices::due_by.is_not_null())
            .group_by(notices::on_time)
            .select((notices::on_time, count_star()))
            .load(conn)?;
        for (on_time, n) in by_on_time {
            headline.due_in_year += n;
            if on_time {
                headline.on_time_in_year += n;
            }
        }
    }
    Ok(headline)
}

/// Contracted funds (signed contracts) per (domain code, budget year), in 分, by year then
/// domain.
pub fn funds_by_domain_year(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i32, i64)>> {
    let rows: Vec<(String, i32, Option<i64>)> = contracts::table
        .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
        .filter(contracts::status.ne("draft"))
        .group_by((projects::domain_code, projects::year))
        .select((
            projects::domain_code,
            projects::year,
            sum_bigint("contracts.amount_fen"),
        ))
        .load(conn)?;
    let mut rows: Vec<(String, i32, i64)> = rows
        .into_iter()
        .map(|(domain, year, fen)| (domain, year, fen.unwrap_or(0)))
        .collect();
    rows.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    Ok(rows)
}

/// Projects per procurement method code (every status but cancelled), by method.
pub fn projects_by_method(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64)>> {
    projects::table
        .filter(projects::status.ne("cancelled"))
        .group_by(projects::method)
        .select((projects::method, count_star()))
        .order(projects::method.asc())
        .load(conn)
}

/// Disclosure timeliness of one purchaser in a year, counted in SQL (the same figures as
/// [`crate::disclosure::timeliness::compliance`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelinessRow {
    /// Purchaser.
    pub purchaser_id: i64,
    /// Its name.
    pub purchaser_name: String,
    /// Notices that fell due in the year (published or missing).
    pub due: i64,
    /// Published by their due date.
    pub on_time: i64,
    /// Published after it.
    pub late: i64,
    /// Past due and not published.
    pub missing: i64,
}

/// Timeliness per purchaser for `year` as of `today`: notices whose due date falls in the
/// year, grouped by purchaser and `on_time`, plus the intentions of draft projects that are
/// past due (due = planned tender date − `lead_days`, before `today`). Every purchaser has a
/// row, by id.
pub fn timeliness(
    conn: &mut AnyConnection,
    lead_days: u32,
    year: i32,
    today: NaiveDate,
) -> QueryResult<Vec<TimelinessRow>> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    let mut rows: BTreeMap<i64, TimelinessRow> = purchasers::table
        .select((purchasers::id, purchasers::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, name)| {
            (
                id,
                TimelinessRow {
                    purchaser_id: id,
                    purchaser_name: name,
                    ..TimelinessRow::default()
                },
            )
        })
        .collect();
    let published: Vec<(i64, bool, i64)> = notices::table
        .filter(notices::due_by.ge(first))
        .filter(notices::due_by.le(last))
        .group_by((notices::purchaser_id, notices::on_time))
        .select((notices::purchaser_id, notices::on_time, count_star()))
        .load(conn)?;
    for (purchaser, on_time, n) in published {
        if let Some(row) = rows.get_mut(&purchaser) {
            row.due += n;
            if on_time {
                row.on_time += n;
            } else {
                row.late += n;
            }
        }
    }
    // Missing: due_by = planned − lead in [1 January, min(today, 31 December) − 1 day].
    let until = today.min(last);
    if until >= first {
        let lead = Duration::days(i64::from(lead_days));
        let missing: Vec<(i64, i64)> = projects::table
            .filter(projects::status.eq("draft"))
            .filter(projects::expected_tender_date.ge(first + lead))
            .filter(projects::expected_tender_date.le(until - Duration::days(1) + lead))
            .group_by(projects::purchaser_id)
            .select((projects::purchaser_id, count_star()))
            .load(conn)?;
        for (purchaser, n) in missing {
            if let Some(row) = rows.get_mut(&purchaser) {
                row.due += n;
                row.missing += n;
            }
        }
    }
    Ok(rows.into_values().collect())
}

/// Station coverage of every county that has township-level regions: regions come in one
/// query (a few hundred rows), the compliant townships in another; [`coverage::compute`]
/// does the counting. By county code.
pub fn county_coverage(conn: &mut AnyConnection) -> QueryResult<Vec<CoverageRow>> {
    let all: Vec<Region> = regions::table.select(regions::all_columns).load(conn)?;
    let by_code: HashMap<&str, &Region> = all.iter().map(|r| (r.code.as_str(), r)).collect();
    let full_name = |code: &str| {
        let mut names = Vec::new();
        let mut next = Some(code);
        while let Some(current) = next {
            let Some(region) = by_code.get(current) else {
                break;
            };
            names.push(region.name.as_str());
            next = region.parent_code.as_deref();
            if names.len() > 8 {
                break;
            }
        }
        names.reverse();
        names.join(" ")
    };
    let compliant: HashSet<String> = stations::table
        .filter(stations::tier.eq("township_station"))
        .filter(stations::has_venue.eq(true))
        .filter(stations::staff_count.gt(0))
        .filter(stations::has_service.eq(true))
        .select(stations::region_code)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut townships_of: BTreeMap<&str, Vec<Region>> = BTreeMap::new();
    for region in &all {
        if region.level == TOWNSHIP_LEVEL
            && let Some(parent) = region.parent_code.as_deref()
            && by_code.get(parent).is_some_and(|p| p.level == "county")
        {
            townships_of.entry(parent).or_default().push(region.clone());
        }
    }
    let mut rows = Vec::new();
    for (county_code, below) in townships_of {
        let Some(county) = by_code.get(county_code) else {
            continue;
        };
        let name = full_name(county_code);
        let result = coverage::compute(county, &name, &below, &compliant);
        rows.push(CoverageRow {
            region_code: result.region_code,
            region_name: result.region_name,
            townships: result.townships,
            compliant_townships: result.compliant_townships,
            coverage_rate: result.coverage_rate,
            coverage_ratio: result.coverage_ratio,
        });
    }
    Ok(rows)
}

/// A tender round as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct TenderLine {
    /// Id.
    pub id: i64,
    /// Round (1, 2, …).
    pub round: i32,
    /// Published (UTC).
    pub published_at: NaiveDateTime,
    /// Bid deadline (UTC).
    pub bid_deadline: NaiveDateTime,
    /// Maximum price in 分.
    pub max_price_fen: i64,
    /// `comprehensive` or `lowest_price`.
    pub award_method: String,
    /// Opened (UTC), once opened.
    pub opened_at: Option<NaiveDateTime>,
}

/// Every tender round of a project, first round first (the `(project_id, round)` key).
pub fn tenders_of(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Vec<TenderLine>> {
    tenders::table
        .filter(tenders::project_id.eq(project_id))
        .order(tenders::round.asc())
        .select((
            tenders::id,
            tenders::round,
            tenders::published_at,
            tenders::bid_deadline,
            tenders::max_price_fen,
            tenders::award_method,
            tenders::opened_at,
        ))
        .load(conn)
}

/// An opened bid as the opening record shows it: bidder, price, status and receipt.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct OpenedBid {
    /// Bidder.
    pub contractor_id: i64,
    /// Bidder's name.
    pub contractor_name: String,
    /// Price in 分.
    pub price_fen: i64,
    /// `qualified | disqualified | submitted`.
    pub status: String,
    /// SHA-256 receipt.
    pub receipt_sha256: String,
}

/// The bids of an **opened** tender (not withdrawn), oldest first; an empty list for a tender
/// not yet opened, so sealed contents can never reach a page.
pub fn opened_bids(conn: &mut AnyConnection, tender: &TenderLine) -> QueryResult<Vec<OpenedBid>> {
    if tender.opened_at.is_none() {
        return Ok(Vec::new());
    }
    bids::table
        .inner_join(contractors::table)
        .filter(bids::tender_id.eq(tender.id))
        .filter(bids::status.ne("withdrawn"))
        .order(bids::id.asc())
        .select((
            bids::contractor_id,
            contractors::name,
            bids::price_fen,
            bids::status,
            bids::receipt_sha256,
        ))
        .load(conn)
}

/// Service reports of a contract, summed: (reports, accepted, activities, cases opened,
/// cases closed, volunteers) over accepted reports — aggregate counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSummary {
    /// Reports submitted.
    pub reports: i64,
    /// Reports accepted.
    pub accepted: i64,
    /// First and last period (`YYYY-MM`) reported.
    pub periods: Option<(String, String)>,
    /// Activities held (accepted reports).
    pub activities: i64,
    /// Cases opened (accepted reports).
    pub cases_opened: i64,
    /// Cases closed (accepted reports).
    pub cases_closed: i64,
    /// Volunteers engaged (accepted reports).
    pub volunteers: i64,
    /// Supervision sessions recorded.
    pub supervisions: i64,
}

/// The report summary of a contract (aggregated in SQL).
pub fn report_summary(conn: &mut AnyConnection, contract_id: i64) -> QueryResult<ReportSummary> {
    let (reports, first, last) = service_reports::table
        .filter(service_reports::contract_id.eq(contract_id))
        .select((
            count_star(),
            min(service_reports::period),
            max(service_reports::period),
        ))
        .first::<(i64, Option<String>, Option<String>)>(conn)?;
    let (accepted, activities, opened, closed, volunteers) = service_reports::table
        .filter(service_reports::contract_id.eq(contract_id))
        .filter(service_reports::status.eq("accepted"))
        .select((
            count_star(),
            sum(service_reports::activities),
            sum(service_reports::cases_opened),
            sum(service_reports::cases_closed),
            sum(service_reports::volunteers_engaged),
        ))
        .first::<(i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>)>(conn)?;
    let supervisions = supervisions::table
        .filter(supervisions::contract_id.eq(contract_id))
        .count()
        .get_result(conn)?;
    Ok(ReportSummary {
        reports,
        accepted,
        periods: first.zip(last),
        activities: activities.unwrap_or(0),
        cases_opened: opened.unwrap_or(0),
        cases_closed: closed.unwrap_or(0),
        volunteers: volunteers.unwrap_or(0),
        supervisions,
    })
}

/// An award a contractor won, with its project.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AwardWon {
    /// Project.
    pub project_id: i64,
    /// 项目编号.
    pub project_number: String,
    /// Project title.
    pub project_title: String,
    /// Award price in 分.
    pub price_fen: i64,
    /// Decided (UTC).
    pub decided_at: NaiveDateTime,
    /// False once voided by an upheld challenge.
    pub active: bool,
}

/// The newest `limit` awards of a contractor (the `awards_contractor` index).
pub fn awards_won(
    conn: &mut AnyConnection,
    contractor_id: i64,
    limit: i64,
) -> QueryResult<Vec<AwardWon>> {
    awards::table
        .inner_join(projects::table.on(projects::id.eq(awards::project_id)))
        .filter(awards::contractor_id.eq(contractor_id))
        .order((awards::decided_at.desc(), awards::id.desc()))
        .limit(limit)
        .select((
            projects::id,
            projects::number,
            projects::title,
            awards::price_fen,
            awards::decided_at,
            awards::active,
        ))
        .load(conn)
}

/// A graded performance evaluation of a contractor's contract.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct GradeLine {
    /// Project.
    pub project_id: i64,
    /// Project title.
    pub project_title: String,
    /// `midterm | final`.
    pub kind: String,
    /// Total in hundredths.
    pub total_centi: Option<i64>,
    /// Grade code.
    pub grade: Option<String>,
    /// Graded (UTC).
    pub graded_at: Option<NaiveDateTime>,
}

/// The newest `limit` graded evaluations of a contractor's contracts (the
/// `contracts_contractor` index, then each contract's `(contract_id, kind)` key).
pub fn grades_of(
    conn: &mut AnyConnection,
    contractor_id: i64,
    limit: i64,
) -> QueryResult<Vec<GradeLine>> {
    performance_evaluations::table
        .inner_join(contracts::table)
        .inner_join(projects::table.on(projects::id.eq(contracts::project_id)))
        .filter(contracts::contractor_id.eq(contractor_id))
        .filter(performance_evaluations::status.eq("graded"))
        .order((
            performance_evaluations::graded_at.desc(),
            performance_evaluations::id.desc(),
        ))
        .limit(limit)
        .select((
            projects::id,
            projects::title,
            performance_evaluations::kind,
            performance_evaluations::total_centi,
            performance_evaluations::grade,
            performance_evaluations::graded_at,
        ))
        .load(conn)
}

/// Every award of a project (also voided ones), oldest first (the `awards_project` index).
pub fn awards_of(
    conn: &mut AnyConnection,
    project_id: i64,
) -> QueryResult<Vec<crate::procurement::evaluation::model::AwardRow>> {
    awards::table
        .filter(awards::project_id.eq(project_id))
        .order(awards::id.asc())
        .select(awards::all_columns)
        .load(conn)
}
