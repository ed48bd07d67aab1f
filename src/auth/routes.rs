//! HTTP handlers of accounts: `/api/v1/session`, `/api/v1/me`, `/api/v1/users`.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};

use super::current_user::CurrentUser;
use super::model::UserView;
use super::service::{self, CreateUserRequest, SetActiveRequest};
use super::tokens::TokenKind;
use crate::app::AppState;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;

/// `POST /api/v1/session` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new bearer token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339 expiry.
    pub expires_at: String,
    /// The user.
    pub user: UserView,
}

/// Log in and receive a bearer token.
#[utoipa::path(
    post, path = "/api/v1/session", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "用户名或密码错误", body = ErrorBody),
        (status = 429, description = "too many failed logins", body = ErrorBody),
    )
)]
#[post("/api/v1/session")]
pub async fn create_session(
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> AppResult<HttpResponse> {
    let LoginRequest { username, password } = body.0;
    let now = state.clock.now();
    let settings = state.settings.auth.clone();
    let (token, user) = state
        .db
        .run(move |conn| {
            service::login(
                conn,
                &settings,
                now,
                &username,
                &password,
                TokenKind::Bearer,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: token.secret,
        expires_at: crate::clock::rfc3339(token.expires_at),
        user: user.view(),
    }))
}

/// Log out: revoke the token of this request.
#[utoipa::path(
    delete, path = "/api/v1/session", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/session")]
pub async fn delete_session(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    state
        .db
        .run(move |conn| service::logout(conn, user.token_id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The current user.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let row = state
        .db
        .run(move |conn| Ok(super::model::find(conn, user.id)?))
        .await?
        .ok_or_else(|| crate::error::AppError::Unauthorized("账号不存在".to_owned()))?;
    Ok(HttpResponse::Ok().json(row.view()))
}

/// Create a user (admin).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "auth",
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = UserView),
        (status = 403, body = ErrorBody),
        (status = 409, description = "username taken", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let request = body.0;
    request.check(&state.settings.auth)?;
    let actor = user.actor(state.clock.now());
    let row = state
        .db
        .run(move |conn| service::create_user(conn, &actor, &request))
        .await?;
    Ok(HttpResponse::Created().json(row.view()))
}

/// Deactivate or reactivate an account (admin): a deactivated account cannot log in and its
/// tokens are revoked.
#[utoipa::path(
    put, path = "/api/v1/users/{id}/active", tag = "auth",
    params(("id" = i64, Path)),
    request_body = SetActiveRequest,
    responses(
        (status = 200, body = UserView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "cannot_deactivate_self", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/users/{id}/active")]
pub async fn set_user_active(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<SetActiveRequest>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let (id, active) = (id.into_inner(), body.0.active);
    let actor = user.actor(state.clock.now());
    let row = state
        .db
        .run(move |conn| service::set_active(conn, &actor, user.id, id, active))
        .await?;
    Ok(HttpResponse::Ok().json(row.view()))
}

/// Registers the handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_session)
        .service(delete_session)
        .service(me)
        .service(create_user)
        .service(set_user_active);
}
