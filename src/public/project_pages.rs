//! Stored project pages: `/projects/{id}` reads a dozen tables, so its HTML is kept in the
//! database (`project_page_bodies`) and served with one indexed read while it is current.
//!
//! A stored page is current while all of these hold:
//! - `built_version = version`: database triggers (migration `project_pages`) move a project's
//!   `version` on in the same transaction as every change its page shows — the project, its
//!   targets, tenders, bids, awards, challenges, contract, payments, service reports,
//!   supervisions, evaluations and notices, and the names of its purchaser, contractors,
//!   region and catalog item — so no writer can forget to;
//! - `format` is this build's ([`page_format`]): a new template or a new set of procurement
//!   rules makes every page due again;
//! - `fresh_until`, the next bid deadline the page mentions, has not passed (the page says
//!   something else about the sealed bids afterwards).
//!
//! A page that is not current is built on its request ([`build`]; the request answers at once
//! and hands the page to the [`super::page_writer`], which stores pages in batches) and by the
//! `build_project_pages` job ([`build_due`]). The version is read *before* the data, and the
//! page is stored only if the version is still the same, so a change that commits while a page
//! is built leaves that page due instead of storing it stale.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::http_cache;
use crate::db::schema::{project_page_bodies, project_pages};
use crate::db::{AnyConnection, Db, write_tx};
use crate::error::{AppError, AppResult};
use crate::procurement::rules::ProcurementRules;

/// Pages the job asks for at a time.
pub const BUILD_BATCH: i64 = 200;

/// A page ready to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage {
    /// Its strong entity tag ([`crate::public::http_cache::etag_of`] of the body).
    pub etag: String,
    /// The HTML, UTF-8 (stored and served as bytes; cheap to clone).
    pub body: Bytes,
}

/// The format of the pages this build makes: the SHA-256 (first 16 hex digits) of the page's
/// templates, of the code that fills them, of the crate version and of the procurement rules
/// (their method names appear on the page). A stored page of another format is never served.
pub fn page_format(rules: &ProcurementRules) -> String {
    let mut hash = Sha256::new();
    for part in [
        include_str!("../../templates/public/layout.html"),
        include_str!("../../templates/public/project.html"),
        include_str!("projects.rs"),
        include_str!("queries.rs"),
        include_str!("mod.rs"),
        env!("CARGO_PKG_VERSION"),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(format!("{rules:?}").as_bytes());
    hex::encode(hash.finalize())[..16].to_owned()
}

/// The stored page of project `id` if it is current for `format` at `now`.
///
/// The most requested read of the public site: one statement by primary key, run on the
/// backend's own connection ([`crate::on_backend`]), with the currency checks made here rather
/// than bound into the SQL.
pub fn current(
    conn: &mut AnyConnection,
    id: i64,
    format: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<StoredPage>> {
    let query = project_pages::table
        .inner_join(project_page_bodies::table)
        .filter(project_pages::project_id.eq(id))
        .select((
            project_pages::version,
            project_pages::built_version,
            project_pages::format,
            project_pages::fresh_until,
            project_page_bodies::etag,
            project_page_bodies::body,
        ));
    type Row = (i64, i64, String, Option<NaiveDateTime>, String, Vec<u8>);
    let found: Option<Row> = crate::on_backend!(conn, |c| query.get_result(c).optional())?;
    Ok(found.and_then(
        |(version, built_version, stored_format, fresh_until, etag, body)| {
            let current = built_version == version
                && stored_format == format
                && fresh_until.is_none_or(|until| until > now);
            current.then_some(StoredPage {
                etag,
                body: Bytes::from(body),
            })
        },
    ))
}

/// The current version of project `id`'s page; `None` when there is no such project.
pub fn version(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<i64>> {
    project_pages::table
        .find(id)
        .select(project_pages::version)
        .first(conn)
        .optional()
}

/// What a page was built from: enough to store it later, and only if it is still true.
#[derive(Debug, Clone)]
pub struct Built {
    /// The project.
    pub project_id: i64,
    /// The version read before the data.
    pub version: i64,
    /// The page format.
    pub format: Arc<str>,
    /// See [`super::projects::render_page`].
    pub fresh_until: Option<NaiveDateTime>,
    /// When it was built.
    pub built_at: NaiveDateTime,
}

/// Stores `page` as its project's page built at `built.version`, in one transaction, unless
/// the version has moved on meanwhile. Returns whether it was stored.
pub fn store(conn: &mut AnyConnection, built: &Built, page: &StoredPage) -> QueryResult<bool> {
    write_tx(conn, |conn| store_row(conn, built, page))
}

/// Stores each of `pages` as [`store`] would, all in one transaction (one commit, and on SQLite
/// one take of the write lock, for the lot). Returns how many were stored; the others' projects
/// changed while they were built.
pub fn store_all(conn: &mut AnyConnection, pages: &[(Built, StoredPage)]) -> QueryResult<usize> {
    write_tx(conn, |conn| {
        let mut stored = 0;
        for (built, page) in pages {
            if store_row(conn, built, page)? {
                stored += 1;
            }
        }
        Ok(stored)
    })
}

/// [`store`] inside the caller's transaction.
fn store_row(conn: &mut AnyConnection, built: &Built, page: &StoredPage) -> QueryResult<bool> {
    let id = built.project_id;
    let marked = diesel::update(
        project_pages::table
            .filter(project_pages::project_id.eq(id))
            .filter(project_pages::version.eq(built.version)),
    )
    .set((
        project_pages::built_version.eq(built.version),
        project_pages::format.eq(built.format.as_ref()),
        project_pages::fresh_until.eq(built.fresh_until),
        project_pages::built_at.eq(built.built_at),
    ))
    .execute(conn)?;
    if marked == 0 {
        return Ok(false);
    }
    let replaced = diesel::update(project_page_bodies::table.find(id))
        .set((
            project_page_bodies::etag.eq(&page.etag),
            project_page_bodies::body.eq(page.body.as_ref()),
        ))
        .execute(conn)?;
    if replaced == 0 {
        diesel::insert_into(project_page_bodies::table)
            .values((
                project_page_bodies::project_id.eq(id),
                project_page_bodies::etag.eq(&page.etag),
                project_page_bodies::body.eq(page.body.as_ref()),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Builds project `id`'s page as of `now`. The version is read before the data, so the
/// returned [`Built`] stores the page only if nothing changed meanwhile; it is `None` when
/// there is no such project (the page is then the 404's business of the caller's render).
pub fn build(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    format: &Arc<str>,
    now: NaiveDateTime,
    id: i64,
) -> AppResult<(StoredPage, Option<Built>)> {
    let version = version(conn, id)?;
    let (body, fresh_until) = super::projects::render_page(conn, rules, now, id)?;
    let page = StoredPage {
        etag: http_cache::etag_of(body.as_bytes()),
        body: Bytes::from(body),
    };
    let built = version.map(|version| Built {
        project_id: id,
        version,
        format: Arc::clone(format),
        fresh_until,
        built_at: now,
    });
    Ok((page, built))
}

/// [`build`] and [`store`]: whether the page was stored (a failure to store is logged).
fn build_and_try_store(
    conn: &mut AnyConnection,
    rules: &ProcurementRules,
    format: &Arc<str>,
    now: NaiveDateTime,
    id: i64,
) -> AppResult<bool> {
    let (page, built) = build(conn, rules, format, now, id)?;
    let Some(built) = built else {
        return Ok(false);
    };
    match store(conn, &built, &page) {
        Ok(stored) => Ok(stored),
        Err(error) => {
            tracing::warn!(project = id, %error, "could not store the project page");
            Ok(false)
        }
    }
}

/// Up to `limit` projects whose page is due at `now` for `format`: never built or built from an
/// older version, past its `fresh_until`, or of another format.
pub fn due(
    conn: &mut AnyConnection,
    format: &str,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = project_pages::table
        .filter(project_pages::built_version.ne(project_pages::version))
        .order(project_pages::project_id.asc())
        .select(project_pages::project_id)
        .limit(limit)
        .load(conn)?;
    let expired: Vec<i64> = project_pages::table
        .filter(project_pages::fresh_until.is_not_null())
        .filter(project_pages::fresh_until.le(now))
        .order(project_pages::fresh_until.asc())
        .select(project_pages::project_id)
        .limit(limit)
        .load(conn)?;
    let other_format: Vec<i64> = project_pages::table
        .filter(project_pages::format.ne(format))
        .order(project_pages::project_id.asc())
        .select(project_pages::project_id)
        .limit(limit)
        .load(conn)?;
    ids.extend(expired);
    ids.extend(other_format);
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(ids)
}

/// What one run of the job did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BuildReport {
    /// Pages built and stored.
    pub built: u64,
    /// Pages built but not stored, because their project changed meanwhile (due again).
    pub changed_meanwhile: u64,
    /// Projects whose page could not be built (logged; tried again next run).
    pub failed: u64,
    /// Whether due pages were left for the next run (time budget spent).
    pub more_due: bool,
}

/// Builds and stores due pages, `batch` at a time, until none is due or `budget` is spent.
/// Each project is tried at most once per run, so a page that keeps changing cannot hold the
/// run.
pub fn build_due(
    db: &Db,
    rules: &ProcurementRules,
    format: &Arc<str>,
    now: NaiveDateTime,
    batch: i64,
    budget: Duration,
) -> AppResult<BuildReport> {
    let started = Instant::now();
    let mut conn = db.get()?;
    let mut report = BuildReport::default();
    let mut tried: HashSet<i64> = HashSet::new();
    loop {
        let fresh: Vec<i64> = due(&mut conn, format, now, batch)?
            .into_iter()
            .filter(|id| !tried.contains(id))
            .collect();
        if fresh.is_empty() {
            return Ok(report);
        }
        for id in fresh {
            if started.elapsed() >= budget {
                report.more_due = true;
                return Ok(report);
            }
            tried.insert(id);
            match build_and_try_store(&mut conn, rules, format, now, id) {
                Ok(true) => report.built += 1,
                Ok(false) => report.changed_meanwhile += 1,
                Err(error) => {
                    tracing::warn!(project = id, %error, "could not build the project page");
                    report.failed += 1;
                }
            }
        }
    }
}

/// The `build_project_pages` job: [`build_due`] on the blocking pool with the configured
/// `jobs.time_budget_ms`.
pub async fn run_job(state: &crate::app::AppState) -> AppResult<serde_json::Value> {
    let db = state.db.clone();
    let rules = state.rules.clone();
    let format = state.project_page_format.clone();
    let now = state.clock.now();
    let budget = Duration::from_millis(state.settings.jobs.time_budget_ms);
    let report = tokio::task::spawn_blocking(move || {
        build_due(&db, &rules, &format, now, BUILD_BATCH, budget)
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("page building task failed: {e}")))??;
    serde_json::to_value(report).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_rules() {
        let rules = ProcurementRules::embedded().expect("embedded rules");
        let format = page_format(&rules);
        assert_eq!(format.len(), 16);
        assert_eq!(format, page_format(&rules), "stable within a build");
        let mut other = rules.clone();
        other.methods.clear();
        assert_ne!(format, page_format(&other));
    }
}
