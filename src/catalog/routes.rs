//! HTTP handlers of the guiding catalog: `GET /api/v1/catalog?year=` (public) and
//! `POST /api/v1/catalog/items` (admin).

use actix_web::{HttpResponse, get, post, web};
use chrono::Datelike;
use serde::Deserialize;

use super::model::{CatalogItemView, CatalogView};
use super::service::{self, NewCatalogItem};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

/// Which year's catalog to show.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CatalogQuery {
    /// Catalog year; defaults to the current year (Asia/Shanghai).
    pub year: Option<i32>,
}

/// The guiding catalog of a year: domains with their items, target groups, negative list.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "reference", params(CatalogQuery),
    responses(
        (status = 200, body = CatalogView),
        (status = 404, description = "no catalog for the year", body = ErrorBody),
        (status = 422, description = "bad query", body = ErrorBody),
    ))]
#[get("/api/v1/catalog")]
pub async fn get_catalog(
    state: web::Data<AppState>,
    query: web::Query<CatalogQuery>,
) -> AppResult<HttpResponse> {
    let year = query
        .into_inner()
        .year
        .unwrap_or_else(|| state.clock.today().year());
    let view = state
        .db
        .run(move |conn| service::catalog(conn, year))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(view))
}

/// Add an item to the catalog of a year (admin).
#[utoipa::path(post, path = "/api/v1/catalog/items", tag = "reference",
    request_body = NewCatalogItem,
    responses(
        (status = 201, body = CatalogItemView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "the year already has the code", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])))]
#[post("/api/v1/catalog/items")]
pub async fn create_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<NewCatalogItem>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let input = body.0;
    let actor = user.actor(state.clock.now());
    let row = state
        .db
        .run(move |conn| {
            service::check(conn, &input)?;
            service::create_item(conn, &actor, &input)
        })
        .await?;
    Ok(HttpResponse::Created().json(row.view()))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_catalog, create_item))]
pub struct CatalogApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_catalog).service(create_item);
}
