//! `/api/v1/purchasers`: created by admins, read by everyone (purchasers are public).

use actix_web::{HttpResponse, get, post, web};

use super::model::{self, PurchaserView};
use super::service::{self, NewPurchaser};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, Page, PageQuery};

/// Register a purchaser (admin).
#[utoipa::path(post, path = "/api/v1/purchasers", tag = "parties", request_body = NewPurchaser,
    responses((status = 201, body = PurchaserView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/api/v1/purchasers")]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<NewPurchaser>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let actor = user.actor(state.clock.now());
    let input = body.0;
    let view = state
        .db
        .run(move |conn| {
            let row = service::create(conn, &actor, &input)?;
            service::view(conn, row.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Every purchaser, with its eligibility (public).
#[utoipa::path(get, path = "/api/v1/purchasers", tag = "parties", params(PageQuery),
    responses((status = 200, description = "{items: [PurchaserView], page, per_page, total}")))]
#[get("/api/v1/purchasers")]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let (page, per_page) = query.resolve()?;
    let result = state
        .db
        .run(move |conn| {
            let (rows, total) = model::list(conn, (page - 1) * per_page, per_page)?;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let name = crate::regions::full_name(conn, &row.region_code)?;
                items.push(row.view(name));
            }
            Ok(Page {
                items,
                page,
                per_page,
                total,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One purchaser (public).
#[utoipa::path(get, path = "/api/v1/purchasers/{id}", tag = "parties",
    params(("id" = i64, Path)),
    responses((status = 200, body = PurchaserView), (status = 404, body = ErrorBody)))]
#[get("/api/v1/purchasers/{id}")]
pub async fn show(state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = state.db.run(move |conn| service::view(conn, id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// OpenAPI of this area.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, show))]
pub struct PurchasersApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list).service(show);
}
