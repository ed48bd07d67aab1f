//! The test harness: `spawn_app()` starts the real server on port 0 with a fresh database —
//! a temporary SQLite file, or, when `SIXNORMS_TEST_POSTGRES_URL` is set, a fresh PostgreSQL
//! database copied from a migrated template — and a manual clock.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sixnorms::app::{self, AppState};
use sixnorms::audit::Actor;
use sixnorms::auth::Role;
use sixnorms::auth::service::{CreateUserRequest, create_user};
use sixnorms::clock::Clock;
use sixnorms::config::{DEFAULT_TOML, Settings};
use sixnorms::db::AnyConnection;

/// The password of every user the harness creates.
pub const PASSWORD: &str = "correct-horse-42";

/// The manual clock's starting time: Monday 2 March 2026, 09:00 in Shanghai.
pub fn start_time() -> NaiveDateTime {
    at("2026-03-02 01:00:00")
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("test time")
}

/// A running app with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// A client that does not follow redirects and keeps no cookies.
    pub client: reqwest::Client,
    /// The app's state (database pool, manual clock, settings).
    pub state: AppState,
    /// Bearer token of the `admin` user.
    pub admin_token: String,
    /// Stops the server and waits for its threads; dropped first, so nothing still uses the
    /// database when it goes.
    _server: ServerGuard,
    /// The PostgreSQL database to drop at the end (None on SQLite); dropped after the state,
    /// so the pool's connections are closed by then.
    pg_database: PgDatabaseGuard,
    _dir: tempfile::TempDir,
}

/// The server's own thread (an actix system with its workers and, when jobs are enabled,
/// the scheduler). Dropping it stops the server and joins the thread, so a finished test
/// leaves no threads or connections behind.
struct ServerGuard {
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for it.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Drops a test's PostgreSQL database when the test ends.
#[derive(Default)]
struct PgDatabaseGuard(Option<(String, String)>);

impl Drop for PgDatabaseGuard {
    fn drop(&mut self) {
        if let Some((base, name)) = self.0.take()
            && let Ok(mut admin) = diesel::PgConnection::establish(&base)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as text.
    pub text: String,
}

impl Reply {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// `error.code` of a JSON error.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// Asserts the status, printing the body on failure.
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The server named by `SIXNORMS_TEST_POSTGRES_URL`, reached without TLS or GSS encryption
/// unless the URL asks for them.
///
/// The tests talk to a local server. With libpq's default `sslmode=prefer` every connection
/// would negotiate TLS through OpenSSL, whose exit handler then tears the library down while
/// servers left by finished tests may still be closing connections — the test binary could
/// crash with SIGSEGV after every test had passed.
fn postgres_base() -> Option<String> {
    std::env::var("SIXNORMS_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|url| sixnorms::db::without_transport_encryption(&url))
}

/// Replaces the database name of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Creates the migrated template once (named after a hash of the migrations and of the
/// reference data under `config/`), then a fresh database copied from it. Returns (database
/// URL, database name).
fn fresh_postgres_database(base: &str) -> (String, String) {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    // Reference data is loaded into the template too, so its files are part of the name.
    let mut files: Vec<_> = walk("migrations/postgres");
    files.extend(walk("config/regions"));
    files.extend(walk("config/catalog"));
    files.sort();
    for file in files {
        hasher.update(file.as_bytes());
        hasher.update(std::fs::read(&file).expect("read migration"));
    }
    let template = format!("sixnorms_tpl_{}", &hex::encode(hasher.finalize())[..16]);
    let mut admin = diesel::PgConnection::establish(base)
        .unwrap_or_else(|e| panic!("SIXNORMS_TEST_POSTGRES_URL unreachable: {e}"));
    diesel::sql_query("SELECT pg_advisory_lock(724001)")
        .execute(&mut admin)
        .expect("lock");
    let exists: Exists = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM pg_database WHERE datname = '{template}'"
    ))
    .get_result(&mut admin)
    .expect("query template");
    if exists.n == 0 {
        let building = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
            .execute(&mut admin)
            .expect("drop stale template");
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut admin)
            .expect("create template");
        {
            let mut conn =
                sixnorms::db::establish(&with_database(base, &building)).expect("connect template");
            sixnorms::db::run_migrations(&mut conn).expect("migrate template");
            sixnorms::reference::sync(&mut conn).expect("load reference data");
        }
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
            .execute(&mut admin)
            .expect("rename template");
    }
    let name = format!(
        "sixnorms_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        hex::encode(rand::random::<[u8; 3]>())
    );
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut admin)
        .expect("create test database");
    diesel::sql_query("SELECT pg_advisory_unlock(724001)")
        .execute(&mut admin)
        .expect("unlock");
    (with_database(base, &name), name)
}

fn walk(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path.to_string_lossy()));
        } else {
            out.push(path.to_string_lossy().into_owned());
        }
    }
    out
}

/// Settings for a test: manual clock, no scheduler, files under `dir`.
pub fn test_settings(database_url: &str, dir: &std::path::Path) -> Figment {
    Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Serialized::default("database.url", database_url))
        .merge(Serialized::default("database.pool_size", 4))
        .merge(Serialized::default("clock.manual", true))
        .merge(Serialized::default("jobs.enabled", false))
        // A debug build renders and builds many times slower than the release server the
        // default budget is set for; tests that run a backlog job expect one run to finish the
        // demo's backlog.
        .merge(Serialized::default("jobs.time_budget_ms", 600_000))
        .merge(Serialized::default("server.workers", 2))
        .merge(Serialized::default("server.shutdown_timeout_secs", 1))
        .merge(Serialized::default(
            "storage.dir",
            dir.join("files").to_string_lossy().into_owned(),
        ))
        .merge(Serialized::default(
            "mail.file_dir",
            dir.join("mail").to_string_lossy().into_owned(),
        ))
        .merge(Serialized::default(
            "calendar.dir",
            dir.join("no-extra-calendars")
                .to_string_lossy()
                .into_owned(),
        ))
}

/// Starts an app with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|f| f).await
}

/// Starts an app whose settings the caller may adjust.
pub async fn spawn_app_with(customize: impl FnOnce(Figment) -> Figment) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, pg_database) = match postgres_base() {
        Some(base) => {
            let (url, name) = fresh_postgres_database(&base);
            (url, Some((base, name)))
        }
        None => (
            format!("sqlite://{}", dir.path().join("sixnorms.db").display()),
            None,
        ),
    };
    let settings =
        Settings::from_figment(customize(test_settings(&url, dir.path()))).expect("test settings");
    let mut app = start(settings, dir).await;
    app.pg_database = PgDatabaseGuard(pg_database);
    app
}

/// Starts another instance on the same database as `other` (for multi-instance tests).
pub async fn spawn_instance_sharing(
    other: &TestApp,
    customize: impl FnOnce(Figment) -> Figment,
) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = other.state.settings.database.url.clone();
    let settings =
        Settings::from_figment(customize(test_settings(&url, dir.path()))).expect("test settings");
    start(settings, dir).await
}

async fn start(settings: Settings, dir: tempfile::TempDir) -> TestApp {
    let clock = if settings.clock.manual {
        Clock::manual(start_time())
    } else {
        Clock::system()
    };
    let state = AppState::new(settings, clock).expect("app state");
    let admin_exists = {
        let mut conn = state.db.get().expect("conn");
        sixnorms::auth::model::find_by_username(&mut conn, "admin")
            .expect("query")
            .is_some()
    };
    if !admin_exists {
        create_user_direct(&state, "admin", Role::Admin);
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let server = serve_on_own_thread(state.clone(), listener);
    let address = format!("http://127.0.0.1:{}", server.1);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // The server closes a connection idle for 5 s (actix-web's keep-alive). A client that
        // reuses one just as it closes gets a broken request (seen once on a loaded machine),
        // so pooled connections are dropped well before that.
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("client");
    let mut app = TestApp {
        address,
        client,
        state,
        admin_token: String::new(),
        _server: server.0,
        pg_database: PgDatabaseGuard::default(),
        _dir: dir,
    };
    app.admin_token = app.login("admin", PASSWORD).await;
    app
}

/// Builds and runs the app in its own actix system on a new thread; returns its guard and port.
fn serve_on_own_thread(state: AppState, listener: TcpListener) -> (ServerGuard, u16) {
    let (started, ready) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let running = app::build(state, listener).await.expect("build app");
            // Lives as long as the server runs.
            let _scheduler = running.scheduler;
            let handle = running.server.handle();
            started.send((handle, running.port)).expect("report start");
            let _ = running.server.await;
        });
    });
    let (handle, port) = ready.recv().expect("server started");
    (
        ServerGuard {
            handle,
            thread: Some(thread),
        },
        port,
    )
}

/// Creates a user through the service (not the API).
pub fn create_user_direct(state: &AppState, username: &str, role: Role) -> i64 {
    let mut conn = state.db.get().expect("conn");
    let actor = Actor::system("test", state.clock.now());
    create_user(
        &mut conn,
        &actor,
        &CreateUserRequest {
            username: username.to_owned(),
            password: PASSWORD.to_owned(),
            role,
            display_name: format!("测试用户 {username}"),
            email: format!("{username}@example.cn"),
            purchaser_id: None,
            contractor_id: None,
        },
    )
    .expect("create user")
    .id
}

impl TestApp {
    /// Sends a request; `token` becomes a bearer header, `body` JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }

    /// GET with an optional token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    /// POST JSON with an optional token.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Sends raw bytes with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .client
            .post(format!("{}{}", self.address, path))
            .header("Content-Type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self
            .post(
                "/api/v1/session",
                None,
                json!({ "username": username, "password": password }),
            )
            .await
            .expect(200);
        reply.json()["token"].as_str().expect("token").to_owned()
    }

    /// Creates a user directly and returns (id, bearer token).
    pub async fn user_with_token(&self, username: &str, role: Role) -> (i64, String) {
        let id = create_user_direct(&self.state, username, role);
        (id, self.login(username, PASSWORD).await)
    }

    /// Sets the manual clock.
    pub fn set_clock(&self, now: NaiveDateTime) {
        assert!(self.state.clock.set(now), "clock is manual in tests");
    }

    /// A pooled connection for assertions.
    pub fn conn(&self) -> r2d2::PooledConnection<sixnorms::db::ConnectionManager> {
        self.state.db.get().expect("conn")
    }

    /// Row counts of the given tables, to show that a rejected request changed nothing.
    pub fn counts(&self, tables: &[&str]) -> Vec<(String, i64)> {
        let mut conn = self.conn();
        tables
            .iter()
            .map(|table| (table.to_string(), count_rows(&mut conn, table)))
            .collect()
    }
}

/// `SELECT COUNT(*)` of one table.
pub fn count_rows(conn: &mut AnyConnection, table: &str) -> i64 {
    let row: Exists =
        diesel::sql_query(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"))
            .get_result(conn)
            .expect("count");
    row.n
}

/// How many notices of a project do not carry that project's current title in
/// `notices.project_title` (missing or different).
pub fn notices_without_their_project_title(conn: &mut AnyConnection) -> i64 {
    use sixnorms::db::schema::{notices, projects};
    notices::table
        .inner_join(projects::table.on(projects::id.nullable().eq(notices::project_id)))
        .filter(
            notices::project_title
                .is_null()
                .or(notices::project_title.ne(projects::title.nullable())),
        )
        .count()
        .get_result(conn)
        .expect("count")
}

/// The `name=value` pairs a response sets (first attribute of each `Set-Cookie`).
pub fn set_cookies(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// Where a response redirects to (`""` when it does not).
pub fn location(reply: &Reply) -> String {
    reply
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The session cookie plus the flash cookie a redirect set, as the browser sends them next.
pub fn with_flash(cookie: &str, reply: &Reply) -> String {
    let flash = set_cookies(&reply.headers)
        .into_iter()
        .find(|(n, _)| n == "sixnorms_flash")
        .expect("flash cookie");
    format!("{cookie}; {}={}", flash.0, flash.1)
}

/// The HTML of the element with `id`, from its opening tag to the next closing tag.
pub fn element(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element {id} in: {html}"));
    let end = html[start..].find("</").map_or(html.len(), |e| start + e);
    html[start..end].to_owned()
}

/// The value of the hidden `csrf` field of a page.
pub fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

impl TestApp {
    /// Fetches `/login`: the pre-session cookie (`sixnorms_csrf=…`) and the form's token.
    pub async fn login_form(&self) -> (String, String) {
        let page = self
            .client
            .get(format!("{}/login", self.address))
            .send()
            .await
            .expect("login page");
        assert_eq!(page.status().as_u16(), 200);
        let (name, value) = set_cookies(page.headers())
            .into_iter()
            .find(|(n, _)| n == "sixnorms_csrf")
            .expect("csrf cookie");
        let text = page.text().await.expect("text");
        (format!("{name}={value}"), csrf_field(&text))
    }

    /// Logs in through the page form (with its CSRF token) and returns the session cookie
    /// pair `sixnorms_session=…` to send as a `Cookie` header.
    pub async fn page_login(&self, username: &str, password: &str) -> String {
        let (cookie, token) = self.login_form().await;
        let response = self
            .client
            .post(format!("{}/login", self.address))
            .header("Cookie", &cookie)
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &token),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status().as_u16(), 303, "page login of {username}");
        let (name, value) = set_cookies(response.headers())
            .into_iter()
            .find(|(n, _)| n == "sixnorms_session")
            .expect("session cookie");
        format!("{name}={value}")
    }

    /// `GET path` with a `Cookie` header (no redirects followed).
    pub async fn get_page(&self, path: &str, cookie: &str) -> Reply {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .header("Cookie", cookie)
            .send()
            .await
            .expect("page");
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }
}

impl TestApp {
    /// Submits a workspace form: `POST path` as `application/x-www-form-urlencoded` with the
    /// session `cookie`, the session's CSRF token (read from `/app`) and `fields` (repeat a
    /// name for several values). No redirects are followed: success is usually `303` with
    /// `Location`, a refused form `422` with the page re-rendered.
    pub async fn post_page(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let token = csrf_field(&self.get_page("/app", cookie).await.text);
        let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        form.extend_from_slice(fields);
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .header("Cookie", cookie)
            .form(&form)
            .send()
            .await
            .expect("post form");
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }
}

/// How many projects the purchaser of `officer` has: in all, and in `status`.
pub fn officer_project_counts(app: &TestApp, officer: &str, status: &str) -> (i64, i64) {
    use sixnorms::db::schema::{projects, users};
    let mut conn = app.conn();
    let purchaser: i64 = users::table
        .filter(users::username.eq(officer))
        .select(users::purchaser_id)
        .first::<Option<i64>>(&mut conn)
        .expect("officer")
        .expect("officer's purchaser");
    let all = projects::table
        .filter(projects::purchaser_id.eq(purchaser))
        .count()
        .get_result::<i64>(&mut conn)
        .expect("count");
    let in_status = projects::table
        .filter(projects::purchaser_id.eq(purchaser))
        .filter(projects::status.eq(status))
        .count()
        .get_result::<i64>(&mut conn)
        .expect("count");
    (all, in_status)
}

/// Submitted reports and pending challenges of the purchaser of `officer`.
pub fn officer_work_counts(app: &TestApp, officer: &str) -> (i64, i64) {
    use sixnorms::db::schema::{challenges, contracts, projects, service_reports, users};
    let mut conn = app.conn();
    let purchaser: i64 = users::table
        .filter(users::username.eq(officer))
        .select(users::purchaser_id)
        .first::<Option<i64>>(&mut conn)
        .expect("officer")
        .expect("officer's purchaser");
    let reports = service_reports::table
        .inner_join(contracts::table)
        .filter(contracts::purchaser_id.eq(purchaser))
        .filter(service_reports::status.eq("submitted"))
        .count()
        .get_result::<i64>(&mut conn)
        .expect("count");
    let pending = challenges::table
        .filter(challenges::status.eq("pending"))
        .filter(
            challenges::project_id.eq_any(
                projects::table
                    .filter(projects::purchaser_id.eq(purchaser))
                    .select(projects::id),
            ),
        )
        .count()
        .get_result::<i64>(&mut conn)
        .expect("count");
    (reports, pending)
}
