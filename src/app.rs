//! Builds the application: shared state, the actix `App` with its middleware, the HTTP server
//! on a given listener (port 0 in tests), and the job scheduler.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{self, Next};
use actix_web::{App, HttpResponse, HttpServer, web};
use tokio_cron_scheduler::JobScheduler;
use tracing_actix_web::TracingLogger;

use crate::calendar::Calendar;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::disclosure::pdf::PdfRenderer;
use crate::disclosure::pdf_store::PdfCache;
use crate::error::{AppError, RenderedError};
use crate::extract::JsonLimit;
use crate::notify::sender::Mailer;
use crate::procurement::rules::ProcurementRules;

/// Everything a request or a job needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Connection pool.
    pub db: Db,
    /// The clock every rule reads.
    pub clock: Clock,
    /// Working-day calendar.
    pub calendar: Arc<Calendar>,
    /// Procurement method rules (`config/procurement.toml`).
    pub rules: Arc<ProcurementRules>,
    /// Validated settings.
    pub settings: Arc<Settings>,
    /// Outgoing mail transport.
    pub mailer: Mailer,
    /// Identifies this process in `job_runs`.
    pub instance_id: String,
    /// The notice PDF renderer, with the embedded CJK font parsed once per process.
    pub pdf: Arc<PdfRenderer>,
    /// Recently served notice PDFs, in memory.
    pub pdf_cache: Arc<PdfCache>,
    /// Public notice lists and the feed, in memory until the next publication.
    pub pages: Arc<crate::public::page_cache::PageCache>,
    /// The format of the stored project pages this build makes (see
    /// [`crate::public::project_pages::page_format`]); a stored page of another format is
    /// built again.
    pub project_page_format: Arc<str>,
    /// Stores the project pages built on request, in batches, off the request's path.
    pub project_page_writer: Arc<crate::public::page_writer::PageWriter>,
}

impl AppState {
    /// Connects to the database, loads the calendar and builds the mailer. Migrations run
    /// here when `database.migrate_on_start` is set.
    pub fn new(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
        let db = Db::connect_with(
            &settings.database.url,
            settings.database.pool_size,
            Duration::from_secs(settings.database.connect_timeout_secs),
            crate::db::SqliteOptions::with_mmap_mib(settings.database.sqlite_mmap_mib),
        )?;
        if settings.database.migrate_on_start {
            let applied = db.migrate()?;
            if !applied.is_empty() {
                tracing::info!(?applied, "migrations applied");
            }
            let mut conn = db.get()?;
            let loaded = crate::reference::sync(&mut conn)?;
            if loaded > 0 {
                tracing::info!(loaded, "reference data loaded");
            }
        }
        let calendar = Calendar::load(Some(&settings.calendar.dir))
            .map_err(|e| anyhow::anyhow!("configuration error: calendar.dir: {e}"))?;
        let rules = if settings.procurement.rules_file.as_os_str().is_empty() {
            ProcurementRules::embedded()
                .map_err(|e| anyhow::anyhow!("configuration error: procurement rules: {e}"))?
        } else {
            let text = std::fs::read_to_string(&settings.procurement.rules_file)
                .map_err(|e| anyhow::anyhow!("configuration error: procurement.rules_file: {e}"))?;
            ProcurementRules::from_toml(&text)
                .map_err(|e| anyhow::anyhow!("configuration error: procurement.rules_file: {e}"))?
        };
        let mailer = Mailer::from_settings(&settings.mail)?;
        let pdf = PdfRenderer::shared()?;
        let instance_id = format!(
            "{}-{}",
            std::process::id(),
            hex::encode(rand::random::<[u8; 4]>())
        );
        let project_page_format = crate::public::project_pages::page_format(&rules).into();
        let project_page_writer = crate::public::page_writer::PageWriter::start(db.clone())
            .map_err(|e| anyhow::anyhow!("cannot start the project page writer: {e}"))?;
        Ok(AppState {
            db,
            clock,
            calendar: Arc::new(calendar),
            rules: Arc::new(rules),
            settings: Arc::new(settings),
            mailer,
            instance_id,
            pdf,
            pdf_cache: Arc::new(PdfCache::default()),
            pages: Arc::default(),
            project_page_format,
            project_page_writer: Arc::new(project_page_writer),
        })
    }

    /// The clock the settings ask for.
    pub fn clock_for(settings: &Settings) -> Clock {
        if settings.clock.manual {
            Clock::manual_from_system()
        } else {
            Clock::system()
        }
    }
}

/// A started server and its scheduler.
pub struct RunningApp {
    /// The server future; await it to serve until shutdown.
    pub server: Server,
    /// The bound port.
    pub port: u16,
    /// The scheduler, when jobs are enabled.
    pub scheduler: Option<JobScheduler>,
    /// The shared state.
    pub state: AppState,
}

/// Registers every route and the app-wide configuration.
pub fn configure(state: &AppState, cfg: &mut web::ServiceConfig) {
    let json_limit = state.settings.server.json_limit_bytes;
    cfg.app_data(web::Data::new(state.clone()))
        .app_data(JsonLimit(json_limit))
        .app_data(web::PayloadConfig::new(json_limit))
        .app_data(web::QueryConfig::default().error_handler(|error, _req| {
            AppError::field("query", format!("查询参数有误：{error}")).into()
        }))
        .app_data(web::PathConfig::default().error_handler(|error, _req| {
            AppError::NotFound(format!("路径参数有误：{error}")).into()
        }))
        .app_data(
            web::FormConfig::default()
                .limit(json_limit)
                .error_handler(|error, _req| {
                    AppError::BadRequest(format!("表单有误：{error}")).into()
                }),
        )
        .configure(crate::ops::configure)
        // The public site first: actix tries routes in registration order, and the public
        // pages and PDFs carry most of the traffic (bench/run).
        .configure(crate::public::configure)
        .configure(crate::disclosure::pdf_routes::configure)
        .configure(crate::auth::routes::configure)
        .configure(crate::audit::routes::configure)
        .configure(crate::jobs::routes::configure)
        .configure(crate::notify::routes::configure)
        .configure(crate::regions::routes::configure)
        .configure(crate::catalog::routes::configure)
        .configure(crate::purchasers::routes::configure)
        .configure(crate::contractors::routes::configure)
        .configure(crate::stations::routes::configure)
        .configure(crate::disclosure::routes::configure)
        .configure(crate::disclosure::ocds_routes::configure)
        .configure(crate::procurement::routes::configure)
        .configure(crate::procurement::bids::routes::configure)
        .configure(crate::procurement::evaluation::routes::configure)
        .configure(crate::contracts::routes::configure)
        .configure(crate::contracts::delivery::routes::configure)
        .configure(crate::evaluations::routes::configure)
        .configure(crate::disclosure::timeliness::configure)
        .configure(crate::pages::configure)
        .configure(crate::web::configure);
}

/// Turns error responses outside `/api` into the Chinese HTML error page.
async fn html_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_api = req.path() == "/api" || req.path().starts_with("/api/");
    let response = next.call(req).await?;
    if is_api {
        return Ok(response.map_into_boxed_body());
    }
    let rendered = response
        .response()
        .extensions()
        .get::<RenderedError>()
        .cloned();
    match rendered {
        Some(error) => {
            let status = response.status();
            let page = crate::pages::error_page(status, error.code, &error.message);
            Ok(response.into_response(
                HttpResponse::build(status)
                    .content_type("text/html; charset=utf-8")
                    .body(page),
            ))
        }
        None => Ok(response.map_into_boxed_body()),
    }
}

/// Unmatched routes.
async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("您访问的页面或接口不存在".to_owned()))
}

/// Starts the HTTP server on `listener` and, when enabled, the job scheduler.
pub async fn build(state: AppState, listener: TcpListener) -> anyhow::Result<RunningApp> {
    let port = listener.local_addr()?.port();
    let server_state = state.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            .configure(|cfg| configure(&server_state, cfg))
            .default_service(web::to(not_found))
            .wrap(middleware::from_fn(html_errors))
            .wrap(middleware::Compress::default())
            .wrap(
                middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "same-origin")),
            )
            .wrap(TracingLogger::default())
    })
    .shutdown_timeout(state.settings.server.shutdown_timeout_secs);
    if state.settings.server.workers > 0 {
        server = server.workers(state.settings.server.workers);
    }
    let server = server.listen(listener)?.run();
    let scheduler = if state.settings.jobs.enabled {
        Some(crate::jobs::scheduler::start(state.clone()).await?)
    } else {
        None
    };
    Ok(RunningApp {
        server,
        port,
        scheduler,
        state,
    })
}
