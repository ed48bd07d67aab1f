//! The `outbox` table: messages waiting to be sent, sent, or given up on.
//!
//! A row is `pending` from [`enqueue`] until the delivery job records it `sent`, or `failed`
//! after `max_attempts`; an admin may [`retry`] a failed row.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::outbox;
use crate::db::{AnyConnection, is_unique_violation, write_tx};
use crate::error::{AppError, AppResult};

/// Waiting to be sent (or being sent, while a claim's lease runs).
pub const STATUS_PENDING: &str = "pending";
/// Accepted by the mail server (or written to a file).
pub const STATUS_SENT: &str = "sent";
/// Gave up after `max_attempts`; an admin may retry it.
pub const STATUS_FAILED: &str = "failed";

/// A message to queue.
#[derive(Debug, Clone, Copy)]
pub struct NewEmail<'a> {
    /// What the message is about, e.g. `tender_published` (for filtering and tests).
    pub kind: &'a str,
    /// When set, at most one message with this key is ever queued (e.g. `award:42:user:7`).
    pub dedup_key: Option<&'a str>,
    /// Recipient mailbox, `addr@example.com` or `名字 <addr@example.com>`.
    pub to_address: &'a str,
    /// The recipient's account, when there is one.
    pub to_user_id: Option<i64>,
    /// Subject (any Unicode; encoded when sent).
    pub subject: &'a str,
    /// Plain-text body.
    pub body_text: &'a str,
    /// Optional HTML alternative of the body.
    pub body_html: Option<&'a str>,
}

/// Whether a message was ever queued under `key` (in any status).
pub fn is_queued(conn: &mut AnyConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outbox::table.filter(outbox::dedup_key.eq(key)),
    ))
    .get_result(conn)
}

/// Queues a message inside the caller's transaction, due at once.
///
/// Returns the new row's id, or `Ok(None)` when a row with the same `dedup_key` already exists
/// (never queued twice). The existence check comes first so that no statement fails on
/// PostgreSQL in the common case; the insert itself runs in a savepoint, so that when a
/// concurrent transaction commits the same key first, the unique violation is rolled back to
/// the savepoint and reported as `Ok(None)` without aborting the caller's transaction.
pub fn enqueue(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    email: &NewEmail<'_>,
) -> QueryResult<Option<i64>> {
    if let Some(key) = email.dedup_key
        && is_queued(conn, key)?
    {
        return Ok(None);
    }
    let inserted = write_tx(conn, |conn| {
        diesel::insert_into(outbox::table)
            .values((
                outbox::created_at.eq(now),
                outbox::kind.eq(email.kind),
                outbox::dedup_key.eq(email.dedup_key),
                outbox::to_address.eq(email.to_address),
                outbox::to_user_id.eq(email.to_user_id),
                outbox::subject.eq(email.subject),
                outbox::body_text.eq(email.body_text),
                outbox::body_html.eq(email.body_html),
                outbox::status.eq(STATUS_PENDING),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
            ))
            .returning(outbox::id)
            .get_result::<i64>(conn)
    });
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(e) if email.dedup_key.is_some() && is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// An `outbox` row.
#[derive(Debug, Clone, Queryable, Serialize, utoipa::ToSchema)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// When it was queued (UTC).
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    /// What the message is about.
    pub kind: String,
    /// De-duplication key, when given.
    pub dedup_key: Option<String>,
    /// Recipient mailbox.
    pub to_address: String,
    /// The recipient's account.
    pub to_user_id: Option<i64>,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// HTML alternative.
    pub body_html: Option<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts started so far.
    pub attempts: i32,
    /// When the next attempt is due (UTC); while an attempt runs, the end of its lease.
    #[schema(value_type = String)]
    pub next_attempt_at: NaiveDateTime,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When the server accepted it (UTC).
    #[schema(value_type = Option<String>)]
    pub sent_at: Option<NaiveDateTime>,
}

/// A page of rows, newest first, optionally of one status; with the total count.
pub fn list(
    conn: &mut AnyConnection,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<OutboxRow>, i64)> {
    let filtered = || {
        let mut query = outbox::table.into_boxed();
        if let Some(status) = status {
            query = query.filter(outbox::status.eq(status.to_owned()));
        }
        query
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let rows = filtered()
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select(outbox::all_columns)
        .load(conn)?;
    Ok((rows, total))
}

/// One row by id.
pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(outbox::all_columns)
        .first(conn)
        .optional()
}

/// Puts a `failed` row back to `pending`, due at `now`; `attempts` and `last_error` are kept.
///
/// Any other status is `AppError::InvalidState { from: status, action: "retry" }`; a missing
/// row is `AppError::NotFound`.
pub fn retry(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> AppResult<OutboxRow> {
    write_tx(conn, |conn| {
        // Conditional, so that a concurrent change of status is never overwritten.
        let updated = diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::status.eq(STATUS_FAILED)),
        )
        .set((
            outbox::status.eq(STATUS_PENDING),
            outbox::next_attempt_at.eq(now),
        ))
        .returning(outbox::all_columns)
        .get_result::<OutboxRow>(conn)
        .optional()?;
        if let Some(row) = updated {
            return Ok(row);
        }
        match find(conn, id)? {
            Some(row) => Err(AppError::InvalidState {
                from: row.status,
                action: "retry".to_owned(),
            }),
            None => Err(AppError::NotFound("邮件不存在".to_owned())),
        }
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use diesel::connection::SimpleConnection;

    use super::*;
    use crate::db::Db;

    /// A migrated SQLite database in a fresh temporary directory (kept alive by the guard).
    pub(crate) fn sqlite_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Db::connect(&url, 2, Duration::from_secs(5)).expect("connect");
        db.migrate().expect("migrate");
        (dir, db)
    }

    /// A throwaway, migrated PostgreSQL database, dropped with the guard, when
    /// `SIXNORMS_TEST_POSTGRES_URL` names a server (e.g. `postgres://postgres@127.0.0.1/test`);
    /// `None` (and a note on stderr) otherwise.
    pub(crate) fn postgres_db() -> Option<(PostgresGuard, Db)> {
        let Ok(admin_url) = std::env::var("SIXNORMS_TEST_POSTGRES_URL") else {
            eprintln!("SIXNORMS_TEST_POSTGRES_URL is not set: PostgreSQL variant not run");
            return None;
        };
        let admin_url = crate::db::without_transport_encryption(&admin_url);
        let (server_url, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
        let name = format!(
            "sixnorms_notify_{}_{}",
            std::process::id(),
            rand::random::<u32>()
        );
        let mut admin = diesel::PgConnection::establish(&admin_url).expect("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        let guard = PostgresGuard { admin, name };
        let (base, _) = server_url.rsplit_once('/').expect("url with a database");
        let db = Db::connect(
            &format!("{base}/{}?{query}", guard.name),
            4,
            Duration::from_secs(5),
        )
        .expect("db");
        db.migrate().expect("migrate");
        Some((guard, db))
    }

    /// Drops the throwaway database (and its connections) when the test ends.
    pub(crate) struct PostgresGuard {
        admin: diesel::PgConnection,
        name: String,
    }

    impl Drop for PostgresGuard {
        fn drop(&mut self) {
            let _ = self
                .admin
                .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name));
        }
    }

    pub(crate) fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("valid time")
    }

    pub(crate) fn email<'a>(dedup_key: Option<&'a str>) -> NewEmail<'a> {
        NewEmail {
            kind: "test",
            dedup_key,
            to_address: "张三 <zhangsan@example.com>",
            to_user_id: None,
            subject: "关于“社区养老服务项目”的中标通知",
            body_text: "您好：\n贵单位已中标。金额：壹拾万元整。",
            body_html: None,
        }
    }

    fn set_status(conn: &mut AnyConnection, id: i64, status: &str) {
        diesel::update(outbox::table.find(id))
            .set(outbox::status.eq(status))
            .execute(conn)
            .expect("set status");
    }

    #[test]
    fn enqueue_stores_a_pending_row_due_now() {
        let (_dir, db) = sqlite_db();
        let mut conn = db.get().expect("conn");
        let now = at("2026-03-01 08:00:00");
        let id = enqueue(&mut conn, now, &email(None))
            .expect("enqueue")
            .expect("queued");
        let row = find(&mut conn, id).expect("find").expect("exists");
        assert_eq!(row.status, STATUS_PENDING);
        assert_eq!(row.attempts, 0);
        assert_eq!(row.created_at, now);
        assert_eq!(row.next_attempt_at, now);
        assert_eq!(row.subject, "关于“社区养老服务项目”的中标通知");
        assert_eq!(row.to_address, "张三 <zhangsan@example.com>");
        assert_eq!(row.last_error, None);
        assert_eq!(row.sent_at, None);
        assert!(find(&mut conn, id + 1000).expect("find").is_none());
    }

    #[test]
    fn the_same_dedup_key_is_queued_once_and_keys_are_optional() {
        let (_dir, db) = sqlite_db();
        let mut conn = db.get().expect("conn");
        let now = at("2026-03-01 08:00:00");
        let first = enqueue(&mut conn, now, &email(Some("award:1:user:7"))).expect("enqueue");
        assert!(first.is_some());
        let again = enqueue(&mut conn, now, &email(Some("award:1:user:7"))).expect("enqueue");
        assert_eq!(again, None);
        // Inside a caller's transaction too, and the transaction still commits.
        let in_tx = write_tx(&mut conn, |c| {
            let dup = enqueue(c, now, &email(Some("award:1:user:7")))?;
            let other = enqueue(c, now, &email(Some("award:1:user:8")))?;
            Ok::<_, diesel::result::Error>((dup, other))
        })
        .expect("tx");
        assert_eq!(in_tx.0, None);
        assert!(in_tx.1.is_some());
        // Without a key, every call queues.
        assert!(
            enqueue(&mut conn, now, &email(None))
                .expect("enqueue")
                .is_some()
        );
        assert!(
            enqueue(&mut conn, now, &email(None))
                .expect("enqueue")
                .is_some()
        );
        assert_eq!(list(&mut conn, None, 0, 100).expect("list").1, 4);
    }

    /// Two transactions queue the same key at once: the second waits for the first and, when
    /// it commits, gets `Ok(None)` while its own transaction carries on and commits.
    #[test]
    fn concurrent_enqueues_of_one_key_on_postgres_queue_once() {
        let Some((_guard, db)) = postgres_db() else {
            return;
        };
        let now = at("2026-03-01 08:00:00");
        let mut first = db.get().expect("conn");
        let (inserted_tx, inserted_rx) = std::sync::mpsc::channel();
        let (commit_tx, commit_rx) = std::sync::mpsc::channel::<()>();
        let db2 = db.clone();
        let second = std::thread::spawn(move || {
            // Waits until the first transaction holds its uncommitted row.
            inserted_rx.recv().expect("first inserted");
            let mut conn = db2.get().expect("conn");
            write_tx(&mut conn, |c| {
                let _ = commit_tx.send(());
                // Blocks on the unique index until the first commits.
                let dup = enqueue(c, now, &email(Some("race")))?;
                let other = enqueue(c, now, &email(Some("after-the-race")))?;
                Ok::<_, diesel::result::Error>((dup, other))
            })
        });
        write_tx(&mut first, |c| {
            let id = enqueue(c, now, &email(Some("race")))?;
            assert!(id.is_some());
            inserted_tx.send(()).expect("signal");
            commit_rx.recv().expect("second started");
            // Give the second transaction time to block on the index.
            std::thread::sleep(Duration::from_millis(300));
            Ok::<_, diesel::result::Error>(())
        })
        .expect("first commits");
        let (dup, other) = second.join().expect("join").expect("second commits");
        assert_eq!(dup, None);
        assert!(other.is_some());
        assert_eq!(list(&mut first, None, 0, 10).expect("list").1, 2);
    }

    #[test]
    fn enqueue_rolls_back_with_the_callers_transaction() {
        let (_dir, db) = sqlite_db();
        let mut conn = db.get().expect("conn");
        let now = at("2026-03-01 08:00:00");
        let failed: Result<(), diesel::result::Error> = write_tx(&mut conn, |c| {
            enqueue(c, now, &email(Some("k")))?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        assert_eq!(list(&mut conn, None, 0, 10).expect("list").1, 0);
        // The key is free again.
        assert!(
            enqueue(&mut conn, now, &email(Some("k")))
                .expect("enqueue")
                .is_some()
        );
    }

    #[test]
    fn list_is_newest_first_filtered_and_paged_with_a_total() {
        let (_dir, db) = sqlite_db();
        let mut conn = db.get().expect("conn");
        let mut ids = Vec::new();
        for minute in 0..5 {
            let now = at("2026-03-01 08:00:00") + chrono::Duration::minutes(minute);
            ids.push(
                enqueue(&mut conn, now, &email(None))
                    .expect("enqueue")
                    .expect("queued"),
            );
        }
        set_status(&mut conn, ids[1], STATUS_FAILED);
        set_status(&mut conn, ids[3], STATUS_FAILED);

        let (rows, total) = list(&mut conn, None, 0, 2).expect("list");
        assert_eq!(total, 5);
        assert_eq!(
            rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![ids[4], ids[3]]
        );
        let (rows, total) = list(&mut conn, None, 4, 2).expect("list");
        assert_eq!(total, 5);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[0]]);

        let (rows, total) = list(&mut conn, Some(STATUS_FAILED), 0, 10).expect("list");
        assert_eq!(total, 2);
        assert_eq!(
            rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![ids[3], ids[1]]
        );
        let (rows, total) = list(&mut conn, Some(STATUS_SENT), 0, 10).expect("list");
        assert_eq!((rows.len(), total), (0, 0));
    }

    #[test]
    fn retry_moves_only_failed_rows_back_to_pending() {
        let (_dir, db) = sqlite_db();
        let mut conn = db.get().expect("conn");
        let queued_at = at("2026-03-01 08:00:00");
        let id = enqueue(&mut conn, queued_at, &email(None))
            .expect("enqueue")
            .expect("queued");

        let later = at("2026-03-02 09:30:00");
        match retry(&mut conn, id, later) {
            Err(AppError::InvalidState { from, action }) => {
                assert_eq!((from.as_str(), action.as_str()), ("pending", "retry"));
            }
            other => panic!("expected invalid_state, got {other:?}"),
        }

        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq(STATUS_FAILED),
                outbox::attempts.eq(8),
                outbox::last_error.eq(Some("connection refused")),
            ))
            .execute(&mut conn)
            .expect("fail it");
        let row = retry(&mut conn, id, later).expect("retry");
        assert_eq!(row.status, STATUS_PENDING);
        assert_eq!(row.next_attempt_at, later);
        assert_eq!(row.attempts, 8, "attempts kept");
        assert_eq!(row.last_error.as_deref(), Some("connection refused"));

        set_status(&mut conn, id, STATUS_SENT);
        match retry(&mut conn, id, later) {
            Err(AppError::InvalidState { from, .. }) => assert_eq!(from, "sent"),
            other => panic!("expected invalid_state, got {other:?}"),
        }
        assert!(matches!(
            retry(&mut conn, id + 1000, later),
            Err(AppError::NotFound(_))
        ));
    }
}
