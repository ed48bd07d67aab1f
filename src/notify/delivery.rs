//! Sending due outbox rows, exactly once even when several instances run the job at the same
//! time on one PostgreSQL database.
//!
//! Each row is claimed before it is sent by a conditional update that only one transaction can
//! win (`status = 'pending' AND next_attempt_at <= now`, which the claim itself moves
//! [`CLAIM_LEASE_SECS`] into the future, counting the attempt). The message is then sent
//! outside any transaction and the outcome recorded. Only a crash (or a lost database) between
//! the server's acceptance and the record can lead to a second delivery, after the lease.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Serialize;

use crate::clock::Clock;
use crate::config::MailSettings;
use crate::db::schema::outbox;
use crate::db::{AnyConnection, Db, write_tx};
use crate::error::AppResult;
use crate::notify::outbox::{OutboxRow, STATUS_FAILED, STATUS_PENDING, STATUS_SENT};
use crate::notify::sender::Mailer;

/// How long a claim keeps a row from other senders; longer than any send may take.
pub const CLAIM_LEASE_SECS: i64 = 300;

/// The longest `last_error` kept, in characters.
pub const MAX_ERROR_CHARS: usize = 1000;

/// What one [`deliver_due`] run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryReport {
    /// Messages the server accepted.
    pub sent: usize,
    /// Messages that failed and will be tried again.
    pub retrying: usize,
    /// Messages that failed for the last time (`max_attempts` reached).
    pub failed: usize,
}

/// Sends due messages (status `pending` and `next_attempt_at <= clock.now()`), at most
/// `settings.batch_size`, oldest first, one at a time: claim, send, record.
///
/// A failed send stores its message in `last_error` and is due again after
/// [`retry_delay_secs`]; after `max_attempts` attempts the row becomes `failed`. Rows another
/// instance claimed first are skipped. Errors are database errors only.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    clock: &Clock,
    settings: &MailSettings,
) -> AppResult<DeliveryReport> {
    let mut report = DeliveryReport::default();
    let limit = settings.batch_size;
    if limit <= 0 {
        return Ok(report);
    }
    let now = clock.now();
    let ids = db.run(move |conn| Ok(due_ids(conn, now, limit)?)).await?;
    for id in ids {
        let now = clock.now();
        let Some(row) = db.run(move |conn| Ok(claim(conn, id, now)?)).await? else {
            continue;
        };
        let outcome = mailer.send(&row).await;
        let now = clock.now();
        match outcome {
            Ok(()) => {
                let recorded = db.run(move |conn| Ok(record_sent(conn, id, now)?)).await?;
                if !recorded {
                    tracing::warn!(
                        outbox_id = id,
                        "email sent, but the row was no longer pending"
                    );
                }
                tracing::info!(outbox_id = id, attempts = row.attempts, "email sent");
                report.sent += 1;
            }
            Err(error) => {
                tracing::warn!(outbox_id = id, attempts = row.attempts, %error, "email not sent");
                let failure = Failure {
                    id,
                    claimed_attempts: row.attempts,
                    now,
                    error: truncate_chars(&error, MAX_ERROR_CHARS),
                    max_attempts: settings.max_attempts,
                    retry_base_secs: settings.retry_base_secs,
                    retry_max_secs: settings.retry_max_secs,
                };
                match db
                    .run(move |conn| Ok(record_failure(conn, &failure)?))
                    .await?
                {
                    Some(status) if status == STATUS_FAILED => report.failed += 1,
                    Some(_) => report.retrying += 1,
                    None => {
                        tracing::warn!(outbox_id = id, "failure not recorded: claimed again");
                        report.retrying += 1;
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Seconds to wait after the `attempts`-th failed attempt:
/// `min(base * 2^(attempts - 1), max)`, never negative and without overflow.
pub fn retry_delay_secs(attempts: i32, base_secs: i64, max_secs: i64) -> i64 {
    let max = max_secs.max(0);
    let base = base_secs.max(0);
    let exponent = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0);
    let factor = 2_i64.checked_pow(exponent).unwrap_or(i64::MAX);
    base.saturating_mul(factor).min(max)
}

/// Ids of due rows, oldest first.
fn due_ids(conn: &mut AnyConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    outbox::table
        .filter(outbox::status.eq(STATUS_PENDING))
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::id.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)
}

/// Takes a due row for one attempt: counts the attempt and moves `next_attempt_at` to the end
/// of the lease. `None` when the row is not (or no longer) due, e.g. another instance won.
fn claim(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<Option<OutboxRow>> {
    write_tx(conn, |conn| {
        diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::status.eq(STATUS_PENDING))
                .filter(outbox::next_attempt_at.le(now)),
        )
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(now + TimeDelta::seconds(CLAIM_LEASE_SECS)),
        ))
        .returning(outbox::all_columns)
        .get_result::<OutboxRow>(conn)
        .optional()
    })
}

/// Marks a claimed row sent; `false` if it was no longer pending.
fn record_sent(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        let updated = diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::status.eq(STATUS_PENDING)),
        )
        .set((
            outbox::status.eq(STATUS_SENT),
            outbox::sent_at.eq(Some(now)),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
        Ok(updated == 1)
    })
}

/// A failed attempt to record.
#[derive(Debug, Clone)]
struct Failure {
    id: i64,
    /// `attempts` as the claim left it; identifies our claim.
    claimed_attempts: i32,
    now: NaiveDateTime,
    error: String,
    max_attempts: i32,
    retry_base_secs: i64,
    retry_max_secs: i64,
}

/// Records a failed attempt: the error, the next due time and, once `max_attempts` is
/// reached, `failed`. Returns the new status, or `None` when the row was claimed again
/// meanwhile (our lease ran out), in which case the newer claim's record wins.
fn record_failure(
    conn: &mut AnyConnection,
    failure: &Failure,
) -> QueryResult<Option<&'static str>> {
    let attempts = failure.claimed_attempts;
    let status = if attempts >= failure.max_attempts {
        STATUS_FAILED
    } else {
        STATUS_PENDING
    };
    let delay = retry_delay_secs(attempts, failure.retry_base_secs, failure.retry_max_secs);
    write_tx(conn, |conn| {
        let updated = diesel::update(
            outbox::table
                .filter(outbox::id.eq(failure.id))
                .filter(outbox::status.eq(STATUS_PENDING))
                .filter(outbox::attempts.eq(attempts)),
        )
        .set((
            outbox::status.eq(status),
            outbox::last_error.eq(Some(failure.error.as_str())),
            outbox::next_attempt_at.eq(failure.now + TimeDelta::seconds(delay)),
        ))
        .execute(conn)?;
        Ok((updated == 1).then_some(status))
    })
}

/// The first `max` characters of `text`.
fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::config::MailTransportKind;
    use crate::notify::outbox::tests::{at, email, postgres_db, sqlite_db};
    use crate::notify::outbox::{NewEmail, enqueue, find, list, retry};
    use crate::notify::sender::tests::{file_settings, mime};

    #[test]
    fn retry_delay_doubles_from_the_base_up_to_the_cap() {
        let delays: Vec<i64> = (1..=8).map(|a| retry_delay_secs(a, 60, 3600)).collect();
        assert_eq!(delays, vec![60, 120, 240, 480, 960, 1920, 3600, 3600]);
        // Exactly at the cap.
        assert_eq!(retry_delay_secs(7, 60, 3840), 3840);
        assert_eq!(retry_delay_secs(7, 60, 3839), 3839);
        // No attempt yet, or nonsense, counts as the first.
        assert_eq!(retry_delay_secs(0, 60, 3600), 60);
        assert_eq!(retry_delay_secs(-5, 60, 3600), 60);
        // Huge attempt counts saturate instead of overflowing.
        assert_eq!(retry_delay_secs(63, 60, 3600), 3600);
        assert_eq!(retry_delay_secs(64, 60, 3600), 3600);
        assert_eq!(retry_delay_secs(i32::MAX, 60, 3600), 3600);
        assert_eq!(retry_delay_secs(40, 1, i64::MAX), 1 << 39);
        assert_eq!(retry_delay_secs(100, 1, i64::MAX), i64::MAX);
        // A base above the cap is capped; zero and negative settings give no delay.
        assert_eq!(retry_delay_secs(1, 7200, 3600), 3600);
        assert_eq!(retry_delay_secs(3, 0, 3600), 0);
        assert_eq!(retry_delay_secs(3, -1, 3600), 0);
        assert_eq!(retry_delay_secs(3, 60, -1), 0);
    }

    #[test]
    fn errors_are_truncated_on_character_boundaries() {
        assert_eq!(truncate_chars("abc", 5), "abc");
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("服务器拒绝", 3), "服务器");
        let long = "错".repeat(MAX_ERROR_CHARS + 10);
        assert_eq!(
            truncate_chars(&long, MAX_ERROR_CHARS).chars().count(),
            MAX_ERROR_CHARS
        );
    }

    fn failure(id: i64, claimed_attempts: i32, now: NaiveDateTime) -> Failure {
        Failure {
            id,
            claimed_attempts,
            now,
            error: "refused".to_owned(),
            max_attempts: 3,
            retry_base_secs: 60,
            retry_max_secs: 3600,
        }
    }

    #[test]
    fn only_one_claim_wins_until_the_lease_runs_out() {
        let (_dir, db) = sqlite_db();
        let mut conn = db.get().expect("conn");
        let t0 = at("2026-03-01 08:00:00");
        let id = enqueue(&mut conn, t0, &email(None))
            .expect("enqueue")
            .expect("queued");

        assert!(
            claim(&mut conn, id, t0 - TimeDelta::seconds(1))
                .expect("claim")
                .is_none(),
            "not due yet"
        );
        let first = claim(&mut conn, id, t0).expect("claim").expect("won");
        assert_eq!(first.attempts, 1);
        assert_eq!(
            first.next_attempt_at,
            t0 + TimeDelta::seconds(CLAIM_LEASE_SECS)
        );
        assert!(claim(&mut conn, id, t0).expect("claim").is_none(), "taken");
        let almost = t0 + TimeDelta::seconds(CLAIM_LEASE_SECS - 1);
        assert!(claim(&mut conn, id, almost).expect("claim").is_none());
        assert!(due_ids(&mut conn, almost, 10).expect("due").is_empty());

        // The first sender crashed; after the lease another one takes over.
        let after = t0 + TimeDelta::seconds(CLAIM_LEASE_SECS);
        let second = claim(&mut conn, id, after).expect("claim").expect("won");
        assert_eq!(second.attempts, 2);
        // The stale first claim can no longer record its failure over the new one.
        assert_eq!(
            record_failure(&mut conn, &failure(id, 1, after)).expect("record"),
            None
        );
        assert_eq!(
            record_failure(&mut conn, &failure(id, 2, after)).expect("record"),
            Some(STATUS_PENDING)
        );
        let row = find(&mut conn, id).expect("find").expect("row");
        assert_eq!(row.next_attempt_at, after + TimeDelta::seconds(120));
        assert_eq!(row.last_error.as_deref(), Some("refused"));

        // A sent row is never claimed again.
        let later = after + TimeDelta::seconds(120);
        claim(&mut conn, id, later).expect("claim").expect("won");
        assert!(record_sent(&mut conn, id, later).expect("sent"));
        assert!(!record_sent(&mut conn, id, later).expect("already sent"));
        assert!(
            claim(&mut conn, id, later + TimeDelta::days(1))
                .expect("claim")
                .is_none()
        );
    }

    fn eml_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.map(|e| e.expect("entry").path()).collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        files
    }

    fn subjects(dir: &Path) -> Vec<String> {
        let mut subjects: Vec<String> = eml_files(dir)
            .iter()
            .map(|path| {
                let raw = std::fs::read_to_string(path).expect("read message");
                let (headers, _) = mime::split(&raw);
                mime::header(&headers, "Subject").expect("subject")
            })
            .collect();
        subjects.sort();
        subjects
    }

    fn queue(db: &Db, now: NaiveDateTime, subject: &str, html: Option<&str>) -> i64 {
        let mut conn = db.get().expect("conn");
        enqueue(
            &mut conn,
            now,
            &NewEmail {
                subject,
                body_html: html,
                ..email(None)
            },
        )
        .expect("enqueue")
        .expect("queued")
    }

    #[tokio::test]
    async fn file_delivery_sends_due_rows_oldest_first_in_batches() {
        let (dir, db) = sqlite_db();
        let mail_dir = dir.path().join("mail");
        let mut settings = file_settings(&mail_dir);
        settings.batch_size = 2;
        let mailer = Mailer::from_settings(&settings).expect("mailer");
        let t0 = at("2026-03-01 08:00:00");
        let clock = Clock::manual(t0);
        let a = queue(&db, t0, "通知一", None);
        let b = queue(&db, t0, "通知二", Some("<p>通知二</p>"));
        let c = queue(&db, t0, "通知三", None);
        let later = queue(&db, t0 + TimeDelta::hours(1), "通知四", None);

        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!((report.sent, report.retrying, report.failed), (2, 0, 0));
        assert_eq!(subjects(&mail_dir), vec!["通知一", "通知二"]);
        let mut conn = db.get().expect("conn");
        for id in [a, b] {
            let row = find(&mut conn, id).expect("find").expect("row");
            assert_eq!(row.status, STATUS_SENT);
            assert_eq!(row.sent_at, Some(t0));
            assert_eq!(row.attempts, 1);
            assert_eq!(row.last_error, None);
        }
        assert_eq!(
            find(&mut conn, c).expect("find").expect("row").status,
            STATUS_PENDING
        );

        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!(report.sent, 1);
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!(report.sent, 0, "the fourth is not due yet");
        assert_eq!(eml_files(&mail_dir).len(), 3);

        clock.set(t0 + TimeDelta::hours(1));
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!(report.sent, 1);
        let row = find(&mut conn, later).expect("find").expect("row");
        assert_eq!(row.sent_at, Some(t0 + TimeDelta::hours(1)));
        assert_eq!(
            subjects(&mail_dir),
            vec!["通知一", "通知三", "通知二", "通知四"]
        );
        assert_eq!(
            list(&mut conn, Some(STATUS_SENT), 0, 10).expect("list").1,
            4
        );

        // The multipart one kept both bodies.
        let multipart = eml_files(&mail_dir)
            .into_iter()
            .map(|p| std::fs::read_to_string(p).expect("read"))
            .find(|raw| raw.contains("multipart/alternative"))
            .expect("the html message");
        let (headers, body) = mime::split(&multipart);
        let parts = mime::parts(&headers, &body);
        assert_eq!(mime::decode_body(&parts[1].0, &parts[1].1), "<p>通知二</p>");
    }

    /// Two instances sharing one database and one clock race over the same rows; every
    /// message must be sent exactly once.
    /// `claimants` must not exceed the pool size: each holds a connection at the barrier.
    async fn racing_instances_send_each_message_once(db: Db, claimants: usize) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut settings = file_settings(dir.path());
        settings.batch_size = 100;
        let t0 = at("2026-03-01 08:00:00");
        let clock = Clock::manual(t0);
        for n in 0..30 {
            queue(&db, t0, &format!("消息 {n:02}"), None);
        }
        let first = Mailer::from_settings(&settings).expect("mailer");
        let second = Mailer::from_settings(&settings).expect("mailer");
        let (db1, db2) = (db.clone(), db.clone());
        let (clock1, clock2) = (clock.clone(), clock.clone());
        let (settings1, settings2) = (settings.clone(), settings.clone());
        let one = tokio::spawn(async move { deliver_due(&db1, &first, &clock1, &settings1).await });
        let two =
            tokio::spawn(async move { deliver_due(&db2, &second, &clock2, &settings2).await });
        let one = one.await.expect("join").expect("deliver");
        let two = two.await.expect("join").expect("deliver");
        assert_eq!(one.sent + two.sent, 30, "{one:?} {two:?}");
        let expected: Vec<String> = (0..30).map(|n| format!("消息 {n:02}")).collect();
        assert_eq!(subjects(dir.path()), expected, "each exactly once");
        let mut conn = db.get().expect("conn");
        let (rows, total) = list(&mut conn, Some(STATUS_SENT), 0, 100).expect("list");
        assert_eq!(total, 30);
        assert!(rows.iter().all(|r| r.attempts == 1));
        drop(conn);

        // Many claimants released at the same moment on one row: exactly one wins.
        let id = queue(&db, t0, "争抢", None);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(claimants));
        let handles: Vec<_> = (0..claimants)
            .map(|_| {
                let db = db.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut conn = db.get().expect("conn");
                    barrier.wait();
                    claim(&mut conn, id, t0).expect("claim").is_some()
                })
            })
            .collect();
        let winners = handles
            .into_iter()
            .map(|h| h.join().expect("join"))
            .filter(|won| *won)
            .count();
        assert_eq!(winners, 1);
        let mut conn = db.get().expect("conn");
        assert_eq!(find(&mut conn, id).expect("find").expect("row").attempts, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn racing_instances_on_sqlite_send_each_message_once() {
        let (_dir, db) = sqlite_db();
        racing_instances_send_each_message_once(db, 2).await;
    }

    /// The same race on PostgreSQL, in a throwaway database, when
    /// `SIXNORMS_TEST_POSTGRES_URL` names a server (e.g. `postgres://postgres@127.0.0.1/test`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn racing_instances_on_postgres_send_each_message_once() {
        let Some((_guard, db)) = postgres_db() else {
            return;
        };
        racing_instances_send_each_message_once(db, 4).await;
    }

    /// A real SMTP server: `python3 -m aiosmtpd` writing a Maildir; killed on drop.
    struct SmtpServer {
        child: Child,
    }

    impl SmtpServer {
        fn start(port: u16, maildir: &Path) -> SmtpServer {
            let probe = Command::new("python3")
                .args(["-c", "import aiosmtpd"])
                .output();
            match probe {
                Ok(output) if output.status.success() => {}
                other => panic!(
                    "this test needs a local SMTP server: python3 with aiosmtpd \
                     (`pip install aiosmtpd` or `apt-get install python3-aiosmtpd`); \
                     `python3 -c 'import aiosmtpd'` gave {other:?}"
                ),
            }
            let mut child = Command::new("python3")
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(maildir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start python3 -m aiosmtpd");
            let started = Instant::now();
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if let Some(status) = child.try_wait().expect("poll aiosmtpd") {
                    panic!("aiosmtpd exited before listening: {status}");
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "aiosmtpd did not listen on port {port} within 30 s"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            SmtpServer { child }
        }
    }

    impl Drop for SmtpServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn free_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }

    fn maildir_messages(maildir: &Path) -> Vec<String> {
        eml_files(&maildir.join("new"))
            .into_iter()
            .map(|path| std::fs::read_to_string(path).expect("read message"))
            .collect()
    }

    fn smtp_settings(port: u16) -> MailSettings {
        let mut settings = file_settings(Path::new("/nonexistent"));
        settings.transport = MailTransportKind::Smtp;
        settings.smtp_port = port;
        settings.max_attempts = 3;
        settings.retry_base_secs = 60;
        settings.retry_max_secs = 3600;
        settings
    }

    const SUBJECT: &str = "【合同签订提醒】社区居家养老服务项目（第二包）——请于5个工作日内签订合同";
    const BODY: &str = "尊敬的供应商：\n\n贵单位已中标，中标金额为人民币壹拾贰万叁仟肆佰伍拾陆元整（¥123,456.00）。\n\n此致\n某某区民政局";

    #[tokio::test]
    async fn smtp_delivery_retries_after_an_outage_and_sends_exactly_once() {
        let (dir, db) = sqlite_db();
        let port = free_port();
        let maildir = dir.path().join("Maildir");
        let settings = smtp_settings(port);
        let mailer = Mailer::from_settings(&settings).expect("mailer");
        let t0 = at("2026-03-01 08:00:00");
        let clock = Clock::manual(t0);
        let id = {
            let mut conn = db.get().expect("conn");
            enqueue(
                &mut conn,
                t0,
                &NewEmail {
                    subject: SUBJECT,
                    body_text: BODY,
                    to_address: "王五 <wangwu@example.com>",
                    ..email(Some("contract:9:sign"))
                },
            )
            .expect("enqueue")
            .expect("queued")
        };

        // The server is down.
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!((report.sent, report.retrying, report.failed), (0, 1, 0));
        let row = find(&mut db.get().expect("conn"), id)
            .expect("find")
            .expect("row");
        assert_eq!(row.status, STATUS_PENDING);
        assert_eq!(row.attempts, 1);
        assert_eq!(row.next_attempt_at, t0 + TimeDelta::seconds(60));
        assert_eq!(row.sent_at, None);
        let error = row.last_error.expect("last_error");
        assert!(error.contains("SMTP delivery"), "{error}");

        let _server = SmtpServer::start(port, &maildir);
        // Up now, but the retry is not due yet.
        clock.set(t0 + TimeDelta::seconds(59));
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!(report.sent, 0);
        assert!(maildir_messages(&maildir).is_empty());

        let sent_at = t0 + TimeDelta::seconds(61);
        clock.set(sent_at);
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!((report.sent, report.retrying, report.failed), (1, 0, 0));
        let row = find(&mut db.get().expect("conn"), id)
            .expect("find")
            .expect("row");
        assert_eq!(row.status, STATUS_SENT);
        assert_eq!(row.attempts, 2);
        assert_eq!(row.sent_at, Some(sent_at));
        assert_eq!(row.last_error, None);

        let messages = maildir_messages(&maildir);
        assert_eq!(messages.len(), 1, "exactly one message arrived");
        let (headers, body) = mime::split(&messages[0]);
        assert_eq!(mime::header(&headers, "Subject").as_deref(), Some(SUBJECT));
        assert_eq!(mime::decode_body(&headers, &body), BODY);
        let to = mime::header(&headers, "To").expect("To");
        assert!(
            to.contains("王五") && to.contains("<wangwu@example.com>"),
            "{to}"
        );
        let from = mime::header(&headers, "From").expect("From");
        assert!(from.contains("政府购买社会工作服务平台"), "{from}");
        assert_eq!(
            mime::header(&headers, "X-RcptTo").as_deref(),
            Some("wangwu@example.com")
        );

        // Nothing more to send, even much later.
        clock.set(sent_at + TimeDelta::days(2));
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!((report.sent, report.retrying, report.failed), (0, 0, 0));
        assert_eq!(maildir_messages(&maildir).len(), 1);
    }

    #[tokio::test]
    async fn smtp_failures_back_off_and_end_failed_until_an_admin_retries() {
        let (dir, db) = sqlite_db();
        let port = free_port();
        let settings = smtp_settings(port);
        let mailer = Mailer::from_settings(&settings).expect("mailer");
        let t0 = at("2026-03-01 08:00:00");
        let clock = Clock::manual(t0);
        let id = queue(&db, t0, SUBJECT, Some("<p>html</p>"));
        let row = || {
            find(&mut db.get().expect("conn"), id)
                .expect("find")
                .expect("row")
        };

        // Attempts 1 and 2 fail and back off 60 s, then 120 s; attempt 3 is the last.
        let mut now = t0;
        for (attempt, delay) in [(1, 60), (2, 120)] {
            clock.set(now);
            let report = deliver_due(&db, &mailer, &clock, &settings)
                .await
                .expect("deliver");
            assert_eq!((report.retrying, report.failed), (1, 0));
            let current = row();
            assert_eq!(current.attempts, attempt);
            assert_eq!(current.status, STATUS_PENDING);
            assert_eq!(current.next_attempt_at, now + TimeDelta::seconds(delay));
            now += TimeDelta::seconds(delay);
        }
        clock.set(now);
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!((report.retrying, report.failed), (0, 1));
        let failed = row();
        assert_eq!(
            (failed.status.as_str(), failed.attempts),
            (STATUS_FAILED, 3)
        );
        assert!(failed.last_error.is_some());

        // Failed rows are not picked up again.
        clock.set(now + TimeDelta::days(1));
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!((report.sent, report.retrying, report.failed), (0, 0, 0));

        // An admin retries once the server is back; it goes out at the next run.
        let maildir = dir.path().join("Maildir");
        let _server = SmtpServer::start(port, &maildir);
        let retried = retry(&mut db.get().expect("conn"), id, clock.now()).expect("retry");
        assert_eq!(retried.status, STATUS_PENDING);
        let report = deliver_due(&db, &mailer, &clock, &settings)
            .await
            .expect("deliver");
        assert_eq!(report.sent, 1);
        let sent = row();
        assert_eq!((sent.status.as_str(), sent.attempts), (STATUS_SENT, 4));
        let messages = maildir_messages(&maildir);
        assert_eq!(messages.len(), 1);
        let (headers, _) = mime::split(&messages[0]);
        assert_eq!(mime::header(&headers, "Subject").as_deref(), Some(SUBJECT));
    }
}
