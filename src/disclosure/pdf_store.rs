//! Stored notice PDFs (issue 6 §2): each notice's PDF is rendered once by [`PdfRenderer`],
//! kept in the content-addressed [`Storage`] and its SHA-256 recorded in
//! `notices.pdf_sha256`.
//!
//! - [`ensure_pdf`] returns a notice's PDF, rendering and storing it when it is missing. The
//!   renderer is deterministic, so two instances racing on one notice produce the same bytes;
//!   the column is set with `UPDATE … WHERE pdf_sha256 IS NULL`, and the loser reads the
//!   winner's (identical) address back.
//! - [`render_pending`] is the body of the `render_notice_pdfs` job: every notice without a
//!   PDF, oldest first, in batches, within a time budget.
//! - [`PdfCache`] keeps recently served PDFs in memory (least recently used out first), so
//!   serving a stored PDF needs neither the database nor the disk. Notices are never edited
//!   (a correction is a new notice), so a cached PDF never goes stale.
//!
//! Setting `pdf_sha256` writes no audit row: the PDF is derived from the notice's published
//! text (itself audited by `notice.publish`) and changes nothing a user decided.
//!
//! Rendering is CPU work: callers run these functions on the blocking pool
//! ([`pdf_for`] and [`render_pending`] do it themselves).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use diesel::prelude::*;
use serde::Serialize;

use super::notices::{self, NoticeRow};
use super::pdf::{PdfNotice, PdfRenderer};
use crate::app::AppState;
use crate::db::schema::{notices as notices_t, projects};
use crate::db::{AnyConnection, Db};
use crate::error::{AppError, AppResult};
use crate::storage::{Storage, sha256_hex};

/// Notices the job loads per query.
pub const PENDING_BATCH: i64 = 100;

/// Bytes of PDFs the in-memory cache holds at most (about a thousand one-page notices).
pub const CACHE_MAX_BYTES: usize = 48 * 1024 * 1024;

/// A notice's PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticePdf {
    /// Lower-case hex SHA-256 of the bytes (its storage address and its `ETag`).
    pub sha256: String,
    /// The PDF.
    pub bytes: Bytes,
}

/// The project number (项目编号) of a notice's project, if it belongs to one.
fn project_number(conn: &mut AnyConnection, row: &NoticeRow) -> QueryResult<Option<String>> {
    match row.project_id {
        Some(project_id) => projects::table
            .find(project_id)
            .select(projects::number)
            .first(conn)
            .optional(),
        None => Ok(None),
    }
}

/// Renders `row` and stores the bytes; returns them with their SHA-256.
fn render_and_store(
    storage: &Storage,
    renderer: &PdfRenderer,
    row: &NoticeRow,
    project_number: Option<&str>,
) -> AppResult<NoticePdf> {
    let bytes = renderer
        .render(&PdfNotice::from_row(row, project_number))
        .map_err(AppError::internal)?;
    let stored = storage.put(&bytes).map_err(AppError::internal)?;
    Ok(NoticePdf {
        sha256: stored.sha256,
        bytes: Bytes::from(bytes),
    })
}

/// Records `sha256` as the PDF of notice `id` unless one is recorded already; returns the
/// address the row holds afterwards.
fn record_sha256(conn: &mut AnyConnection, id: i64, sha256: &str) -> QueryResult<Option<String>> {
    diesel::update(
        notices_t::table
            .filter(notices_t::id.eq(id))
            .filter(notices_t::pdf_sha256.is_null()),
    )
    .set(notices_t::pdf_sha256.eq(sha256))
    .execute(conn)?;
    notices_t::table
        .find(id)
        .select(notices_t::pdf_sha256)
        .first::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Renders and stores the PDF of `row` (which has none recorded), records its address with
/// a guarded UPDATE, and returns the PDF the row ends up with: ours, or — when another
/// instance recorded a different one first — that one, if it is in storage.
fn render_new(
    db: &Db,
    storage: &Storage,
    renderer: &PdfRenderer,
    row: &NoticeRow,
    project_number: Option<&str>,
) -> AppResult<NoticePdf> {
    let pdf = render_and_store(storage, renderer, row, project_number)?;
    let recorded = {
        let mut conn = db.get()?;
        record_sha256(&mut conn, row.id, &pdf.sha256)?
    };
    match recorded {
        Some(other) if other != pdf.sha256 => {
            tracing::warn!(
                notice = row.id,
                ours = %pdf.sha256,
                recorded = %other,
                "another PDF was recorded for this notice first"
            );
            match storage.get(&other) {
                Ok(bytes) => Ok(NoticePdf {
                    sha256: other,
                    bytes: Bytes::from(bytes),
                }),
                Err(_) => Ok(pdf),
            }
        }
        _ => Ok(pdf),
    }
}

/// The PDF of notice `notice_id`, or `None` when there is no such notice. When
/// `pdf_sha256` is set and the file is in storage (intact), it is returned as stored;
/// otherwise the notice is rendered, stored, and — if no address was recorded yet — its
/// address recorded. Blocking (database, disk and CPU): call it on the blocking pool. No
/// database connection is held while rendering.
pub fn ensure_pdf(
    db: &Db,
    storage: &Storage,
    renderer: &PdfRenderer,
    notice_id: i64,
) -> AppResult<Option<NoticePdf>> {
    let (row, number) = {
        let mut conn = db.get()?;
        let Some(row) = notices::find(&mut conn, notice_id)? else {
            return Ok(None);
        };
        let number = project_number(&mut conn, &row)?;
        (row, number)
    };
    let Some(recorded) = row.pdf_sha256.clone() else {
        return render_new(db, storage, renderer, &row, number.as_deref()).map(Some);
    };
    if let Ok(bytes) = storage.get(&recorded)
        && sha256_hex(&bytes) == recorded
    {
        return Ok(Some(NoticePdf {
            sha256: recorded,
            bytes: Bytes::from(bytes),
        }));
    }
    // Recorded but missing or damaged in storage: render it again.
    let pdf = render_and_store(storage, renderer, &row, number.as_deref())?;
    if pdf.sha256 != recorded {
        // The renderer changed since it was recorded: record the new address.
        tracing::warn!(
            notice = row.id,
            recorded = %recorded,
            rendered = %pdf.sha256,
            "the recorded PDF was missing and renders differently now"
        );
        let mut conn = db.get()?;
        diesel::update(
            notices_t::table
                .filter(notices_t::id.eq(row.id))
                .filter(notices_t::pdf_sha256.eq(&recorded)),
        )
        .set(notices_t::pdf_sha256.eq(&pdf.sha256))
        .execute(&mut *conn)?;
    }
    Ok(Some(pdf))
}

/// What one run of `render_notice_pdfs` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RenderReport {
    /// Notices whose PDF this run rendered and recorded.
    pub rendered: u64,
    /// Notices whose rendering failed (logged; retried by the next run).
    pub failed: u64,
    /// Whether the run stopped at its time budget with notices still pending.
    pub more: bool,
}

/// One batch of notices without a PDF after the keyset `after` (published_at, id), oldest
/// first.
fn pending_batch(
    conn: &mut AnyConnection,
    after: Option<(chrono::NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<NoticeRow>> {
    let mut query = notices_t::table
        .filter(notices_t::pdf_sha256.is_null())
        .into_boxed();
    if let Some((published_at, id)) = after {
        query = query.filter(
            notices_t::published_at
                .gt(published_at)
                .or(notices_t::published_at
                    .eq(published_at)
                    .and(notices_t::id.gt(id))),
        );
    }
    query
        .order((notices_t::published_at.asc(), notices_t::id.asc()))
        .limit(limit)
        .select(notices_t::all_columns)
        .load(conn)
}

/// The project numbers of the projects of `rows`.
fn project_numbers(
    conn: &mut AnyConnection,
    rows: &[NoticeRow],
) -> QueryResult<HashMap<i64, String>> {
    let ids: Vec<i64> = rows.iter().filter_map(|row| row.project_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(projects::table
        .filter(projects::id.eq_any(ids))
        .select((projects::id, projects::number))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Renders every notice without a PDF, oldest first, `batch` at a time, until none is left
/// or `budget` has passed. Blocking; a notice that fails to render is logged, counted and
/// skipped (the next run tries it again).
pub fn render_pending_blocking(
    db: &Db,
    storage: &Storage,
    renderer: &PdfRenderer,
    batch: i64,
    budget: Duration,
) -> AppResult<RenderReport> {
    let started = Instant::now();
    let mut report = RenderReport::default();
    let mut after = None;
    loop {
        let (rows, numbers) = {
            let mut conn = db.get()?;
            let rows = pending_batch(&mut conn, after, batch)?;
            let numbers = project_numbers(&mut conn, &rows)?;
            (rows, numbers)
        };
        let Some(last) = rows.last() else {
            return Ok(report);
        };
        after = Some((last.published_at, last.id));
        for row in &rows {
            if started.elapsed() >= budget {
                report.more = true;
                return Ok(report);
            }
            let number = row
                .project_id
                .and_then(|id| numbers.get(&id))
                .map(String::as_str);
            match render_new(db, storage, renderer, row, number) {
                Ok(_) => report.rendered += 1,
                Err(error) => {
                    tracing::error!(notice = row.id, error = %error, "notice PDF not rendered");
                    report.failed += 1;
                }
            }
        }
        if (rows.len() as i64) < batch {
            return Ok(report);
        }
    }
}

/// The `render_notice_pdfs` job: [`render_pending_blocking`] on the blocking pool with
/// [`PENDING_BATCH`] and the configured `jobs.time_budget_ms`.
pub async fn render_pending(state: &AppState) -> AppResult<serde_json::Value> {
    let db = state.db.clone();
    let storage = Storage::new(&state.settings.storage.dir);
    let renderer = state.pdf.clone();
    let budget = Duration::from_millis(state.settings.jobs.time_budget_ms);
    let report = tokio::task::spawn_blocking(move || {
        render_pending_blocking(&db, &storage, &renderer, PENDING_BATCH, budget)
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("PDF rendering task failed: {e}")))??;
    serde_json::to_value(report).map_err(AppError::internal)
}

/// The PDF of a notice for serving: from [`AppState::pdf_cache`] when it is there,
/// otherwise through [`ensure_pdf`] on the blocking pool (then cached). `None` when there
/// is no such notice.
pub async fn pdf_for(state: &AppState, notice_id: i64) -> AppResult<Option<NoticePdf>> {
    if let Some(pdf) = state.pdf_cache.get(notice_id) {
        return Ok(Some(pdf));
    }
    let db = state.db.clone();
    let storage = Storage::new(&state.settings.storage.dir);
    let renderer = state.pdf.clone();
    let pdf = tokio::task::spawn_blocking(move || ensure_pdf(&db, &storage, &renderer, notice_id))
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("PDF rendering task failed: {e}")))??;
    if let Some(pdf) = &pdf {
        state.pdf_cache.insert(notice_id, pdf.clone());
    }
    Ok(pdf)
}

/// One cached PDF and when it was last used.
#[derive(Debug)]
struct CacheEntry {
    /// The PDF.
    pdf: NoticePdf,
    /// The cache's use counter at its last use.
    last_used: u64,
}

/// The cache's contents.
#[derive(Debug, Default)]
struct CacheInner {
    /// Notice id → its PDF.
    entries: HashMap<i64, CacheEntry>,
    /// Sum of the cached PDFs' sizes.
    bytes: usize,
    /// Incremented on every use.
    clock: u64,
}

/// Recently served notice PDFs in memory, keyed by notice id, at most `max_bytes` in all;
/// the least recently used go first. Cheap to share (`Arc`); the lock is held only to look
/// up or insert.
#[derive(Debug)]
pub struct PdfCache {
    /// Size limit in bytes.
    max_bytes: usize,
    /// The entries.
    inner: Mutex<CacheInner>,
}

impl Default for PdfCache {
    fn default() -> Self {
        PdfCache::new(CACHE_MAX_BYTES)
    }
}

impl PdfCache {
    /// An empty cache holding at most `max_bytes` of PDFs.
    pub fn new(max_bytes: usize) -> PdfCache {
        PdfCache {
            max_bytes,
            inner: Mutex::new(CacheInner::default()),
        }
    }

    /// The cached PDF of notice `id`, marking it used.
    pub fn get(&self, id: i64) -> Option<NoticePdf> {
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(&id)?;
        entry.last_used = now;
        Some(entry.pdf.clone())
    }

    /// Caches the PDF of notice `id`, evicting the least recently used PDFs to stay within
    /// the size limit (a PDF larger than the whole limit is not cached).
    pub fn insert(&self, id: i64, pdf: NoticePdf) {
        let size = pdf.bytes.len();
        if size > self.max_bytes {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.clock += 1;
        let now = inner.clock;
        if let Some(old) = inner.entries.remove(&id) {
            inner.bytes -= old.pdf.bytes.len();
        }
        while inner.bytes + size > self.max_bytes {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(id, _)| *id)
            else {
                break;
            };
            if let Some(evicted) = inner.entries.remove(&oldest) {
                inner.bytes -= evicted.pdf.bytes.len();
            }
        }
        inner.bytes += size;
        inner.entries.insert(
            id,
            CacheEntry {
                pdf,
                last_used: now,
            },
        );
    }

    /// How many PDFs are cached.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |inner| inner.entries.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(fill: u8, size: usize) -> NoticePdf {
        let bytes = vec![fill; size];
        NoticePdf {
            sha256: sha256_hex(&bytes),
            bytes: Bytes::from(bytes),
        }
    }

    #[test]
    fn the_cache_evicts_the_least_recently_used_within_its_size() {
        let cache = PdfCache::new(30);
        cache.insert(1, pdf(1, 10));
        cache.insert(2, pdf(2, 10));
        cache.insert(3, pdf(3, 10));
        assert_eq!(cache.len(), 3);
        // 1 is used, so 2 is now the least recently used.
        assert_eq!(cache.get(1), Some(pdf(1, 10)));
        cache.insert(4, pdf(4, 10));
        assert_eq!(cache.len(), 3);
        assert!(cache.get(2).is_none());
        assert!(cache.get(1).is_some() && cache.get(3).is_some() && cache.get(4).is_some());
        // A big one pushes out as many as it needs.
        cache.insert(5, pdf(5, 25));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(5), Some(pdf(5, 25)));
        // Larger than the whole cache: not kept.
        cache.insert(6, pdf(6, 31));
        assert!(cache.get(6).is_none());
        assert!(cache.get(5).is_some());
        // Replacing an entry does not count it twice.
        cache.insert(5, pdf(7, 25));
        assert_eq!(cache.get(5), Some(pdf(7, 25)));
        assert_eq!(cache.len(), 1);
        assert!(!cache.is_empty());
    }
}
