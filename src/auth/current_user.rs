//! The `CurrentUser` extractor and role guards. The JSON API accepts only
//! `Authorization: Bearer` tokens (so a browser cookie can never be replayed against it
//! cross-site); browser pages accept the HttpOnly session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::model::UserRow;
use super::roles::Role;
use super::tokens::{self, TokenKind};
use crate::app::AppState;
use crate::audit::Actor;
use crate::error::AppError;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Display name.
    pub display_name: String,
    /// Email.
    pub email: String,
    /// Purchaser of an officer.
    pub purchaser_id: Option<i64>,
    /// Contractor of a contractor user.
    pub contractor_id: Option<i64>,
    /// The token or session used for this request.
    pub token_id: i64,
}

impl CurrentUser {
    fn from_row(row: UserRow, token_id: i64) -> Result<Self, AppError> {
        let role = row
            .role()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {} has bad role", row.id)))?;
        Ok(CurrentUser {
            id: row.id,
            username: row.username,
            role,
            display_name: row.display_name,
            email: row.email,
            purchaser_id: row.purchaser_id,
            contractor_id: row.contractor_id,
            token_id,
        })
    }

    /// `403 forbidden` unless the user has one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "当前角色（{}）无权执行此操作",
                self.role.label()
            )))
        }
    }

    /// `403 forbidden` unless the user is an admin.
    pub fn require_admin(&self) -> Result<(), AppError> {
        self.require_any(&[Role::Admin])
    }

    /// The audit actor for a change made at `at`.
    pub fn actor(&self, at: chrono::NaiveDateTime) -> Actor {
        Actor::user(self.id, &self.username, at)
    }
}

/// Where the credential came from.
fn credential(req: &HttpRequest, state: &AppState) -> Option<(String, TokenKind)> {
    if let Some(value) = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let secret = value.strip_prefix("Bearer ").map(str::trim)?;
        return Some((secret.to_owned(), TokenKind::Bearer));
    }
    if req.path().starts_with("/api/") {
        return None;
    }
    req.cookie(&state.settings.auth.session_cookie_name)
        .map(|c| (c.value().to_owned(), TokenKind::Session))
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let found = state.as_ref().and_then(|s| credential(req, s));
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("AppState missing from app data"))
            })?;
            let (secret, kind) =
                found.ok_or_else(|| AppError::Unauthorized("请先登录".to_owned()))?;
            let now = state.clock.now();
            let row = state
                .db
                .run(move |conn| Ok(tokens::authenticate(conn, &secret, kind, now)?))
                .await?;
            let (user, token_id) =
                row.ok_or_else(|| AppError::Unauthorized("登录已失效，请重新登录".to_owned()))?;
            CurrentUser::from_row(user, token_id)
        })
    }
}
