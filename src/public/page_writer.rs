//! Stores the project pages built on request, off the request's path.
//!
//! A request for a project whose stored page is not current builds the page and answers with
//! it at once; storing it is this writer's work. Storing is a write, and on SQLite writes take
//! turns on one lock: when each request stored its own page, up to a pool's worth of
//! connections waited on that lock while requests queued behind them. One thread here takes
//! the pages from a queue and stores them in batches, one transaction per batch
//! ([`project_pages::store_all`]), so a burst of new pages costs a few commits.
//!
//! A stored page is a cache. A page that finds the queue full is not stored, and one queued
//! when the process stops is lost; either is built again on its next request or by the
//! `build_project_pages` job. A page whose project changed while it was built or queued is not
//! stored (the version check of [`project_pages::store_all`]), so it stays due.

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use super::project_pages::{self, Built, StoredPage};
use crate::db::Db;

/// Pages the queue holds before new ones are turned away.
pub const QUEUE: usize = 1024;

/// Pages stored in one transaction at most.
pub const BATCH: usize = 64;

enum Message {
    Store(Built, StoredPage),
    /// Answered once everything queued before it has been stored (or given up).
    Flush(oneshot::Sender<()>),
}

/// The handle of the writer thread; the thread stops when the handle is dropped.
#[derive(Debug)]
pub struct PageWriter {
    sender: mpsc::Sender<Message>,
}

impl PageWriter {
    /// Starts the writer thread, which stores pages through `db`.
    pub fn start(db: Db) -> std::io::Result<PageWriter> {
        let (sender, receiver) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("project-page-writer".to_owned())
            .spawn(move || write_until_closed(&db, receiver))?;
        Ok(PageWriter { sender })
    }

    /// Queues `page` to be stored as `built` says; returns `false` (and the page is simply
    /// not stored) when the queue is full or the writer has stopped. Never waits.
    pub fn submit(&self, built: Built, page: StoredPage) -> bool {
        match self.sender.try_send(Message::Store(built, page)) {
            Ok(()) => true,
            Err(error) => {
                tracing::debug!(%error, "project page not queued for storing");
                false
            }
        }
    }

    /// Waits until every page queued before this call has been stored or given up.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// The writer thread: takes what is queued, up to [`BATCH`] pages at a time, and stores it.
fn write_until_closed(db: &Db, mut receiver: mpsc::Receiver<Message>) {
    while let Some(first) = receiver.blocking_recv() {
        let mut batch = Batch::default();
        batch.take(first);
        while batch.pages.len() < BATCH {
            match receiver.try_recv() {
                Ok(message) => batch.take(message),
                Err(_) => break,
            }
        }
        batch.store(db);
    }
}

/// One batch: its pages, the last one per project, and the flushes waiting for it.
#[derive(Default)]
struct Batch {
    pages: Vec<(Built, StoredPage)>,
    index_of: HashMap<i64, usize>,
    waiting: Vec<oneshot::Sender<()>>,
}

impl Batch {
    fn take(&mut self, message: Message) {
        match message {
            Message::Store(built, page) => match self.index_of.get(&built.project_id) {
                // Two requests built the same page: keep the later one.
                Some(&index) => self.pages[index] = (built, page),
                None => {
                    self.index_of.insert(built.project_id, self.pages.len());
                    self.pages.push((built, page));
                }
            },
            Message::Flush(done) => self.waiting.push(done),
        }
    }

    fn store(self, db: &Db) {
        if !self.pages.is_empty() {
            let result = db
                .get()
                .and_then(|mut conn| Ok(project_pages::store_all(&mut conn, &self.pages)?));
            match result {
                Ok(stored) => tracing::debug!(
                    stored,
                    changed_meanwhile = self.pages.len() - stored,
                    "project pages stored"
                ),
                Err(error) => tracing::warn!(
                    %error,
                    pages = self.pages.len(),
                    "could not store project pages; they are built again when asked for"
                ),
            }
        }
        for done in self.waiting {
            let _ = done.send(());
        }
    }
}
