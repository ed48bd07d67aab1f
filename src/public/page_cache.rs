//! A short-lived, in-process cache of the public responses that depend only on the published
//! notices (`/notices`, `/api/v1/notices`, `/feed.atom`), keyed by path and query.
//!
//! Lists are what the public and crawlers ask for most, and each one costs a filtered count
//! and a page query; a province publishes a few hundred notices a day, so almost every
//! request can be answered from memory. An entry is served only while both hold:
//! - no notice was published by this process since it was built (the publication generation
//!   of [`crate::disclosure::notices::publication_generation`]), so this instance's own
//!   publications show at once;
//! - it is younger than [`TTL`], which bounds how long a publication by *another* instance on
//!   the same database stays unseen. The pages already say `Cache-Control: public,
//!   max-age=60`, so a reverse proxy may serve them far staler than this.
//!
//! The age is read from the monotonic `Instant`, not the wall clock: it measures elapsed
//! time and never enters a rule or a record (see `clock.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use super::http_cache;
use crate::disclosure::notices::publication_generation;
use crate::error::AppResult;

/// How long a notice list may be served without this process seeing a publication.
pub const TTL: Duration = Duration::from_secs(2);

/// How long the summaries (home figures, statistics) may be served: they aggregate every
/// project and contract, which takes seconds on a province's data.
pub const SUMMARY_TTL: Duration = Duration::from_secs(60);

/// How long one request may take to rebuild an entry before another one tries.
const REBUILD_GRACE: Duration = Duration::from_secs(30);

/// Entries kept at most; filter combinations beyond this evict the oldest.
pub const CAPACITY: usize = 2_048;

/// One cached response.
#[derive(Debug, Clone)]
pub struct CachedPage {
    /// The body, shared between requests without copying.
    pub body: Bytes,
    /// Its strong entity tag ([`crate::public::http_cache::etag_of`]).
    pub etag: String,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Cache-Control`.
    pub cache_control: &'static str,
}

#[derive(Debug)]
struct Entry {
    generation: u64,
    stored: Instant,
    ttl: Duration,
    /// Since when a request has been rebuilding this (expired) entry; meanwhile the others
    /// are answered with the expired page instead of all rebuilding it at once.
    rebuilding_since: Option<Instant>,
    page: CachedPage,
}

impl Entry {
    fn is_current(&self, generation: u64) -> bool {
        self.generation == generation && self.stored.elapsed() < self.ttl
    }
}

/// What the cache has for a key.
#[derive(Debug)]
pub enum Lookup {
    /// A current page.
    Hit(CachedPage),
    /// An expired page that another request is rebuilding: serve it meanwhile.
    Stale(CachedPage),
    /// Nothing usable: build it (the caller is now the one rebuilding).
    Miss,
}

/// The cache (one per app; shared by its workers).
#[derive(Debug, Default)]
pub struct PageCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl PageCache {
    /// The entry for `key`, if it was built at `current` generation and is still young.
    #[cfg(test)]
    fn get_at(&self, key: &str, current: u64) -> Option<CachedPage> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        entry.is_current(current).then(|| entry.page.clone())
    }

    /// Looks `key` up; on an expired entry the first caller is told to rebuild it and later
    /// callers get the expired page until it is rebuilt (or the rebuild takes too long).
    pub fn lookup(&self, key: &str) -> Lookup {
        let current = publication_generation();
        let Ok(mut entries) = self.entries.lock() else {
            return Lookup::Miss;
        };
        let Some(entry) = entries.get_mut(key) else {
            return Lookup::Miss;
        };
        if entry.is_current(current) {
            return Lookup::Hit(entry.page.clone());
        }
        match entry.rebuilding_since {
            Some(since) if since.elapsed() < REBUILD_GRACE => Lookup::Stale(entry.page.clone()),
            _ => {
                entry.rebuilding_since = Some(Instant::now());
                Lookup::Miss
            }
        }
    }

    /// `put_for` with the lists' time to live.
    #[cfg(test)]
    fn put(&self, key: String, generation: u64, page: CachedPage) {
        self.put_for(key, generation, TTL, page);
    }

    /// Stores `page` for `key` as built at `generation` (read *before* the data was read, so
    /// a publication while it was being built leaves it never served), for `ttl`.
    pub fn put_for(&self, key: String, generation: u64, ttl: Duration, page: CachedPage) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            let current = publication_generation();
            entries.retain(|_, e| e.is_current(current));
            if entries.len() >= CAPACITY
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.stored)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            key,
            Entry {
                generation,
                stored: Instant::now(),
                ttl,
                rebuilding_since: None,
                page,
            },
        );
    }

    /// How many entries are held (current or not).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Answers `req` from `cache` (with its `ETag`, `Cache-Control` and `304` handling), or
/// builds the body with `build`, caches it for `ttl` and answers with it. Errors are not
/// cached. While one request rebuilds an expired page, the others get the expired one.
pub async fn serve<F, Fut>(
    req: &HttpRequest,
    cache: &PageCache,
    ttl: Duration,
    content_type: &'static str,
    cache_control: &'static str,
    build: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = AppResult<String>>,
{
    let key = req.uri().to_string();
    if let Lookup::Hit(page) | Lookup::Stale(page) = cache.lookup(&key) {
        return Ok(http_cache::respond_tagged(
            req,
            page.content_type,
            page.cache_control,
            &page.etag,
            page.body,
        ));
    }
    let generation = publication_generation();
    let body = build().await?;
    let page = CachedPage {
        etag: http_cache::etag_of(body.as_bytes()),
        body: Bytes::from(body),
        content_type,
        cache_control,
    };
    cache.put_for(key, generation, ttl, page.clone());
    Ok(http_cache::respond_tagged(
        req,
        content_type,
        cache_control,
        &page.etag,
        page.body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> CachedPage {
        CachedPage {
            body: Bytes::from(text.to_owned()),
            etag: http_cache::etag_of(text.as_bytes()),
            content_type: http_cache::HTML,
            cache_control: http_cache::LIST,
        }
    }

    // Other tests publish notices concurrently, so these pass generations explicitly.

    #[test]
    fn an_entry_is_served_until_a_publication() {
        let cache = PageCache::default();
        cache.put("/notices".into(), 7, page("a"));
        assert_eq!(
            cache.get_at("/notices", 7).map(|p| p.body),
            Some(Bytes::from("a"))
        );
        assert!(cache.get_at("/notices?page=2", 7).is_none());
        assert!(
            cache.get_at("/notices", 8).is_none(),
            "stale after a publication"
        );
    }

    #[test]
    fn an_expired_entry_is_rebuilt_by_one_request_while_the_others_get_it() {
        let cache = PageCache::default();
        cache.put_for("/stats".into(), 0, Duration::ZERO, page("old"));
        assert!(matches!(cache.lookup("/stats"), Lookup::Miss));
        assert!(matches!(cache.lookup("/stats"), Lookup::Stale(p) if p.body == "old"));
        cache.put_for(
            "/stats".into(),
            publication_generation(),
            SUMMARY_TTL,
            page("new"),
        );
        assert!(matches!(cache.lookup("/stats"), Lookup::Hit(p) if p.body == "new"));
        assert!(matches!(cache.lookup("/other"), Lookup::Miss));
    }

    #[test]
    fn a_publication_moves_the_generation_on() {
        let before = publication_generation();
        crate::disclosure::notices::note_publication();
        assert!(publication_generation() > before);
    }

    #[test]
    fn it_holds_at_most_its_capacity() {
        let cache = PageCache::default();
        let generation = publication_generation();
        for i in 0..CAPACITY + 10 {
            cache.put(format!("/notices?page={i}"), generation, page("x"));
        }
        assert!(cache.len() <= CAPACITY, "{}", cache.len());
        assert!(!cache.is_empty());
    }
}
