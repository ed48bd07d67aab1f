//! HTTP handlers of stations: `/api/v1/stations` (create, change, public list and detail) and
//! the public coverage statistic `/api/v1/stats/coverage`.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};

use super::coverage::Coverage;
use super::model::StationView;
use super::service::{self, CreateStationRequest, UpdateStationRequest};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, PageQuery};

/// Filters of the station list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StationQuery {
    /// Only stations in this region or below it.
    pub region_code: Option<String>,
    /// `county_center`, `township_station` or `village_room`.
    pub tier: Option<String>,
    /// Page from 1.
    pub page: Option<i64>,
    /// 1–100.
    pub per_page: Option<i64>,
}

/// A page of stations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationPage {
    /// This page's stations, by region then id.
    pub items: Vec<StationView>,
    /// Page number.
    pub page: i64,
    /// Page size.
    pub per_page: i64,
    /// Stations over all pages.
    pub total: i64,
}

/// The region of the coverage statistic.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CoverageQuery {
    /// Required: a region code (province, prefecture, county or township).
    pub region_code: Option<String>,
}

/// Record a station (officer within its purchaser's region, admin).
#[utoipa::path(
    post, path = "/api/v1/stations", tag = "stations",
    request_body = CreateStationRequest,
    responses(
        (status = 201, body = StationView),
        (status = 403, description = "role, or region outside the officer's purchaser", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/stations")]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateStationRequest>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Officer, Role::Admin])?;
    let request = body.0;
    let actor = user.actor(state.clock.now());
    let view = state
        .db
        .run(move |conn| service::create(conn, &user, &actor, &request))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Change a station's name, operator or standards (officer in scope, admin).
#[utoipa::path(
    patch, path = "/api/v1/stations/{id}", tag = "stations",
    params(("id" = i64, Path, description = "station id")),
    request_body = UpdateStationRequest,
    responses(
        (status = 200, body = StationView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/api/v1/stations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    body: ApiJson<UpdateStationRequest>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Officer, Role::Admin])?;
    let id = path.into_inner();
    let request = body.0;
    let actor = user.actor(state.clock.now());
    let view = state
        .db
        .run(move |conn| service::update(conn, &user, &actor, id, &request))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Stations (public), filtered by region subtree and tier.
#[utoipa::path(
    get, path = "/api/v1/stations", tag = "stations", params(StationQuery),
    responses(
        (status = 200, body = StationPage),
        (status = 404, description = "unknown region", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[get("/api/v1/stations")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<StationQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let tier = service::parse_tier_filter(query.tier.as_deref())?;
    let region = query
        .region_code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let (items, total) = state
        .db
        .run(move |conn| {
            service::list(
                conn,
                region.as_deref(),
                tier,
                (page - 1) * per_page,
                per_page,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(StationPage {
        items,
        page,
        per_page,
        total,
    }))
}

/// One station (public).
#[utoipa::path(
    get, path = "/api/v1/stations/{id}", tag = "stations",
    params(("id" = i64, Path, description = "station id")),
    responses((status = 200, body = StationView), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/stations/{id}")]
pub async fn show(state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let view = state.db.run(move |conn| service::get(conn, id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Station coverage (public): townships with a compliant township station ÷ townships, for
/// the region and each child.
#[utoipa::path(
    get, path = "/api/v1/stats/coverage", tag = "stations", params(CoverageQuery),
    responses(
        (status = 200, body = Coverage),
        (status = 404, description = "unknown region", body = ErrorBody),
        (status = 422, description = "region_code missing", body = ErrorBody),
    )
)]
#[get("/api/v1/stats/coverage")]
pub async fn coverage(
    state: web::Data<AppState>,
    query: web::Query<CoverageQuery>,
) -> AppResult<HttpResponse> {
    let region = query
        .into_inner()
        .region_code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AppError::field("region_code", "必填：请指定行政区划代码"))?;
    let report = state
        .db
        .run(move |conn| service::coverage(conn, &region))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, update, list, show, coverage))]
pub struct StationsApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(update)
        .service(list)
        .service(show)
        .service(coverage);
}
