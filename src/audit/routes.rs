//! `GET /api/v1/audit` and `GET /api/v1/audit/verify` (admin, auditor).

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use super::{AuditRow, VerifyReport};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Page, PageQuery};

/// Filters of the audit list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// e.g. `user`.
    pub entity_type: Option<String>,
    /// The entity's id.
    pub entity_id: Option<String>,
    /// Page from 1.
    pub page: Option<i64>,
    /// 1–100.
    pub per_page: Option<i64>,
}

/// The audit trail, newest first.
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "{items, page, per_page, total}"), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/audit")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Admin, Role::Auditor])?;
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let (items, total): (Vec<AuditRow>, i64) = state
        .db
        .run(move |conn| {
            Ok(super::list(
                conn,
                query.entity_type.as_deref(),
                query.entity_id.as_deref(),
                (page - 1) * per_page,
                per_page,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        page,
        per_page,
        total,
    }))
}

/// Recomputes the whole hash chain.
#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyReport), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/audit/verify")]
pub async fn verify(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_any(&[Role::Admin, Role::Auditor])?;
    let report = state.db.run(|conn| Ok(super::verify(conn)?)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(verify);
}
