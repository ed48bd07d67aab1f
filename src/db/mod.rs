//! Database access: one [`AnyConnection`] type over bundled SQLite and PostgreSQL, an r2d2 pool
//! whose manager picks the backend from the URL scheme, embedded migrations for both dialects,
//! and the helpers every service uses ([`Db::run`], [`write_tx`]).

pub mod schema;
pub mod simd_text;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{AppError, AppResult};

/// Migrations for SQLite.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// Migrations for PostgreSQL.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The derive generates undocumented public helper types; they live in this module.
#[allow(missing_docs)]
mod multi {
    use diesel::pg::PgConnection;
    use diesel::sqlite::SqliteConnection;

    /// A connection to either backend. Services take `&mut AnyConnection`.
    #[derive(diesel::MultiConnection)]
    pub enum AnyConnection {
        /// PostgreSQL (production).
        Postgresql(PgConnection),
        /// SQLite (embedded default). Kept last, as diesel's multi-connection requires.
        Sqlite(SqliteConnection),
    }
}
pub use multi::AnyConnection;

/// Runs a typed diesel query on the backend's own connection instead of through
/// [`AnyConnection`]: `on_backend!(conn, |c| query.first(c))`.
///
/// Through the multi-connection, diesel writes every query out as SQL text to find its
/// prepared statement (a fifth of a stored project page's time in a profile); on the concrete
/// connection a typed query is found by its type alone. The expression is compiled once per
/// backend, so keep this to the few reads on the hottest public paths.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$backend_conn:ident| $query:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql($backend_conn) => $query,
            $crate::db::AnyConnection::Sqlite($backend_conn) => $query,
        }
    };
}

/// The most of an SQLite database file a connection can map, in MiB: 64 GiB, the
/// compile-time `SQLITE_MAX_MMAP_SIZE` that `.cargo/config.toml` sets (SQLite's own ceiling is
/// 2 GiB, below a province's database). The upper bound of `database.sqlite_mmap_mib`.
pub const SQLITE_MAX_MMAP_MIB: u64 = 1 << 16;

/// Per-connection SQLite settings chosen by configuration (`[database]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How much of the database file each connection maps into memory (`PRAGMA mmap_size`).
    ///
    /// A mapped page is read without a system call, but the pages a connection has touched
    /// count in the process's RSS, and in WAL mode a connection that finds the log changed
    /// since its last read (any commit) unmaps the whole file and maps it again (a profile of
    /// cold project pages, which store what they build, spent a quarter of its time in `munmap`
    /// and the page faults after it). Unmapped, pages are read with `pread` into each connection's own page cache
    /// (`cache_size`, 8 MB), which bounds the memory.
    ///
    /// `bench/run` on 100,000 projects (a 2 GB file) measured both ends: mapping it all served
    /// random notice pages about a fifth faster, but the server's RSS grew to 2.5 GB of mapped
    /// file and cold project pages (which store what they build) had a p99 of 60 ms; unmapped,
    /// every target of QUALITY.md held with an RSS of 182 MB. So the default maps nothing.
    pub mmap_bytes: i64,
}

impl SqliteOptions {
    /// Options mapping `mib` MiB of the file (capped at [`SQLITE_MAX_MMAP_MIB`]).
    pub fn with_mmap_mib(mib: u64) -> SqliteOptions {
        let bytes = mib.min(SQLITE_MAX_MMAP_MIB) << 20;
        SqliteOptions {
            mmap_bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
        }
    }
}

impl Default for SqliteOptions {
    /// The shipped default of `database.sqlite_mmap_mib` (config/default.toml).
    fn default() -> SqliteOptions {
        SqliteOptions::with_mmap_mib(DEFAULT_SQLITE_MMAP_MIB)
    }
}

/// `database.sqlite_mmap_mib` in config/default.toml; a config test keeps the two equal.
pub const DEFAULT_SQLITE_MMAP_MIB: u64 = 0;

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` are PostgreSQL; anything else is an SQLite path.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Strips an optional `sqlite://` or `sqlite:` prefix.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// A PostgreSQL URL with `sslmode=disable` and `gssencmode=disable` added unless it already
/// names them, for connections that stay on this machine (tests, benchmarks, the demo).
///
/// libpq's default `sslmode=prefer` negotiates TLS through OpenSSL even on loopback; a
/// process that exits while another thread still closes such a connection can crash in
/// OpenSSL's exit handler. Other URLs are returned unchanged.
pub fn without_transport_encryption(url: &str) -> String {
    if Backend::of_url(url) != Backend::Postgres {
        return url.to_string();
    }
    let mut out = url.to_string();
    for (key, value) in [("sslmode", "disable"), ("gssencmode", "disable")] {
        let already = out.split_once('?').is_some_and(|(_, query)| {
            query
                .split('&')
                .any(|pair| pair.starts_with(&format!("{key}=")))
        });
        if !already {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{key}={value}"));
        }
    }
    out
}

/// Opens one connection, choosing the backend from the URL, and prepares it (SQLite pragmas,
/// with the default [`SqliteOptions`]).
pub fn establish(url: &str) -> ConnectionResult<AnyConnection> {
    establish_with(url, SqliteOptions::default())
}

/// [`establish`] with the given SQLite options (ignored for PostgreSQL).
pub fn establish_with(url: &str, sqlite: SqliteOptions) -> ConnectionResult<AnyConnection> {
    match Backend::of_url(url) {
        Backend::Postgres => PgConnection::establish(url).map(AnyConnection::Postgresql),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(parent) = std::path::Path::new(path).parent()
                && !parent.as_os_str().is_empty()
                && path != ":memory:"
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    ConnectionError::BadConnection(format!(
                        "cannot create directory {}: {e}",
                        parent.display()
                    ))
                })?;
            }
            let mut conn = SqliteConnection::establish(path)?;
            // The busy timeout comes first: switching to WAL takes a lock, and so does the
            // recovery the first reader of a WAL file without its `-shm` runs, so a pool
            // opening several connections at once (or another process opening the file)
            // would otherwise fail at once with "database is locked" instead of waiting.
            // Each connection keeps 8 MB of pages and maps as much of the file as configured
            // (see [`SqliteOptions::mmap_bytes`]).
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                 PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA mmap_size = {}; PRAGMA cache_size = -8000;",
                sqlite.mmap_bytes
            ))
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

/// r2d2 manager that connects by URL scheme, so a wrong PostgreSQL password fails at once
/// with the server's own message (the derived `establish` would try each backend in turn).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
    sqlite: SqliteOptions,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<AnyConnection, ConnectionError> {
        establish_with(&self.url, self.sqlite)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        <AnyConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// The connection pool, shared by requests and jobs.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    backend: Backend,
    /// One permit per pooled connection: [`Db::run`] takes one before it moves to a blocking
    /// thread, so requests beyond the pool wait as cheap tasks instead of as blocking threads
    /// parked on the pool's condition variable.
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Db {
    /// Connects the pool with the default [`SqliteOptions`]; see [`Db::connect_with`].
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> anyhow::Result<Db> {
        Db::connect_with(url, pool_size, timeout, SqliteOptions::default())
    }

    /// Connects the pool; the first connection is made at once so that a bad URL or
    /// password is reported immediately with the server's error.
    pub fn connect_with(
        url: &str,
        pool_size: u32,
        timeout: Duration,
        sqlite: SqliteOptions,
    ) -> anyhow::Result<Db> {
        let backend = Backend::of_url(url);
        // Fail fast with the real error rather than r2d2's timeout.
        establish_with(url, sqlite)
            .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(timeout)
            // A PostgreSQL connection can be dropped by the server or the network while it
            // sits in the pool, so it is checked before use. An SQLite connection is a file
            // handle in this process: the check would only add a `SELECT 1` to every request.
            .test_on_check_out(backend == Backend::Postgres)
            .build(ConnectionManager {
                url: url.to_owned(),
                sqlite,
            })
            .map_err(|e| anyhow::anyhow!("cannot build the connection pool: {e}"))?;
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(pool_size as usize));
        Ok(Db {
            pool,
            backend,
            permits,
        })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection, for blocking contexts (CLI, jobs inside `spawn_blocking`).
    pub fn get(&self) -> AppResult<r2d2::PooledConnection<ConnectionManager>> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking database work on the blocking thread pool.
    pub async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("database pool closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let result = {
                let mut conn = pool.get()?;
                work(&mut conn)
            };
            // The connection is back in the pool before the next waiter is let through.
            drop(permit);
            result
        })
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Runs a short read — a lookup by key, one page of rows — and returns its result.
    ///
    /// On SQLite, when a pooled connection is free at once, the read runs right here on the
    /// calling (async worker) thread: a read of an indexed row (from the page cache) in WAL
    /// mode takes microseconds and never waits for a writer, so it is cheaper than the two
    /// thread hand-offs of [`Db::run`], which were most of the cost of a notice page. When no
    /// connection is free, and always on PostgreSQL (where every statement is a network round
    /// trip), it is [`Db::run`]. Never use it for writes or for reads that scan.
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Some(mut conn) = self.pool.try_get()
        {
            return work(&mut conn);
        }
        self.run(work).await
    }

    /// Runs pending migrations for this backend.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.pool.get()?;
        run_migrations(&mut conn)
    }
}

/// Applies pending migrations on one connection; returns the versions applied.
pub fn run_migrations(conn: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Runs `work` in a write transaction. On SQLite the transaction begins `IMMEDIATE`, taking
/// the write lock up front so that two writers queue on `busy_timeout` instead of failing
/// when a read lock would have to be upgraded; on PostgreSQL it is an ordinary transaction.
/// Nested calls become savepoints.
pub fn write_tx<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let outermost_sqlite = match conn {
        AnyConnection::Sqlite(inner) => {
            let depth = AnsiTransactionManager::transaction_manager_status_mut(inner)
                .transaction_depth()
                .map_err(E::from)?;
            depth.is_none()
        }
        AnyConnection::Postgresql(_) => false,
    };
    if !outermost_sqlite {
        return conn.transaction(work);
    }
    if let AnyConnection::Sqlite(inner) = conn {
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    }
    match work(conn) {
        Ok(value) => {
            <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // The caller's error is the one worth reporting; a failed rollback marks the
            // connection broken and r2d2 discards it.
            let _ = <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// `true` when the error is a unique-constraint violation (on either backend).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::of_url("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("sqlite://./data/x.db"), Backend::Sqlite);
        assert_eq!(Backend::of_url("./data/x.db"), Backend::Sqlite);
        assert_eq!(sqlite_path("sqlite://./data/x.db"), "./data/x.db");
        assert_eq!(sqlite_path("sqlite:x.db"), "x.db");
        assert_eq!(sqlite_path("/tmp/x.db"), "/tmp/x.db");
    }

    #[test]
    fn local_postgres_urls_turn_transport_encryption_off_once() {
        assert_eq!(
            without_transport_encryption("postgres://u@h/db"),
            "postgres://u@h/db?sslmode=disable&gssencmode=disable"
        );
        assert_eq!(
            without_transport_encryption("postgresql://u@h/db?sslmode=require&application_name=x"),
            "postgresql://u@h/db?sslmode=require&application_name=x&gssencmode=disable"
        );
        assert_eq!(
            without_transport_encryption("sqlite://x.db"),
            "sqlite://x.db"
        );
    }

    #[test]
    fn wrong_postgres_credentials_fail_at_once_with_the_server_error() {
        // The local server trusts every password, so an unknown role stands in for a wrong
        // password: either way the server refuses and its own message must come through.
        let started = std::time::Instant::now();
        let result = Db::connect(
            "postgres://sixnorms_no_such_role:wrong@127.0.0.1:5432/postgres?sslmode=disable",
            1,
            Duration::from_secs(30),
        );
        let message = format!("{:#}", result.expect_err("must fail"));
        assert!(
            message.contains("cannot connect to the database"),
            "{message}"
        );
        assert!(
            message.contains("sixnorms_no_such_role"),
            "server error expected: {message}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
    }

    /// Reads one compile option of the bundled SQLite.
    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    #[test]
    fn the_bundled_sqlite_has_the_recommended_options() {
        // Set in .cargo/config.toml; without QPSG every `.first()` is re-prepared on each
        // execution (see the comment there).
        let mut conn = SqliteConnection::establish(":memory:").expect("open");
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .expect("compile options")
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for wanted in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
            assert!(
                options.iter().any(|o| o == wanted),
                "{wanted} missing from {options:?}"
            );
        }
        // libsqlite3-sys turns it on; it puts every connection's page cache under one global
        // mutex, which two worker threads reading at once spent a tenth of a notice page on.
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "ENABLE_MEMORY_MANAGEMENT is on: {options:?}"
        );
    }

    #[test]
    fn a_new_sqlite_connection_waits_for_a_lock_held_elsewhere_instead_of_failing() {
        // A rollback-journal file whose exclusive lock is held: the new connection's switch to
        // WAL has to wait for it (before, it failed at once with "database is locked").
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.db");
        let mut holder =
            SqliteConnection::establish(&path.display().to_string()).expect("open holder");
        holder
            .batch_execute("CREATE TABLE t (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);")
            .expect("lock");
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            holder.batch_execute("COMMIT").expect("commit");
        });
        let started = std::time::Instant::now();
        let opened = establish(&format!("sqlite://{}", path.display()));
        release.join().expect("holder thread");
        let mut conn = opened.expect("the new connection waits for the lock");
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
        let mode = diesel::sql_query("PRAGMA journal_mode")
            .get_result::<JournalMode>(&mut conn)
            .expect("journal_mode")
            .journal_mode;
        assert_eq!(mode, "wal");
    }

    /// `PRAGMA journal_mode`'s answer.
    #[derive(QueryableByName)]
    struct JournalMode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        journal_mode: String,
    }

    /// The one value of a `PRAGMA` that answers with a number.
    #[derive(QueryableByName)]
    struct MmapSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        mmap_size: i64,
    }

    #[test]
    fn sqlite_connections_map_as_much_as_configured_up_to_the_ceiling() {
        // SQLite clamps the pragma to its compile-time maximum (2 GiB by default), so the
        // ceiling fails if .cargo/config.toml loses SQLITE_MAX_MMAP_SIZE.
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/m.db", dir.path().display());
        for (mib, bytes) in [
            (SQLITE_MAX_MMAP_MIB, 1_i64 << 36),
            (SQLITE_MAX_MMAP_MIB + 1, 1 << 36),
            (3, 3 << 20),
            (0, 0),
        ] {
            let options = SqliteOptions::with_mmap_mib(mib);
            let db = Db::connect_with(&url, 1, Duration::from_secs(5), options).expect("connect");
            let mut conn = db.get().expect("conn");
            let size = diesel::sql_query("PRAGMA mmap_size")
                .get_result::<MmapSize>(&mut *conn)
                .expect("mmap_size")
                .mmap_size;
            assert_eq!(size, bytes, "{mib} MiB");
        }
    }

    #[test]
    fn sqlite_write_tx_commits_and_rolls_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Db::connect(&url, 2, Duration::from_secs(5)).expect("connect");
        db.migrate().expect("migrate");
        let mut conn = db.get().expect("conn");
        let count = |conn: &mut AnyConnection| -> i64 {
            schema::login_attempts::table
                .count()
                .get_result(conn)
                .expect("count")
        };
        let insert = |conn: &mut AnyConnection| {
            diesel::insert_into(schema::login_attempts::table)
                .values((
                    schema::login_attempts::username.eq("a"),
                    schema::login_attempts::attempted_at
                        .eq(chrono::DateTime::UNIX_EPOCH.naive_utc()),
                    schema::login_attempts::succeeded.eq(false),
                ))
                .execute(conn)
        };
        write_tx(&mut conn, |c| insert(c).map(|_| ())).expect("commit");
        assert_eq!(count(&mut conn), 1);
        let failed: Result<(), diesel::result::Error> = write_tx(&mut conn, |c| {
            insert(c)?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        assert_eq!(count(&mut conn), 1, "rolled back");
        // Nested: the inner failure rolls back only its savepoint.
        write_tx(&mut conn, |c| {
            insert(c)?;
            let _: Result<(), diesel::result::Error> = write_tx(c, |c2| {
                insert(c2)?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            Ok::<(), diesel::result::Error>(())
        })
        .expect("outer commits");
        assert_eq!(count(&mut conn), 2);
    }
}
