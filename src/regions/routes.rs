//! `GET /api/v1/regions?parent_code=` (public).

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use super::Region;
use crate::app::AppState;
use crate::error::{AppError, AppResult, ErrorBody};

/// The parent whose children to list; omit for the provinces.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegionQuery {
    /// A region code.
    pub parent_code: Option<String>,
}

/// Child regions of `parent_code` (or the provinces).
#[utoipa::path(get, path = "/api/v1/regions", tag = "reference", params(RegionQuery),
    responses((status = 200, body = [Region]), (status = 404, body = ErrorBody)))]
#[get("/api/v1/regions")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<RegionQuery>,
) -> AppResult<HttpResponse> {
    let parent = query.into_inner().parent_code.filter(|p| !p.is_empty());
    let regions = state
        .db
        .run(move |conn| {
            if let Some(code) = &parent
                && super::find(conn, code)?.is_none()
            {
                return Err(AppError::NotFound(format!("行政区划 {code} 不存在")));
            }
            Ok(super::children(conn, parent.as_deref())?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(regions))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list))]
pub struct RegionsApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list);
}
