//! Operations: liveness and readiness, the OpenAPI document and Swagger UI, and the manual
//! clock used by acceptance tests and demos.

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "ok")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "status": "ok" }))
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "ready"), (status = 503, description = "database unreachable")))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    use diesel::connection::SimpleConnection;
    let result = state
        .db
        .run(|conn| Ok(conn.batch_execute("SELECT 1")?))
        .await;
    match result {
        Ok(()) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({ "status": "ready", "database": "ok" })),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Cache-Control", "no-store"))
                .json(json!({ "status": "unavailable", "database": "unreachable" }))
        }
    }
}

/// `PUT /api/v1/admin/clock` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetClock {
    /// RFC 3339 time, e.g. `2026-03-02T09:00:00+08:00`.
    pub now: String,
}

/// The clock's reading.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockReading {
    /// RFC 3339 UTC.
    pub now: String,
    /// Today's date in Asia/Shanghai.
    pub today: String,
    /// Whether the clock is manual.
    pub manual: bool,
}

/// Sets the manual clock (admin; only when `clock.manual = true`, otherwise 404).
#[utoipa::path(put, path = "/api/v1/admin/clock", tag = "admin", request_body = SetClock,
    responses((status = 200, body = ClockReading), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[put("/api/v1/admin/clock")]
pub async fn set_clock(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<SetClock>,
) -> AppResult<HttpResponse> {
    if !state.clock.is_manual() {
        return Err(AppError::NotFound("未启用手动时钟".to_owned()));
    }
    user.require_admin()?;
    let new_now = DateTime::parse_from_rfc3339(&body.0.now)
        .map_err(|_| AppError::field("now", "须为 RFC 3339 时间，如 2026-03-02T09:00:00+08:00"))?
        .with_timezone(&Utc)
        .naive_utc();
    let before = state.clock.now();
    let actor = user.actor(new_now);
    state
        .db
        .run(move |conn| {
            crate::db::write_tx(conn, |conn| {
                crate::audit::record(
                    conn,
                    &actor,
                    "clock.set",
                    "clock",
                    "manual",
                    Some(&json!({ "now": crate::clock::rfc3339(before) })),
                    Some(&json!({ "now": crate::clock::rfc3339(new_now) })),
                )
                .map(|_| ())
            })
            .map_err(AppError::from)
        })
        .await?;
    state.clock.set(new_now);
    Ok(HttpResponse::Ok().json(ClockReading {
        now: crate::clock::rfc3339(state.clock.now()),
        today: state.clock.today().to_string(),
        manual: true,
    }))
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "SixNorms API",
        description = "政府购买社会工作服务全流程平台 — government purchase of social-work services, from budget to payment, with public disclosure.",
        version = "1"
    ),
    paths(
        healthz,
        readyz,
        set_clock,
        crate::auth::routes::create_session,
        crate::auth::routes::delete_session,
        crate::auth::routes::me,
        crate::auth::routes::create_user,
        crate::auth::routes::set_user_active,
        crate::audit::routes::list,
        crate::audit::routes::verify,
        crate::jobs::routes::list,
        crate::jobs::routes::run,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The whole document: this module's paths and every area's.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::regions::routes::RegionsApi::openapi());
    doc.merge(crate::catalog::routes::CatalogApi::openapi());
    doc.merge(crate::purchasers::routes::PurchasersApi::openapi());
    doc.merge(crate::contractors::routes::ContractorsApi::openapi());
    doc.merge(crate::stations::routes::StationsApi::openapi());
    doc.merge(crate::disclosure::routes::DisclosureApi::openapi());
    doc.merge(crate::disclosure::ocds_routes::OcdsApi::openapi());
    doc.merge(crate::disclosure::pdf_routes::NoticePdfApi::openapi());
    doc.merge(crate::procurement::routes::ProcurementApi::openapi());
    doc.merge(crate::procurement::bids::routes::BidsApi::openapi());
    doc.merge(crate::procurement::evaluation::routes::EvaluationApi::openapi());
    doc.merge(crate::contracts::routes::ContractsApi::openapi());
    doc.merge(crate::contracts::delivery::routes::DeliveryApi::openapi());
    doc.merge(crate::evaluations::routes::EvaluationsApi::openapi());
    doc.merge(crate::disclosure::timeliness::TimelinessApi::openapi());
    doc.merge(crate::notify::routes::NotifyApi::openapi());
    doc
}

/// Adds the bearer security scheme.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Registers the handlers, `/api/openapi.json` and the vendored Swagger UI at `/api/docs/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz)
        .service(readyz)
        .service(set_clock)
        .service(web::resource("/api/docs").route(web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header(("Location", "/api/docs/"))
                .finish()
        })))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
                .url("/api/openapi.json", openapi()),
        );
}
