//! `GET/PUT /api/v1/me/notifications` (any signed-in user) and the admin's outbox:
//! `GET /api/v1/admin/outbox?status=` and `POST /api/v1/admin/outbox/{id}/retry`.

use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use serde_json::json;

use super::outbox::{self, OutboxRow, STATUS_FAILED, STATUS_PENDING, STATUS_SENT};
use super::preferences::{self, Preferences, PreferencesInput};
use crate::app::AppState;
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::write_tx;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, Page, PageQuery};

/// The caller's notification preferences: every kind with its label, whether it is on, and
/// whether it is mandatory.
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "auth",
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/me/notifications")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let id = user.id;
    let prefs = state
        .db
        .run(move |conn| Ok(preferences::get(conn, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(prefs))
}

/// Turns optional kinds on or off (`{"kinds": {"tender_published": false}}`); kinds left out
/// keep their state. Turning off a mandatory kind (award result, challenge answer, contract
/// to sign, report missing) or naming an unknown one is `422` naming `kinds.<code>`, and
/// nothing changes. Audited.
#[utoipa::path(
    put, path = "/api/v1/me/notifications", tag = "auth",
    request_body = PreferencesInput,
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/me/notifications")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<PreferencesInput>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let actor = user.actor(now);
    let id = user.id;
    let input = body.0;
    let prefs = state
        .db
        .run(move |conn| preferences::set(conn, &actor, id, now, &input))
        .await?;
    Ok(HttpResponse::Ok().json(prefs))
}

/// `?status=pending|sent|failed&page=&per_page=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    /// Only messages of this status.
    pub status: Option<String>,
    /// Page number from 1.
    pub page: Option<i64>,
    /// Items per page, 1–100.
    pub per_page: Option<i64>,
}

/// Queued, sent and failed mail, newest first (admin): `{items, page, per_page, total}`.
#[utoipa::path(
    get, path = "/api/v1/admin/outbox", tag = "admin",
    params(OutboxQuery),
    responses((status = 200, description = "{items: [OutboxRow], page, per_page, total}"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/admin/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<OutboxQuery>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) if [STATUS_PENDING, STATUS_SENT, STATUS_FAILED].contains(&s) => Some(s.to_owned()),
        Some(_) => {
            return Err(AppError::field("status", "须为 pending、sent 或 failed"));
        }
    };
    let (items, total) = state
        .db
        .run(move |conn| {
            Ok(outbox::list(
                conn,
                status.as_deref(),
                (page - 1) * per_page,
                per_page,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::<OutboxRow> {
        items,
        page,
        per_page,
        total,
    }))
}

/// Puts a `failed` message back in the queue, due at once (admin); any other status is
/// `409 invalid_state`. Audited.
#[utoipa::path(
    post, path = "/api/v1/admin/outbox/{id}/retry", tag = "admin",
    params(("id" = i64, Path)),
    responses((status = 200, body = OutboxRow), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/admin/outbox/{id}/retry")]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let id = id.into_inner();
    let now = state.clock.now();
    let actor = user.actor(now);
    let row = state
        .db
        .run(move |conn| retry_audited(conn, &actor, id, now))
        .await?;
    Ok(HttpResponse::Ok().json(row))
}

/// Puts a `failed` message back in the queue ([`outbox::retry`]) with its audit row, in one
/// transaction: what an admin's retry does (API and workspace page).
pub fn retry_audited(
    conn: &mut crate::db::AnyConnection,
    actor: &audit::Actor,
    id: i64,
    now: chrono::NaiveDateTime,
) -> AppResult<OutboxRow> {
    write_tx(conn, |conn| {
        let row = outbox::retry(conn, id, now)?;
        audit::record(
            conn,
            actor,
            "outbox.retry",
            "outbox",
            &id.to_string(),
            Some(&json!({ "status": STATUS_FAILED, "attempts": row.attempts })),
            Some(&json!({ "status": row.status, "next_attempt_at": row.next_attempt_at })),
        )?;
        Ok::<_, AppError>(row)
    })
}

/// OpenAPI of the notification routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_preferences, put_preferences, list_outbox, retry_outbox),
    components(schemas(Preferences, preferences::KindPreference, PreferencesInput, OutboxRow))
)]
pub struct NotifyApi;

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_preferences)
        .service(put_preferences)
        .service(list_outbox)
        .service(retry_outbox);
}
