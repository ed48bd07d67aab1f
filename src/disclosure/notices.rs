//! Notices (公告): their kinds, the publishing service every procurement step calls inside its
//! own transaction, and the public queries (one notice, a project's notices, the filtered list).
//!
//! A notice records its legal due date (`due_by`, computed in working days by the caller) and
//! whether it was published on time: a notice is on time when its Asia/Shanghai publication
//! date is on or before `due_by`, and always when there is no due date.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor};
use crate::clock::{shanghai_date, truncate_micros};
use crate::db::schema::{notices, projects};
use crate::db::{AnyConnection, write_tx};

/// The kinds of notice (DOMAIN §8), stored as their snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 采购意向公告: published at least 30 days before the tender.
    Intention,
    /// 采购公告: the tender (invitation to bid).
    Tender,
    /// 更正公告: a correction of an earlier notice.
    Correction,
    /// 开标记录: the opening record with every bid's receipt.
    Opening,
    /// 废标（终止）公告: the procurement failed or was terminated.
    Failure,
    /// 中标（成交）结果公告: the award.
    Award,
    /// 合同公告: the signed contract.
    Contract,
    /// 绩效评价结果公告: a performance evaluation result.
    Evaluation,
    /// 合同终止公告: a contract terminated early.
    Termination,
}

impl NoticeKind {
    /// Every kind, in the order of the procedure.
    pub const ALL: [NoticeKind; 9] = [
        NoticeKind::Intention,
        NoticeKind::Tender,
        NoticeKind::Correction,
        NoticeKind::Opening,
        NoticeKind::Failure,
        NoticeKind::Award,
        NoticeKind::Contract,
        NoticeKind::Evaluation,
        NoticeKind::Termination,
    ];

    /// The stored code, e.g. `award`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Intention => "intention",
            NoticeKind::Tender => "tender",
            NoticeKind::Correction => "correction",
            NoticeKind::Opening => "opening",
            NoticeKind::Failure => "failure",
            NoticeKind::Award => "award",
            NoticeKind::Contract => "contract",
            NoticeKind::Evaluation => "evaluation",
            NoticeKind::Termination => "termination",
        }
    }

    /// The kind of a stored code; `None` for anything else.
    pub fn parse(code: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// The official Chinese name, e.g. `中标（成交）结果公告`.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Intention => "采购意向公告",
            NoticeKind::Tender => "采购公告",
            NoticeKind::Correction => "更正公告",
            NoticeKind::Opening => "开标记录",
            NoticeKind::Failure => "废标（终止）公告",
            NoticeKind::Award => "中标（成交）结果公告",
            NoticeKind::Contract => "合同公告",
            NoticeKind::Evaluation => "绩效评价结果公告",
            NoticeKind::Termination => "合同终止公告",
        }
    }

    /// The Chinese name of a stored code, or the code itself when it is unknown.
    pub fn label_of(code: &str) -> String {
        NoticeKind::parse(code).map_or_else(|| code.to_owned(), |k| k.label().to_owned())
    }
}

impl std::fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A notice to publish (see [`publish`]).
#[derive(Debug, Clone)]
pub struct NewNotice {
    /// Its kind.
    pub kind: NoticeKind,
    /// The project it belongs to, when it belongs to one.
    pub project_id: Option<i64>,
    /// The purchaser that publishes it.
    pub purchaser_id: i64,
    /// The project's region (GB/T 2260), by which the public filters.
    pub region_code: String,
    /// Title, e.g. `兴庆区2026年困难群众社会工作服务项目采购意向公告` (see
    /// [`crate::disclosure::bodies::title`]).
    pub title: String,
    /// The official text, an HTML fragment rendered by [`crate::disclosure::bodies`].
    pub body_html: String,
    /// The last day (Asia/Shanghai) on which publishing is on time; `None` when the law sets
    /// no deadline.
    pub due_by: Option<NaiveDate>,
    /// The user who published it (None for the system).
    pub created_by: Option<i64>,
}

/// A `notices` row.
#[derive(Debug, Clone, PartialEq, Queryable, Serialize)]
pub struct NoticeRow {
    /// Id.
    pub id: i64,
    /// Kind code (see [`NoticeKind`]).
    pub kind: String,
    /// The project, when it belongs to one.
    pub project_id: Option<i64>,
    /// The publishing purchaser.
    pub purchaser_id: i64,
    /// The project's region.
    pub region_code: String,
    /// Title.
    pub title: String,
    /// The official text (HTML fragment).
    pub body_html: String,
    /// Legal due date (Asia/Shanghai), if any.
    pub due_by: Option<NaiveDate>,
    /// When it was published (UTC).
    pub published_at: NaiveDateTime,
    /// Whether it was published by `due_by`.
    pub on_time: bool,
    /// SHA-256 of its PDF, once rendered.
    pub pdf_sha256: Option<String>,
    /// The user who published it.
    pub created_by: Option<i64>,
    /// The title of its project (kept with the notice for the public page; a trigger follows
    /// a renamed project).
    pub project_title: Option<String>,
}

impl NoticeRow {
    /// The kind, when the stored code is known (always, given the table's CHECK).
    pub fn kind(&self) -> Option<NoticeKind> {
        NoticeKind::parse(&self.kind)
    }
}

/// Notices published by this process so far (see [`publication_generation`]).
static PUBLICATIONS: AtomicU64 = AtomicU64::new(0);

/// A number that grows whenever this process publishes notices: what caches of the public
/// lists compare against (`public::page_cache`).
pub fn publication_generation() -> u64 {
    PUBLICATIONS.load(Ordering::Acquire)
}

/// Records that notices were published (by [`publish`], or in bulk by the scale data).
pub fn note_publication() {
    PUBLICATIONS.fetch_add(1, Ordering::AcqRel);
}

/// Whether a notice published at `published_at` (UTC) meets `due_by`: its Asia/Shanghai date
/// is on or before the due date; always true without a due date.
pub fn is_on_time(published_at: NaiveDateTime, due_by: Option<NaiveDate>) -> bool {
    due_by.is_none_or(|due| shanghai_date(published_at) <= due)
}

/// Publishes a notice: inserts it with `published_at = actor.at` and its `on_time` flag, and
/// writes the audit row `notice.publish`. Call it inside the caller's
/// [`crate::db::write_tx`], so that the notice commits or rolls back with the step that
/// publishes it (it runs in a savepoint there, and in its own transaction otherwise).
pub fn publish(
    conn: &mut AnyConnection,
    actor: &Actor,
    notice: &NewNotice,
) -> QueryResult<NoticeRow> {
    let published_at = truncate_micros(actor.at);
    let on_time = is_on_time(published_at, notice.due_by);
    let row = write_tx(conn, |conn| {
        let project_title = notice
            .project_id
            .map(|id| {
                projects::table
                    .find(id)
                    .select(projects::title)
                    .first::<String>(conn)
            })
            .transpose()?;
        let row: NoticeRow = diesel::insert_into(notices::table)
            .values((
                notices::kind.eq(notice.kind.as_str()),
                notices::project_id.eq(notice.project_id),
                notices::purchaser_id.eq(notice.purchaser_id),
                notices::region_code.eq(&notice.region_code),
                notices::title.eq(&notice.title),
                notices::body_html.eq(&notice.body_html),
                notices::due_by.eq(notice.due_by),
                notices::published_at.eq(published_at),
                notices::on_time.eq(on_time),
                notices::created_by.eq(notice.created_by),
                notices::project_title.eq(project_title),
            ))
            .returning(notices::all_columns)
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            "notice.publish",
            "notice",
            &row.id.to_string(),
            None,
            Some(&json!({
                "kind": row.kind,
                "project_id": row.project_id,
                "title": row.title,
                "due_by": row.due_by.map(|d| d.to_string()),
                "on_time": row.on_time,
            })),
        )?;
        Ok::<_, diesel::result::Error>(row)
    })?;
    // When this runs inside a larger transaction, a list read before that commits may be
    // cached under the new generation; `public::page_cache::TTL` bounds how long it lives.
    note_publication();
    Ok(row)
}

/// One notice.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<NoticeRow>> {
    notices::table
        .find(id)
        .select(notices::all_columns)
        .first(conn)
        .optional()
}

/// Every notice of a project, oldest first.
pub fn for_project(conn: &mut AnyConnection, project_id: i64) -> QueryResult<Vec<NoticeRow>> {
    notices::table
        .filter(notices::project_id.eq(project_id))
        .order((notices::published_at.asc(), notices::id.asc()))
        .select(notices::all_columns)
        .load(conn)
}

/// The public list's filters; every one is optional and they combine with AND.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// A kind code (see [`NoticeKind::as_str`]).
    pub kind: Option<String>,
    /// A region: notices of it and of every region below it (see [`region_prefix`]).
    pub region_code: Option<String>,
    /// The publishing purchaser.
    pub purchaser_id: Option<i64>,
    /// The Asia/Shanghai year of publication.
    pub year: Option<i32>,
    /// A keyword contained in the title (taken literally: `%` and `_` are not wildcards).
    pub q: Option<String>,
}

/// The significant prefix of a region code, shared by the region and every region below it:
/// a province `640000` → `64`, a prefecture `640100` → `6401`, a county `640104` → `640104`
/// (its townships extend it: `640104001`), a township → the whole code.
pub fn region_prefix(code: &str) -> &str {
    if code.len() == 6 && code.is_ascii() {
        if code.ends_with("0000") {
            &code[..2]
        } else if code.ends_with("00") {
            &code[..4]
        } else {
            code
        }
    } else {
        code
    }
}

/// Escapes `\`, `%` and `_` for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The UTC bounds `[start, end)` of an Asia/Shanghai calendar year: from 1 January 00:00 in
/// Shanghai (31 December 16:00 UTC of the year before) to the next 1 January. `None` for a
/// year chrono cannot represent.
pub fn shanghai_year_bounds(year: i32) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let start_of = |y: i32| {
        Shanghai
            .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .single()
            .map(|t| t.naive_utc())
    };
    Some((start_of(year)?, start_of(year.checked_add(1)?)?))
}

/// A page of notices matching `filter`, newest first (`published_at` desc, then id desc), and
/// how many match in all.
pub fn list(
    conn: &mut AnyConnection,
    filter: &NoticeFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<NoticeRow>, i64)> {
    let year_bounds = match filter.year {
        Some(year) => match shanghai_year_bounds(year) {
            Some(bounds) => Some(bounds),
            None => return Ok((Vec::new(), 0)),
        },
        None => None,
    };
    let region_pattern = filter
        .region_code
        .as_deref()
        .map(|code| format!("{}%", escape_like(region_prefix(code))));
    let title_pattern = filter.q.as_deref().map(|q| format!("%{}%", escape_like(q)));
    let filtered = || {
        let mut query = notices::table.into_boxed();
        if let Some(kind) = &filter.kind {
            query = query.filter(notices::kind.eq(kind.clone()));
        }
        if let Some(pattern) = &region_pattern {
            query = query.filter(notices::region_code.like(pattern.clone()).escape('\\'));
        }
        if let Some(purchaser_id) = filter.purchaser_id {
            query = query.filter(notices::purchaser_id.eq(purchaser_id));
        }
        if let Some((start, end)) = year_bounds {
            query = query.filter(
                notices::published_at
                    .ge(start)
                    .and(notices::published_at.lt(end)),
            );
        }
        if let Some(pattern) = &title_pattern {
            query = query.filter(notices::title.like(pattern.clone()).escape('\\'));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order((notices::published_at.desc(), notices::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(notices::all_columns)
        .load(conn)?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("time")
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn kinds_round_trip_and_have_labels() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
            assert!(kind.label().ends_with("公告") || kind == NoticeKind::Opening);
        }
        assert_eq!(NoticeKind::parse("Award"), None);
        assert_eq!(NoticeKind::Award.label(), "中标（成交）结果公告");
        assert_eq!(NoticeKind::label_of("failure"), "废标（终止）公告");
        assert_eq!(NoticeKind::label_of("other"), "other");
    }

    #[test]
    fn region_prefixes_by_level() {
        assert_eq!(region_prefix("640000"), "64");
        assert_eq!(region_prefix("640100"), "6401");
        assert_eq!(region_prefix("640104"), "640104");
        assert_eq!(region_prefix("640104001"), "640104001");
    }

    #[test]
    fn like_escapes_wildcards() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
        assert_eq!(escape_like("社会工作"), "社会工作");
    }

    #[test]
    fn shanghai_year_starts_at_16_utc() {
        assert_eq!(
            shanghai_year_bounds(2026),
            Some((at("2025-12-31 16:00:00"), at("2026-12-31 16:00:00")))
        );
        assert_eq!(shanghai_year_bounds(i32::MAX), None);
    }

    #[test]
    fn on_time_is_judged_by_the_shanghai_date() {
        let due = Some(date("2026-03-16"));
        // 15:59 UTC on the 16th is 23:59 in Shanghai: still the due date.
        assert!(is_on_time(at("2026-03-16 15:59:59"), due));
        // 16:00 UTC on the 16th is already the 17th in Shanghai.
        assert!(!is_on_time(at("2026-03-16 16:00:00"), due));
        // 20:00 UTC on the 15th is the 16th in Shanghai.
        assert!(is_on_time(at("2026-03-15 20:00:00"), due));
        assert!(is_on_time(at("2030-01-01 00:00:00"), None));
    }
}
